"""Status histories and payments, simulated one statistical year at a time.

Each year, every living case draws an *outcome* for the year from its state at the start (with
conditions, without conditions, separate register) — completed, entrusted, reclassified, moved to the
separate register, back from it, … — and the outcome is then turned into dated status events and
payments inside the year. Working outcome by outcome keeps every history consistent by construction
(first event at received_date, nothing before it, nothing after the as-of date, payments never above
the amount due).

The latest full statistical year is *calibrated*: after drawing its outcomes, a few outcomes, credit
flags and the credit amounts are adjusted so that the official figures of that year land inside the
national ranges (see `calibrate.py`). Payments are kept as fractions of the amount due until the very
end, so amounts can be rescaled without touching any history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from thads.contract import ENUMS
from thads.generate.dates import (NULL_DAY, from_day, latest_full_year, stat_year_bounds, stat_year_of,
                                  to_day, uniform_day)
from thads.generate.population import tiers

STATUSES = tuple(ENUMS["status"])
DTH, HTT, HOAN, TDC, CCDK, TDR, XONG, DINHCHI, UYTHAC, THUHOI = (STATUSES.index(s) for s in (
    "dang_thi_hanh", "hoan_thoa_thuan", "hoan", "tam_dinh_chi", "chua_co_dieu_kien", "theo_doi_rieng",
    "xong", "dinh_chi", "uy_thac", "thu_hoi"))
WITH_STATUSES = np.array([DTH, HTT])
WITHOUT_STATUSES = np.array([HOAN, TDC, CCDK])
CLOSED_STATUSES = np.array([XONG, DINHCHI, UYTHAC, THUHOI])

# Outcome of a case within one statistical year, by its state at the start of the year.
(W_STAY, W_COMPLETE, W_UYTHAC, W_THUHOI, W_TO_WO,            # with conditions (or new)
 WO_STAY, WO_TO_W, WO_TO_W_DONE, WO_CLOSE, WO_TO_SEP,       # without conditions
 SEP_STAY, SEP_BACK, SEP_BACK_DONE, SEP_BACK_WO, SEP_CLOSE  # separate register
 ) = range(15)
START_WITH, START_WITHOUT, START_SEP = 0, 1, 2

# Where a case stands at the end of the year, for the official counts (metrics.md).
END_WITH_OPEN, END_COMPLETED, END_WITHOUT, END_ENTRUSTED, END_PARTLY, END_WITHDRAWN, END_SEPARATE, END_OUT = range(8)

# Yearly chances, by money tier (see population.TIER_EDGES): small debts get paid, big ones rarely.
COMPLETE_BY_TIER = np.array([0.95, 0.90, 0.70, 0.35])
TO_WITHOUT_BY_TIER = np.array([0.03, 0.04, 0.15, 0.30])
INTAKE_WITHOUT_BY_TIER = np.array([0.15, 0.17, 0.25, 0.35])
PARTIAL_PAY = {W_STAY: 0.35, W_UYTHAC: 0.45, WO_TO_W: 0.30, SEP_BACK: 0.2, WO_STAY: 0.03}
DINHCHI_SHARE = 0.08  # of completions, the rest `xong`


@dataclass
class Year:
    """The living cases of one statistical year and what happens to them (arrays aligned on `idx`)."""

    year: int
    start_day: int
    end_day: int  # last day simulated: the year's end, or the as-of date for the running year
    idx: np.ndarray
    new: np.ndarray
    start: np.ndarray
    lo: np.ndarray  # first day an event may take: received date for new cases, else start of year
    outcome: np.ndarray = field(default=None)
    u_pay: np.ndarray = field(default=None)
    f_pay: np.ndarray = field(default=None)
    u_sub: np.ndarray = field(default=None)

    def paid_in_year(self, paid_before: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Fraction of the amount due paid within the year, by outcome (zero when nothing is owed)."""
        rem = 1.0 - paid_before
        o = self.outcome
        part = self.f_pay * rem
        out = np.zeros(len(o))
        for oc, p in PARTIAL_PAY.items():
            sel = (o == oc) & (self.u_pay < p)
            out[sel] = part[sel] * (0.2 if oc == WO_STAY else 1.0)
        xong = (o == W_COMPLETE) & (self.u_sub >= DINHCHI_SHARE)
        dinhchi = (o == W_COMPLETE) & (self.u_sub < DINHCHI_SHARE) & (self.u_pay < 0.3)
        out[dinhchi] = part[dinhchi]
        full = xong | (o == WO_TO_W_DONE) | (o == SEP_BACK_DONE)
        out[full] = rem[full]
        return np.where(amount > 0, out, 0.0)

    def end_class(self, paid_in_year: np.ndarray) -> np.ndarray:
        o = self.outcome
        end = np.full(len(o), END_OUT, dtype=np.int8)
        end[np.isin(o, (W_STAY, WO_TO_W, SEP_BACK))] = END_WITH_OPEN
        end[np.isin(o, (W_COMPLETE, WO_TO_W_DONE, SEP_BACK_DONE))] = END_COMPLETED
        end[np.isin(o, (W_TO_WO, WO_STAY, SEP_BACK_WO))] = END_WITHOUT
        end[o == W_UYTHAC] = np.where(paid_in_year[o == W_UYTHAC] > 0, END_PARTLY, END_ENTRUSTED)
        end[o == W_THUHOI] = END_WITHDRAWN
        wo_close = o == WO_CLOSE
        end[wo_close] = np.select([self.u_sub[wo_close] < 0.70, self.u_sub[wo_close] < 0.85],
                                  [END_COMPLETED, END_WITHDRAWN], END_ENTRUSTED)
        end[o == WO_TO_SEP] = END_SEPARATE
        return end

    def handled(self) -> np.ndarray:
        return (self.new | (self.start != START_SEP)
                | np.isin(self.outcome, (SEP_BACK, SEP_BACK_DONE, SEP_BACK_WO)))


