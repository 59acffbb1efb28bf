"""A small hand-made warehouse for the publish tests (charts, report, Excel, browser).

The marts are created with exactly the contract's columns (issue 5) and a few hand-made rows whose
figures are worked out in the comments; the chart and report tests compare against these numbers.
The tests in this file only check that the hand-made rows keep the identities of
`/work/shared/spec/metrics.md`, so a mistake here is caught here and not in a chart test.

As of 30/06/2026: statistical year 2026 (01/10/2025 – 30/09/2026); offices NA01 and NA02.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

AS_OF = date(2026, 6, 30)
YEAR_START = date(2025, 10, 1)
LAST_YEAR_SAME_DAY = date(2025, 6, 30)
B = 1_000_000_000  # one billion đồng (tỷ)

KPI_COLUMNS = (
    "period_kind VARCHAR, period_label VARCHAR, period_start DATE, period_end DATE, statistical_year INTEGER, "
    "scope VARCHAR, office_code VARCHAR, carried_over BIGINT, new_cases BIGINT, handled BIGINT, entrusted BIGINT, "
    "withdrawn BIGINT, moved_to_separate BIGINT, to_enforce BIGINT, with_conditions BIGINT, "
    "without_conditions BIGINT, completed BIGINT, carried_forward BIGINT, rate_cases DOUBLE, "
    "money_to_enforce BIGINT, money_with_conditions BIGINT, money_completed BIGINT, money_paid BIGINT, "
    "money_exempted BIGINT, money_closed_remainder BIGINT, money_carried_forward BIGINT, rate_money DOUBLE, "
    "money_recovered BIGINT, target_rate_cases DOUBLE, target_rate_money DOUBLE, target_year INTEGER, "
    "projected_rate_cases DOUBLE, projected_rate_money DOUBLE, projection_method VARCHAR, "
    "target_met_projected BOOLEAN"
)


def kpi(kind, start, end, scope, office, *, co, new, ent, wd, sep, without, done,
        m_enf, m_with, paid, exempt, rem, recovered, target=(83.90, 51.90, 2025), proj=None):
    """One kpi_period row from its base counts; every derived column by the spec's identities."""
    handled = co + new
    to_enforce = handled - ent - wd - sep
    with_c = to_enforce - without
    m_done = paid + exempt + rem
    row = dict(
        period_kind=kind, period_label=f"{kind} {end}", period_start=start, period_end=end,
        statistical_year=end.year + (1 if end.month >= 10 else 0), scope=scope, office_code=office,
        carried_over=co, new_cases=new, handled=handled, entrusted=ent, withdrawn=wd, moved_to_separate=sep,
        to_enforce=to_enforce, with_conditions=with_c, without_conditions=without, completed=done,
        carried_forward=to_enforce - done, rate_cases=(done / with_c * 100 if with_c else None),
        money_to_enforce=m_enf, money_with_conditions=m_with, money_completed=m_done, money_paid=paid,
        money_exempted=exempt, money_closed_remainder=rem, money_carried_forward=m_enf - m_done,
        rate_money=(m_done / m_with * 100 if m_with else None), money_recovered=recovered,
        target_rate_cases=target[0] if target else None, target_rate_money=target[1] if target else None,
        target_year=target[2] if target else None,
        projected_rate_cases=None, projected_rate_money=None, projection_method=None,
        target_met_projected=None,
    )
    if proj:
        # the mart's flag: both projected rates reach their targets (NULL without a target)
        row.update(projected_rate_cases=proj[0], projected_rate_money=proj[1], projection_method=proj[2],
                   target_met_projected=None if target is None else (proj[0] >= target[0] and proj[1] >= target[1]))
    return row


def month_ends(start: date, end: date) -> list[date]:
    out, d = [], start
    while True:
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        last = nxt - timedelta(days=1)
        if last >= end:
            out.append(end)
            return out
        out.append(last)
        d = nxt


