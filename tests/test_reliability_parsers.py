"""Issue 8: property tests that fill the gaps of tests/test_ingest_values.py and test_ingest_read.py.

Already covered there: every value parser on any text and on typed integers / floats, header matching,
format and encoding detection on any bytes, any CSV body under the cases header. Added here:

- every parser on every column type a Parquet file can bring (dates and date-times out of any
  calendar, time zones, Time, Duration, Decimal, unsigned, Binary, List, Struct, Categorical, Null);
- `read_file` on arbitrary bytes under each extension, and behind each magic number (xlsx, parquet,
  OLE, BOMs);
- `read_file` on arbitrary typed Parquet files and arbitrary xlsx sheets under the cases header;
- text in any of the three encodings (UTF-8, UTF-8 with BOM and `;`, Windows-1258) read back
  exactly; any permutation of the columns gives the same rows.

"Never an exception": each returns a typed value, a reason, or a one-line rejection.
"""

from __future__ import annotations

import csv
import io
import os
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reliability_helpers import reliability  # noqa: F401 - a fixture
from test_ingest_support import CASES_HEADER, case_row, inbox_file, to_cp1258
from thads.contract import ENUMS, RECORD_TYPES
from thads.pseudonym import Pseudonymiser, load_or_create_key
from transforms.ingest.read import frame_schema, read_file
from transforms.ingest.values import DTYPES, parse_kind, to_text

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
KINDS = [("str", None), ("date", None), ("money", None), ("bool", None), ("int", None),
         ("enum", sorted(ENUMS)[0])]
_COUNTS: dict[str, int] = {}


@pytest.fixture(scope="module")
def pseud() -> Pseudonymiser:
    return Pseudonymiser(load_or_create_key(Path(os.environ["THADS_PSEUDONYM_KEY_FILE"])))


def _count(name: str) -> None:
    _COUNTS[name] = _COUNTS.get(name, 0) + 1


# ---------------------------------------------------------------------------------------------
# every parser on every Parquet column type
# ---------------------------------------------------------------------------------------------

i64 = st.integers(-(2**63) + 1, 2**63 - 1)
i32 = st.integers(-(2**31), 2**31 - 1)


def _typed_series() -> st.SearchStrategy[pl.Series]:
    def mk(dtype, values):
        return pl.Series("v", values, dtype=dtype, strict=False)
    lists = lambda inner: st.lists(st.one_of(st.none(), inner), max_size=8)  # noqa: E731
    return st.one_of(
        lists(i32).map(lambda v: pl.Series("v", v, dtype=pl.Int32).cast(pl.Date)),
        st.tuples(st.sampled_from(["ms", "us", "ns"]), st.sampled_from([None, "UTC", "Asia/Ho_Chi_Minh"]),
                  lists(i64)).map(lambda t: pl.Series("v", t[2], dtype=pl.Int64).cast(pl.Datetime(t[0], t[1]))),
        lists(st.times()).map(lambda v: mk(pl.Time, v)),
        lists(st.timedeltas(min_value=timedelta(days=-10**6), max_value=timedelta(days=10**6)))
        .map(lambda v: mk(pl.Duration("us"), v)),
        lists(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**15, max_value=10**15))
        .map(lambda v: mk(pl.Decimal(20, 2), v)),
        lists(st.integers(0, 2**64 - 1)).map(lambda v: mk(pl.UInt64, v)),
        lists(st.integers(-128, 127)).map(lambda v: mk(pl.Int8, v)),
        lists(st.floats(width=32)).map(lambda v: mk(pl.Float32, v)),
        lists(st.booleans()).map(lambda v: mk(pl.Boolean, v)),
        lists(st.binary(max_size=12)).map(lambda v: mk(pl.Binary, v)),
        lists(st.lists(st.integers(0, 9), max_size=3)).map(lambda v: mk(pl.List(pl.Int64), v)),
        lists(st.text(max_size=6)).map(lambda v: mk(pl.String, v).cast(pl.Categorical)),
        st.integers(0, 8).map(lambda n: pl.Series("v", [None] * n, dtype=pl.Null)),
        lists(st.integers(0, 9)).map(lambda v: pl.DataFrame({"a": v}).select(pl.struct("a").alias("v")).to_series()),
    )