@dataclass
class Timeline:
    """What the simulation hands on: final state per case, and the event and payment rows."""

    status: np.ndarray  # final status per case
    status_date: np.ndarray
    close_day: np.ndarray  # day the case closed, NULL_DAY while open or in the separate register
    events: dict[str, np.ndarray]  # case, day, status, order
    payments: dict[str, np.ndarray]  # case, day, frac (of amount due), kind_hint, order
    calibration: dict[str, float]


class _Sink:
    """Collects event or payment rows year after year."""

    def __init__(self, *names):
        self.parts = {n: [] for n in names}

    def add(self, **cols):
        n = len(next(iter(cols.values())))
        if n:
            for k, v in cols.items():
                self.parts[k].append(np.broadcast_to(v, (n,)) if np.ndim(v) == 0 else v)

    def arrays(self, dtypes):
        return {k: (np.concatenate(v).astype(dtypes[k]) if v else np.zeros(0, dtypes[k]))
                for k, v in self.parts.items()}


def _categorical(rng, probs: list[np.ndarray]) -> np.ndarray:
    """Row-wise draw among len(probs) options; the last option takes what is left."""
    cum = np.cumsum(np.stack(probs[:-1], axis=1), axis=1)
    u = rng.random(cum.shape[0])[:, None]
    return (u >= cum).sum(axis=1)