def kpi_rows() -> list[dict]:
    rows = []
    # --- the as-of row, scope all -------------------------------------------------------------
    # NA01: handled 600+400 = 1000; to_enforce 1000-20-10-30 = 940; with 940-240 = 700; done 500
    #       -> rate_cases 500/700 = 71.43 %; carried forward 440. Money: done 60+5+15 = 80 bn of 200 bn = 40 %.
    # NA02: handled 300+200 = 500; to_enforce 500-5-5-10 = 480; with 400; done 300 -> 75 %; money 30/60 = 50 %.
    # ALL : handled 1500; to_enforce 1420; with 1100; done 800 -> 72.7272... %; carried forward 620;
    #       money done 85+7+18 = 110 bn of 260 bn = 42.307692... %.
    proj = (80.5, 47.25, "seasonal_last_year")
    rows += [
        kpi("ytd", YEAR_START, AS_OF, "all", "NA01", co=600, new=400, ent=20, wd=10, sep=30, without=240,
            done=500, m_enf=300 * B, m_with=200 * B, paid=60 * B, exempt=5 * B, rem=15 * B, recovered=62 * B,
            proj=(79.0, 45.0, "seasonal_last_year")),
        kpi("ytd", YEAR_START, AS_OF, "all", "NA02", co=300, new=200, ent=5, wd=5, sep=10, without=80,
            done=300, m_enf=100 * B, m_with=60 * B, paid=25 * B, exempt=2 * B, rem=3 * B, recovered=26 * B,
            proj=(85.0, 55.0, "seasonal_last_year")),
        kpi("ytd", YEAR_START, AS_OF, "all", "ALL", co=900, new=600, ent=25, wd=15, sep=40, without=320,
            done=800, m_enf=400 * B, m_with=260 * B, paid=85 * B, exempt=7 * B, rem=18 * B, recovered=88 * B,
            proj=proj),
    ]
    # --- credit scope (ALL = NA01 + NA02) ------------------------------------------------------
    # ALL: handled 150; to_enforce 150-2-3-5 = 140; with 140-30 = 110; done 60 -> 54.55 %; money 45 bn of 150 bn = 30 %.
    rows += [
        kpi("ytd", YEAR_START, AS_OF, "credit", "NA01", co=70, new=30, ent=1, wd=2, sep=4, without=23,
            done=40, m_enf=150 * B, m_with=110 * B, paid=30 * B, exempt=0, rem=5 * B, recovered=30 * B,
            target=None),
        kpi("ytd", YEAR_START, AS_OF, "credit", "NA02", co=30, new=20, ent=1, wd=1, sep=1, without=7,
            done=20, m_enf=50 * B, m_with=40 * B, paid=8 * B, exempt=0, rem=2 * B, recovered=10 * B,
            target=None),
        kpi("ytd", YEAR_START, AS_OF, "credit", "ALL", co=100, new=50, ent=2, wd=3, sep=5, without=30,
            done=60, m_enf=200 * B, m_with=150 * B, paid=38 * B, exempt=0, rem=7 * B, recovered=40 * B,
            target=None, proj=(70.0, 40.0, "seasonal_last_year")),
    ]
    # --- the same day last year (statistical year 2025, from 01/10/2024) ---------------------------
    # all: 700 of 1000 = 70 %; money 90 bn of 250 bn = 36 %.  credit: 50 of 100 = 50 %; 30 of 120 bn = 25 %.
    ly_start = date(2024, 10, 1)
    rows += [
        kpi("ytd", ly_start, LAST_YEAR_SAME_DAY, "all", "ALL", co=800, new=500, ent=20, wd=10, sep=20,
            without=250, done=700, m_enf=380 * B, m_with=250 * B, paid=70 * B, exempt=5 * B, rem=15 * B,
            recovered=75 * B, target=(83.90, 51.90, 2025)),
        kpi("ytd", ly_start, LAST_YEAR_SAME_DAY, "credit", "ALL", co=90, new=40, ent=2, wd=3, sep=5,
            without=20, done=50, m_enf=180 * B, m_with=120 * B, paid=25 * B, exempt=0, rem=5 * B,
            recovered=25 * B, target=None),
    ]
    # --- the cumulative monthly series of the running year (ALL only; the last one is the as-of row) ---
    # month k (1 = October): with = 1100, done = 80*k + 80 capped at 800 for the as-of; money done 10*k bn.
    for k, end in enumerate(month_ends(YEAR_START, AS_OF)[:-1], start=1):
        for scope, scale in (("all", 1), ("credit", 10)):
            rows.append(kpi(
                "ytd", YEAR_START, end, scope, "ALL", co=900 // scale, new=(60 * k) // scale, ent=0, wd=0,
                sep=0, without=(100 + 20 * k) // scale, done=(80 * k) // scale, m_enf=400 * B // scale,
                m_with=260 * B // scale, paid=10 * k * B // scale, exempt=0, rem=0, recovered=10 * k * B // scale,
                target=None if scope == "credit" else (83.90, 51.90, 2025)))
    return rows


