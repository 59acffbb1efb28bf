"""Pin the latest full statistical year to the national ranges, deliberately.

Random draws alone would put a 20,000-case province roughly in range; with heavy-tailed money, one
giant credit case more or less in the "with conditions" count moves the money rate by ten points. So
after the year's outcomes are drawn (`timeline.simulate`), this module computes that year's official
figures exactly as `metrics.md` defines them and then nudges, in this order:

1. share with conditions — a few small cases reclassified between with and without conditions;
2. completion rate by cases — a few small cases completed or left open;
3. credit share of cases — a few cases to enforce made credit cases or not (with matching parties);
4. credit share of money — every credit amount scaled by one factor (payments are fractions, so all
   histories stay valid);
5. completion rate by money — what one or two big cases with conditions paid this year (see
   `_rate_money`), which moves the money figures without moving the case counts;
6. steps 1–2 again on small cases, since step 5 moved a few cases.

Only outcomes of that one year change; the histories are written afterwards from the final outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thads.generate.population import set_credit, tiers
from thads.generate.timeline import (
    DINHCHI_SHARE, END_COMPLETED, END_PARTLY, END_WITH_OPEN, END_WITHOUT, SEP_BACK, SEP_BACK_DONE, W_COMPLETE,
    W_STAY, W_TO_WO, WO_CLOSE, WO_STAY, WO_TO_W, WO_TO_W_DONE, Year,
)

# A completed outcome and the open one it becomes when the case was in fact only partly paid.
REOPEN = {W_COMPLETE: W_STAY, WO_TO_W_DONE: WO_TO_W, SEP_BACK_DONE: SEP_BACK, WO_CLOSE: WO_STAY}

TARGETS = {
    "credit_share_cases": (0.045, 0.043, 0.047),  # target, low, high (fractions)
    "credit_share_money": (0.47, 0.46, 0.48),
    "with_conditions_share": (0.75, 0.74, 0.76),
    "rate_cases": (0.835, 0.825, 0.845),
    "rate_money": (0.51, 0.49, 0.53),
}


@dataclass
class Figures:
    """One statistical year's official figures, plus the per-case pieces they are sums of."""

    to_enforce: np.ndarray  # masks over the year's living cases
    with_conditions: np.ndarray
    completed: np.ndarray
    money_base: np.ndarray  # what a case adds to money to enforce / with conditions
    money_done: np.ndarray  # what it adds to money completed (when with conditions)
    credit: np.ndarray

    def summary(self) -> dict[str, float]:
        te, wc, done = self.to_enforce, self.with_conditions, self.completed
        m_te = self.money_base[te].sum()
        m_wc = self.money_base[wc].sum()
        return {
            "cases_to_enforce": int(te.sum()),
            "cases_with_conditions": int(wc.sum()),
            "cases_completed": int(done.sum()),
            "money_to_enforce": float(m_te),
            "money_with_conditions": float(m_wc),
            "money_completed": float(self.money_done[wc].sum()),
            "with_conditions_share": wc.sum() / max(te.sum(), 1),
            "rate_cases": done.sum() / max(wc.sum(), 1),
            "rate_money": self.money_done[wc].sum() / m_wc if m_wc else 0.0,
            "credit_share_cases": (te & self.credit).sum() / max(te.sum(), 1),
            "credit_share_money": self.money_base[te & self.credit].sum() / m_te if m_te else 0.0,
        }


def year_figures(yr: Year, paid: np.ndarray, cases: dict[str, np.ndarray]) -> Figures:
    idx = yr.idx
    amount = cases["amount"][idx].astype(float)
    paid_before = paid[idx]
    paid_in_year = yr.paid_in_year(paid_before, cases["amount"][idx])
    end = yr.end_class(paid_in_year)
    handled = yr.handled()
    te = handled & np.isin(end, (END_WITH_OPEN, END_COMPLETED, END_WITHOUT, END_PARTLY))
    wc = handled & np.isin(end, (END_WITH_OPEN, END_COMPLETED, END_PARTLY))
    done = handled & np.isin(end, (END_COMPLETED, END_PARTLY))
    outstanding = amount * (1.0 - paid_before)
    in_year = amount * paid_in_year
    base = np.where(end == END_PARTLY, in_year, outstanding)
    money_done = np.where(end == END_COMPLETED, outstanding, in_year)
    return Figures(te, wc, done, base, money_done, cases["credit"][idx])