def simulate(rng: np.random.Generator, cases: dict[str, np.ndarray], as_of: date, calibrator) -> Timeline:
    """Run every statistical year from the oldest case to the as-of date.

    `calibrator(year, paid)` is called once, for the latest full statistical year, after its outcomes
    are drawn and before they become events (`paid`: fraction of each amount paid before the year); it
    may change outcomes, credit flags and amounts in place, and returns the year's figures.
    """
    received = cases["received"]
    n = len(received)
    as_of_day = to_day(as_of)
    status = np.full(n, -1, dtype=np.int8)
    since_wo = np.full(n, NULL_DAY, dtype=np.int32)
    paid = np.zeros(n)
    events = _Sink("case", "day", "status", "order")
    pays = _Sink("case", "day", "frac", "kind_hint", "order")
    first_year = stat_year_of(from_day(received.min())) if n else stat_year_of(as_of)
    last_year = stat_year_of(as_of)
    calib_year = latest_full_year(as_of)
    calibration: dict[str, float] = {}

    for y_i, year in enumerate(range(first_year, last_year + 1)):
        S, E = stat_year_bounds(year)
        E_eff = min(E, as_of_day)
        if E_eff < S:
            break
        scale = min(1.0, (E_eff - S + 1) / (E - S + 1)) ** 1.3  # the running year is only partly over
        alive_old = (status >= 0) & ~np.isin(status, CLOSED_STATUSES)
        new = (received >= S) & (received <= E_eff)
        idx = np.flatnonzero(alive_old | new)
        st = status[idx]
        is_new = new[idx]
        start = np.where(is_new | np.isin(st, WITH_STATUSES), START_WITH,
                         np.where(st == TDR, START_SEP, START_WITHOUT)).astype(np.int8)
        lo = np.maximum(received[idx], S).astype(np.int32)
        yr = Year(year, S, E_eff, idx, is_new, start, lo)
        yr.outcome = _draw_outcomes(rng, yr, cases, since_wo, scale)
        m = len(idx)
        yr.u_pay, yr.f_pay, yr.u_sub = rng.random(m), rng.uniform(0.05, 0.45, m), rng.random(m)
        if year == calib_year and calibrator is not None:
            calibration = calibrator(yr, paid)
        paid_y = yr.paid_in_year(paid[idx], cases["amount"][idx])
        status[idx] = _materialise(rng, yr, cases, status[idx], since_wo, paid_y, events, pays, y_i)
        paid[idx] += paid_y

    ev = events.arrays({"case": np.int32, "day": np.int32, "status": np.int8, "order": np.int32})
    order = np.lexsort((ev["order"], ev["day"], ev["case"]))
    ev = {k: v[order] for k, v in ev.items()}
    py = pays.arrays({"case": np.int32, "day": np.int32, "frac": np.float64, "kind_hint": np.int8,
                      "order": np.int32})
    order = np.lexsort((py["order"], py["day"], py["case"]))
    py = {k: v[order] for k, v in py.items()}

    last = np.r_[np.flatnonzero(np.diff(ev["case"])), len(ev["case"]) - 1] if len(ev["case"]) else np.zeros(0, int)
    final_status = np.full(n, DTH, dtype=np.int8)
    status_date = received.copy()
    final_status[ev["case"][last]] = ev["status"][last]
    status_date[ev["case"][last]] = ev["day"][last]
    close_day = np.where(np.isin(final_status, CLOSED_STATUSES), status_date, NULL_DAY).astype(np.int32)
    return Timeline(final_status, status_date, close_day, ev, py, calibration)


def _draw_outcomes(rng, yr: Year, cases, since_wo, scale: float) -> np.ndarray:
    idx = yr.idx
    m = len(idx)
    tier = tiers(cases["amount"][idx])
    credit = cases["credit"][idx]
    out = np.empty(m, dtype=np.int8)

    # With conditions at the start of the year (or received within it).
    w = np.flatnonzero(yr.start == START_WITH)
    new = yr.new[w]
    left = np.clip((yr.end_day - cases["received"][idx[w]]) / 75.0, 0, 1) ** 0.6
    g = np.where(new, left, scale)
    intake_wo = np.where(new, INTAKE_WITHOUT_BY_TIER[tier[w]] + 0.05 * credit[w], 0.0)
    keep = 1.0 - intake_wo
    p_complete = keep * COMPLETE_BY_TIER[tier[w]] * g * np.where(credit[w], 0.9, 1.0)
    p_uy = keep * 0.03 * g
    p_th = keep * 0.009 * g
    p_wo = np.where(new, intake_wo, TO_WITHOUT_BY_TIER[tier[w]] * scale)
    pick = _categorical(rng, [p_complete, p_uy, p_th, p_wo, None])
    out[w] = np.array([W_COMPLETE, W_UYTHAC, W_THUHOI, W_TO_WO, W_STAY])[pick]

    # Without conditions: a few regain conditions, a few are closed, long ones go to the separate register.
    wo = np.flatnonzero(yr.start == START_WITHOUT)
    eligible = (since_wo[idx[wo]] != NULL_DAY) & (since_wo[idx[wo]] + 365 <= yr.end_day)
    ones = np.ones(len(wo))
    pick = _categorical(rng, [0.04 * scale * ones, 0.03 * scale * ones, 0.03 * scale * ones,
                              0.25 * scale * eligible, None])
    out[wo] = np.array([WO_TO_W, WO_TO_W_DONE, WO_CLOSE, WO_TO_SEP, WO_STAY])[pick]

    # Separate register: a few come back (and some then complete), a few are closed from it.
    sp = np.flatnonzero(yr.start == START_SEP)
    ones = np.ones(len(sp))
    pick = _categorical(rng, [0.014 * scale * ones, 0.010 * scale * ones, 0.008 * scale * ones,
                              0.010 * scale * ones, None])
    out[sp] = np.array([SEP_BACK, SEP_BACK_DONE, SEP_BACK_WO, SEP_CLOSE, SEP_STAY])[pick]
    return out


