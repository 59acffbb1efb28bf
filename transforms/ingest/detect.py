"""Telling files apart by content: format (magic bytes), text encoding, legacy Vietnamese font
encodings (TCVN3/ABC, VNI) and the CSV delimiter. Pure functions on bytes/str; none raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# --------------------------------------------------------------------------------------------------
# format
# --------------------------------------------------------------------------------------------------

ZIP_MAGIC = b"PK\x03\x04"
PARQUET_MAGIC = b"PAR1"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other OLE documents)


def sniff_format(data: bytes) -> str:
    """'xlsx', 'parquet', 'xls', 'zip', 'empty', 'binary' or 'text' from the first and last bytes."""
    if not data or data.isspace():
        return "empty"
    if data.startswith(ZIP_MAGIC):
        return "xlsx" if b"xl/" in data[:65536] or b"[Content_Types].xml" in data[:65536] else "zip"
    if data.startswith(PARQUET_MAGIC):
        return "parquet"
    if data.startswith(OLE_MAGIC):
        return "xls"
    if looks_binary(data):
        return "binary"
    return "text"


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 64 KiB (UTF-16 has NULs: see utf16_bom)."""
    head = data[:65536]
    if utf16_bom(head):
        return False
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in range(0x20) if c not in (9, 10, 13, 12))
    return controls > max(8, len(head) // 100)


def utf16_bom(data: bytes) -> bool:
    return data.startswith((b"\xff\xfe", b"\xfe\xff"))


# --------------------------------------------------------------------------------------------------
# text encoding
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decoded:
    text: str | None
    encoding: str | None  # "utf-8", "utf-8-sig", "cp1258"; None when undecodable
    error: str | None = None


def decode_text(data: bytes) -> Decoded:
    """UTF-8 (with or without BOM), else Windows-1258 (NFC-normalised: cp1258 writes tone marks as
    combining characters). UTF-16 and undecodable bytes are refused with a reason."""
    if utf16_bom(data):
        return Decoded(None, None, "is UTF-16 text; re-export it as UTF-8 (CSV UTF-8) or Windows-1258")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return Decoded(data[3:].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError:
            return Decoded(None, None, "starts with a UTF-8 byte-order mark but is not valid UTF-8")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        return Decoded(None, None, "is neither UTF-8 nor Windows-1258 text")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return Decoded(text, "cp1258")


# --------------------------------------------------------------------------------------------------
# legacy font encodings (text that decodes, but was typed in a legacy Vietnamese font)
# --------------------------------------------------------------------------------------------------

# TCVN3 (ABC) puts Vietnamese letters on Latin-1 code points that never occur inside Vietnamese words
# in Unicode: à=µ á=¸ ả=¶ ã=· ạ=¹ ă=¨ â=© đ=® ê=ª ô=« ơ=¬ ư=\xad, ắ=¾ ằ=» ẳ=¼ ẵ=½ ặ=Æ, Ă=¡ Â=¢ Ê=£
# Ô=¤ Ơ=¥ Ư=¦ Đ=§.
TCVN3_MARKERS = "µ¸¶·¹¨©®ª«¬\xad¾»¼½Æ¡¢£¤¥¦§"
_TCVN3 = re.compile(f"[{TCVN3_MARKERS}]")
# VNI writes a base letter followed by a mark byte; read as Windows-125x those marks show as
# ø û ï ä ë ö å ü (and ñ/Ñ for đ/Đ), which do not occur in Vietnamese written in Unicode:
# "Việt" -> "Vieät", "Ngày" -> "Ngaøy", "Đường" -> "Ñöôøng".
_VNI = re.compile(r"[A-Za-z][øûïäëöåüÖØÛÏÄËÅÜ]|[ñÑ](?=[a-zA-Zöô])")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")

LEGACY_SAMPLE = 1 << 20  # characters looked at: the first MiB (and the last 64 KiB)


def legacy_encoding(text: str) -> str | None:
    """'TCVN3' or 'VNI' when the text shows the byte patterns of those font encodings, else None.

    Needs at least 3 marker hits making up at least a fifth of the non-ASCII characters looked at,
    so a stray '®' or a foreign name ('Müller') does not reject a file.
    """
    sample = text if len(text) <= LEGACY_SAMPLE + 65536 else text[:LEGACY_SAMPLE] + text[-65536:]
    non_ascii = len(_NON_ASCII.findall(sample))
    if non_ascii == 0:
        return None
    tcvn = len(_TCVN3.findall(sample))
    if tcvn >= 3 and tcvn * 5 >= non_ascii:
        return "TCVN3"
    vni = len(_VNI.findall(sample))
    if vni >= 3 and vni * 5 >= non_ascii:
        return "VNI"
    return None


# --------------------------------------------------------------------------------------------------
# delimiter
# --------------------------------------------------------------------------------------------------

def count_outside_quotes(line: str, ch: str) -> int:
    n, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == ch and not quoted:
            n += 1
    return n


def sniff_delimiter(line: str) -> str:
    """',' or ';', whichever separates more fields in the (header) line; ',' on a tie."""
    return ";" if count_outside_quotes(line, ";") > count_outside_quotes(line, ",") else ","
