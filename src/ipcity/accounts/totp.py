"""Time-based one-time passwords (RFC 6238 over RFC 4226): 30-second steps, 6 digits, HMAC-SHA-1,
one step of clock drift either way, and each accepted step never accepted again.
Recovery codes: 10 random codes, stored as HMAC-SHA256 keyed by SECRET_KEY with a salt per code,
each usable once (a copy of the database alone does not let anyone test guesses against them).

The TOTP secret must be read back to compute codes, so it is encrypted rather than hashed: the
database holds it encrypted (`TOTPDevice.secret` is an `EncryptedTextField`, core/crypto.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe

STEP = 30
DIGITS = 6
DRIFT = 1
RECOVERY_CODES = 10


def new_secret() -> str:
    """160 random bits (RFC 4226's recommended key size) in base32, as authenticator apps take."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    secret = secret.replace(" ", "").upper()
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226: HMAC of the 8-byte counter, dynamic truncation, the last `digits` digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 10**digits).zfill(digits)


def totp(key: bytes, at: float, digits: int = DIGITS, digest=hashlib.sha1, step: int = STEP):
    return hotp(key, int(at) // step, digits, digest)


def current_step(at: float | None = None) -> int:
    return int(time.time() if at is None else at) // STEP


def matching_step(secret: str, code: str, after_step: int = 0, at: float | None = None):
    """The time step (within the drift) whose code is `code` and is later than `after_step`."""
    code = "".join(str(code or "").split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret)
    now = current_step(at)
    found = None
    for step in range(now - DRIFT, now + DRIFT + 1):
        if step > after_step and hmac.compare_digest(hotp(key, step), code):
            found = step
    return found


def verify_device(device, code: str, at: float | None = None) -> bool:
    """Accept `code` for the device once: the step is claimed atomically, so a replay (or the
    same code sent twice at once) fails."""
    step = matching_step(device.secret, code, device.last_step, at)
    if step is None:
        return False
    claimed = type(device).objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
    if claimed:
        device.last_step = step
    return bool(claimed)


def provisioning_uri(secret: str, account: str) -> str:
    issuer = settings.IPCITY_TOTP_ISSUER
    label = quote(f"{issuer}:{account}")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP}
    )
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (drawn here, no outside service, no script)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2)
    # segno's own markup of our own URI: no user-supplied HTML reaches the page.
    return mark_safe(svg)


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# -- recovery codes --------------------------------------------------------------------------

_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _normalize_code(code: str) -> str:
    return "".join(c for c in str(code or "").lower() if c.isalnum())


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_code(code: str, salt: str) -> str:
    """HMAC-SHA256 of the normalized code, keyed by SECRET_KEY and the code's own salt."""
    return salted_hmac(
        f"ipcity.accounts.recovery-code.{salt}", _normalize_code(code), algorithm="sha256"
    ).hexdigest()


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with 10 new ones and return them (shown once)."""
    from .models import RecoveryCode

    codes = [
        "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODES)
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        rows = []
        for code in codes:
            salt = new_salt()
            rows.append(RecoveryCode(user=user, salt=salt, code_hash=hash_code(code, salt)))
        RecoveryCode.objects.bulk_create(rows)
    return codes


def use_recovery_code(user, code: str) -> bool:
    from .models import RecoveryCode

    normalized = _normalize_code(code)
    if len(normalized) != 10:
        return False
    unused = RecoveryCode.objects.filter(user=user, used_at__isnull=True)
    for row in unused.only("pk", "salt", "code_hash"):
        if hmac.compare_digest(row.code_hash, hash_code(normalized, row.salt)):
            # Claimed atomically: the same code sent twice at once is accepted once.
            return bool(unused.filter(pk=row.pk).update(used_at=timezone.now()))
    return False


def verify_second_factor(user, code: str) -> bool:
    """An authenticator code or one of the recovery codes."""
    from .models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        return False
    if verify_device(device, code):
        return True
    return use_recovery_code(user, code)