def _materialise(rng, yr: Year, cases, status_now, since_wo, paid_y, events: _Sink, pays: _Sink, y_i: int):
    """Turn the year's outcomes into dated events and payments; return each case's status at the end."""
    idx, o, lo, hi = yr.idx, yr.outcome, yr.lo, yr.end_day
    received = cases["received"][idx]
    amount = cases["amount"][idx]
    base = y_i * 16
    end = status_now.copy()  # outcomes that change nothing (stay without, stay in the register) keep it
    his = np.full(len(idx), hi, dtype=np.int32)

    def ev(sel, day, st, slot):
        events.add(case=idx[sel], day=np.asarray(day, dtype=np.int32), status=np.asarray(st, dtype=np.int8),
                   order=np.int32(base + slot))

    def pay(sel, day, frac, hint, slot):
        keep = amount[sel] > 0
        pays.add(case=idx[sel][keep], day=np.asarray(day)[keep].astype(np.int32),
                 frac=np.asarray(frac, dtype=float)[keep], kind_hint=np.int8(hint), order=np.int32(base + slot))

    # Every case starts `dang_thi_hanh` on the day it is received.
    ev(yr.new, received[yr.new], DTH, 0)
    end[yr.new] = DTH

    def close_day(sel):
        """A closing date: soon after receipt for new cases, later in the year (seasonal) for the rest."""
        s = np.flatnonzero(sel)
        dur = rng.gamma(1.5, 50.0, len(s)).astype(np.int64)
        span = hi - lo[s]
        new_day = lo[s] + np.where(dur <= span, dur, np.floor(rng.random(len(s)) * (span + 1)))
        old_day = lo[s] + np.floor(rng.beta(1.6, 1.0, len(s)) * (span + 1))
        return np.minimum(np.where(yr.new[s], new_day, old_day), hi).astype(np.int32)

    # --- with conditions, staying open: sometimes postponed by agreement or on other grounds meanwhile
    sel = o == W_STAY
    s = np.flatnonzero(sel)
    u = rng.random(len(s))
    d1 = uniform_day(rng, lo[s], his[s])
    can_resume = d1 < hi
    d2 = uniform_day(rng, np.minimum(d1 + 1, hi), his[s])
    agreed = u < 0.08
    resumes = agreed & (rng.random(len(s)) < 0.5) & can_resume
    other = (u >= 0.08) & (u < 0.125) & can_resume
    ev(s[agreed], d1[agreed], HTT, 3)
    ev(s[resumes], d2[resumes], DTH, 4)
    kind = np.where(u[other] < 0.11, HOAN, TDC)
    ev(s[other], d1[other], kind, 3)
    ev(s[other], d2[other], DTH, 4)
    # A case postponed by agreement in an earlier year usually resumes during this one.
    resume_old = ~agreed & ~other & (end[s] == HTT) & (rng.random(len(s)) < 0.7)
    ev(s[resume_old], d1[resume_old], DTH, 4)
    end[s] = np.where(agreed & ~resumes, HTT, np.where(agreed | other | resume_old, DTH, end[s]))
    part = sel & (paid_y > 0)
    pay(part, uniform_day(rng, lo[part], his[part]), paid_y[part], 0, 5)

    # --- completed: paid in one to three instalments (the last on the closing day), or discontinued
    sel = o == W_COMPLETE
    s = np.flatnonzero(sel)
    c = close_day(sel)
    before = rng.random(len(s)) < 0.06
    d1 = uniform_day(rng, lo[s], c)
    ev(s[before], d1[before], HTT, 3)
    final = np.where(yr.u_sub[s] < DINHCHI_SHARE, DINHCHI, XONG).astype(np.int8)
    ev(s, c, final, 8)
    end[s] = final
    _instalments(rng, pay, s[final == XONG], lo[s][final == XONG], c[final == XONG], paid_y[s][final == XONG])
    dc = (final == DINHCHI) & (paid_y[s] > 0)
    pay(s[dc], uniform_day(rng, lo[s][dc], c[dc]), paid_y[s][dc], 0, 5)

    # --- entrusted to another agency (some after paying part within the year), or withdrawn
    for oc, st in ((W_UYTHAC, UYTHAC), (W_THUHOI, THUHOI)):
        sel = o == oc
        s = np.flatnonzero(sel)
        c = close_day(sel)
        ev(s, c, st, 8)
        end[s] = st
        part = paid_y[s] > 0
        pay(s[part], uniform_day(rng, lo[s][part], c[part]), paid_y[s][part], 0, 5)

    # --- found without conditions (at intake, or later); postponed or suspended cases count there too
    sel = o == W_TO_WO
    s = np.flatnonzero(sel)
    day = np.where(yr.new[s], np.minimum(received[s] + rng.integers(10, 91, len(s)), hi),
                   uniform_day(rng, lo[s], his[s])).astype(np.int32)
    u = rng.random(len(s))
    st = np.where(u < 0.76, CCDK, np.where(u < 0.88, HOAN, TDC)).astype(np.int8)
    ev(s, day, st, 6)
    end[s] = st
    since_wo[idx[s]] = day

    # --- without conditions staying so: sometimes the ground changes; rarely a small payment
    sel = o == WO_STAY
    s = np.flatnonzero(sel)
    change = rng.random(len(s)) < 0.06
    day = uniform_day(rng, lo[s], his[s])
    new_st = WITHOUT_STATUSES[rng.integers(0, 3, len(s))]
    ev(s[change], day[change], new_st[change], 6)
    end[s] = np.where(change, new_st, end[s])
    part = sel & (paid_y > 0)
    pay(part, uniform_day(rng, lo[part], his[part]), paid_y[part], 0, 5)

    # --- regaining conditions (reclassified), some completed within the year
    for oc in (WO_TO_W, WO_TO_W_DONE, SEP_BACK, SEP_BACK_DONE, SEP_BACK_WO):
        sel = o == oc
        s = np.flatnonzero(sel)
        d1 = uniform_day(rng, lo[s], his[s])
        ev(s, d1, DTH, 2)
        end[s] = DTH
        if oc in (WO_TO_W_DONE, SEP_BACK_DONE):
            c = np.minimum(d1 + rng.integers(0, 121, len(s)), hi).astype(np.int32)
            ev(s, c, XONG, 8)
            end[s] = XONG
            _instalments(rng, pay, s, d1, c, paid_y[s])
        elif oc == SEP_BACK_WO:
            d2 = uniform_day(rng, d1, his[s])
            ev(s, d2, CCDK, 6)
            end[s] = CCDK
            since_wo[idx[s]] = d2
        else:
            part = paid_y[s] > 0
            pay(s[part], uniform_day(rng, d1[part], his[s][part]), paid_y[s][part], 0, 5)

    # --- closed while without conditions (discontinued, withdrawn, entrusted), or from the register
    sel = o == WO_CLOSE
    s = np.flatnonzero(sel)
    us = yr.u_sub[s]
    st = np.where(us < 0.70, DINHCHI, np.where(us < 0.85, THUHOI, UYTHAC)).astype(np.int8)
    ev(s, uniform_day(rng, lo[s], his[s]), st, 8)
    end[s] = st
    sel = o == SEP_CLOSE
    s = np.flatnonzero(sel)
    ev(s, uniform_day(rng, lo[s], his[s]), DINHCHI, 8)
    end[s] = DINHCHI

    # --- moved to the separate register: without conditions for a year or more
    sel = o == WO_TO_SEP
    s = np.flatnonzero(sel)
    first_ok = np.maximum(lo[s], since_wo[idx[s]] + 365)
    ev(s, uniform_day(rng, first_ok, his[s]), TDR, 7)
    end[s] = TDR
    return end


def _instalments(rng, pay, s, lo, c, fracs):
    """Pay `fracs` in 1–3 instalments between lo and c, the last one on c."""
    k = np.where(rng.random(len(s)) < 0.55, 1, np.where(rng.random(len(s)) < 0.67, 2, 3))
    cut1 = rng.uniform(0.2, 0.7, len(s))
    cut2 = rng.uniform(0.2, 0.6, len(s))
    d_a = uniform_day(rng, lo, c)
    d_b = uniform_day(rng, lo, c)
    d1, d2 = np.minimum(d_a, d_b), np.maximum(d_a, d_b)
    f1 = np.where(k == 1, 0.0, fracs * cut1)
    f2 = np.where(k == 3, (fracs - f1) * cut2, 0.0)
    f3 = fracs - f1 - f2
    two_plus = k >= 2
    pay(s[two_plus], d1[two_plus], f1[two_plus], 1, 5)
    three = k == 3
    pay(s[three], d2[three], f2[three], 1, 6)
    # The last instalment is sometimes an exemption or reduction decided by the agency.
    pay(s, c, f3, np.where(two_plus & (rng.random(len(s)) < 0.08), 3, 2), 7)