class Calibrator:
    """Called by `timeline.simulate` for the latest full statistical year."""

    def __init__(self, rng: np.random.Generator, cases: dict[str, np.ndarray], n_banks: int):
        self.rng, self.cases, self.n_banks = rng, cases, n_banks

    def __call__(self, yr: Year, paid: np.ndarray) -> dict[str, float]:
        self._with_share(yr, paid)
        self._rate_cases(yr, paid)
        self._credit_cases(yr, paid)
        self._credit_money(yr, paid)
        self._rate_money(yr, paid)
        self._with_share(yr, paid)
        self._rate_cases(yr, paid)
        out = year_figures(yr, paid, self.cases).summary()
        out["year"] = yr.year
        return out

    # -- helpers -----------------------------------------------------------------------------------
    def _small(self, yr):
        return tiers(self.cases["amount"][yr.idx]) == 0

    def _flip(self, yr, candidates: np.ndarray, k: int, to: int, xong: bool = False):
        """Give `to` as outcome to k of the candidates (positions in the year's arrays), at random."""
        pos = np.flatnonzero(candidates)
        if k <= 0 or len(pos) == 0:
            return
        pick = self.rng.choice(pos, size=min(k, len(pos)), replace=False)
        yr.outcome[pick] = to
        if xong:
            yr.u_sub[pick] = np.maximum(yr.u_sub[pick], DINHCHI_SHARE)

    # -- the steps ---------------------------------------------------------------------------------
    def _with_share(self, yr, paid):
        target, low, high = TARGETS["with_conditions_share"]
        f = year_figures(yr, paid, self.cases)
        s = f.summary()
        if low <= s["with_conditions_share"] <= high:
            return
        k = int(round(target * s["cases_to_enforce"])) - s["cases_with_conditions"]
        small, o = self._small(yr), yr.outcome
        if k > 0:
            self._flip(yr, small & (o == WO_STAY) & f.to_enforce, k, WO_TO_W)
        else:
            self._flip(yr, small & (o == W_STAY), -k, W_TO_WO)

    def _rate_cases(self, yr, paid):
        target, low, high = TARGETS["rate_cases"]
        s = year_figures(yr, paid, self.cases).summary()
        if low <= s["rate_cases"] <= high:
            return
        k = int(round(target * s["cases_with_conditions"])) - s["cases_completed"]
        small, o = self._small(yr), yr.outcome
        if k > 0:
            self._flip(yr, small & (o == W_STAY), k, W_COMPLETE, xong=True)
        else:
            self._flip(yr, small & (o == W_COMPLETE), -k, W_STAY)

    def _credit_cases(self, yr, paid):
        target, low, high = TARGETS["credit_share_cases"]
        f = year_figures(yr, paid, self.cases)
        s = f.summary()
        if low <= s["credit_share_cases"] <= high:
            return
        want = int(round(target * s["cases_to_enforce"]))
        have = int((f.to_enforce & f.credit).sum())
        amount = self.cases["amount"][yr.idx]
        if want > have:  # loan-sized cases become credit cases (a consumer loan, a business loan)
            cand = np.flatnonzero(f.to_enforce & ~f.credit & (amount >= 2e7) & (amount <= 2e9))
            pick = self.rng.choice(cand, size=min(want - have, len(cand)), replace=False)
            set_credit(self.rng, self.cases, yr.idx[pick], True, self.n_banks)
        else:
            cand = np.flatnonzero(f.to_enforce & f.credit & (amount <= 2e9))
            pick = self.rng.choice(cand, size=min(have - want, len(cand)), replace=False)
            set_credit(self.rng, self.cases, yr.idx[pick], False, self.n_banks)

    def _credit_money(self, yr, paid):
        target = TARGETS["credit_share_money"][0]
        f = year_figures(yr, paid, self.cases)
        credit_money = f.money_base[f.to_enforce & f.credit].sum()
        other_money = f.money_base[f.to_enforce & ~f.credit].sum()
        if credit_money <= 0 or other_money <= 0:
            return
        factor = target * other_money / ((1 - target) * credit_money)
        amount = self.cases["amount"]
        credit = self.cases["credit"]
        scaled = np.round(amount[credit] * factor / 1000.0) * 1000.0
        amount[credit] = np.where(amount[credit] > 0, np.maximum(scaled, 1000.0), 0).astype(np.int64)

    def _rate_money(self, yr, paid):
        """Land the money rate on target by changing what one or two big cases paid this year.

        Too low: the smallest open case with conditions big enough to close the gap pays part of its
        debt (or, if none is big enough, the biggest open one turns out to have no conditions).
        Too high: the smallest completed case big enough to carry the excess was only partly paid (or,
        if none is, the biggest case without conditions regains them).
        """
        target, low, high = TARGETS["rate_money"]
        o = yr.outcome
        for _ in range(200):
            f = year_figures(yr, paid, self.cases)
            W = f.money_base[f.with_conditions].sum()
            D = f.money_done[f.with_conditions].sum()
            if W <= 0 or abs(D / W - target) <= 0.005:
                return
            w, d = f.money_base, f.money_done
            if D / W < target:
                gap = target * W - D
                open_ = f.with_conditions & np.isin(o, (W_STAY, WO_TO_W)) & (w > 0)
                fits = np.flatnonzero(open_ & ((gap + d) <= 0.9 * w))
                if len(fits):
                    i = fits[np.argmin(w[fits])]
                    yr.u_pay[i], yr.f_pay[i] = 0.0, (gap + d[i]) / w[i]
                else:
                    pos = np.flatnonzero(open_)
                    if not len(pos):
                        return
                    i = pos[np.argmax(w[pos])]
                    o[i] = W_TO_WO if o[i] == W_STAY else WO_STAY
            else:
                excess = D - target * W
                done = f.with_conditions & np.isin(o, tuple(REOPEN)) & (w > 0)
                done &= (o != WO_CLOSE) | (yr.u_sub < 0.70)  # closed from without: only `dinh_chi` counts
                pos = np.flatnonzero(done)
                if len(pos):
                    fits = pos[w[pos] * 0.95 >= excess]
                    i = fits[np.argmin(w[fits])] if len(fits) else pos[np.argmax(w[pos])]
                    o[i] = REOPEN[o[i]]
                    yr.u_pay[i], yr.f_pay[i] = 0.0, max(0.05, (w[i] - excess) / w[i])
                else:
                    pos = np.flatnonzero(f.to_enforce & (o == WO_STAY))
                    if not len(pos):
                        return
                    o[pos[np.argmax(w[pos])]] = WO_TO_W
