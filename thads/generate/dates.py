"""Day arithmetic on integer day numbers (days since 1970-01-01, int32).

The simulation works on whole arrays of dates, so dates are plain integers here and become
`polars.Date` only when a table is built. `NULL_DAY` marks an empty date.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

EPOCH = date(1970, 1, 1)
NULL_DAY = np.int32(np.iinfo(np.int32).min)


def to_day(d: date) -> int:
    return (d - EPOCH).days


def from_day(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def stat_year_bounds(year: int) -> tuple[int, int]:
    """Statistical year N runs from 1 October N-1 to 30 September N (both included)."""
    return to_day(date(year - 1, 10, 1)), to_day(date(year, 9, 30))


def stat_year_of(d: date) -> int:
    return d.year + 1 if d.month >= 10 else d.year


def latest_full_year(as_of: date) -> int:
    """The newest statistical year that has ended on or before `as_of`."""
    return as_of.year if as_of >= date(as_of.year, 9, 30) else as_of.year - 1


def uniform_day(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A day drawn uniformly in [lo, hi] (inclusive), element-wise; requires hi >= lo."""
    lo = np.asarray(lo, dtype=np.int64)
    span = np.asarray(hi, dtype=np.int64) - lo + 1
    return (lo + np.floor(rng.random(lo.shape) * span).astype(np.int64)).astype(np.int32)


def weekday(days: np.ndarray) -> np.ndarray:
    """0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7


def years_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of each day number."""
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
