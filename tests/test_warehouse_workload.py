"""marts.officer_workload, complaints_summary, complaint_cases and office_freshness on hand-made data.

As of Tuesday 30/06/2026: statistical year 2026, running from 01/10/2025.
"""

from __future__ import annotations

from datetime import date

import pytest

from warehouse_fixtures import build, rows

AS_OF = date(2026, 6, 30)
D = date
TARGETS = ["marts.officer_workload", "marts.complaints_summary", "marts.complaint_cases"]

# Every case is received Friday 10/01/2025 and decided Monday 13/01 (on time) unless stated.
_R, _DEC = D(2025, 1, 10), D(2025, 1, 13)
CASES = [
    dict(case_id="W1", officer_id="CHV01", received_date=_R, decision_date=_DEC),  # pending, with conditions
    dict(case_id="W2", officer_id="CHV01", received_date=_R, decision_date=_DEC, status="chua_co_dieu_kien",
         status_date=D(2025, 6, 1)),  # pending, without conditions
    dict(case_id="W3", officer_id="CHV01", received_date=_R, decision_date=_DEC, status="xong",
         status_date=D(2025, 12, 15)),  # completed in the running year (carried over, done 15/12/2025)
    dict(case_id="W4", officer_id="CHV01", received_date=_R, decision_date=_DEC, status="xong",
         status_date=D(2025, 9, 20)),  # completed in the previous year: not counted
    dict(case_id="W5", officer_id="CHV02", received_date=_R, decision_date=_DEC, status="theo_doi_rieng",
         status_date=D(2026, 1, 20)),  # separate register
    dict(case_id="W6", office_code="NA02", officer_id=None, received_date=_R, decision_date=_DEC),  # unassigned
    dict(case_id="W7", officer_id="CHV02", received_date=_R, decision_date=_DEC, status="hoan_thoa_thuan",
         status_date=D(2025, 3, 1)),  # postponed by agreement: with conditions
    # W8 received Mon 15/06/2026, no decision: due Mon 22/06, an open breach of 8 days (CHV02)
    dict(case_id="W8", officer_id="CHV02", received_date=D(2026, 6, 15), decision_date=None),
]

