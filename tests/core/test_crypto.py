"""Secrets at rest: the TOTP secret is stored encrypted, read back in plain text, survives key
rotation, and a value no key opens reads as empty rather than crashing a page."""

import pytest
from django.db import connection

from ipcity.accounts import totp
from ipcity.accounts.models import TOTPDevice
from ipcity.core import crypto

pytestmark = pytest.mark.django_db


def _raw_secret(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_totp_secret_encrypted_in_the_database(world):
    secret = totp.new_secret()
    device = TOTPDevice.objects.create(user=world.alice, secret=secret)
    raw = _raw_secret(device.pk)
    assert raw.startswith(crypto.PREFIX) and secret not in raw
    assert TOTPDevice.objects.get(pk=device.pk).secret == secret
    # A code computed from the enrolled secret is accepted against the stored device.
    at = 1_700_000_000
    code = totp.totp(totp._key(secret), at)
    assert totp.verify_device(TOTPDevice.objects.get(pk=device.pk), code, at)


def test_encryption_is_randomized_and_round_trips():
    a, b = crypto.encrypt("JBSWY3DPEHPK3PXP"), crypto.encrypt("JBSWY3DPEHPK3PXP")
    assert a != b
    assert crypto.decrypt(a) == crypto.decrypt(b) == "JBSWY3DPEHPK3PXP"
    assert crypto.encrypt("") == "" and crypto.encrypt(a) == a  # never twice
    assert crypto.decrypt("plain, from before encryption") == "plain, from before encryption"


def test_key_rotation_reads_old_values(settings):
    old, new = crypto.new_key(), crypto.new_key()
    settings.IPCITY_DATA_KEYS = [old]
    token = crypto.encrypt("secret")
    settings.IPCITY_DATA_KEYS = [new, old]
    assert crypto.decrypt(token) == "secret"
    assert crypto.decrypt(crypto.encrypt("again")) == "again"
    settings.IPCITY_DATA_KEYS = [new]
    assert crypto.decrypt(token) == ""  # the old key is gone: unreadable, not a crash


def test_wrong_key_reads_empty_not_a_crash(world, settings, caplog):
    device = TOTPDevice.objects.create(user=world.alice, secret=totp.new_secret())
    settings.IPCITY_DATA_KEYS = [crypto.new_key()]
    assert TOTPDevice.objects.get(pk=device.pk).secret == ""
    assert "could not be decrypted" in caplog.text


def test_migration_encrypts_secrets_enrolled_before(world):
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module("ipcity.accounts.migrations.0005_encrypted_totp_secret")
    device = TOTPDevice.objects.create(user=world.alice, secret="x")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_totpdevice SET secret = %s WHERE id = %s",
            ["JBSWY3DPEHPK3PXP", device.pk],
        )
    migration.encrypt_existing(None, SimpleNamespace(connection=connection))
    raw = _raw_secret(device.pk)
    assert raw.startswith(crypto.PREFIX)
    assert TOTPDevice.objects.get(pk=device.pk).secret == "JBSWY3DPEHPK3PXP"
    migration.encrypt_existing(None, SimpleNamespace(connection=connection))  # idempotent
    assert _raw_secret(device.pk) == raw