@SETTINGS
@given(_typed_series(), st.sampled_from(KINDS))
def test_every_parser_on_every_parquet_column_type(s, kind):
    name, enum = kind
    p = parse_kind(s, name, enum)  # never raises (no panic either)
    n = len(s)
    assert len(p.values) == len(p.invalid) == len(p.empty) == n
    assert p.values.cast(DTYPES[name]).dtype == DTYPES[name]
    if name != "bool":
        for v, bad, empty in zip(p.values.to_list(), p.invalid.to_list(), p.empty.to_list()):
            assert not (bad and empty)
            if v is not None:
                assert not bad and not empty
    if name == "date":
        assert all(1950 <= d.year <= 2100 for d in p.values.drop_nulls().to_list())
    text = to_text(s)
    assert text.dtype == pl.String and len(text) == n
    _count("typed parquet column")


def test_out_of_range_dates_are_invalid_not_a_panic():
    """Found by the mutation corpus: a Parquet date far outside the calendar made polars panic."""
    days = pl.Series("d", [2**31 - 1, 0, None, -(2**31)], dtype=pl.Int32).cast(pl.Date)
    stamps = pl.Series("d", [2**63 - 1, 0, None], dtype=pl.Int64).cast(pl.Datetime("ms", "Asia/Ho_Chi_Minh"))
    assert to_text(days).to_list() == ["out-of-range 2147483647", "1970-01-01", None, "out-of-range -2147483648"]
    assert to_text(stamps).to_list()[1:] == ["1970-01-01 08:00:00", None]  # UTC+8 in Vietnam in 1970
    assert parse_kind(days, "date").invalid.to_list() == [True, False, False, True]
    assert parse_kind(days, "str").values.to_list()[0] == "out-of-range 2147483647"


# ---------------------------------------------------------------------------------------------
# read_file on anything
# ---------------------------------------------------------------------------------------------

MAGIC = [b"", b"PK\x03\x04", b"PK\x03\x04xl/", b"PAR1", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf",
         b"\xff\xfe", b"\xfe\xff", CASES_HEADER.encode() + b"\n", CASES_HEADER.replace(",", ";").encode() + b"\r\n"]


def _check_read(pf) -> None:
    if pf.rejected:
        assert pf.frame is None and pf.rejected.startswith(pf.rel_path + ": ")
        assert "\n" not in pf.rejected and "Traceback" not in pf.rejected
    else:
        assert pf.rows_read == pf.frame.height + pf.quarantine.get_column("source_row").n_unique()
        assert dict(pf.frame.schema) == frame_schema(pf.record_type) | {
            c: pl.String for c in pf.frame.columns if c.startswith("extra_")}


@SETTINGS
@given(st.sampled_from(MAGIC), st.binary(max_size=3000), st.sampled_from(["csv", "xlsx", "parquet"]),
       st.sampled_from(["cases", "status_events", "auctions"]), st.booleans())
def test_read_file_on_any_bytes(tmp_path_factory, pseud, magic, body, ext, record_type, parquet_tail):
    data = magic + body + (b"PAR1" if parquet_tail and magic == b"PAR1" else b"")
    f = inbox_file(tmp_path_factory.mktemp("bytes"), f"{record_type}.{ext}", data)
    _check_read(read_file(f, pseud))
    _count("read_file on arbitrary bytes")


_cell_values = st.one_of(
    st.none(), st.text(max_size=15), st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1)),
    st.sampled_from(["=1/0", "=A1", "#N/A", "@SUM(1)", "01/02/2025", "1.234.567 đ", "Nguyễn Văn An", "x"]),
)
_CASE_COLUMNS = [c.name for c in RECORD_TYPES["cases"].columns]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(_cell_values, min_size=0, max_size=len(_CASE_COLUMNS) + 2), min_size=0, max_size=6),
       st.integers(0, 3))
