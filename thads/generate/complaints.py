"""Complaints and denunciations: most about one case, a few about an office's work in general."""

from __future__ import annotations

import numpy as np

from thads.generate.dates import NULL_DAY


def simulate_complaints(rng: np.random.Generator, cases: dict, holder: np.ndarray, close_day: np.ndarray,
                        has_asset: np.ndarray, as_of_day: int, n_offices: int) -> dict[str, np.ndarray]:
    """Rows: case (-1 when not tied to a case), office, received, resolved, kind, escalated."""
    received = cases["received"].astype(np.int64)
    n = len(received)
    last = np.where(close_day != NULL_DAY, close_day + 30, as_of_day).clip(max=as_of_day)
    p = np.where(has_asset, 0.10, np.where(cases["credit"], 0.05, 0.02))
    tied_case = np.flatnonzero((rng.random(n) < p) & (last - received >= 20))
    tied_case = np.repeat(tied_case, np.where(rng.random(len(tied_case)) < 0.2, 2, 1))
    lo = received[tied_case] + 10
    day = lo + np.floor(rng.random(len(tied_case)) * (last[tied_case] - lo + 1)).astype(np.int64)
    # Complaints about an office's work in general, spread over the last five years.
    n_free = max(1, n // 500)
    free_day = as_of_day - rng.integers(0, 5 * 365, n_free)
    free_office = rng.integers(0, n_offices, n_free)
    case = np.r_[tied_case, np.full(n_free, -1)].astype(np.int32)
    office = np.r_[holder[tied_case], free_office].astype(np.int16)
    day = np.r_[day, free_day].astype(np.int32)
    m = len(case)
    resolve = day + rng.integers(10, 91, m)
    resolved = np.where((rng.random(m) < 0.85) & (resolve <= as_of_day), resolve, NULL_DAY).astype(np.int32)
    return {
        "case": case,
        "office": office,
        "received": day,
        "resolved": resolved,
        "kind": (rng.random(m) < 0.15).astype(np.int8),  # 0 khieu_nai, 1 to_cao
        "escalated": rng.random(m) < 0.08,
    }
