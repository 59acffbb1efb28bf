"""Which office folder each row goes to, and its row number there.

Every file of a batch is laid out before anything is written, so the defect manifest can name rows by
number and the writers can stream each file in chunks. A case moved between offices appears twice: in
its new office's files (the live copy) and, stale, in its old office's files — case row (whose
office_code already names the new office), and the events and payments dated before the move.

Each record type becomes a `RowTable`: arrays sorted by (folder, row), `src` pointing into the world's
table of that type.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thads.generate.dates import years_of
from thads.generate.world import World


@dataclass
class RowTable:
    cols: dict[str, np.ndarray]  # src, folder, row, plus per-type extras
    n_folders: int

    def __len__(self) -> int:
        return len(self.cols["src"])

    def folder_slices(self) -> list[tuple[int, int]]:
        """[start, end) positions of each folder's rows."""
        edges = np.searchsorted(self.cols["folder"], np.arange(self.n_folders + 1))
        return [(int(edges[i]), int(edges[i + 1])) for i in range(self.n_folders)]

    def take(self, positions: np.ndarray) -> dict[str, np.ndarray]:
        return {k: v[positions] for k, v in self.cols.items()}


def _sorted(cols: dict[str, np.ndarray], keys: list[str], n_folders: int) -> RowTable:
    order = np.lexsort(tuple(cols[k] for k in reversed(keys)))
    cols = {k: v[order] for k, v in cols.items()}
    folder = cols["folder"]
    starts = np.searchsorted(folder, folder, side="left")
    cols["row"] = (np.arange(len(folder)) - starts + 1).astype(np.int32)
    return RowTable(cols, n_folders)


def _child_rows(records: dict, c: dict, n_f: int) -> tuple[RowTable, np.ndarray]:
    """A case's child records (events, payments) in its holder's folder; those dated before a move
    also in the old office's folder (the stale copy). Returns the rows and the indices of the stale ones."""
    idx = np.arange(len(records["case"]), dtype=np.int64)
    stale = idx[c["moved"][records["case"]] & (records["day"] < c["move_day"][records["case"]])]
    rows = _sorted({
        "src": np.r_[idx, stale],
        "case": np.r_[records["case"], records["case"][stale]].astype(np.int64),
        "folder": np.r_[c["holder"][records["case"]], c["office"][records["case"][stale]]].astype(np.int16),
        "stale": np.r_[np.zeros(len(idx), bool), np.ones(len(stale), bool)],
    }, ["folder", "case", "src"], n_f)
    return rows, stale


def lay_out(world: World) -> dict[str, RowTable]:
    c = world.cases
    n_f = len(world.ref.offices)
    n = len(c["received"])
    case_ids = np.arange(n, dtype=np.int64)
    moved = np.flatnonzero(c["moved"])

    # -- events and payments: all in the holder's folder; the stale prefix also in the old folder
    ev = world.events
    events, ev_stale = _child_rows(ev, c, n_f)
    payments, _ = _child_rows(world.payments, c, n_f)

    # -- cases: the stale copy's status is its last event before the move
    stale_status = np.zeros(len(moved), dtype=np.int8)
    stale_date = np.zeros(len(moved), dtype=np.int32)
    if len(moved):
        s_case = ev["case"][ev_stale]
        last = np.r_[np.flatnonzero(np.diff(s_case)), len(s_case) - 1]
        where = np.searchsorted(moved, s_case[last])
        stale_status[where] = ev["status"][ev_stale][last]
        stale_date[where] = ev["day"][ev_stale][last]
    n_codes_current = len(world.ref.offices)
    legacy_offset = np.cumsum([0] + [len(x) for x in world.ref.legacy])[:-1] + n_codes_current
    written = np.where(c["legacy"] >= 0, legacy_offset[c["holder"]] + c["legacy"], c["holder"])
    cases = _sorted({
        "src": np.r_[case_ids, moved],
        "folder": np.r_[c["holder"], c["office"][moved]].astype(np.int16),
        "stale": np.r_[np.zeros(n, bool), np.ones(len(moved), bool)],
        "office_written": np.r_[written, c["holder"][moved]].astype(np.int16),  # index into office_codes()
        "officer_office": np.r_[c["holder"], c["office"][moved]].astype(np.int16),
        "officer": np.r_[c["officer"], c["old_officer"][moved]].astype(np.int16),
        "status": np.r_[c["status"], stale_status].astype(np.int8),
        "status_date": np.r_[c["status_date"], stale_date].astype(np.int32),
    }, ["folder", "src"], n_f)

    # -- assets and their valuations and auctions: the holder's folder, in case order
    a = world.assets
    a_idx = np.arange(len(a["case"]), dtype=np.int64)
    assets = _sorted({"src": a_idx, "case": a["case"].astype(np.int64),
                      "folder": c["holder"][a["case"]].astype(np.int16)}, ["folder", "src"], n_f)
    out = {"cases": cases, "status_events": events, "payments": payments, "assets": assets}
    for name in ("valuations", "auctions"):
        t = getattr(world, name)
        idx = np.arange(len(t["asset"]), dtype=np.int64)
        out[name] = _sorted({"src": idx, "asset": t["asset"].astype(np.int64),
                             "case": a["case"][t["asset"]].astype(np.int64),
                             "folder": c["holder"][a["case"][t["asset"]]].astype(np.int16)},
                            ["folder", "src"], n_f)

    # -- complaints: each office's register in order of receipt
    k = world.complaints
    k_idx = np.arange(len(k["case"]), dtype=np.int64)
    complaints = _sorted({"src": k_idx, "case": k["case"].astype(np.int64), "folder": k["office"].astype(np.int16),
                          "day": k["received"].astype(np.int64)}, ["folder", "day", "src"], n_f)
    # Complaint numbers run per office and year of receipt.
    key = complaints.cols["folder"].astype(np.int64) * 10_000 + years_of(complaints.cols["day"])
    starts = np.searchsorted(key, key, side="left")  # sorted by folder then day, so years are grouped
    complaints.cols["seq"] = (np.arange(len(key)) - starts + 1).astype(np.int32)
    out["complaints"] = complaints
    return out


def office_codes(world: World) -> tuple[str, ...]:
    """Current office codes, then every office's legacy codes in turn (see `office_written`)."""
    return tuple(world.ref.offices) + tuple(code for group in world.ref.legacy for code in group)


