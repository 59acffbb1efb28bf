"""Windows-1258 encoding of Vietnamese text, as legacy Windows software writes it.

Code page 1258 has no room for most precomposed Vietnamese letters (ệ, ố, ử, …). Windows writes them
decomposed: a base letter the code page has (a, ê, ơ, ư, â, ă, đ, …) followed by a combining tone mark
(U+0300 grave, U+0301 acute, U+0303 tilde, U+0309 hook above, U+0323 dot below), all of which it has.
Python's `cp1258` codec does not decompose by itself, so `encode` does it first; a reader decodes with
`cp1258` and normalises to NFC to get the precomposed letters back.
"""

from __future__ import annotations

import unicodedata

TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _decomposition_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        try:
            ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        shape = "".join(m for m in parts[1:] if m not in TONE_MARKS)
        tones = "".join(m for m in parts[1:] if m in TONE_MARKS)
        candidate = unicodedata.normalize("NFC", parts[0] + shape) + tones
        try:
            candidate.encode("cp1258")
        except UnicodeEncodeError:
            continue  # not a Vietnamese letter; left for the codec to refuse
        table[cp] = candidate
    return table


_TABLE = _decomposition_table()


def encode(text: str) -> bytes:
    """Windows-1258 bytes of `text` (NFC input); raises on characters the code page cannot carry."""
    return text.translate(_TABLE).encode("cp1258")


def decode(data: bytes) -> str:
    return unicodedata.normalize("NFC", data.decode("cp1258"))


def decompose_columns(df):
    """Polars: rewrite every string column in the decomposed form `encode` produces (vectorised)."""
    import polars as pl

    keys = [chr(cp) for cp in _TABLE]
    values = list(_TABLE.values())
    return df.with_columns(pl.col(pl.String).str.replace_many(keys, values))
