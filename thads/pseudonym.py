"""Keyed pseudonyms for personal data (Decree 13/2023/NĐ-CP).

A person's pseudonym is HMAC-SHA256 over the normalised ID number when there is one, else over the
normalised name (NFC, case-folded, single spaces). The key lives outside the repository with owner-only
permissions; losing it means new pseudonyms that no longer match the old ones (see README).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
import unicodedata
from pathlib import Path

from thads.settings import REPO_ROOT

_SPACES = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D")
PREFIX = "PS-"


class KeyFileError(RuntimeError):
    pass


def normalise_name(name: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip().casefold()


def normalise_id_number(value: str) -> str:
    return _NOT_DIGIT.sub("", value)


def load_or_create_key(path: Path) -> bytes:
    """Read the key, creating it (32 random bytes, mode 0600, folder 0700) on first use."""
    path = Path(path).expanduser().resolve()
    if path.is_relative_to(REPO_ROOT):
        raise KeyFileError(
            f"The pseudonym key {path} is inside the repository; keep it outside "
            "(set THADS_PSEUDONYM_KEY_FILE to a path in your config folder)."
        )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(
            f"The pseudonym key {path} is readable by others (mode {mode:o}); run: chmod 600 {path}"
        )
    key = bytes.fromhex(path.read_text().strip())
    if len(key) < 16:
        raise KeyFileError(f"The pseudonym key {path} is too short.")
    return key


class Pseudonymiser:
    """Turns ID numbers and names into stable pseudonyms under one key."""

    def __init__(self, key: bytes):
        self._key = key

    def _digest(self, kind: str, value: str) -> str:
        mac = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return PREFIX + mac[:20]

    def person(self, id_number: str | None, name: str | None) -> str | None:
        """Pseudonym from the ID number when present, else from the name; None when both empty."""
        if id_number and normalise_id_number(id_number):
            return self._digest("id", normalise_id_number(id_number))
        if name and normalise_name(name):
            return self._digest("name", normalise_name(name))
        return None

    def text(self, value: str) -> str:
        """Pseudonym for any stray personal value (e.g. in a quarantine entry)."""
        return self._digest("text", normalise_name(value))
