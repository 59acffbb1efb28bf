"""Seized assets, their valuations and auction rounds.

An asset is seized while its case is open, valued (unless the price was agreed), then put to auction
round after round: many rounds fail, each failed round is followed within 15 days by the next round's
contract at a price cut by 2–10 % (or by a re-valuation when the certificate is about to expire), until
the asset is sold, taken by the obligee, returned or released — or it stays stuck. Most steps meet the
statutory deadlines of metrics.md; a share of each is drawn late on purpose, far enough past the
deadline that public holidays cannot make them on time (and on-time steps are drawn short enough that
they cannot be late).

The rounds are simulated round by round, vectorised over all assets at once.
"""

from __future__ import annotations

import numpy as np

from thads.contract import ENUMS
from thads.generate.dates import NULL_DAY
from thads.generate.timeline import XONG

ASSET_TYPES = tuple(ENUMS["asset_type"])
DISPOSITIONS = tuple(ENUMS["disposition"])
OUTCOMES = tuple(ENUMS["auction_outcome"])
DA_BAN, NGUOI_NHAN, TRA_LAI, GIAI_TOA = (DISPOSITIONS.index(x) for x in
                                         ("da_ban", "nguoi_duoc_nhan", "tra_lai", "giai_toa"))
THANH, KHONG_THANH, HUY = (OUTCOMES.index(x) for x in ("thanh", "khong_thanh", "huy"))
BDS = ASSET_TYPES.index("bat_dong_san")
NONE = -1
VALIDITY_DAYS = 180  # a valuation certificate is valid for six months
MAX_ROUNDS = 24


def _delay(rng, n, on_time: tuple[int, int], late: tuple[int, int], p_late: float) -> np.ndarray:
    """Days to the next step: within the deadline, or well past it."""
    is_late = rng.random(n) < p_late
    return np.where(is_late, rng.integers(late[0], late[1] + 1, n),
                    rng.integers(on_time[0], on_time[1] + 1, n)).astype(np.int32)


def _round_to(x, unit):
    return (np.round(np.asarray(x, dtype=float) / unit) * unit).astype(np.int64)


def _add_valuation(vals: "_Rows", started, ids, kind: int, contract, certificate, certified, value, disputed) -> None:
    """Valuation rows (kind 0 first, 1 re-valuation) for the assets where `started`: the certificate,
    its validity and the value are known only where `certified`."""
    vals.add(started, asset=ids, kind=kind, contract=contract, certificate=np.where(certified, certificate, NULL_DAY),
             valid_until=np.where(certified, certificate + VALIDITY_DAYS, NULL_DAY),
             value=np.where(certified, value, NONE), disputed=disputed)


class _Rows:
    def __init__(self, *names):
        self.cols = {k: [] for k in names}

    def add(self, sel, **values):
        n = int(np.count_nonzero(sel)) if np.asarray(sel).dtype == bool else len(sel)
        if n == 0:
            return
        for k, v in values.items():
            v = np.asarray(v)
            self.cols[k].append(np.full(n, v) if v.ndim == 0 else v[sel])

    def build(self, dtypes):
        return {k: (np.concatenate(v) if v else np.zeros(0)).astype(dtypes[k]) for k, v in self.cols.items()}