def create_marts(con: duckdb.DuckDBPyConnection) -> None:
    for schema in ("marts", "audit", "ref"):
        con.execute(f"create schema if not exists {schema}")

    # ------------------------------------------------------------------ kpi_period
    con.execute(f"create table marts.kpi_period ({KPI_COLUMNS})")
    rows = kpi_rows()
    cols = list(rows[0])
    con.executemany(f"insert into marts.kpi_period ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
                    [[r[c] for c in cols] for r in rows])

    # ------------------------------------------------------------------ backlog_ageing (offices only)
    con.execute("""create table marts.backlog_ageing (as_of DATE, scope VARCHAR, office_code VARCHAR,
                   condition_class VARCHAR, age_bucket VARCHAR, cases BIGINT, money_outstanding BIGINT)""")
    backlog = [
        # office, class, bucket, cases, money (bn)
        ("NA01", "with", "0-6m", 100, 10), ("NA01", "with", "6-12m", 80, 8), ("NA01", "with", "1-2y", 60, 12),
        ("NA01", "with", "2-5y", 40, 20), ("NA01", "with", "5-10y", 10, 5),
        ("NA01", "without", "0-6m", 20, 1), ("NA01", "without", "1-2y", 50, 6), ("NA01", "without", "5-10y", 30, 9),
        ("NA01", "separate", "10y+", 15, 3),
        ("NA02", "with", "0-6m", 50, 4), ("NA02", "with", "1-2y", 20, 3), ("NA02", "with", "10y+", 5, 1),
        ("NA02", "without", "2-5y", 30, 2), ("NA02", "separate", "5-10y", 8, 1),
    ]
    # with conditions and over a year: NA01 60+40+10 = 110, NA02 20+5 = 25 -> 135 in the province.
    con.executemany("insert into marts.backlog_ageing values (?, 'all', ?, ?, ?, ?, ?)",
                    [(AS_OF, o, c, b, n, m * B) for o, c, b, n, m in backlog])
    con.execute("insert into marts.backlog_ageing values (?, 'credit', 'NA01', 'with', '2-5y', 7, ?)",
                [AS_OF, 9 * B])
    # an older as-of that must not show
    con.execute("insert into marts.backlog_ageing values ('2026-06-29', 'all', 'NA01', 'with', '2-5y', 999, 1)")

    # ------------------------------------------------------------------ case_flow (ALL rows)
    con.execute("""create table marts.case_flow (period_kind VARCHAR, period_start DATE, period_end DATE,
                   office_code VARCHAR, incoming BIGINT, outgoing BIGINT, pending_end BIGINT,
                   clearance_rate DOUBLE, disposition_time_days DOUBLE, ttd_median_days DOUBLE,
                   ttd_p90_days DOUBLE, ttd_share_within_365 DOUBLE)""")
    # 37 months from June 2023 to June 2026; the chart keeps the last 36 (July 2023 -> June 2026).
    # month i (0 = June 2023): incoming 100 + i, outgoing 90 + 2i, pending 1000 + 10 - i*...
    pending = 1000
    m = date(2023, 6, 1)
    for i in range(37):
        nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        incoming, outgoing = 100 + i, 90 + 2 * i
        pending += incoming - outgoing
        con.execute("insert into marts.case_flow values ('month', ?, ?, 'ALL', ?, ?, ?, ?, ?, 300, 700, 0.6)",
                    [m, min(nxt - timedelta(days=1), AS_OF), incoming, outgoing, pending,
                     outgoing / incoming * 100, pending / outgoing * 30])
        m = nxt
    # the statistical year to date: incoming 900, outgoing 1080 -> clearance 120 %.
    con.execute("insert into marts.case_flow values ('year', ?, ?, 'ALL', 900, 1080, 1130, 120.0, 286.0, "
                "310, 720, 0.55)", [YEAR_START, AS_OF])
    con.execute("insert into marts.case_flow values ('year', '2024-10-01', '2025-09-30', 'ALL', 1100, 1000, "
                "1310, 90.9090909, 478.15, 330, 800, 0.5)")

    # ------------------------------------------------------------------ asset_pipeline + ladders
    con.execute("""create table marts.asset_pipeline (asset_id VARCHAR, case_id VARCHAR, office_code VARCHAR,
                   officer_id VARCHAR, asset_type VARCHAR, stage VARCHAR, days_in_stage INTEGER,
                   valuations INTEGER, revaluations INTEGER, rounds INTEGER, failed_rounds INTEGER,
                   first_starting_price BIGINT, latest_starting_price BIGINT,
                   cumulative_reduction_pct DOUBLE, stuck BOOLEAN, disposed BOOLEAN,
                   case_money_outstanding BIGINT)""")
    assets = [
        # id, case, office, officer, type, stage, days, rounds, failed, first, latest (bn), stuck, disposed, case money
        ("A1", "C1", "NA01", "O1", "dong_san", "cho_dinh_gia", 40, 0, 0, None, None, False, False, 5 * B),
        ("A2", "C2", "NA01", "O2", "bat_dong_san", "cho_dau_gia", 90, 4, 3, 10 * B, 6 * B, True, False, 50 * B),
        ("A3", "C3", "NA02", "O4", "bat_dong_san", "cho_dau_gia", 60, 5, 4, 4 * B, 2 * B, True, False, 8 * B),
        ("A4", "C4", "NA02", "O5", "phuong_tien", "dang_dau_gia", 10, 2, 1, 5 * B, 9 * B // 2, False, False, 7 * B),
        ("A5", "C5", "NA02", "O5", "bat_dong_san", "da_ban", 75, 1, 0, 3 * B, 3 * B, False, True, 0),
        ("A6", "C6", "NA01", "O1", "dong_san", "da_ban_giao", 5, 1, 0, B, B, False, True, 0),
        ("A7", "C7", "NA01", "O3", "khac", "giai_toa", 100, 0, 0, None, None, False, True, 0),
        ("A8", "C3", "NA02", "O4", "dong_san", "cho_dau_gia", 30, 3, 3, 3 * B // 2, B, True, False, 8 * B),
    ]
    # stuck: A2, A3, A8 -> value locked 6 + 2 + 1 = 9 bn; their cases C2 (50 bn) and C3 (8 bn, once) = 58 bn.
    for a in assets:
        first, latest = a[9], a[10]
        reduction = (1 - latest / first) * 100 if first else None
        con.execute("insert into marts.asset_pipeline values (?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [*a[:7], a[7], a[8], first, latest, reduction, a[11], a[12], a[13]])
    con.execute("""create table marts.asset_stuck_summary (office_code VARCHAR, assets BIGINT,
                   pending_assets BIGINT, sold_not_handed_over BIGINT, stuck_assets BIGINT,
                   stuck_value_locked BIGINT, stuck_cases BIGINT, stuck_cases_money_outstanding BIGINT)""")
    con.executemany("insert into marts.asset_stuck_summary values (?, ?, ?, ?, ?, ?, ?, ?)", [
        # NA01: A1 A2 A6 A7, pending A1 A2, stuck A2 (6 bn; case C2 50 bn)
        ("NA01", 4, 2, 0, 1, 6 * B, 1, 50 * B),
        # NA02: A3 A4 A5 A8, pending A3 A4 A8, sold not handed over A5, stuck A3 A8 (2 + 1 bn; case C3 8 bn once)
        ("NA02", 4, 3, 1, 2, 3 * B, 1, 8 * B),
        ("ALL", 8, 5, 1, 3, 9 * B, 2, 58 * B),
    ])
    con.execute("""create table marts.asset_price_ladder (asset_id VARCHAR, auction_id VARCHAR, round_no INTEGER,
                   contract_date DATE, auction_date DATE, starting_price BIGINT, outcome VARCHAR)""")
    ladders = {
        "A2": [10 * B, 8 * B, 7 * B, 6 * B],
        "A3": [4 * B, 7 * B // 2, 3 * B, 5 * B // 2, 2 * B],
        "A8": [3 * B // 2, 6 * B // 5, B],
        "A4": [5 * B, 9 * B // 2],
    }
    for asset_id, prices in ladders.items():
        for n, price in enumerate(prices, start=1):
            last = n == len(prices)
            outcome = None if last and asset_id != "A8" else "khong_thanh"
            con.execute("insert into marts.asset_price_ladder values (?, ?, ?, ?, ?, ?, ?)",
                        [asset_id, f"{asset_id}-R{n}", n, date(2024, n, 1), date(2024, n, 20), price, outcome])

    # ------------------------------------------------------------------ credit_institutions
    con.execute("""create table marts.credit_institutions (period_kind VARCHAR, period_start DATE,
                   period_end DATE, credit_institution VARCHAR, cases BIGINT, money_to_enforce BIGINT,
                   money_completed BIGINT, rate_money DOUBLE, money_recovered BIGINT, pending_assets BIGINT,
                   stuck_assets BIGINT)""")
    # money to enforce 120 + 60 + 20 = 200 bn = the credit scope's; completed 30 + 12 + 3 = 45 bn.
    for inst, cases, enf, done, rec, pa, sa in (
            ("Ngân hàng TMCP Ngoại thương Việt Nam (Vietcombank)", 40, 120, 30, 25, 3, 1),
            ("Ngân hàng Nông nghiệp và Phát triển Nông thôn (Agribank)", 30, 60, 12, 12, 2, 1),
            ("Ngân hàng TMCP Đầu tư và Phát triển Việt Nam (BIDV)", 20, 20, 3, 3, 0, 0)):
        con.execute("insert into marts.credit_institutions values ('ytd', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [YEAR_START, AS_OF, inst, cases, enf * B, done * B, done / enf * 100, rec * B, pa, sa])
    con.execute("insert into marts.credit_institutions values ('ytd', '2024-10-01', '2025-06-30', 'Old bank', "
                "1, 1, 1, 100, 1, 0, 0)")

    # ------------------------------------------------------------------ deadline_breaches
    con.execute("""create table marts.deadline_breaches (rule VARCHAR, case_id VARCHAR, asset_id VARCHAR,
                   valuation_id VARCHAR, auction_id VARCHAR, office_code VARCHAR, officer_id VARCHAR,
                   case_status VARCHAR, due_date DATE, actual_date DATE, days_over INTEGER, open BOOLEAN,
                   law VARCHAR, provisional BOOLEAN)""")
    law = "Luật THADS 2008 sửa đổi 2014"
    breaches = [
        # open: 4 (NA01 valuation 120 d, NA02 decision 200 d, NA02 auction 40 d, NA02 handover 15 d)
        ("decision_late", "C10", None, None, None, "NA01", "O1", "xong", "2025-11-10", "2025-11-13", 3, False),
        ("valuation_contract_late", "C1", "A1", None, None, "NA01", "O1", "dang_thi_hanh", "2026-03-02", None, 120, True),
        ("auction_held_late", "C4", "A4", "V4", "A4-R2", "NA02", "O5", "dang_thi_hanh", "2026-05-21", None, 40, True),
        ("handover_late", "C5", "A5", None, None, "NA02", "O5", "xong", "2026-06-15", None, 15, True),
        ("price_cut_late", "C2", "A2", None, "A2-R3", "NA01", "O2", "dang_thi_hanh", "2025-12-01", "2025-12-11", 10, False),
        ("decision_late", "C11", None, None, None, "NA02", None, "dang_thi_hanh", "2025-12-12", None, 200, True),
    ]
    con.executemany("insert into marts.deadline_breaches values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false)",
                    [(*b[:12], law) for b in breaches])

    # ------------------------------------------------------------------ officer_workload, freshness
    con.execute("""create table marts.officer_workload (office_code VARCHAR, officer_id VARCHAR,
                   pending_with_conditions BIGINT, pending_without_conditions BIGINT, pending_separate BIGINT,
                   completed_ytd BIGINT, open_breaches BIGINT, total_breaches BIGINT, statistical_year INTEGER,
                   as_of DATE)""")
    con.executemany("insert into marts.officer_workload values (?, ?, ?, ?, 0, ?, ?, ?, 2026, ?)", [
        ("NA01", "O1", 100, 40, 200, 1, 2, AS_OF), ("NA01", "O2", 100, 30, 150, 0, 1, AS_OF),
        ("NA01", "O3", 90, 30, 150, 0, 0, AS_OF), ("NA02", "O4", 40, 20, 160, 0, 0, AS_OF),
        ("NA02", "O5", 25, 10, 140, 2, 2, AS_OF), ("NA02", None, 10, 0, 0, 1, 1, AS_OF),
    ])
    # pending per officer (with + without): NA01 (290 + 100) / 3 = 130; NA02 (75 + 30) / 2 = 52.5, of which
    # 10 unassigned (officer_id NULL, not an officer).
    con.execute("""create table marts.office_freshness (office_code VARCHAR, record_type VARCHAR,
                   newest_accepted_batch_date DATE, stale BOOLEAN, missing BOOLEAN)""")
    for rt in ("cases", "status_events", "payments", "assets", "valuations", "auctions", "complaints"):
        con.execute("insert into marts.office_freshness values ('NA01', ?, ?, false, false)", [rt, AS_OF])
        if rt == "payments":
            con.execute("insert into marts.office_freshness values ('NA02', ?, '2026-06-27', true, false)", [rt])
        elif rt == "complaints":
            con.execute("insert into marts.office_freshness values ('NA02', ?, null, true, true)", [rt])
        else:
            con.execute("insert into marts.office_freshness values ('NA02', ?, ?, false, false)", [rt, AS_OF])
    con.execute("create table marts.cases_current (case_id VARCHAR, office_code VARCHAR, status VARCHAR)")

    # ------------------------------------------------------------------ audit (two runs; the report shows R2)
    con.execute("""create table audit.file_manifest (run_id VARCHAR, as_of DATE, batch_date DATE,
                   office_code VARCHAR, record_type VARCHAR, source_file VARCHAR, status VARCHAR,
                   rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, rows_superseded BIGINT,
                   rows_rejected BIGINT, message VARCHAR)""")
    manifest = [
        # R2 totals: read 1000+500+300 = 1800; loaded 990+495 = 1485; quarantined 10; superseded 5;
        # rejected rows 300, rejected files 1.
        ("R2", AS_OF, AS_OF, "NA01", "cases", "2026-06-30/NA01/cases.csv", "accepted", 1000, 990, 10, 0, 0, None),
        ("R2", AS_OF, AS_OF, "NA01", "payments", "2026-06-30/NA01/payments.csv", "accepted", 500, 495, 0, 5, 0, None),
        ("R2", AS_OF, AS_OF, "NA02", "cases", "2026-06-30/NA02/cases.xlsx", "rejected", 300, 0, 0, 0, 300,
         "=HYPERLINK(\"x\") thiếu cột Mã việc"),
        ("R2", AS_OF, date(2026, 6, 27), "NA02", "payments", "2026-06-27/NA02/payments.csv", "standing", 0, 0, 0, 0, 0, None),
        ("R1", date(2026, 6, 29), date(2026, 6, 29), "NA01", "cases", "2026-06-29/NA01/cases.csv", "accepted",
         7777, 7777, 0, 0, 0, None),
    ]
    con.executemany("insert into audit.file_manifest values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", manifest)
    con.execute("""create table audit.quarantine (run_id VARCHAR, as_of DATE, source_file VARCHAR,
                   source_row INTEGER, record_id VARCHAR, "column" VARCHAR, raw_value VARCHAR,
                   reason VARCHAR, message VARCHAR, record_type VARCHAR)""")
    for i in range(10):
        reason = "bad_date" if i < 6 else "negative_amount"
        con.execute("insert into audit.quarantine values ('R2', ?, '2026-06-30/NA01/cases.csv', ?, ?, ?, ?, ?, ?, 'cases')",
                    [AS_OF, i + 1, f"C9{i}", "received_date" if i < 6 else "amount_due", "x", reason,
                     "Ngày không hợp lệ" if i < 6 else "Số tiền âm"])
    con.execute("create table audit.runs (run_id VARCHAR, as_of DATE, status VARCHAR)")
    con.execute("insert into audit.runs values ('R1', '2026-06-29', 'published')")

    # ------------------------------------------------------------------ ref.agencies (as the build loads it)
    con.execute("create table ref.agencies (office_code VARCHAR, office_name VARCHAR, code_status VARCHAR)")
    con.executemany("insert into ref.agencies values (?, ?, ?)", [
        ("NA01", "Phòng Thi hành án dân sự khu vực 1 - Nghệ An", "current"),
        ("NA02", "Phòng Thi hành án dân sự khu vực 2 - Nghệ An", "current"),
    ])


def make_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    try:
        create_marts(con)
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def publish_warehouse(tmp_path_factory) -> Path:
    return make_warehouse(tmp_path_factory.mktemp("publish_wh") / "thads.duckdb")


# ------------------------------------------------------------------------------------------------------
# The hand-made rows keep the spec's identities
# ------------------------------------------------------------------------------------------------------

def test_kpi_rows_keep_the_identities(publish_warehouse):
    con = duckdb.connect(str(publish_warehouse), read_only=True)
    bad = con.execute("""
        select * from marts.kpi_period
        where handled <> to_enforce + entrusted + withdrawn + moved_to_separate
           or to_enforce <> with_conditions + without_conditions
           or carried_forward <> to_enforce - completed
           or money_completed <> money_paid + money_exempted + money_closed_remainder
           or money_carried_forward <> money_to_enforce - money_completed
    """).fetchall()
    assert bad == []
    # the province row of the as-of date is the sum of its offices
    diff = con.execute("""
        select scope, sum(case when office_code = 'ALL' then completed else -completed end),
               sum(case when office_code = 'ALL' then money_completed else -money_completed end)
        from marts.kpi_period where period_end = ? and period_kind = 'ytd' group by scope
    """, [AS_OF]).fetchall()
    assert sorted(diff) == [("all", 0, 0), ("credit", 0, 0)]
    con.close()


def test_credit_institutions_add_up_to_the_credit_scope(publish_warehouse):
    con = duckdb.connect(str(publish_warehouse), read_only=True)
    inst = con.execute("select sum(money_to_enforce), sum(money_completed) from marts.credit_institutions "
                       "where period_end = ?", [AS_OF]).fetchone()
    scope = con.execute("select money_to_enforce, money_completed from marts.kpi_period where scope = 'credit' "
                        "and office_code = 'ALL' and period_kind = 'ytd' and period_end = ?", [AS_OF]).fetchone()
    assert tuple(inst) == tuple(scope) == (200 * B, 45 * B)
    con.close()
