"""Small constructors that turn business rules into GX 1.x expectations.

Every expectation carries `meta`: the quarantine `rule` (reason code of docs/validation-rules.md), the
`column` a clerk should look at, and a `message` an office can act on. The suites (one module per record
type) read as lists of these rules.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from thads.contract import ENUMS, RECORD_TYPES


def _meta(rule: str, column: str, message: str) -> dict:
    return {"rule": rule, "column": column, "message": message}


def required(record_type: str) -> list:
    """Required values are present (the readers already quarantine empty ones; this guards Parquet input)."""
    rt = RECORD_TYPES[record_type]
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column=c.name, meta=_meta("missing_required", c.name, f"{c.name} ({c.label}) is required")
        )
        for c in rt.columns
        if c.required and not c.personal
    ]


def enums(record_type: str) -> list:
    rt = RECORD_TYPES[record_type]
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column=c.name,
            value_set=sorted(ENUMS[c.enum]),
            meta=_meta("invalid_enum", c.name, f"{c.name} ({c.label}) is not a known code"),
        )
        for c in rt.columns
        if c.kind == "enum"
    ]


def at_least(column: str, minimum: int, rule: str, message: str) -> gxe.ExpectColumnValuesToBeBetween:
    return gxe.ExpectColumnValuesToBeBetween(
        column=column, min_value=minimum, meta=_meta(rule, column, message)
    )


def not_before(later: str, earlier: str, message: str, rule: str = "date_order"):
    """`later` is on or after `earlier` (skipped when either is empty)."""
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=later,
        column_B=earlier,
        or_equal=True,
        ignore_row_if="either_value_is_missing",
        meta=_meta(rule, later, message),
    )


# A valuation certificate is normally still valid after the export date.
FUTURE_ALLOWED = frozenset({"valid_until"})


def not_in_future(record_type: str) -> list:
    """No date after the export date of the batch that carried the row."""
    rt = RECORD_TYPES[record_type]
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="batch_date",
            column_B=c.name,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=_meta("date_in_future", c.name, f"{c.name} ({c.label}) is after the export date"),
        )
        for c in rt.columns
        if c.kind == "date" and c.name not in FUTURE_ALLOWED
    ]


def required_when(column: str, condition: str, message: str):
    """`column` is present on the rows where the pandas `condition` holds."""
    return gxe.ExpectColumnValuesToNotBeNull(
        column=column,
        row_condition=condition,
        condition_parser="pandas",
        meta=_meta("conditional_required", column, message),
    )


def unique_within_office(key: str):
    """The same ID twice within one office's file is a duplicate: every row carrying it is quarantined."""
    return gxe.ExpectCompoundColumnsToBeUnique(
        column_list=["batch_office", key],
        meta=_meta("duplicate_id", key, f"{key} appears more than once in this office's file"),
    )


def fact_holds(fact_column: str, rule: str, column: str, message: str):
    """A cross-record fact computed beforehand (expectations/facts.py) is true on every row."""
    return gxe.ExpectColumnValuesToBeInSet(
        column=fact_column, value_set=[True], meta=_meta(rule, column, message)
    )


def office_known(known_offices: list[str]):
    return gxe.ExpectColumnValuesToBeInSet(
        column="office_code",
        value_set=sorted(known_offices),
        meta=_meta("unknown_office", "office_code", "office_code is not in data/reference/agencies.csv"),
    )


def parent_rules(parent: str, ref_column: str) -> list:
    return [
        fact_holds("chk_parent_exists", "orphan", ref_column,
                   f"{ref_column} refers to no record in the {parent} files"),
        fact_holds("chk_parent_clean", "parent_quarantined", ref_column,
                   f"the {parent} record this row belongs to is quarantined"),
    ]
