"""Typed rows of one file slice: the contract's columns with their real types, before any office style.

`Frames.build(record_type, positions)` turns positions of a `RowTable` into a polars DataFrame with the
contract's column names (from `thads.contract`): strings, `Date`, `Int64` money, `Boolean`, enum codes.
The writers then style it per office; the defect planner uses it to name records in the manifest.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from thads.contract import ENUMS, RECORD_TYPES
from thads.generate.assets import ASSET_TYPES, DISPOSITIONS, OUTCOMES
from thads.generate.dates import NULL_DAY, years_of
from thads.generate.layout import RowTable, office_codes
from thads.generate.population import JUDGMENT_TYPES, INITIATIONS, OBLIGEE_TYPES, UNKNOWN_BANK_SPELLINGS
from thads.generate.text import (AUCTION_ORGS, JUDGMENT_CODES, OTHER_OBLIGEES, REASONS, STATE_BUDGET, VALUERS,
                                 Pools)
from thads.generate.timeline import STATUSES
from thads.generate.world import PAYMENT_KINDS, World

# Reasons split around the "{}" where the obligor is named; _WHO: 0 nobody, 1 name, 2 name and ID.
_PRE = tuple(t.split("{}")[0] for _, t, _ in REASONS)
_POST = tuple(t.split("{}")[1] if "{}" in t else "" for _, t, _ in REASONS)
_WHO = np.array([{"": 0, "name": 1, "name_id": 2}[w] for _, _, w in REASONS])


def _dates(days: np.ndarray) -> pl.Series:
    days = np.asarray(days, dtype=np.int32)
    s = pl.Series(days).cast(pl.Date)
    return s.set(pl.Series(days == NULL_DAY), None) if (days == NULL_DAY).any() else s


def _lookup(values: tuple[str, ...], idx: np.ndarray) -> pl.Series:
    """values[idx] as strings; idx < 0 gives null."""
    idx = np.asarray(idx, dtype=np.int64)
    s = pl.Series(values, dtype=pl.String).gather(np.where(idx < 0, 0, idx))
    return s.set(pl.Series(idx < 0), None) if (idx < 0).any() else s


def _money(values: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(values, dtype=np.int64))
    return s.set(pl.Series(null), None) if null is not None and null.any() else s


class Frames:
    def __init__(self, world: World, tables: dict[str, RowTable], pools: Pools):
        self.w, self.t, self.pools = world, tables, pools
        self.codes = office_codes(world)
        self.banks = tuple(world.ref.bank_aliases) + UNKNOWN_BANK_SPELLINGS
        jt = [JUDGMENT_CODES[c] for c in JUDGMENT_TYPES]
        self._jcodes = (tuple(x[0] for x in jt), tuple(x[1] for x in jt))

    # -- identifiers, shared by every record type ------------------------------------------------
    def case_ids(self, case_idx: np.ndarray) -> pl.Series:
        c = self.w.cases
        case_idx = np.asarray(case_idx, dtype=np.int64)
        year = years_of(c["received"][case_idx])
        df = pl.DataFrame({
            "o": _lookup(self.w.ref.offices, c["office"][case_idx]),
            "y": pl.Series(year),
            "s": pl.Series(c["seq"][case_idx]).cast(pl.String).str.zfill(6),
        })
        return df.select(pl.format("{}-{}-{}", "o", "y", "s")).to_series()

    def asset_ids(self, asset_idx: np.ndarray) -> pl.Series:
        a = self.w.assets
        asset_idx = np.asarray(asset_idx, dtype=np.int64)
        df = pl.DataFrame({"c": self.case_ids(a["case"][asset_idx]), "k": pl.Series(a["seq"][asset_idx])})
        return df.select(pl.format("{}-TS{}", "c", "k")).to_series()

    def record_ids(self, name: str, positions: np.ndarray) -> pl.Series:
        """The record's own ID (for status events, which have none, the case ID)."""
        return self.build(name, positions, only_key=True).to_series()

    # -- frames ------------------------------------------------------------------------------------
    def build(self, name: str, positions: np.ndarray, only_key: bool = False) -> pl.DataFrame:
        rows = self.t[name].take(np.asarray(positions, dtype=np.int64))
        df = getattr(self, "_" + name)(rows, only_key)
        if only_key:
            return df.select(RECORD_TYPES[name].key)
        return df.select(RECORD_TYPES[name].column_names)

    def _office(self, folder):
        return _lookup(self.codes, folder)

    def obligor(self, case_idx: np.ndarray) -> tuple[pl.Series, pl.Series]:
        """Obligor name and ID number of each case (a company has no personal ID number)."""
        c = self.w.cases
        persons, companies = self.pools.persons, self.pools.companies
        company = c["obligor_company"][case_idx]
        pick = c["obligor_name"][case_idx]
        name = pl.DataFrame({"c": _lookup(companies, pick % len(companies)),
                             "p": _lookup(persons, pick % len(persons)), "k": company}) \
            .select(pl.when("k").then("c").otherwise("p")).to_series()
        id_num = pl.DataFrame({"k": c["id_kind"][case_idx], "v": pl.Series(c["obligor_id"][case_idx]).cast(pl.String)}) \
            .select(pl.when(pl.col("k") == 1).then(pl.col("v").str.zfill(12))
                    .when(pl.col("k") == 2).then(pl.col("v"))).to_series()
        return name, id_num

    def _cases(self, r, only_key):
        c, i = self.w.cases, r["src"]
        if only_key:
            return pl.DataFrame({"case_id": self.case_ids(i)})
        p_names, companies = self.pools.persons, self.pools.companies
        ob_type = c["obligee_type"][i]
        og = c["obligee_name"][i]
        obligee = pl.DataFrame({
            "person": _lookup(p_names, og % len(p_names)),
            "company": _lookup(companies, og % len(companies)),
            "state": _lookup(STATE_BUDGET, og % len(STATE_BUDGET)),
            "other": _lookup(OTHER_OBLIGEES, og % len(OTHER_OBLIGEES)),
            "bank": _lookup(self.banks, c["bank"][i]),
            "t": pl.Series(ob_type),
        }).select(pl.when(pl.col("t") == OBLIGEE_TYPES.index("ca_nhan")).then("person")
                  .when(pl.col("t") == OBLIGEE_TYPES.index("doanh_nghiep")).then("company")
                  .when(pl.col("t") == OBLIGEE_TYPES.index("ngan_sach")).then("state")
                  .when(pl.col("t") == OBLIGEE_TYPES.index("to_chuc_tin_dung")).then("bank")
                  .otherwise("other")).to_series()
        obligor, obligor_id = self.obligor(i)
        jt = c["judgment_type"][i]
        judgment = pl.DataFrame({
            "n": pl.Series(c["judgment_num"][i]), "y": pl.Series(c["judgment_year"][i]),
            "a": _lookup(self._jcodes[0], jt), "b": _lookup(self._jcodes[1], jt), "p": c["judgment_appeal"][i],
        }).select(pl.when("p").then(pl.format("{}/{}/{}", "n", "y", "b"))
                  .otherwise(pl.format("{}/{}/{}", "n", "y", "a"))).to_series()
        officer = (pl.DataFrame({"o": _lookup(self.w.ref.offices, r["officer_office"]),
                                 "k": pl.Series(r["officer"]).cast(pl.String).str.zfill(2),
                                 "z": r["officer"]})
                   .select(pl.when(pl.col("z") > 0).then(pl.format("{}-CHV{}", "o", "k"))).to_series())
        return pl.DataFrame({
            "case_id": self.case_ids(i),
            "office_code": self._office(r["office_written"]),
            "officer_id": officer,
            "judgment_no": judgment,
            "judgment_type": _lookup(JUDGMENT_TYPES, jt),
            "initiation": _lookup(INITIATIONS, c["initiation"][i]),
            "received_date": _dates(c["received"][i]),
            "decision_date": _dates(c["decision"][i]),
            "obligee_type": _lookup(OBLIGEE_TYPES, ob_type),
            "obligee_name": obligee,
            "obligor_name": obligor,
            "obligor_id_number": obligor_id,
            "credit_case": pl.Series(c["credit"][i]),
            "credit_institution": _lookup(self.banks, c["bank"][i]),
            "amount_due": _money(c["amount"][i]),
            "status": _lookup(STATUSES, r["status"]),
            "status_date": _dates(r["status_date"]),
        })

    def _status_events(self, r, only_key):
        e, i = self.w.events, r["src"]
        case_id = self.case_ids(r["case"])
        if only_key:
            return pl.DataFrame({"case_id": case_id})
        reason = e["reason"][i]
        wk = np.where(reason >= 0, _WHO[np.maximum(reason, 0)], 0)
        named = np.flatnonzero(wk > 0)
        name = pl.Series([None] * len(i), dtype=pl.String)
        idn = pl.Series([None] * len(i), dtype=pl.String)
        if len(named):
            n_s, i_s = self.obligor(r["case"][named])
            name = name.scatter(named, n_s)
            idn = idn.scatter(named, i_s)
        text = pl.DataFrame({"pre": _lookup(_PRE, reason), "post": _lookup(_POST, reason), "wk": wk,
                             "name": name, "idn": idn}).select(
            pl.when(pl.col("wk") == 1).then(pl.concat_str("pre", "name", "post"))
            .when(pl.col("wk") == 2).then(pl.concat_str(
                "pre", "name",
                pl.when(pl.col("idn").is_not_null()).then(pl.format(" (số định danh {})", "idn")).otherwise(pl.lit("")),
                "post"))
            .otherwise("pre")).to_series()
        return pl.DataFrame({
            "case_id": case_id,
            "office_code": self._office(r["folder"]),
            "event_date": _dates(e["day"][i]),
            "status": _lookup(STATUSES, e["status"][i]),
            "reason": text,
        })

    def _payments(self, r, only_key):
        p, i = self.w.payments, r["src"]
        case_id = self.case_ids(r["case"])
        pid = pl.DataFrame({"c": case_id, "k": pl.Series(p["seq"][i]).cast(pl.String).str.zfill(2)}) \
            .select(pl.format("{}-T{}", "c", "k")).to_series()
        if only_key:
            return pl.DataFrame({"payment_id": pid})
        return pl.DataFrame({
            "payment_id": pid,
            "case_id": case_id,
            "office_code": self._office(r["folder"]),
            "payment_date": _dates(p["day"][i]),
            "amount": _money(p["amount"][i]),
            "kind": _lookup(PAYMENT_KINDS, p["kind"][i]),
        })

    def _assets(self, r, only_key):
        a, i = self.w.assets, r["src"]
        aid = self.asset_ids(i)
        if only_key:
            return pl.DataFrame({"asset_id": aid})
        return pl.DataFrame({
            "asset_id": aid,
            "case_id": self.case_ids(r["case"]),
            "office_code": self._office(r["folder"]),
            "asset_type": _lookup(ASSET_TYPES, a["asset_type"][i]),
            "seizure_date": _dates(a["seizure"][i]),
            "price_agreed": pl.Series(a["price_agreed"][i]),
            "is_collateral": pl.Series(a["collateral"][i]),
            "disposition": _lookup(DISPOSITIONS, a["disposition"][i]),
            "disposition_date": _dates(a["disposition_day"][i]),
            "handover_date": _dates(a["handover"][i]),
        })

    def _child_seq(self, table: dict, i: np.ndarray) -> np.ndarray:
        """1-based number of a valuation among its asset's valuations (rows of an asset are adjacent)."""
        asset = table["asset"]
        first = np.searchsorted(asset, asset[i], side="left")
        return i - first + 1

    def _valuations(self, r, only_key):
        v, i = self.w.valuations, r["src"]
        aid = self.asset_ids(r["asset"])
        vid = pl.DataFrame({"a": aid, "k": pl.Series(self._child_seq(v, i))}).select(pl.format("{}-TD{}", "a", "k")).to_series()
        if only_key:
            return pl.DataFrame({"valuation_id": vid})
        value = v["value"][i]
        return pl.DataFrame({
            "valuation_id": vid,
            "asset_id": aid,
            "office_code": self._office(r["folder"]),
            "kind": _lookup(tuple(ENUMS["valuation_kind"]), v["kind"][i]),
            "contract_date": _dates(v["contract"][i]),
            "certificate_date": _dates(v["certificate"][i]),
            "valid_until": _dates(v["valid_until"][i]),
            "value": _money(value, value < 0),
            "valuer": _lookup(VALUERS, (r["asset"] * 7 + v["kind"][i]) % len(VALUERS)),
            "disputed": pl.Series(v["disputed"][i]),
        })

    def _auctions(self, r, only_key):
        u, i = self.w.auctions, r["src"]
        aid = self.asset_ids(r["asset"])
        rid = pl.DataFrame({"a": aid, "k": pl.Series(u["round_no"][i]).cast(pl.String).str.zfill(2)}) \
            .select(pl.format("{}-DG{}", "a", "k")).to_series()
        if only_key:
            return pl.DataFrame({"auction_id": rid})
        sale = u["sale"][i]
        return pl.DataFrame({
            "auction_id": rid,
            "asset_id": aid,
            "office_code": self._office(r["folder"]),
            "round_no": pl.Series(u["round_no"][i].astype(np.int64)),
            "contract_date": _dates(u["contract"][i]),
            "auction_date": _dates(u["auction"][i]),
            "starting_price": _money(u["price"][i]),
            "outcome": _lookup(OUTCOMES, u["outcome"][i]),
            "sale_price": _money(sale, sale < 0),
            "auction_org": _lookup(AUCTION_ORGS, r["asset"] % len(AUCTION_ORGS)),
        })

    def _complaints(self, r, only_key):
        k, i = self.w.complaints, r["src"]
        year = years_of(k["received"][i])
        cid = pl.DataFrame({"o": self._office(r["folder"]), "y": pl.Series(year),
                            "s": pl.Series(r["seq"]).cast(pl.String).str.zfill(5)}) \
            .select(pl.format("{}-KN{}-{}", "o", "y", "s")).to_series()
        if only_key:
            return pl.DataFrame({"complaint_id": cid})
        case = r["case"]
        case_id = self.case_ids(np.maximum(case, 0))
        case_id = case_id.set(pl.Series(case < 0), None) if (case < 0).any() else case_id
        return pl.DataFrame({
            "complaint_id": cid,
            "case_id": case_id,
            "office_code": self._office(r["folder"]),
            "kind": _lookup(tuple(ENUMS["complaint_kind"]), k["kind"][i]),
            "received_date": _dates(k["received"][i]),
            "resolved_date": _dates(k["resolved"][i]),
            "escalated": pl.Series(k["escalated"][i]),
        })
