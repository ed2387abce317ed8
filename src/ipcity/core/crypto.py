"""Encryption of secrets stored in the database (data at rest).

A value is stored as `enc1:` followed by a Fernet token (AES-128-CBC with an HMAC-SHA256, the
`cryptography` package), so a database dump or backup does not reveal it. The keys come from
`IPCITY_DATA_KEYS` (comma-separated Fernet keys: the first encrypts, all decrypt, so a key can be
rotated by putting the new one first); without it one key is derived from SECRET_KEY, so a
restore on another machine needs the same SECRET_KEY (or the same data keys).

`EncryptedTextField` applies this to a model field: the program reads and writes plain text, the
database holds ciphertext. A value written before the field was encrypted (no prefix) is read as
it is; a value that no key opens reads as "" and is logged, never a crash.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "enc1:"
log = logging.getLogger(__name__)


def _derived_key(secret: str) -> bytes:
    digest = hashlib.sha256(b"ipcity data encryption\x00" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    material = [k.encode() for k in keys if k] or [_derived_key(secret_key)]
    return MultiFernet([Fernet(k) for k in material])


def _cipher() -> MultiFernet:
    keys = tuple(getattr(settings, "IPCITY_DATA_KEYS", ()) or ())
    return _fernet(keys, settings.SECRET_KEY)


def is_encrypted(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX)


def encrypt(value: str) -> str:
    if value is None or value == "" or is_encrypted(value):
        return value
    return PREFIX + _cipher().encrypt(value.encode()).decode("ascii")


def decrypt(value: str) -> str:
    if not is_encrypted(value):
        return value
    try:
        return _cipher().decrypt(value[len(PREFIX) :].encode("ascii")).decode()
    except (InvalidToken, ValueError):
        log.error("a stored secret could not be decrypted: is IPCITY_DATA_KEYS/SECRET_KEY right?")
        return ""


def new_key() -> str:
    """A fresh key for IPCITY_DATA_KEYS."""
    return Fernet.generate_key().decode("ascii")


class EncryptedTextField(models.TextField):
    """Plain text in Python, ciphertext in the database. Not searchable or orderable by value."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value is not None else value

    def to_python(self, value):
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if isinstance(value, str) else value