def simulate_assets(rng: np.random.Generator, cases: dict, final_status: np.ndarray, close_day: np.ndarray,
                    as_of_day: int):
    """Return (assets, valuations, auctions) as dicts of arrays; assets point to cases by index."""
    amount = cases["amount"]
    credit = cases["credit"]
    n = len(amount)
    decided = np.where(cases["decision"] != NULL_DAY, cases["decision"], cases["received"])
    first = decided.astype(np.int64) + 20
    end_case = np.where(close_day != NULL_DAY, close_day, as_of_day).astype(np.int64)
    p = np.where(credit, 0.55, np.select([amount >= 1e9, amount >= 1e8, amount >= 2e7], [0.45, 0.3, 0.08], 0.0))
    has = (rng.random(n) < p) & (end_case - first >= 15)
    per_case = np.where(has, rng.choice([1, 2, 3], size=n, p=[0.78, 0.17, 0.05]), 0)
    case = np.repeat(np.arange(n), per_case).astype(np.int32)
    m = len(case)
    seq = (np.arange(m) - np.repeat(np.cumsum(per_case) - per_case, per_case) + 1).astype(np.int8)
    end = end_case[case]
    start = first[case]
    seizure = np.minimum(start + rng.gamma(1.2, 90.0, m).astype(np.int64), end - 5).astype(np.int32)
    a_credit = credit[case]
    type_p = np.where(a_credit[:, None], [0.70, 0.10, 0.15, 0.03, 0.02], [0.50, 0.25, 0.20, 0.02, 0.03])
    a_type = (rng.random(m)[:, None] >= np.cumsum(type_p, axis=1)).sum(axis=1).astype(np.int8)
    collateral = rng.random(m) < np.where(a_credit, 0.85, 0.05)
    agreed = rng.random(m) < 0.15
    value = np.maximum(_round_to(amount[case] * rng.uniform(0.4, 1.6, m) / per_case[case], 1e6), 5_000_000)
    limit_end = np.minimum(end, as_of_day)  # nothing happens after the case closed or after as-of
    is_open = close_day[case] == NULL_DAY
    stuck = is_open & (seizure <= as_of_day - 300) & (rng.random(m) < np.where(a_credit, 0.45, 0.35))
    max_fail = np.where(stuck, 3 + np.minimum(rng.geometric(0.22, m) - 1, 13), 99)
    planned_fail = np.minimum(rng.geometric(0.5, m) - 1, 4)
    resolution = np.where(rng.random(m) < 0.8, DA_BAN,
                          rng.choice([NGUOI_NHAN, TRA_LAI, GIAI_TOA], size=m, p=[0.5, 0.25, 0.25]))

    vals = _Rows("asset", "kind", "contract", "certificate", "valid_until", "value", "disputed")
    rounds = _Rows("asset", "round_no", "contract", "auction", "price", "outcome", "sale")
    disposition = np.full(m, NONE, dtype=np.int8)
    disp_day = np.full(m, NULL_DAY, dtype=np.int32)
    ids = np.arange(m)

    # First valuation (and a re-valuation when the parties dispute the price).
    vc = seizure + _delay(rng, m, (0, 4), (20, 60), 0.12)
    valued = ~agreed & (vc <= limit_end)
    cert = vc + rng.integers(7, 31, m)
    certified = valued & (cert <= limit_end)
    disputed = certified & (rng.random(m) < 0.08)
    _add_valuation(vals, valued, ids, 0, vc, cert, certified, value, disputed)
    rv_c = cert + rng.integers(3, 11, m)
    rv_cert = rv_c + rng.integers(7, 31, m)
    rv_value = np.maximum(_round_to(value * rng.uniform(0.85, 1.05, m), 1e6), 1_000_000)
    has_rv = disputed & (rv_c <= limit_end)
    rv_done = has_rv & (rv_cert <= limit_end)
    _add_valuation(vals, has_rv, ids, 1, rv_c, rv_cert, rv_done, rv_value, False)
    price = np.where(rv_done, rv_value, value).astype(np.int64)
    cur_cert = np.where(rv_done, rv_cert, cert)
    ready = agreed | (certified & ~disputed) | rv_done
    contract = np.where(agreed, seizure + rng.integers(5, 31, m),
                        cur_cert + _delay(rng, m, (1, 10), (30, 80), 0.12)).astype(np.int64)
    valid = cur_cert.astype(np.int64) + VALIDITY_DAYS
    active = ready.copy()
    n_fail = np.zeros(m, dtype=np.int32)
    handover = np.full(m, NULL_DAY, dtype=np.int32)

    for r in range(1, MAX_ROUNDS + 1):
        active &= contract <= limit_end
        if not active.any():
            break
        lim = np.where(a_type == BDS, 45, 30)
        held = contract + np.where(rng.random(m) < 0.10, lim + rng.integers(20, 61, m), rng.integers(10, lim + 1))
        cut_short = active & (held > end) & (end < as_of_day)  # the case closed first: round called off
        scheduled = active & ~cut_short & (held > as_of_day)
        runs = active & ~scheduled & ~cut_short
        u = rng.random(m)
        sell_now = runs & ~stuck & (n_fail >= planned_fail) & (resolution == DA_BAN) & ((u < 0.9) | (n_fail >= 12))
        cancel = runs & ~sell_now & (u > 0.93)
        outcome = np.where(sell_now, THANH, np.where(cancel | cut_short, HUY, KHONG_THANH))
        auction_day = np.where(cut_short, end, held)
        sale = np.where(sell_now, (np.ceil(price * rng.uniform(1.0, 1.25, m) / 1e3) * 1e3).astype(np.int64), NONE)
        rounds.add(active, asset=ids, round_no=r, contract=contract,
                   auction=np.where(scheduled, NULL_DAY, auction_day), price=price,
                   outcome=np.where(scheduled, NONE, outcome), sale=sale)
        active &= ~scheduled & ~cut_short

        sold = active & sell_now
        disposition[sold] = DA_BAN
        disp_day[sold] = auction_day[sold]
        hand = auction_day + _delay(rng, m, (7, 60), (80, 200), 0.11)
        handed = sold & (rng.random(m) > 0.05) & (hand <= as_of_day)
        handover[handed] = hand[handed]
        active &= ~sold

        failed = active & (outcome == KHONG_THANH)
        n_fail += failed
        # After the planned failures the obligee takes the asset, or it is returned or released.
        settle = failed & ~stuck & (n_fail > planned_fail) & (resolution != DA_BAN)
        settle_day = auction_day + rng.integers(10, 61, m)
        settled = settle & (settle_day <= limit_end)
        disposition[settled] = resolution[settled]
        disp_day[settled] = settle_day[settled]
        active &= ~settle & ~(stuck & (n_fail >= max_fail))

        # Next step after a failed round: a re-valuation when the certificate is about to expire
        # (most of the time), else the next round at a lower price. After a cancelled round: same price.
        t = auction_day.astype(np.int64)
        step = t + _delay(rng, m, (2, 15), (35, 90), 0.12)
        reval = failed & active & ~agreed & (valid - t < 45) & (rng.random(m) < 0.8)
        rv_c = step
        rv_cert = rv_c + rng.integers(7, 26, m)
        rv_value = np.maximum(_round_to(price * rng.uniform(0.85, 1.0, m), 1e6), 1_000_000)
        rv_started = reval & (rv_c <= limit_end)
        rv_done = rv_started & (rv_cert <= limit_end)
        _add_valuation(vals, rv_started, ids, 1, rv_c, rv_cert, rv_done, rv_value, False)
        active &= ~(reval & ~rv_done)
        cut = _round_to(price * (1 - rng.uniform(0.02, 0.10, m)), 1e3)
        price = np.where(reval, rv_value, np.where(failed, cut, price))
        valid = np.where(reval, rv_cert + VALIDITY_DAYS, valid)
        contract = np.where(reval, rv_cert + _delay(rng, m, (1, 10), (30, 80), 0.12),
                            np.where(failed, step, t + rng.integers(5, 41, m)))

    # Whatever is still held when its case closes is returned (debt paid) or released.
    closed = (close_day[case] != NULL_DAY) & (disposition == NONE)
    paid_off = rng.random(m) < 0.7
    xong = final_status[case] == XONG
    disposition[closed] = np.where(xong[closed] & paid_off[closed], TRA_LAI, GIAI_TOA)
    disp_day[closed] = end[closed]

    assets = {"case": case, "seq": seq, "asset_type": a_type, "seizure": seizure, "price_agreed": agreed,
              "collateral": collateral, "disposition": disposition, "disposition_day": disp_day,
              "handover": handover, "stuck_plan": stuck}
    valuations = vals.build({"asset": np.int32, "kind": np.int8, "contract": np.int32, "certificate": np.int32,
                             "valid_until": np.int32, "value": np.int64, "disputed": bool})
    auctions = rounds.build({"asset": np.int32, "round_no": np.int16, "contract": np.int32, "auction": np.int32,
                             "price": np.int64, "outcome": np.int8, "sale": np.int64})
    # Rows of one asset together, in time order.
    for tbl, key in ((valuations, "contract"), (auctions, "round_no")):
        order = np.lexsort((tbl[key], tbl["asset"]))
        for k in tbl:
            tbl[k] = tbl[k][order]
    # A certificate valid beyond the export date keeps its end date: `valid_until` is the one date
    # that may lie after the export date (validation-rules.md).
    return assets, valuations, auctions
