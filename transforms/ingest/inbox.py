"""Scan the untrusted inbox: which files of which nightly batches are there to read.

Only this layout is read, as real folders and regular files::

    <inbox>/<YYYY-MM-DD>/<OFFICE>/<record_type>.<csv|xlsx|parquet>

Nothing is ever followed: every entry is examined with ``os.scandir(...)`` and
``is_dir/is_file(follow_symlinks=False)``, so a symbolic link (to a file or a folder, inside or outside
the inbox) is refused, never opened. The reader re-opens each file with ``O_NOFOLLOW`` relative to the
inbox, so a file swapped for a link after the scan is refused too (see ``read.open_inbox_file``).

What ends up where:

- ``files``: the files to read, in batch-date, office and record-type order.
- ``refused``: entries that look like an attempt to leave or confuse the layout, each with a message:
  symbolic links, anything that is neither a folder nor a regular file (FIFO, socket, device), names
  holding ``..``, a backslash, a control character, bytes that are not UTF-8, or leading/trailing
  spaces; and a record type sent twice in one office folder (``cases.csv`` and ``cases.xlsx``): both
  copies are refused, since we cannot tell which one the office meant.
- ``ignored``: any other name that is not part of the layout (``notes.txt``, ``cases.json``, a folder
  ``old`` inside an office folder, a batch folder whose name is not a real date), listed once; its
  contents are not looked at. ``defects.csv`` directly in the inbox (the sample generator's manifest)
  is skipped silently.

Batches dated after ``up_to`` are skipped without a message (they are not for this run).
Names are matched exactly as written except the extension, whose case is ignored (``cases.CSV``).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from thads.contract import RECORD_TYPE_ORDER, RECORD_TYPES

EXTENSIONS = ("csv", "xlsx", "parquet")
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OFFICE_DIR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_FILE = re.compile(r"^(?P<stem>[a-z_]+)\.(?P<ext>[A-Za-z]+)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
SILENTLY_IGNORED_AT_ROOT = ("defects.csv",)


@dataclass(frozen=True)
class InboxFile:
    batch_date: date
    office_dir: str
    record_type: str
    path: Path  # <inbox>/<batch>/<office>/<name>
    rel_path: str  # "2026-06-30/NA01/cases.csv", always with forward slashes

    @property
    def extension(self) -> str:
        return self.path.suffix.lower().lstrip(".")


@dataclass
class InboxScan:
    files: list[InboxFile] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def _odd_name(name: str) -> str | None:
    """Why a directory entry's name is refused outright, or None when it is an ordinary name."""
    if ".." in name:
        return "its name holds '..'"
    if "\\" in name or "/" in name:
        return "its name holds a path separator"
    if name.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", name):
        return "its name looks like an absolute path"
    if _CONTROL.search(name):
        return "its name holds a control character"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes come back as lone surrogates
        return "its name is not valid UTF-8"
    if name != name.strip():
        return "its name starts or ends with a space"
    return None


def _show(name: str) -> str:
    """A name made safe to print in a message (control characters and odd bytes escaped)."""
    if _CONTROL.search(name) or _has_surrogate(name) or not name.isprintable():
        return ascii(name)[1:-1]
    return name


def _has_surrogate(name: str) -> bool:
    try:
        name.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _kind(entry: os.DirEntry) -> str:
    """'link', 'dir', 'file' or 'other', never following a symbolic link."""
    try:
        if entry.is_symlink():
            return "link"
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return "other"
    if stat.S_ISLNK(st.st_mode):
        return "link"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    if stat.S_ISREG(st.st_mode):
        return "file"
    return "other"


