"""Who and what the cases are: offices, received dates, kinds, amounts, parties.

Everything here is numeric (codes and indices into small pools of names); text is built only when a
file is written (`text.py`), so a copy of a case in two offices' files carries the same names.
Cases are numbered in received-date order: case index order is received order.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from thads.contract import ENUMS
from thads.generate.dates import NULL_DAY, to_day, weekday, years_of
from thads.generate.reference import Reference

JUDGMENT_TYPES = tuple(ENUMS["judgment_type"])
INITIATIONS = tuple(ENUMS["initiation"])
OBLIGEE_TYPES = tuple(ENUMS["obligee_type"])

# Share of the province's cases by office, in office-code order (the city office is the biggest).
OFFICE_WEIGHTS = (0.17, 0.08, 0.12, 0.10, 0.11, 0.09, 0.08, 0.10, 0.09, 0.06)

# Money tiers drive how hard a case is to complete (big debts rarely get paid in full).
TIER_EDGES = (5e7, 1e9, 2e10)

SPAN_YEARS = 15
CREDIT_SHARE = 0.040  # of new cases; credit cases linger longer, so their share of the backlog is higher

# Spellings of banks that credit_institutions.csv does not list (offices type what they like).
UNKNOWN_BANK_SPELLINGS = (
    "Ngân hàng Nông nghiệp và PTNT chi nhánh Nghệ An",
    "NH TMCP Ngoai thuong VN",
    "BIDV chi nhánh Phủ Diễn",
    "Ngân hàng Bưu điện Liên Việt - CN Nghệ An",
    "Vietin bank",
    "Cty tài chính FE Credit",
)


def office_weights(n_offices: int) -> np.ndarray:
    w = np.array([OFFICE_WEIGHTS[i % len(OFFICE_WEIGHTS)] for i in range(n_offices)])
    return w / w.sum()


def tiers(amount: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array(TIER_EDGES), amount, side="right").astype(np.int8)


def _received_days(rng: np.random.Generator, n: int, as_of: date) -> np.ndarray:
    """Intake over the last 15 years: growing ~5 % a year, on working days, fewer around Tết."""
    end = to_day(as_of)
    start = to_day(date(as_of.year - SPAN_YEARS, as_of.month, min(as_of.day, 28))) + 1
    days = np.arange(start, end + 1)
    years_back = (end - days) / 365.25
    wd = weekday(days)
    w = np.exp(-0.05 * years_back) * np.where(wd < 5, 1.0, np.where(wd == 5, 0.02, 0.005))
    month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1
    w = w * np.where(month == 2, 0.7, 1.0)
    picked = rng.choice(days, size=n, p=w / w.sum())
    return np.sort(picked).astype(np.int32)


def _amounts(rng: np.random.Generator, credit: np.ndarray) -> np.ndarray:
    """Integer VND, heavy-tailed: most cases a few million, a few credit cases hundreds of billions."""
    n = len(credit)
    body = np.where(
        credit,
        np.exp(rng.normal(np.log(3e8), 1.3, n)),
        np.exp(rng.normal(np.log(6e6), 1.5, n)),
    )
    body = np.clip(body, np.where(credit, 5e6, 2e5), 5e10)
    pareto = rng.pareto(np.where(credit, 0.9, 1.1), n)
    tail = np.where(credit, 1e10, 3e8) * (1.0 + pareto)
    use_tail = rng.random(n) < np.where(credit, 0.04, 0.02)
    amount = np.where(use_tail, np.minimum(tail, np.where(credit, 8e11, 3e11)), body)
    amount = np.round(amount / 1000.0) * 1000.0
    zero = (~credit) & (rng.random(n) < 0.03)  # obligations that are not money (hand over a house, custody)
    return np.where(zero, 0, amount).astype(np.int64)


def _choice_codes(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw from a (n, k) matrix of probabilities."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cum[:, -1:]
    return (u >= cum).sum(axis=1).astype(np.int8)


def draw_population(rng: np.random.Generator, n: int, as_of: date, ref: Reference) -> dict[str, np.ndarray]:
    """The case skeleton: one entry per case, in received order. Keys are documented inline."""
    received = _received_days(rng, n, as_of)
    n_off = len(ref.offices)
    office = rng.choice(n_off, size=n, p=office_weights(n_off)).astype(np.int16)  # office that opened it
    credit = rng.random(n) < CREDIT_SHARE
    amount = _amounts(rng, credit)

    # Kind of judgment and how the case started (credit cases: civil or business disputes, on request).
    jt_probs_other = np.array([0.40, 0.35, 0.01, 0.08, 0.08, 0.01, 0.002, 0.001, 0.047])
    jt_probs_credit = np.array([0.45, 0.0, 0.0, 0.0, 0.55, 0.0, 0.0, 0.0, 0.0])
    jt = _choice_codes(rng, np.where(credit[:, None], jt_probs_credit, jt_probs_other))
    hinh_su = jt == JUDGMENT_TYPES.index("hinh_su")
    # Criminal judgments' fines and court fees are enforced on the agency's own initiative.
    chu_dong = np.where(hinh_su, rng.random(n) < 0.85, rng.random(n) < 0.12) & ~credit
    initiation = np.where(chu_dong, INITIATIONS.index("chu_dong"), INITIATIONS.index("theo_don")).astype(np.int8)

    ob_other = np.array([0.70, 0.0, 0.05, 0.20, 0.05])
    ob_state = np.array([0.05, 0.0, 0.93, 0.0, 0.02])
    obligee_type = _choice_codes(rng, np.where(chu_dong[:, None], ob_state, ob_other))
    obligee_type = np.where(credit, OBLIGEE_TYPES.index("to_chuc_tin_dung"), obligee_type).astype(np.int8)

    # Enforcement decision: mostly within a few days, some weeks late, a few never issued.
    u = rng.random(n)
    delay = np.where(u < 0.86, rng.integers(0, 5, n), rng.integers(20, 121, n))
    decision = (received + delay).astype(np.int32)
    decision = np.where((decision > to_day(as_of)) | (rng.random(n) < 0.007), NULL_DAY, decision)

    # Parties: indices into name pools built once per batch (text.py).
    obligor_company = rng.random(n) < np.where(credit, 0.40, 0.08)
    birth_year = rng.integers(1950, 2004, n)
    recv_year = years_of(received)
    has_id = (~obligor_company) & (rng.random(n) < 0.90)
    p_cccd = np.where(recv_year >= 2022, 0.93, np.where(recv_year >= 2016, 0.45, 0.05))
    id_kind = np.where(has_id, np.where(rng.random(n) < p_cccd, 1, 2), 0).astype(np.int8)  # 1 CCCD, 2 CMND
    gender = rng.integers(0, 2, n)
    century = np.where(birth_year >= 2000, 2, 0) + gender
    cccd = ((40 * 10 + century) * 100 + birth_year % 100) * 1_000_000 + rng.integers(0, 1_000_000, n)
    cmnd = 180_000_000 + rng.integers(0, 10_000_000, n)
    obligor_id = np.where(id_kind == 1, cccd, np.where(id_kind == 2, cmnd, 0)).astype(np.int64)

    n_known = len(ref.bank_aliases)
    bank_w = np.array([_bank_weight(a, k) for a, k in zip(ref.bank_aliases, ref.bank_kinds)])
    bank = rng.choice(n_known, size=n, p=bank_w / bank_w.sum())
    unknown = rng.random(n) < 0.03
    bank = np.where(unknown, n_known + rng.integers(0, len(UNKNOWN_BANK_SPELLINGS), n), bank)
    bank = np.where(credit, bank, -1).astype(np.int16)

    judgment_year = years_of(received - rng.integers(5, 121, n))  # judged some weeks before receipt
    return {
        "received": received,
        "office": office,  # original office (case-ID prefix); holder office may differ after a move
        "credit": credit,
        "amount": amount,
        "judgment_type": jt,
        "initiation": initiation,
        "obligee_type": obligee_type,
        "decision": decision,
        "obligor_company": obligor_company,
        "obligor_name": rng.integers(0, 1 << 30, n).astype(np.int32),  # modulo the pool size
        "obligee_name": rng.integers(0, 1 << 30, n).astype(np.int32),
        "id_kind": id_kind,
        "obligor_id": obligor_id,
        "bank": bank,
        "judgment_num": rng.integers(1, 400, n).astype(np.int16),
        "judgment_year": judgment_year.astype(np.int16),
        "judgment_appeal": rng.random(n) < 0.15,
    }


def _bank_weight(alias: str, kind: str) -> float:
    """Banks lending most in Nghệ An appear most often; short aliases more than full names."""
    heavy = {"Agribank": 6, "BIDV": 4, "VietinBank": 3, "Vietcombank": 3, "NHCSXH": 2, "FE Credit": 2,
             "NHNo&PTNT": 3, "Vietinbank": 1.5, "VCB": 1.5, "Sacombank": 1.5, "VPBank": 1.5, "HD Saison": 1}
    return heavy.get(alias, 0.5 if len(alias) > 20 else 0.8)


def assign_case_sequence(office: np.ndarray, received: np.ndarray) -> np.ndarray:
    """Running number of each case within its office and received year (cases are in received order)."""
    key = office.astype(np.int64) * 10_000 + years_of(received)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
    run = np.arange(len(key)) - np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    seq = np.empty(len(key), dtype=np.int32)
    seq[order] = run + 1
    return seq


def set_credit(rng: np.random.Generator, cases: dict[str, np.ndarray], idx: np.ndarray, credit: bool,
               n_banks: int) -> None:
    """Make cases credit cases (or not), with the parties and kinds that go with it."""
    if len(idx) == 0:
        return
    cases["credit"][idx] = credit
    if credit:
        cases["obligee_type"][idx] = OBLIGEE_TYPES.index("to_chuc_tin_dung")
        cases["initiation"][idx] = INITIATIONS.index("theo_don")
        cases["bank"][idx] = rng.integers(0, n_banks, len(idx))
        jt = cases["judgment_type"][idx]
        ok = np.isin(jt, [JUDGMENT_TYPES.index("dan_su"), JUDGMENT_TYPES.index("kinh_doanh_thuong_mai")])
        cases["judgment_type"][idx] = np.where(ok, jt, JUDGMENT_TYPES.index("kinh_doanh_thuong_mai"))
    else:
        cases["obligee_type"][idx] = np.where(rng.random(len(idx)) < 0.6, OBLIGEE_TYPES.index("doanh_nghiep"),
                                              OBLIGEE_TYPES.index("ca_nhan"))
        cases["bank"][idx] = -1
