"""`staging.stg_status_classes`: every status code and its class in the official counts.

The lists live in `thads.contract` (open, with conditions, without conditions, separate register, closed);
metrics.md adds which closed statuses count as completed (`xong`, `dinh_chi`) and that those count with
conditions. Models join this table instead of repeating the lists.

Columns: status, status_label (Vietnamese), is_open, is_separate, is_closed, condition_class (`with`,
`without`, `separate`, `closed`), counts_with_conditions (at the end of a period: `dang_thi_hanh`,
`hoan_thoa_thuan`, `xong`, `dinh_chi`), counts_without_conditions, counts_completed (`xong`, `dinh_chi`).
"""

from __future__ import annotations

from thads import contract

DEPENDS_ON: list[str] = []

COMPLETED = ("xong", "dinh_chi")


def _condition_class(status: str) -> str:
    if status in contract.WITH_CONDITIONS_OPEN:
        return "with"
    if status in contract.WITHOUT_CONDITIONS:
        return "without"
    if status == contract.SEPARATE_REGISTER:
        return "separate"
    return "closed"


def build(con, context) -> None:
    rows = []
    for status, labels in contract.ENUMS["status"].items():
        rows.append((
            status,
            labels[0],
            status in contract.OPEN_STATUSES,
            status == contract.SEPARATE_REGISTER,
            status in contract.CLOSED_STATUSES,
            _condition_class(status),
            status in contract.WITH_CONDITIONS_OPEN or status in COMPLETED,
            status in contract.WITHOUT_CONDITIONS,
            status in COMPLETED,
        ))
    con.execute(
        f"create table {context.name} ("
        "status varchar, status_label varchar, is_open boolean, is_separate boolean, is_closed boolean, "
        "condition_class varchar, counts_with_conditions boolean, counts_without_conditions boolean, "
        "counts_completed boolean)"
    )
    con.executemany(f"insert into {context.name} values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
