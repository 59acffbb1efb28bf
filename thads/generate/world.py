"""The whole province at the as-of date, as numeric tables: phase one of `generate_batch`.

`build_world` draws the cases, runs their histories (calibrating the latest full year), then adds what
depends on the final histories: moves between offices, legacy office codes, officers, seized assets,
complaints, integer payments and the reason codes of status events. Everything random is drawn here, in
one fixed order from one seeded generator, so the text written later is a pure function of these
arrays (a case copied into two offices' files reads the same in both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from thads.generate.assets import DA_BAN, simulate_assets
from thads.generate.calibrate import Calibrator
from thads.generate.complaints import simulate_complaints
from thads.generate.dates import NULL_DAY, latest_full_year, stat_year_bounds, to_day
from thads.generate.population import assign_case_sequence, draw_population
from thads.generate.reference import Reference
from thads.generate.text import REASONS
from thads.generate.timeline import STATUSES, simulate

PAYMENT_KINDS = ("tu_nguyen", "cuong_che", "ban_tai_san", "mien_giam")
TU_NGUYEN, CUONG_CHE, BAN_TAI_SAN, MIEN_GIAM = range(4)
REORGANISATION = date(2025, 7, 1)  # district offices became regional offices (legacy codes before it)


@dataclass
class World:
    as_of: date
    ref: Reference
    cases: dict[str, np.ndarray]
    events: dict[str, np.ndarray]
    payments: dict[str, np.ndarray]
    assets: dict[str, np.ndarray]
    valuations: dict[str, np.ndarray]
    auctions: dict[str, np.ndarray]
    complaints: dict[str, np.ndarray]
    calibration: dict[str, float]


def build_world(n_cases: int, seed: int, as_of: date, ref: Reference) -> World:
    rng = np.random.default_rng(seed)
    as_of_day = to_day(as_of)
    cases = draw_population(rng, n_cases, as_of, ref)
    n_banks = len(ref.bank_aliases)
    tl = simulate(rng, cases, as_of, Calibrator(rng, cases, n_banks))
    cases["status"] = tl.status
    cases["status_date"] = tl.status_date
    cases["close_day"] = tl.close_day
    # An enforcement decision is never dated after the case closed.
    closed = tl.close_day != NULL_DAY
    dec = cases["decision"]
    cases["decision"] = np.where(closed & (dec != NULL_DAY) & (dec > tl.close_day), tl.close_day, dec).astype(np.int32)
    _ensure_giant(rng, cases, as_of)
    cases["seq"] = assign_case_sequence(cases["office"], cases["received"])
    _moves_and_codes(rng, cases, tl.events, as_of_day, ref)

    assets, valuations, auctions = simulate_assets(rng, cases, tl.status, tl.close_day, as_of_day)
    has_asset = np.zeros(n_cases, dtype=bool)
    has_asset[assets["case"]] = True
    complaints = simulate_complaints(rng, cases, cases["holder"], tl.close_day, has_asset, as_of_day,
                                     len(ref.offices))
    payments = _payments(rng, cases, tl.payments, assets)
    events = dict(tl.events)
    events["reason"] = _reasons(rng, events["status"])
    return World(as_of, ref, cases, events, payments, assets, valuations, auctions, complaints, tl.calibration)


def _ensure_giant(rng, cases, as_of: date) -> None:
    """Big provinces always hold a few credit cases of hundreds of billions of đồng.

    Added among credit cases received after the calibrated year, so its figures do not move.
    """
    credit = cases["credit"]
    if len(credit) < 5000 or (credit.any() and cases["amount"][credit].max() >= 1.5e11):
        return
    _, end = stat_year_bounds(latest_full_year(as_of))
    pool = np.flatnonzero(credit & (cases["received"] > end))
    if len(pool):
        i = rng.choice(pool)
        cases["amount"][i] = int(round(rng.uniform(1.5e11, 4e11) / 1e6) * 1e6)


def _moves_and_codes(rng, cases, events, as_of_day: int, ref: Reference) -> None:
    """Holder office (a few cases moved between offices), legacy codes and officers.

    Adds: holder, moved, move_day, legacy (index into the holder's legacy codes, -1 none),
    officer / old_officer (1-based number within the office, 0 unassigned).
    """
    n = len(cases["received"])
    received = cases["received"].astype(np.int64)
    n_off = len(ref.offices)
    last = np.where(cases["close_day"] != NULL_DAY, cases["close_day"], as_of_day).astype(np.int64)
    can_move = (received < as_of_day - 120) & (last - received > 45)
    moved = can_move & (rng.random(n) < 0.002) & (n_off > 1)
    move_day = np.where(moved, received + 30 + np.floor(rng.random(n) * (last - received - 30)), NULL_DAY)
    holder = np.where(moved, (cases["office"] + rng.integers(1, max(n_off, 2), n)) % n_off, cases["office"])
    cases["moved"] = moved
    cases["move_day"] = move_day.astype(np.int32)
    cases["holder"] = holder.astype(np.int16)

    n_legacy = np.array([len(x) for x in ref.legacy])
    before = received < to_day(REORGANISATION)
    legacy = ~moved & before & (rng.random(n) < 0.03) & (n_legacy[holder] > 0)
    pick = np.floor(rng.random(n) * np.maximum(n_legacy[holder], 1)).astype(np.int16)
    cases["legacy"] = np.where(legacy, pick, -1).astype(np.int16)

    per_office = np.bincount(holder, minlength=n_off)
    n_officers = np.clip(np.round(per_office / 400), 3, 40).astype(np.int64)
    officer = 1 + np.floor(rng.random(n) * n_officers[holder]).astype(np.int64)
    unassigned = rng.random(n) < np.where(received > as_of_day - 30, 0.15, 0.01)
    cases["officer"] = np.where(unassigned, 0, officer).astype(np.int16)
    old_n = n_officers[cases["office"]]
    cases["old_officer"] = (1 + np.floor(rng.random(n) * old_n)).astype(np.int16)


def _payments(rng, cases, pay, assets) -> dict[str, np.ndarray]:
    """Turn fractions of the amount due into integer đồng, never more than the amount due.

    Cumulative fractions are rounded down (to whole thousands for amounts of a million or more), so
    the running total can never pass the amount due; a case paid in full gets exactly its amount.
    """
    case = pay["case"]
    amount = cases["amount"][case].astype(np.int64)
    frac = pay["frac"]
    starts = np.r_[0, np.flatnonzero(np.diff(case)) + 1] if len(case) else np.zeros(0, int)
    cum = np.cumsum(frac)
    cum = cum - np.repeat(np.r_[0.0, cum[starts[1:] - 1]], np.diff(np.r_[starts, len(case)]))
    unit = np.where(amount >= 1_000_000, 1000, 1)
    cum_int = np.where(cum >= 1 - 1e-9, amount,
                       (np.floor(np.minimum(cum, 1.0) * amount / unit) * unit).astype(np.int64))
    prev = np.r_[0, cum_int[:-1]]
    prev[starts] = 0
    value = cum_int - prev
    keep = value > 0
    hint = pay["kind_hint"]
    u = rng.random(len(case))
    kind = np.where(hint == 3, MIEN_GIAM, np.where(u < np.where(hint == 0, 0.70, 0.65), TU_NGUYEN, CUONG_CHE))
    out = {"case": case[keep], "day": pay["day"][keep], "amount": value[keep], "kind": kind[keep].astype(np.int8)}
    # The first payment after an asset of the case was sold is the sale's proceeds.
    sold = assets["disposition"] == DA_BAN
    sale_case = assets["case"][sold].astype(np.int64)
    sale_day = assets["disposition_day"][sold].astype(np.int64)
    key = out["case"].astype(np.int64) * 100_000 + out["day"]
    pos = np.searchsorted(key, sale_case * 100_000 + sale_day)
    ok = pos < len(key)
    pos, sale_case, sale_day = pos[ok], sale_case[ok], sale_day[ok]
    ok = (out["case"][pos] == sale_case) & (out["day"][pos] - sale_day <= 120) & (out["kind"][pos] != MIEN_GIAM)
    out["kind"][pos[ok]] = BAN_TAI_SAN
    # Number payments within their case (for payment IDs), in date order.
    starts = np.r_[0, np.flatnonzero(np.diff(out["case"])) + 1] if len(out["case"]) else np.zeros(0, int)
    out["seq"] = (np.arange(len(out["case"])) - np.repeat(starts, np.diff(np.r_[starts, len(out["case"])])) + 1
                  ).astype(np.int16)
    return out


def _reasons(rng, status: np.ndarray) -> np.ndarray:
    """Index into text.REASONS for each event (-1: no reason written); some name the obligor."""
    n = len(status)
    out = np.full(n, -1, dtype=np.int16)
    written = rng.random(n) < 0.7
    u = rng.random(n)
    for st_i, code in enumerate(STATUSES):
        options = [i for i, r in enumerate(REASONS) if r[0] == code]
        if not options:
            continue
        sel = written & (status == st_i)
        out[sel] = np.array(options, dtype=np.int16)[np.floor(u[sel] * len(options)).astype(int)]
    return out