def test_read_file_on_any_xlsx_sheet(tmp_path_factory, pseud, rows, title_rows):
    import xlsxwriter

    bio = io.BytesIO()
    wb = xlsxwriter.Workbook(bio, {"in_memory": True, "strings_to_formulas": True})
    ws = wb.add_worksheet()
    r = 0
    for r in range(title_rows):
        ws.write_string(r, 0, f"BÁO CÁO {r}")
    r = title_rows
    ws.write_row(r, 0, _CASE_COLUMNS)
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for row in rows:
        r += 1
        for c, v in enumerate(row):
            if isinstance(v, (date, datetime)):
                ws.write_datetime(r, c, v if isinstance(v, datetime) else datetime.combine(v, time()), date_fmt)
            elif v is not None:
                ws.write(r, c, v)
    wb.close()
    f = inbox_file(tmp_path_factory.mktemp("xlsx"), "cases.xlsx", bio.getvalue())
    _check_read(read_file(f, pseud))
    _count("read_file on arbitrary xlsx sheets")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_read_file_on_any_typed_parquet(tmp_path_factory, pseud, data):
    n = data.draw(st.integers(0, 6))
    cols = {}
    for name in _CASE_COLUMNS:
        s = data.draw(_typed_series())
        s = (s.head(n) if len(s) >= n else pl.concat([s, pl.Series([None] * (n - len(s)), dtype=s.dtype)]))
        cols[name] = s.alias(name)
    bio = io.BytesIO()
    try:
        pl.DataFrame(cols).write_parquet(bio)
    except Exception:  # noqa: BLE001 - a combination parquet cannot hold is not an input
        return
    f = inbox_file(tmp_path_factory.mktemp("pq"), "cases.parquet", bio.getvalue())
    _check_read(read_file(f, pseud))
    _count("read_file on arbitrary typed parquet")


# ---------------------------------------------------------------------------------------------
# encodings and column order
# ---------------------------------------------------------------------------------------------

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
vn_text = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " 0123456789-/.,;\"'()", min_size=1, max_size=30)


def _csv_text(rows: list[list[str]], sep: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(rows)
    return buf.getvalue()


@SETTINGS
@given(st.lists(vn_text, min_size=1, max_size=5), st.sampled_from(["utf-8", "utf-8-sig;", "cp1258"]))
def test_text_reads_back_exactly_in_every_encoding(tmp_path_factory, pseud, texts, encoding):
    header = CASES_HEADER.split(",")
    rows = [next(csv.reader([case_row(case_id=f"C{i}")])) for i in range(len(texts))]
    jn = header.index("judgment_no")
    for r, t in zip(rows, texts):
        r[jn] = t
    sep = ";" if encoding.endswith(";") else ","
    text = _csv_text([header, *rows], sep)
    data = (to_cp1258(text) if encoding == "cp1258"
            else (b"\xef\xbb\xbf" if encoding.startswith("utf-8-sig") else b"") + text.encode("utf-8"))
    pf = read_file(inbox_file(tmp_path_factory.mktemp("enc"), "cases.csv", data), pseud)
    assert pf.rejected is None, pf.rejected
    expected = {f"C{i}": (unicodedata.normalize("NFC", t).strip() or None) for i, t in enumerate(texts)}
    got = dict(zip(pf.frame["case_id"], pf.frame["judgment_no"]))
    bad = set(pf.quarantine["record_id"].to_list())
    assert {k: v for k, v in expected.items() if k not in bad} == got
    _count("text in three encodings")


@SETTINGS
@given(st.permutations(list(range(len(CASES_HEADER.split(","))))), st.sampled_from([",", ";"]))
def test_any_column_order_gives_the_same_rows(tmp_path_factory, pseud, order, sep):
    header = CASES_HEADER.split(",")
    rows = [next(csv.reader([case_row(case_id=f"C{i}", amount=f"{i}.000.000", received=f"0{i + 1}/03/2025",
                                      status_date="2025-03-20")])) for i in range(4)]
    rows.append(next(csv.reader([case_row(case_id="BAD", amount="12tr")])))
    tmp = tmp_path_factory.mktemp("perm")
    straight = read_file(inbox_file(tmp / "a", "cases.csv", _csv_text([header, *rows], sep)), pseud)
    shuffled = [[r[k] for k in order] for r in [header, *rows]]
    permuted = read_file(inbox_file(tmp / "b", "cases.csv", _csv_text(shuffled, sep)), pseud)
    drop = ["file_sha256"]
    assert straight.frame.drop(drop).equals(permuted.frame.drop(drop))
    assert straight.quarantine.drop("message").equals(permuted.quarantine.drop("message"))
    _count("column permutations")


def test_record_property_counts(reliability):
    """Runs after the properties above (file order): their example counts go to the summary."""
    reliability.add("parsers: property-based examples", inputs_tried=sum(_COUNTS.values()),
                    **{k.replace(" ", "_"): v for k, v in sorted(_COUNTS.items())})