COMPLAINTS = [
    dict(complaint_id="Q1", case_id="W1", received_date=D(2025, 11, 10), resolved_date=D(2026, 1, 5)),
    dict(complaint_id="Q2", case_id="W1", received_date=D(2026, 6, 10)),
    dict(complaint_id="Q3", case_id="W2", received_date=D(2026, 6, 5), resolved_date=D(2026, 6, 20)),
    dict(complaint_id="Q4", case_id=None, office_code="NA02", kind="to_cao", received_date=D(2026, 5, 15),
         escalated=True),
    dict(complaint_id="Q5", case_id="W3", received_date=D(2025, 12, 1)),  # unresolved, but its case closed
    # received by the legacy provincial department (CUC-NA maps to NA01), resolved 15/10/2025
    dict(complaint_id="Q6", case_id=None, office_code="CUC-NA", received_date=D(2025, 6, 1),
         resolved_date=D(2025, 10, 15)),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    con = build(tmp_path_factory.mktemp("workload"), AS_OF, TARGETS, cases=CASES, complaints=COMPLAINTS)
    yield con
    con.close()


def test_officer_workload(warehouse):
    got = {(r["office_code"], r["officer_id"]): (
        r["pending_with_conditions"], r["pending_without_conditions"], r["pending_separate"], r["completed_ytd"],
        r["open_breaches"], r["total_breaches"]) for r in rows(warehouse, "select * from marts.officer_workload")}
    assert got == {
        # W1 with, W2 without, W3 completed this year (W4 last year: not counted)
        ("NA01", "CHV01"): (1, 1, 0, 1, 0, 0),
        # W7 (hoan_thoa_thuan) and W8 with, W5 separate; W8's decision is an open breach
        ("NA01", "CHV02"): (2, 0, 1, 0, 1, 1),
        # the unassigned case stays visible with an empty officer
        ("NA02", None): (1, 0, 0, 0, 0, 0),
    }


def _summary(con, period_kind, period_start, office):
    out = rows(con, "select * from marts.complaints_summary where period_kind = ? and period_start = ? "
                    "and office_code = ? and (period_kind <> 'ytd' or period_end = ?)",
               [period_kind, period_start, office, AS_OF])
    assert len(out) == 1, out
    r = out[0]
    return (r["complaints_received"], r["complaints_resolved"], r["complaints_pending_end"],
            r["escalated_received"], r["pending_cases_with_complaint"], r["median_age_days_pending_with_complaint"],
            r["max_age_days_pending_with_complaint"])


def test_complaints_in_the_running_year(warehouse):
    # year to date 01/10/2025 - 30/06/2026, NA01: received Q1, Q2, Q3, Q5 = 4 (Q6 came before the year);
    # resolved Q1, Q3, Q6 = 3; pending at the end Q2, Q5 = 2. Pending cases with an unresolved complaint:
    # W1 only (W3 is closed): age 10/01/2025 -> 30/06/2026 = 365 + 151 + 20 = 536 days.
    assert _summary(warehouse, "ytd", D(2025, 10, 1), "NA01") == (4, 3, 2, 0, 1, 536, 536)
    # NA02: the escalated denunciation Q4, not tied to a case
    assert _summary(warehouse, "ytd", D(2025, 10, 1), "NA02") == (1, 0, 1, 1, 0, None, None)
    assert _summary(warehouse, "ytd", D(2025, 10, 1), "ALL") == (5, 3, 3, 1, 1, 536, 536)


def test_complaints_in_a_month(warehouse):
    # June 2026, NA01: received Q2, Q3; resolved Q3; pending at 30/06: Q2 and Q5
    assert _summary(warehouse, "month", D(2026, 6, 1), "NA01") == (2, 1, 2, 0, 1, 536, 536)
    # December 2025: Q5 received; pending at 31/12: Q1 and Q5; W1 (age 355 days) pending with Q1 unresolved;
    # W3 had closed on 15/12 -> 1 case
    assert _summary(warehouse, "month", D(2025, 12, 1), "NA01") == (1, 0, 2, 0, 1, 355, 355)


def test_complaint_cases_as_of(warehouse):
    got = rows(warehouse, "select case_id, office_code, officer_id, unresolved_complaints, "
                          "oldest_complaint_received_date, oldest_complaint_age_days, age_days "
                          "from marts.complaint_cases")
    assert got == [dict(case_id="W1", office_code="NA01", officer_id="CHV01", unresolved_complaints=1,
                        oldest_complaint_received_date=D(2026, 6, 10), oldest_complaint_age_days=20,
                        age_days=536)]


def _freshness(con):
    return {(r["office_code"], r["record_type"]): (
        r["newest_accepted_batch_date"], r["days_behind"], r["stale"], r["missing"])
        for r in rows(con, "select * from marts.office_freshness")}


def test_freshness_from_row_lineage_without_a_manifest(tmp_path):
    con = build(tmp_path, AS_OF, ["marts.office_freshness"],
                cases=[dict(case_id="F1", received_date=_R),
                       dict(case_id="F2", office_code="NA02", received_date=_R, batch_date=D(2026, 6, 28))],
                payments=[dict(payment_id="P1", case_id="F1", payment_date=D(2025, 2, 1), amount=1)])
    try:
        got = _freshness(con)
        assert got[("NA01", "cases")] == (AS_OF, 0, False, False)
        assert got[("NA01", "payments")] == (AS_OF, 0, False, False)
        assert got[("NA02", "cases")] == (D(2026, 6, 28), 2, True, False)
        # never sent: missing, and counted stale
        assert got[("NA02", "payments")] == (None, None, True, True)
        # every current office of agencies.csv x the seven record types
        offices = {o for o, _ in got}
        assert {"NA01", "NA02"} <= offices and len(got) == 7 * len(offices)
    finally:
        con.close()


def test_freshness_from_the_manifest_when_there_is_one(tmp_path):
    def entry(office, record_type, batch, status):
        return dict(batch_date=batch, office_code=office, record_type=record_type,
                    source_file=f"{batch}/{office}/{record_type}.csv", file_sha256="0" * 64, status=status,
                    rows_read=1, rows_loaded=1 if status == "accepted" else 0, rows_quarantined=0,
                    rows_superseded=0, rows_rejected=0 if status == "accepted" else 1)

    manifest = [
        # As transforms/intake.py writes it: one row per file considered tonight. A file of an earlier
        # night still in use is `standing`, with its own (older) batch date.
        entry("NA01", "cases", D(2026, 6, 29), "standing"),
        entry("NA01", "cases", D(2026, 6, 30), "rejected"),  # tonight's file rejected: 29/06 stands
        entry("NA01", "assets", D(2026, 6, 1), "standing"),  # not sent since 01/06
        entry("NA02", "cases", D(2026, 6, 30), "accepted"),
    ]
    # the rows themselves say 30/06 for NA01 cases; the manifest wins
    con = build(tmp_path, AS_OF, ["marts.office_freshness"], cases=[dict(case_id="F1", received_date=_R)],
                file_manifest=manifest)
    try:
        got = _freshness(con)
        assert got[("NA01", "cases")] == (D(2026, 6, 29), 1, True, False)
        assert got[("NA01", "assets")] == (D(2026, 6, 1), 29, True, False)
        assert got[("NA02", "cases")] == (AS_OF, 0, False, False)
        assert got[("NA02", "assets")] == (None, None, True, True)
        rejected = rows(con, "select newest_rejected_batch_date, freshness_source from marts.office_freshness "
                             "where office_code = 'NA01' and record_type = 'cases'")[0]
        assert rejected == dict(newest_rejected_batch_date=AS_OF, freshness_source="manifest")
    finally:
        con.close()