def _entries(folder: Path, rel: str, scan: InboxScan) -> list[tuple[os.DirEntry, str, str]]:
    """The entries of a folder as (entry, kind, rel path), refusing links, odd names and non-files."""
    out = []
    try:
        with os.scandir(folder) as it:
            listing = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        scan.refused.append(f"{rel or '.'}: cannot be listed ({exc.strerror or exc})")
        return out
    for entry in listing:
        rel_path = f"{rel}/{entry.name}" if rel else entry.name
        shown = f"{rel}/{_show(entry.name)}" if rel else _show(entry.name)
        kind = _kind(entry)
        why = _odd_name(entry.name)
        if kind == "link":
            scan.refused.append(f"{shown}: refused, it is a symbolic link (links are never followed)")
        elif why:
            scan.refused.append(f"{shown}: refused, {why}")
        elif kind == "other":
            scan.refused.append(
                f"{shown}: refused, it is neither a folder nor a regular file (FIFO, socket or device)"
            )
        else:
            out.append((entry, kind, rel_path))
    return out


def _parse_date_dir(name: str) -> date | None:
    if not _DATE_DIR.match(name):
        return None
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def scan_inbox(inbox: Path, up_to: date | None = None) -> InboxScan:
    """List the files to read in ``inbox`` (see the module docstring); never raises for its contents.

    ``up_to``: batches dated after it are left out (without a message).
    """
    scan = InboxScan()
    inbox = Path(inbox)
    try:
        st = os.stat(inbox)
    except OSError as exc:
        scan.refused.append(f"{inbox}: the inbox cannot be read ({exc.strerror or exc})")
        return scan
    if not stat.S_ISDIR(st.st_mode):
        scan.refused.append(f"{inbox}: the inbox is not a folder")
        return scan

    for entry, kind, rel in _entries(inbox, "", scan):
        name = entry.name
        if kind == "file":
            if name in SILENTLY_IGNORED_AT_ROOT:
                continue
            scan.ignored.append(f"{rel}: ignored, not a batch folder <YYYY-MM-DD>/")
            continue
        batch = _parse_date_dir(name)
        if batch is None:
            what = ("not a real date" if _DATE_DIR.match(name)
                    else "not a batch folder named by its export date YYYY-MM-DD")
            scan.ignored.append(f"{rel}/: ignored, {what}")
            continue
        if up_to is not None and batch > up_to:
            continue
        for oentry, okind, orel in _entries(Path(entry.path), rel, scan):
            if okind == "file":
                scan.ignored.append(f"{orel}: ignored, files belong in an office folder <batch>/<OFFICE>/")
                continue
            if not _OFFICE_DIR.match(oentry.name):
                scan.ignored.append(f"{orel}/: ignored, not an office folder name (letters, digits, - or _)")
                continue
            _scan_office(Path(oentry.path), orel, batch, oentry.name, scan)

    order = {rt: i for i, rt in enumerate(RECORD_TYPE_ORDER)}
    scan.files.sort(key=lambda f: (f.batch_date, f.office_dir, order[f.record_type], f.rel_path))
    return scan


def _scan_office(folder: Path, rel: str, batch: date, office: str, scan: InboxScan) -> None:
    found: dict[str, list[InboxFile]] = {}
    for entry, kind, frel in _entries(folder, rel, scan):
        if kind == "dir":
            scan.ignored.append(f"{frel}/: ignored, sub-folders of an office folder are not read")
            continue
        m = _FILE.match(entry.name)
        if not m or m["stem"] not in RECORD_TYPES or m["ext"].lower() not in EXTENSIONS:
            scan.ignored.append(
                f"{frel}: ignored, not <record_type>.<csv|xlsx|parquet> "
                f"(record types: {', '.join(RECORD_TYPE_ORDER)})"
            )
            continue
        found.setdefault(m["stem"], []).append(
            InboxFile(batch, office, m["stem"], Path(entry.path), frel)
        )
    for record_type, files in found.items():
        if len(files) == 1:
            scan.files.append(files[0])
        else:
            names = ", ".join(f.path.name for f in files)
            scan.refused.append(
                f"{rel}/: refused {record_type}: the office folder holds it {len(files)} times ({names}); "
                "send one file per record type"
            )
