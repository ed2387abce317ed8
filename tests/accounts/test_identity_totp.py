"""TOTP (RFC 6238): codes, enrolment, sign-in with a code, replay, recovery codes, enforcement."""

import hashlib
import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from ipcity.accounts import sessions, totp
from ipcity.accounts.models import LoginEvent, RecoveryCode, TOTPDevice
from tests.factories import PASSWORD

HOME = reverse("core:home")
LOGIN = reverse("accounts:login")
CODE = reverse("accounts:login_code")
SETUP = reverse("accounts:totp_setup")
RFC_SEED = b"12345678901234567890"


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc_6238_sha1_test_vectors(at, expected):
    assert totp.totp(RFC_SEED, at, digits=8, digest=hashlib.sha1) == expected
    # 6 digits: the same truncated number modulo 10**6
    assert totp.totp(RFC_SEED, at) == expected[-6:]


def test_rfc_4226_hotp_vectors():
    expected = ["755224", "287082", "359152", "969429", "338314"]
    assert [totp.hotp(RFC_SEED, n) for n in range(5)] == expected


def test_codes_within_one_step_of_drift_are_accepted():
    secret = totp.new_secret()
    key = totp._key(secret)
    now = 1_700_000_000
    assert totp.matching_step(secret, totp.totp(key, now), at=now) == now // 30
    assert totp.matching_step(secret, totp.totp(key, now - 30), at=now) == now // 30 - 1
    assert totp.matching_step(secret, totp.totp(key, now + 30), at=now) == now // 30 + 1
    assert totp.matching_step(secret, totp.totp(key, now - 60), at=now) is None
    assert totp.matching_step(secret, "12345", at=now) is None
    assert totp.matching_step(secret, "abcdef", at=now) is None


def code_for(secret, offset=0):
    return totp.totp(totp._key(secret), time.time() + offset)


def enrol(user, secret=None):
    secret = secret or totp.new_secret()
    TOTPDevice.objects.create(user=user, secret=secret)
    return secret, totp.new_recovery_codes(user)


def password_step(user, client=None):
    client = client or Client()
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    return client, response


