"""The readers against the sample generator: on a generated batch (every format and encoding the
generator writes), the parse quarantine is exactly the generator's manifest entries for the parsing
reasons, and every row of every file is accounted for."""

from __future__ import annotations

from datetime import date

import polars as pl

from thads.pseudonym import Pseudonymiser, load_or_create_key
from transforms.ingest.inbox import scan_inbox
from transforms.ingest.read import read_file

PARSE_REASONS = ["missing_required", "invalid_date", "invalid_money", "invalid_bool", "invalid_int",
                 "invalid_enum"]


def test_parse_quarantine_matches_generator_manifest(tmp_path):
    from thads.generate import generate_batch

    inbox = tmp_path / "inbox"
    generate_batch(inbox, n_cases=1500, seed=11, as_of=date(2026, 6, 30), defect_rate=0.05,
                   progress=False)
    ps = Pseudonymiser(load_or_create_key(tmp_path / "config" / "k"))
    scan = scan_inbox(inbox)
    assert scan.files and not scan.refused and not scan.ignored
    parts, formats = [], set()
    for f in scan.files:
        pf = read_file(f, ps)
        assert pf.rejected is None, pf.rejected
        assert pf.rows_read == pf.frame.height + pf.quarantine.get_column("source_row").n_unique()
        formats.add((pf.format, pf.encoding))
        parts.append(pf.quarantine.select("source_file", "source_row", "reason"))
    mine = pl.concat(parts).unique().with_columns(pl.col("source_row").cast(pl.String))
    manifest = pl.read_csv(inbox / "defects.csv", infer_schema=False)
    theirs = (manifest.filter(pl.col("kind").is_in(PARSE_REASONS))
              .select(pl.col("file").alias("source_file"), pl.col("row").alias("source_row"),
                      pl.col("kind").alias("reason")).unique())
    assert theirs.height > 0
    key = ["source_file", "source_row", "reason"]
    assert mine.join(theirs, on=key, how="anti").rows() == []  # nothing quarantined wrongly
    assert theirs.join(mine, on=key, how="anti").rows() == []  # nothing missed
    assert {fmt for fmt, _ in formats} >= {"csv", "xlsx", "parquet"}
