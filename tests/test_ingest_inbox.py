"""scan_inbox on an untrusted inbox: only real folders and regular files in the layout, nothing
followed, everything else refused or ignored with a message."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from test_ingest_support import CASES_HEADER, case_row, ps  # noqa: F401 - ps is a fixture
from transforms.ingest.inbox import scan_inbox
from transforms.ingest.read import read_file

CSV = (CASES_HEADER + "\n" + case_row() + "\n").encode()


def _touch(path: Path, data: bytes = CSV) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _mentions(messages: list[str], *words: str) -> bool:
    return any(all(w in m for w in words) for m in messages)


def test_layout_files_found_in_order(tmp_path):
    _touch(tmp_path / "2026-06-30" / "NA02" / "cases.csv")
    _touch(tmp_path / "2026-06-30" / "NA01" / "payments.xlsx")
    _touch(tmp_path / "2026-06-30" / "NA01" / "cases.parquet")
    _touch(tmp_path / "2026-06-29" / "NA01" / "status_events.CSV")  # extension case ignored
    _touch(tmp_path / "defects.csv")  # generator manifest: silently ignored
    scan = scan_inbox(tmp_path)
    assert [f.rel_path for f in scan.files] == [
        "2026-06-29/NA01/status_events.CSV",
        "2026-06-30/NA01/cases.parquet",  # cases before payments (contract order)
        "2026-06-30/NA01/payments.xlsx",
        "2026-06-30/NA02/cases.csv",
    ]
    f = scan.files[1]
    assert (f.batch_date, f.office_dir, f.record_type) == (date(2026, 6, 30), "NA01", "cases")
    assert f.path == tmp_path / "2026-06-30" / "NA01" / "cases.parquet"
    assert scan.refused == [] and scan.ignored == []


def test_up_to_leaves_later_batches_out(tmp_path):
    _touch(tmp_path / "2026-06-30" / "NA01" / "cases.csv")
    _touch(tmp_path / "2026-07-01" / "NA01" / "cases.csv")
    scan = scan_inbox(tmp_path, up_to=date(2026, 6, 30))
    assert [f.rel_path for f in scan.files] == ["2026-06-30/NA01/cases.csv"]


def test_other_names_are_ignored_once(tmp_path):
    _touch(tmp_path / "README.txt")
    _touch(tmp_path / "latest" / "NA01" / "cases.csv")  # not a date folder: not descended
    _touch(tmp_path / "2026-02-30" / "NA01" / "cases.csv")  # not a real date
    _touch(tmp_path / "2026-06-30" / "loose.csv")  # file directly in a batch folder
    _touch(tmp_path / "2026-06-30" / "NA 01" / "cases.csv")  # not an office code
    _touch(tmp_path / "2026-06-30" / "NA01" / "notes.txt")
    _touch(tmp_path / "2026-06-30" / "NA01" / "cases.json")
    _touch(tmp_path / "2026-06-30" / "NA01" / "judgments.csv")  # not a record type
    _touch(tmp_path / "2026-06-30" / "NA01" / "old" / "cases.csv")  # sub-folder: not read
    _touch(tmp_path / "2026-06-30" / "NA01" / "cases.csv")
    scan = scan_inbox(tmp_path)
    assert [f.rel_path for f in scan.files] == ["2026-06-30/NA01/cases.csv"]
    assert scan.refused == []
    expected = ["README.txt", "latest/", "2026-02-30/", "2026-06-30/loose.csv", "2026-06-30/NA 01/",
                "2026-06-30/NA01/notes.txt", "2026-06-30/NA01/cases.json",
                "2026-06-30/NA01/judgments.csv", "2026-06-30/NA01/old/"]
    for name in expected:
        assert sum(m.startswith(name + ":") for m in scan.ignored) == 1, (name, scan.ignored)
    assert len(scan.ignored) == len(expected)


def test_symlink_to_file_outside_is_refused(tmp_path):
    secret = _touch(tmp_path / "outside" / "secret.csv")
    inbox = tmp_path / "inbox"
    (inbox / "2026-06-30" / "NA01").mkdir(parents=True)
    os.symlink(secret, inbox / "2026-06-30" / "NA01" / "cases.csv")
    scan = scan_inbox(inbox)
    assert scan.files == []
    assert _mentions(scan.refused, "2026-06-30/NA01/cases.csv", "symbolic link")


def test_symlinked_folders_are_refused_not_followed(tmp_path):
    real = tmp_path / "elsewhere" / "NA09"
    _touch(real / "cases.csv")
    inbox = tmp_path / "inbox"
    (inbox / "2026-06-30").mkdir(parents=True)
    os.symlink(real, inbox / "2026-06-30" / "NA09")  # office folder link
    os.symlink(tmp_path / "elsewhere", inbox / "2026-07-01")  # batch folder link
    scan = scan_inbox(inbox)
    assert scan.files == []
    assert _mentions(scan.refused, "2026-06-30/NA09", "symbolic link")
    assert _mentions(scan.refused, "2026-07-01", "symbolic link")


def test_dotdot_link_is_refused(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "2026-06-30" / "NA01").mkdir(parents=True)
    os.symlink("../../..", inbox / "2026-06-30" / "NA01" / "cases.csv")
    scan = scan_inbox(inbox)
    assert scan.files == [] and _mentions(scan.refused, "symbolic link")


def test_fifo_is_refused_without_blocking(tmp_path):
    folder = tmp_path / "2026-06-30" / "NA01"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "cases.csv")
    scan = scan_inbox(tmp_path)
    assert scan.files == []
    assert _mentions(scan.refused, "2026-06-30/NA01/cases.csv", "neither a folder nor a regular file")


@pytest.mark.parametrize("name", ["cases..csv", "..cases.csv", "cas\x01es.csv", "cases.csv ",
                                  "c\\ases.csv"])
def test_odd_names_are_refused(tmp_path, name):
    folder = tmp_path / "2026-06-30" / "NA01"
    _touch(folder / name)
    scan = scan_inbox(tmp_path)
    assert scan.files == []
    assert len(scan.refused) == 1 and scan.refused[0].startswith("2026-06-30/NA01/")
    assert "\x01" not in scan.refused[0]  # control characters are escaped in messages


def test_undecodable_name_is_refused(tmp_path):
    folder = tmp_path / "2026-06-30" / "NA01"
    folder.mkdir(parents=True)
    with open(os.path.join(os.fsencode(folder), b"cases\xff.csv"), "wb") as fh:
        fh.write(CSV)
    scan = scan_inbox(tmp_path)
    assert scan.files == [] and _mentions(scan.refused, "not valid UTF-8")


def test_same_record_type_twice_refuses_both(tmp_path):
    folder = tmp_path / "2026-06-30" / "NA01"
    _touch(folder / "cases.csv")
    _touch(folder / "cases.xlsx")
    _touch(folder / "payments.csv")
    scan = scan_inbox(tmp_path)
    assert [f.record_type for f in scan.files] == ["payments"]
    assert _mentions(scan.refused, "cases", "cases.csv", "cases.xlsx")


def test_missing_inbox_is_a_message_not_an_exception(tmp_path):
    scan = scan_inbox(tmp_path / "nope")
    assert scan.files == [] and len(scan.refused) == 1


def test_file_swapped_for_a_link_after_the_scan_is_refused_by_the_reader(tmp_path, ps):
    secret = _touch(tmp_path / "outside" / "secret.csv")
    inbox = tmp_path / "inbox"
    target = _touch(inbox / "2026-06-30" / "NA01" / "cases.csv")
    (f,) = scan_inbox(inbox).files
    target.unlink()
    os.symlink(secret, target)
    pf = read_file(f, ps)
    assert pf.rejected is not None and "refused" in pf.rejected and pf.frame is None


def test_folder_swapped_for_a_link_after_the_scan_is_refused_by_the_reader(tmp_path, ps):
    _touch(tmp_path / "outside" / "NA01" / "cases.csv")
    inbox = tmp_path / "inbox"
    _touch(inbox / "2026-06-30" / "NA01" / "cases.csv")
    (f,) = scan_inbox(inbox).files
    os.rename(inbox / "2026-06-30" / "NA01", tmp_path / "moved")
    os.symlink(tmp_path / "outside" / "NA01", inbox / "2026-06-30" / "NA01")
    pf = read_file(f, ps)
    assert pf.rejected is not None and "refused" in pf.rejected