def test_enrolment_shows_the_secret_and_a_qr_code_and_the_first_code_confirms(login, world):
    client = login(world.erin)
    page = client.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    secret = client.session["ipcity_totp_secret"]
    assert totp.grouped(secret) in html
    assert "<svg" in html and "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    wrong = client.post(SETUP, {"code": "000000" if code_for(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert not TOTPDevice.objects.filter(user=world.erin).exists()
    done = client.post(SETUP, {"code": code_for(secret)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert RecoveryCode.objects.filter(user=world.erin).count() == 10
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert not stored & set(codes)  # only hashes are kept
    assert TOTPDevice.objects.get(user=world.erin).secret == secret


def test_the_provisioning_uri_names_the_parameters():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "erin")
    assert uri.startswith("otpauth://totp/ipcity%3Aerin?")
    for part in ("secret=JBSWY3DPEHPK3PXP", "issuer=ipcity", "digits=6", "period=30"):
        assert part in uri


def test_sign_in_asks_for_the_code_after_the_password(world):
    secret, _ = enrol(world.erin)
    client, response = password_step(world.erin)
    assert response.status_code == 302
    assert response["Location"] == CODE
    assert client.get(HOME)["Location"] == CODE  # nothing else until the code is given
    assert client.get("/api/orgs/organizations/").status_code == 403
    assert not LoginEvent.objects.filter(kind="success").exists()
    response = client.post(CODE, {"code": code_for(secret)})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert LoginEvent.objects.filter(user=world.erin, kind="success", detail="code").exists()


def test_a_wrong_code_is_refused_and_counted(world):
    enrol(world.erin)
    client, _ = password_step(world.erin)
    response = client.post(CODE, {"code": "12345x"})
    assert response.status_code == 200
    assert "not valid" in str(response.context["form"].errors)
    assert LoginEvent.objects.filter(username="erin", kind="failure", detail="code").count() == 1


def test_guessing_codes_locks_the_account(world):
    enrol(world.erin)
    client, _ = password_step(world.erin)
    for _ in range(5):
        client.post(CODE, {"code": "000001"})
    response = client.post(CODE, {"code": "000001"})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_a_code_is_accepted_only_once(world):
    secret, _ = enrol(world.erin)
    code = code_for(secret)
    client, _ = password_step(world.erin)
    assert client.post(CODE, {"code": code})["Location"] == HOME
    again, _ = password_step(world.erin)
    response = again.post(CODE, {"code": code})
    assert response.status_code == 200
    assert "already used" in str(response.context["form"].errors)


def test_a_recovery_code_signs_in_once(world):
    _, codes = enrol(world.erin)
    client, _ = password_step(world.erin)
    assert client.post(CODE, {"code": codes[3].upper()})["Location"] == HOME
    again, _ = password_step(world.erin)
    assert again.post(CODE, {"code": codes[3]}).status_code == 200
    assert RecoveryCode.objects.filter(user=world.erin, used_at__isnull=False).count() == 1


def test_the_code_step_expires(world):
    enrol(world.erin)
    client, _ = password_step(world.erin)
    session = client.session
    session[sessions.MFA_PENDING] -= 301
    session.save()
    response = client.get(HOME)
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_a_session_opened_another_way_still_owes_the_code(world, login):
    """Django admin's login or any other path that calls login(): the code is still asked."""
    enrol(world.erin)
    client = login(world.erin)
    assert client.get(HOME)["Location"] == CODE


def test_users_without_an_authenticator_sign_in_with_the_password_only(world):
    _, response = password_step(world.erin)
    assert response["Location"] == HOME


def test_new_recovery_codes_need_a_code_and_replace_the_old(world):
    secret, old = enrol(world.erin)
    client, _ = password_step(world.erin)
    client.post(CODE, {"code": old[0]})
    renew = reverse("accounts:recovery_codes_renew")
    # The password is needed too, and a wrong one is logged and counted like a sign-in.
    response = client.post(renew, {"code": code_for(secret, 30), "password": "Wrong-pass-000"})
    assert response.status_code == 302
    assert LoginEvent.objects.filter(username="erin", kind="failure").count() == 1
    response = client.post(renew, {"code": code_for(secret, 30), "password": PASSWORD})
    assert response.status_code == 200
    assert response["Cache-Control"].count("no-store") == 1
    new = response.context["codes"]
    assert not totp.use_recovery_code(world.erin, old[1])
    assert totp.use_recovery_code(world.erin, new[1])


def test_removing_the_authenticator_needs_a_code(world, login):
    secret, _ = enrol(world.erin)
    client, _ = password_step(world.erin)
    client.post(CODE, {"code": code_for(secret)})
    remove = reverse("accounts:totp_remove")
    client.post(remove, {"code": "000000", "password": PASSWORD})
    assert TOTPDevice.objects.filter(user=world.erin).exists()
    assert LoginEvent.objects.filter(username="erin", kind="failure").count() == 1
    client.post(remove, {"code": code_for(secret, 30)})  # no password
    assert TOTPDevice.objects.filter(user=world.erin).exists()
    client.post(remove, {"code": code_for(secret, 30), "password": PASSWORD})
    assert not TOTPDevice.objects.filter(user=world.erin).exists()
    assert not RecoveryCode.objects.filter(user=world.erin).exists()


@pytest.fixture
def enforced(settings):
    settings.IPCITY_TOTP_ENFORCE = True
    assert "office_admin" in settings.IPCITY_TOTP_REQUIRED_ROLES


def test_an_administrator_must_enrol_before_anything_else(world, enforced):
    client, response = password_step(world.alice)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == SETUP
    assert client.get(reverse("orgs:organization_list"))["Location"] == SETUP
    assert client.get(SETUP).status_code == 200
    secret = client.session["ipcity_totp_secret"]
    assert client.post(SETUP, {"code": code_for(secret)}).status_code == 200
    assert client.get(HOME).status_code == 200


def test_the_enforcement_covers_each_administrator_role(world, admins, enforced, login):
    for user in (admins.sam, admins.sue, admins.ada):
        assert login(user).get(HOME)["Location"] == SETUP


def test_other_users_are_not_forced_to_enrol(world, enforced, login):
    assert login(world.erin).get(HOME).status_code == 200
    assert login(world.bob).get(HOME).status_code == 200


def test_a_required_authenticator_cannot_be_removed(world, enforced):
    secret, _ = enrol(world.alice)
    client, _ = password_step(world.alice)
    client.post(CODE, {"code": code_for(secret)})
    client.post(reverse("accounts:totp_remove"), {"code": code_for(secret, 30)})
    assert TOTPDevice.objects.filter(user=world.alice).exists()


def test_recovery_codes_are_ten_random_codes_of_two_groups(world):
    codes = totp.new_recovery_codes(world.erin)
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
