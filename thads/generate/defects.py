"""Deliberately bad rows (`--defects RATE`) and the manifest of every row validation must quarantine.

The rules are those of `docs/validation-rules.md`, implemented here on their own (the generator never
calls validation code). The planner picks rows to spoil, one deliberate defect per *family* (a case
with everything attached to it; a complaint tied to no case), so no row breaks two rules, and then lists:

- each spoiled row under its rule (`missing_required`, `invalid_date`, …);
- for a duplicated ID, every row carrying it (the copy is appended at the end of the office's file);
- for payments pushed above the amount due, that payment and every later payment of the case;
- the knock-on rows, `parent_quarantined`: events, payments, assets and complaints of a quarantined case,
  valuations and auctions of a quarantined asset (cascading from case to asset).

Stale copies of moved cases (`superseded`) and their families are never touched. Amounts due are spoiled
only on cases without payments, so "payments above a spoiled amount due" never arises. A raw text
value (`31/02/2025`, `12tr`) is only put in files that can hold text (CSV, Excel), not typed Parquet.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from thads.contract import RECORD_TYPE_ORDER
from thads.generate.assets import THANH
from thads.generate.dates import NULL_DAY, from_day
from thads.generate.formats import Style
from thads.generate.layout import RowTable
from thads.generate.world import World

KINDS = ("missing_required", "invalid_date", "invalid_money", "invalid_bool", "invalid_int", "invalid_enum",
         "negative_amount", "round_no_invalid", "date_order", "date_in_future", "conditional_required",
         "sale_below_starting", "unknown_office", "duplicate_id", "orphan", "payments_exceed_amount_due",
         "parent_quarantined")
MAX_DEFECT_RATE = 0.10  # beyond this, with knock-on rows, files come close to half bad (rejected outright)
TEXT_KINDS = frozenset({"invalid_date", "invalid_money", "invalid_bool", "invalid_int"})

TABLE_KINDS = {  # kinds only one record type can carry come first, so small batches still list them
    "cases": ("missing_required", "invalid_enum", "invalid_date", "invalid_money", "invalid_bool",
              "negative_amount", "date_order", "date_in_future", "conditional_required", "unknown_office",
              "duplicate_id"),
    "assets": ("missing_required", "invalid_enum", "invalid_date", "invalid_bool", "date_order",
               "date_in_future", "conditional_required", "unknown_office", "duplicate_id", "orphan"),
    "status_events": ("missing_required", "invalid_enum", "invalid_date", "date_order", "date_in_future",
                      "unknown_office", "orphan"),
    "payments": ("payments_exceed_amount_due", "missing_required", "invalid_enum", "invalid_date",
                 "invalid_money", "negative_amount", "date_order", "date_in_future", "unknown_office",
                 "duplicate_id", "orphan"),
    "valuations": ("missing_required", "invalid_enum", "invalid_date", "invalid_money", "invalid_bool",
                   "negative_amount", "date_order", "date_in_future", "conditional_required", "unknown_office",
                   "duplicate_id", "orphan"),
    "auctions": ("invalid_int", "round_no_invalid", "sale_below_starting", "missing_required", "invalid_enum",
                 "invalid_date", "invalid_money", "negative_amount", "date_order", "date_in_future",
                 "conditional_required", "unknown_office", "duplicate_id", "orphan"),
    "complaints": ("missing_required", "invalid_enum", "invalid_date", "invalid_bool", "date_order",
                   "date_in_future", "unknown_office", "duplicate_id", "orphan"),
}
EXCLUSIVE = {"payments": 1, "auctions": 3}
PLAN_ORDER = ("cases", "assets", "status_events", "payments", "valuations", "auctions", "complaints")

IMPOSSIBLE_DATES = {"iso": ("2025-02-30", "2023-02-29", "2024-04-31"),
                    "vn": ("31/02/2025", "29/02/2023", "31/04/2024")}
UNPARSEABLE_DATES = ("không rõ", "15-03-20255", "??/??/2024", "ngày 5 tháng 3")
BAD_MONEY = ("1,5", "12.000.000,50", "12tr", "5 triệu")
BAD_BOOL = ("chưa rõ", "2", "có thể")
BAD_INT = ("hai", "1,5", "2a")
BAD_ENUM = {
    "status": ("Đang xử lý", "dang_thi_hanh_2"), "judgment_type": ("Dân sự phúc thẩm", "DS"),
    "initiation": ("Tự động",), "obligee_type": ("Cá thể",), "kind_payments": ("Chuyển khoản",),
    "asset_type": ("Nhà đất",), "disposition": ("Bán đấu giá thành",), "kind_valuations": ("Lần hai",),
    "outcome": ("Không có người mua",), "kind_complaints": ("Kiến nghị",),
}
UNKNOWN_OFFICES = ("NA11", "NA-12", "CC-NA-TANKY", "CC-NA-VINHH")

Cell = tuple[str, object, bool]  # (column, value, raw text?)


@dataclass
class Defect:
    table: str
    pos: int
    kind: str
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Plan:
    """What the writers apply, and what the manifest lists."""

    cells: dict[str, dict[int, list[Cell]]]  # table -> position -> cells
    duplicates: dict[str, dict[int, list[int]]]  # table -> folder -> positions copied at the file's end
    manifest: list[tuple[str, int, int, str]]  # (table, folder, row, kind) — ids added when written
    manifest_pos: list[int]  # position in the RowTable for each manifest row (-1: an appended copy)
    manifest_src_pos: list[int]  # position whose record ID names the row
    origins: list[int] = field(default_factory=list)  # index of the deliberate defect behind each row

    @classmethod
    def empty(cls) -> "Plan":
        return cls({}, {}, [], [], [])


def plan_defects(world: World, tables: dict[str, RowTable], styles: list[Style], rate: float,
                 seed: int) -> Plan:
    if rate <= 0:
        return Plan.empty()
    rate = min(rate, MAX_DEFECT_RATE)
    rng = np.random.default_rng([seed, 20250701])
    views = {name: _view(world, tables, name) for name in PLAN_ORDER}
    n_cases = len(world.cases["received"])
    used = np.zeros(n_cases + len(world.complaints["case"]), dtype=bool)
    used[np.flatnonzero(world.cases["moved"])] = True
    text_ok = np.array([s.holds_text for s in styles])
    chosen: list[Defect] = []
    for name in PLAN_ORDER:
        chosen += _choose(rng, name, views[name], tables[name], used, text_ok, rate, world)
    for _ in range(200):
        plan = _manifest(world, tables, views, chosen)
        worst = _worst_file(plan, tables)
        if worst is None:
            return plan
        chosen = _drop_one(chosen, plan, worst)
    return plan


# -- what each row looks like, aligned on RowTable positions --------------------------------------
def _view(world: World, tables, name) -> dict[str, np.ndarray]:
    c = world.cases
    rt = tables[name].cols
    src = rt["src"]
    v = {"folder": rt["folder"], "stale": rt.get("stale", np.zeros(len(src), bool))}
    if name == "cases":
        n_pay = np.bincount(world.payments["case"], minlength=len(c["received"]))
        v.update(family=src, received=c["received"][src], decision=c["decision"][src],
                 status_date=rt["status_date"], amount=c["amount"][src], credit=c["credit"][src],
                 has_pay=n_pay[src] > 0)
    elif name == "status_events":
        v.update(family=rt["case"], received=c["received"][rt["case"]], day=world.events["day"][src])
    elif name == "payments":
        p = world.payments
        v.update(family=rt["case"], received=c["received"][rt["case"]], day=p["day"][src],
                 amount=p["amount"][src], due=c["amount"][rt["case"]])
    elif name == "assets":
        a = world.assets
        v.update(family=rt["case"], received=c["received"][rt["case"]], seizure=a["seizure"][src],
                 disposition=a["disposition"][src], disposition_day=a["disposition_day"][src],
                 handover=a["handover"][src], asset=src)
    elif name == "valuations":
        t = world.valuations
        v.update(family=rt["case"], asset=rt["asset"], contract=t["contract"][src], certificate=t["certificate"][src],
                 valid_until=t["valid_until"][src], value=t["value"][src])
    elif name == "auctions":
        t = world.auctions
        v.update(family=rt["case"], asset=rt["asset"], contract=t["contract"][src], auction=t["auction"][src],
                 outcome=t["outcome"][src], price=t["price"][src], sale=t["sale"][src])
    elif name == "complaints":
        k = world.complaints
        n_cases = len(c["received"])
        v.update(family=np.where(rt["case"] >= 0, rt["case"], n_cases + src), case=rt["case"],
                 received=k["received"][src], resolved=k["resolved"][src])
    return v


def _eligible(name: str, kind: str, v) -> np.ndarray:
    n = len(v["folder"])
    yes = np.ones(n, dtype=bool)
    has = lambda k: v[k] != NULL_DAY  # noqa: E731
    if name == "cases":
        no_pay_amount = ~v["has_pay"] & (v["amount"] > 0)
        return {"invalid_money": no_pay_amount, "negative_amount": no_pay_amount,
                "conditional_required": v["credit"]}.get(kind, yes)
    if name == "payments":
        return {"payments_exceed_amount_due": v["due"] > 0}.get(kind, yes)
    if name == "assets":
        # An unreadable disposition only where one was recorded with its date, so that no reader
        # also calls its date "required but missing" (conditional rules test parsed values).
        return {"invalid_enum": v["disposition"] >= 0, "conditional_required": v["disposition"] >= 0}.get(kind, yes)
    if name == "valuations":
        certified = has("certificate")
        # Malformed value text only on valuations still without a certificate, where a value is optional:
        # on a certified one an unreadable value would also break `conditional_required`.
        return {"invalid_money": ~certified, "negative_amount": v["value"] > 0,
                "date_order": certified & has("contract"),
                "date_in_future": (~certified & has("contract")) | (certified & ~has("valid_until")),
                "conditional_required": certified}.get(kind, yes)
    if name == "auctions":
        return {"date_order": has("auction"), "conditional_required": v["outcome"] == THANH,
                "sale_below_starting": v["outcome"] == THANH}.get(kind, yes)
    if name == "complaints":
        return {"date_order": has("resolved"), "orphan": v["case"] >= 0}.get(kind, yes)
    return yes


def _choose(rng, name, v, rt: RowTable, used, text_ok, rate, world) -> list[Defect]:
    n = len(v["folder"])
    if n == 0:
        return []
    kinds = TABLE_KINDS[name]
    n_exclusive = EXCLUSIVE.get(name, 0)
    want = max(int(round(rate * n)), n_exclusive)
    rest = list(kinds[n_exclusive:])
    rng.shuffle(rest)
    order = list(kinds[:n_exclusive]) + rest
    per_folder = np.bincount(v["folder"], minlength=len(text_ok))
    cap = np.where(per_folder >= 5, np.maximum(1, (per_folder * 0.10).astype(int)), 0)
    taken = np.zeros(len(text_ok), dtype=int)
    perm = rng.permutation(n)
    base_ok = ~v["stale"][perm]
    pointers = {}
    candidates = {}
    for kind in kinds:
        ok = base_ok & _eligible(name, kind, v)[perm]
        if kind in TEXT_KINDS:
            ok &= text_ok[v["folder"][perm]]
        candidates[kind] = perm[ok]
        pointers[kind] = 0
    out = []
    misses = 0
    i = 0
    while len(out) < want and misses < len(order):
        kind = order[i % len(order)]
        i += 1
        cand, p = candidates[kind], pointers[kind]
        while p < len(cand):
            pos = int(cand[p])
            p += 1
            fam, folder = v["family"][pos], v["folder"][pos]
            if used[fam] or taken[folder] >= cap[folder]:
                continue
            used[fam] = True
            taken[folder] += 1
            out.append(Defect(name, pos, kind, _cells(rng, name, kind, pos, v, world)))
            misses = 0
            break
        else:
            misses += 1
        pointers[kind] = p
    return out


# -- the spoiled values ---------------------------------------------------------------------------
def _day(x) -> date:
    return from_day(int(x))


def _pick(rng, options):
    return options[int(rng.integers(0, len(options)))]


def _cells(rng, name, kind, pos, v, world) -> list[Cell]:
    as_of = world.as_of
    future = as_of + timedelta(days=int(rng.integers(1, 91)))
    before = lambda d: _day(d) - timedelta(days=int(rng.integers(1, 31)))  # noqa: E731

    def bad_date():
        if rng.random() < 0.6:
            return _pick(rng, IMPOSSIBLE_DATES["vn" if rng.random() < 0.7 else "iso"])
        return _pick(rng, UNPARSEABLE_DATES)

    if name == "cases":
        if kind == "missing_required":
            return [(_pick(rng, ("judgment_no", "judgment_type", "initiation", "obligee_type")), None, False)]
        if kind == "invalid_enum":
            col = _pick(rng, ("status", "judgment_type", "initiation", "obligee_type"))
            return [(col, _pick(rng, BAD_ENUM[col]), False)]
        if kind == "invalid_date":
            col = "decision_date" if v["decision"][pos] != NULL_DAY else "status_date"
            return [(col, bad_date(), True)]
        if kind == "invalid_money":
            return [("amount_due", _pick(rng, BAD_MONEY), True)]
        if kind == "invalid_bool":
            return [("credit_case", _pick(rng, BAD_BOOL), True)]
        if kind == "negative_amount":
            return [("amount_due", -int(v["amount"][pos]), False)]
        if kind == "date_order":
            if v["decision"][pos] != NULL_DAY and rng.random() < 0.6:
                return [("decision_date", before(v["received"][pos]), False)]
            return [("status_date", before(v["received"][pos]), False)]
        if kind == "date_in_future":
            return [("status_date", future, False)]
        if kind == "conditional_required":
            return [("credit_institution", None, False)]
        if kind == "unknown_office":
            return [("office_code", _pick(rng, UNKNOWN_OFFICES), False)]
        return []
    if kind == "unknown_office":
        return [("office_code", _pick(rng, UNKNOWN_OFFICES), False)]
    if kind == "orphan":
        # A case number no office uses (offices number below 900000 a year).
        code = world.ref.offices[int(v["folder"][pos])]
        fake = f"{code}-{world.as_of.year - int(rng.integers(0, 8))}-9{int(rng.integers(0, 100000)):05d}"
        if name in ("valuations", "auctions"):
            return [("asset_id", fake + "-TS1", False)]
        return [("case_id", fake, False)]
    if kind == "duplicate_id":
        return []
    if name == "status_events":
        return {
            "missing_required": [(_pick(rng, ("status", "event_date")), None, False)],
            "invalid_enum": [("status", _pick(rng, BAD_ENUM["status"]), False)],
            "invalid_date": [("event_date", bad_date(), True)],
            "date_order": [("event_date", before(v["received"][pos]), False)],
            "date_in_future": [("event_date", future, False)],
        }[kind]
    if name == "payments":
        if kind == "payments_exceed_amount_due":
            return []  # value set in _manifest, which knows the case's earlier payments
        return {
            "missing_required": [(_pick(rng, ("amount", "kind", "payment_date")), None, False)],
            "invalid_enum": [("kind", _pick(rng, BAD_ENUM["kind_payments"]), False)],
            "invalid_date": [("payment_date", bad_date(), True)],
            "invalid_money": [("amount", _pick(rng, BAD_MONEY), True)],
            "negative_amount": [("amount", 0 if rng.random() < 0.2 else -int(v["amount"][pos]), False)],
            "date_order": [("payment_date", before(v["received"][pos]), False)],
            "date_in_future": [("payment_date", future, False)],
        }[kind]
    if name == "assets":
        has = lambda k: v[k][pos] != NULL_DAY  # noqa: E731
        if kind == "date_order":
            options = ["seizure"] + (["disposition"] if has("disposition_day") else []) + (
                ["handover"] if has("handover") else [])
            which = _pick(rng, options)
            if which == "seizure":
                return [("seizure_date", before(v["received"][pos]), False)]
            if which == "disposition":
                return [("disposition_date", _day(v["seizure"][pos]) - timedelta(days=int(rng.integers(1, 11))), False)]
            return [("handover_date", _day(v["disposition_day"][pos]) - timedelta(days=int(rng.integers(1, 11))), False)]
        if kind == "date_in_future":
            col = "handover_date" if has("handover") else ("disposition_date" if has("disposition_day") else "seizure_date")
            return [(col, future, False)]
        if kind == "invalid_enum":  # eligible rows have a disposition
            col = _pick(rng, ("asset_type", "disposition"))
            return [(col, _pick(rng, BAD_ENUM[col]), False)]
        return {
            "missing_required": [(_pick(rng, ("asset_type", "seizure_date")), None, False)],
            "invalid_date": [("seizure_date", bad_date(), True)],
            "invalid_bool": [(_pick(rng, ("price_agreed", "is_collateral")), _pick(rng, BAD_BOOL), True)],
            "conditional_required": [("disposition_date", None, False)],
        }[kind]
    if name == "valuations":
        if kind == "date_order":
            if v["valid_until"][pos] != NULL_DAY and rng.random() < 0.5:
                return [("valid_until", _day(v["certificate"][pos]) - timedelta(days=int(rng.integers(1, 6))), False)]
            return [("certificate_date", _day(v["contract"][pos]) - timedelta(days=int(rng.integers(1, 6))), False)]
        if kind == "date_in_future":
            col = "certificate_date" if v["certificate"][pos] != NULL_DAY else "contract_date"
            return [(col, future, False)]
        return {
            "missing_required": [("kind", None, False)],
            "invalid_enum": [("kind", _pick(rng, BAD_ENUM["kind_valuations"]), False)],
            "invalid_date": [(_pick(rng, ("contract_date",)), bad_date(), True)],
            "invalid_money": [("value", _pick(rng, BAD_MONEY), True)],
            "invalid_bool": [("disputed", _pick(rng, BAD_BOOL), True)],
            "negative_amount": [("value", 0 if rng.random() < 0.2 else -int(v["value"][pos]), False)],
            "conditional_required": [("value", None, False)],
        }[kind]
    if name == "auctions":
        if kind == "date_in_future":
            col = "auction_date" if v["auction"][pos] != NULL_DAY else "contract_date"
            return [(col, future, False)]
        if kind == "sale_below_starting":
            price = int(v["price"][pos])
            return [("sale_price", max(1000, int(round(price * 0.95 / 1000.0)) * 1000 - 1000), False)]
        return {
            "missing_required": [(_pick(rng, ("contract_date", "starting_price", "round_no")), None, False)],
            "invalid_int": [("round_no", _pick(rng, BAD_INT), True)],
            "round_no_invalid": [("round_no", 0, False)],
            "invalid_enum": [("outcome", _pick(rng, BAD_ENUM["outcome"]), False)],
            "invalid_date": [("contract_date", bad_date(), True)],
            "invalid_money": [("starting_price", _pick(rng, BAD_MONEY), True)],
            "negative_amount": [("starting_price", 0 if rng.random() < 0.2 else -int(v["price"][pos]), False)],
            "date_order": [("auction_date", _day(v["contract"][pos]) - timedelta(days=int(rng.integers(1, 11))), False)],
            "conditional_required": [("sale_price", None, False)],
        }[kind]
    if name == "complaints":
        if kind == "date_in_future":
            col = "resolved_date" if v["resolved"][pos] != NULL_DAY else "received_date"
            return [(col, future, False)]
        return {
            "missing_required": [(_pick(rng, ("kind", "received_date")), None, False)],
            "invalid_enum": [("kind", _pick(rng, BAD_ENUM["kind_complaints"]), False)],
            "invalid_date": [("received_date", bad_date(), True)],
            "invalid_bool": [("escalated", _pick(rng, BAD_BOOL), True)],
            "date_order": [("resolved_date", _day(v["received"][pos]) - timedelta(days=int(rng.integers(1, 11))), False)],
        }[kind]
    raise ValueError((name, kind))


# -- the manifest -----------------------------------------------------------------------------------
def _manifest(world: World, tables, views, chosen: list[Defect]) -> Plan:
    cells: dict[str, dict[int, list[Cell]]] = {name: {} for name in RECORD_TYPE_ORDER}
    dups: dict[str, dict[int, list[int]]] = {name: {} for name in RECORD_TYPE_ORDER}
    plan = Plan(cells, dups, [], [], [])
    marked: dict[str, set[int]] = {name: set() for name in RECORD_TYPE_ORDER}
    q_case = np.full(len(world.cases["received"]), -1)  # index of the defect that quarantines the case
    q_asset = np.full(len(world.assets["case"]), -1)

    def add(name, pos, kind, origin, folder=None, row=None, id_pos=None):
        rt = tables[name].cols
        if pos >= 0:
            folder, row = int(rt["folder"][pos]), int(rt["row"][pos])
            marked[name].add(pos)
        plan.manifest.append((name, folder, row, kind))
        plan.manifest_pos.append(pos)
        plan.manifest_src_pos.append(pos if id_pos is None else id_pos)
        plan.origins.append(origin)

    for k, d in enumerate(chosen):
        v = views[d.table]
        rt = tables[d.table].cols
        if d.kind == "duplicate_id":
            dups[d.table].setdefault(int(rt["folder"][d.pos]), []).append(d.pos)
            add(d.table, d.pos, "duplicate_id", k)
        elif d.kind == "payments_exceed_amount_due":
            same = np.flatnonzero(rt["case"] == rt["case"][d.pos])  # the case's payments, in date order
            due = int(v["due"][d.pos])
            paid_before = int(v["amount"][same[same < d.pos]].sum())
            extra = max(1000, int(round(due * 0.1 / 1000.0)) * 1000)
            cells["payments"][d.pos] = [("amount", due - paid_before + extra, False)]
            for p in same[same >= d.pos]:
                add("payments", int(p), "payments_exceed_amount_due", k)
        else:
            cells[d.table][d.pos] = d.cells
            add(d.table, d.pos, d.kind, k)
        if d.table == "cases":
            q_case[rt["src"][d.pos]] = k
        elif d.table == "assets":
            q_asset[rt["src"][d.pos]] = k

    # Appended copies of duplicated IDs: row numbers after the file's last row.
    for name, by_folder in dups.items():
        per_folder = np.bincount(tables[name].cols["folder"], minlength=len(world.ref.offices))
        for folder, positions in by_folder.items():
            for j, pos in enumerate(positions):
                origin = next(k for k, d in enumerate(chosen) if d.table == name and d.pos == pos)
                add(name, -1, "duplicate_id", origin, folder, int(per_folder[folder]) + j + 1, pos)

    # Knock-on: children of quarantined cases, then of quarantined assets (cascading).
    a_case = world.assets["case"]
    q_asset = np.where(q_asset >= 0, q_asset, q_case[a_case])
    for name, parent_of, origin_of in (
        ("status_events", "case", q_case), ("payments", "case", q_case), ("assets", "case", q_case),
        ("complaints", "case", q_case), ("valuations", "asset", q_asset), ("auctions", "asset", q_asset),
    ):
        parent = tables[name].cols[parent_of]
        origin = np.where(parent >= 0, origin_of[np.maximum(parent, 0)], -1)
        for pos in np.flatnonzero(origin >= 0):
            if int(pos) not in marked[name]:
                add(name, int(pos), "parent_quarantined", int(origin[pos]))
    return plan


def _worst_file(plan: Plan, tables) -> tuple[str, int] | None:
    """A file whose bad share is too high (over 35 %), if any."""
    bad: dict[tuple[str, int], set[int]] = {}
    for (name, folder, row, _kind) in plan.manifest:
        bad.setdefault((name, folder), set()).add(row)
    worst, share = None, 0.35
    for (name, folder), rows in bad.items():
        n = int(np.count_nonzero(tables[name].cols["folder"] == folder)) + len(plan.duplicates[name].get(folder, []))
        if len(rows) / max(n, 1) > share:
            worst, share = (name, folder), len(rows) / max(n, 1)
    return worst


def _drop_one(chosen: list[Defect], plan: Plan, worst: tuple[str, int]) -> list[Defect]:
    """Drop the deliberate defect that puts the most bad rows into the worst file."""
    counts: dict[int, int] = {}
    for (name, folder, _row, _kind), origin in zip(plan.manifest, plan.origins):
        if (name, folder) == worst:
            counts[origin] = counts.get(origin, 0) + 1
    drop = max(counts, key=lambda k: (counts[k], k))
    return chosen[:drop] + chosen[drop + 1:]


def write_manifest(path: Path, batch_prefix: str, entries: list[tuple[str, int, str, str]],
                   keep_empty: bool) -> None:
    """Replace this batch's rows in `defects.csv`, keeping other batches' rows (same inbox).

    With `keep_empty` the file is written even when it lists nothing (defects were asked for);
    otherwise a manifest left with no rows is removed.
    """
    kept = []
    if path.exists():
        with open(path, encoding="utf-8", newline="") as fh:
            kept = [r for r in csv.DictReader(fh) if not r["file"].startswith(batch_prefix)]
    rows = kept + [{"file": f, "row": str(r), "record_id": i, "kind": k} for f, r, i, k in entries]
    if not rows and not keep_empty:
        path.unlink(missing_ok=True)
        return
    rows.sort(key=lambda r: (r["file"], int(r["row"]), r["kind"]))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "row", "record_id", "kind"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
