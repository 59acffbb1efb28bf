"""The reference data the generator needs: current offices, their legacy codes, bank aliases.

Read from the project's reference folder (`thads.settings`), so the generated batch always uses the
codes and spellings the pipeline maps.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from thads.settings import get_settings


@dataclass(frozen=True)
class Reference:
    offices: tuple[str, ...]  # current regional office codes, sorted (NA01..NA10)
    office_names: tuple[str, ...]
    legacy: tuple[tuple[str, ...], ...]  # per office: legacy district codes (CC-…) that map to it
    bank_aliases: tuple[str, ...]  # spellings offices write, as listed in credit_institutions.csv
    bank_kinds: tuple[str, ...]  # bank / policy_bank / finance_company, per alias


def load_reference(reference_dir: Path | None = None) -> Reference:
    folder = Path(reference_dir) if reference_dir else get_settings().reference_dir
    with open(folder / "agencies.csv", encoding="utf-8", newline="") as fh:
        agencies = list(csv.DictReader(fh))
    current = sorted((r for r in agencies if r["code_status"] == "current"), key=lambda r: r["office_code"])
    offices = tuple(r["office_code"] for r in current)
    legacy = tuple(
        tuple(sorted(r["office_code"] for r in agencies
                     if r["code_status"] == "legacy" and r["maps_to_office_code"] == code
                     and r["office_code"].startswith("CC-")))
        for code in offices
    )
    with open(folder / "credit_institutions.csv", encoding="utf-8", newline="") as fh:
        banks = list(csv.DictReader(fh))
    return Reference(
        offices=offices,
        office_names=tuple(r["office_name"] for r in current),
        legacy=legacy,
        bank_aliases=tuple(r["alias"] for r in banks),
        bank_kinds=tuple(r["kind"] for r in banks),
    )
