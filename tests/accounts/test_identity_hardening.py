"""Review findings on identity and sessions: TOTP for superusers and staff, the client address
behind proxies, counting attempts before checking them, re-authentication for the second factor
and the password change, passwords set by administrators, revocation of API tokens, recovery
codes at rest, polling versus activity."""

import hashlib
import time
from contextlib import ExitStack
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipcity.accounts import actions, lockout, sessions, totp
from ipcity.accounts.middleware import owes_authenticator, totp_required
from ipcity.accounts.models import (
    APIToken,
    LoginEvent,
    LoginEventKind,
    RecoveryCode,
    Role,
    RoleAssignment,
    TOTPDevice,
    User,
)
from ipcity.core.ratelimit import client_ip
from tests.factories import PASSWORD, grant, make_user

HOME = reverse("core:home")
LOGIN = reverse("accounts:login")
CODE = reverse("accounts:login_code")
SETUP = reverse("accounts:totp_setup")
CHANGE = reverse("accounts:password_change")
API = "/api/orgs/organizations/"


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def enforced(settings):
    settings.IPCITY_TOTP_ENFORCE = True
    return settings


def sign_in(user, password=PASSWORD, **extra):
    client = Client(**extra)
    response = client.post(LOGIN, {"username": user.username, "password": password})
    return client, response


def code_for(secret, offset=0):
    return totp.totp(totp._key(secret), time.time() + offset)


def enrol(user):
    secret = totp.new_secret()
    TOTPDevice.objects.create(user=user, secret=secret)
    return secret, totp.new_recovery_codes(user)


# 1. Superusers and staff -------------------------------------------------------------------


def test_superusers_and_staff_must_enrol_whatever_their_roles(world, enforced, login):
    boss = make_user("boss", world.office, is_superuser=True)
    clerk = make_user("clerk", world.office, is_staff=True)
    assert totp_required(boss) and totp_required(clerk)
    assert not totp_required(world.erin)
    assert login(boss).get(HOME)["Location"] == SETUP
    enforced.IPCITY_TOTP_ENFORCE = False
    assert not totp_required(boss)


def test_what_each_request_asks_is_one_query_with_the_same_answer(world, enforced):
    boss = make_user("boss", world.office, is_superuser=True)
    users = [boss, world.alice, world.erin]  # superuser, office administrator, no such role
    for enrolled in (False, True):
        for user in users:
            with CaptureQueriesContext(connection) as queries:
                owed = owes_authenticator(user)
            assert len(queries) == 1
            assert owed == (totp_required(user) and not sessions.has_totp(user))
            assert owed == (user is not world.erin and not enrolled)
        if not enrolled:
            for user in users:
                enrol(user)
    # Without the authenticator it is owed again, until the role that asks for it is gone.
    TOTPDevice.objects.filter(user=world.alice).delete()
    assert owes_authenticator(world.alice)
    RoleAssignment.objects.filter(user=world.alice).update(
        role=Role.objects.get(code="enterprise_user")
    )
    assert not owes_authenticator(world.alice)
    enforced.IPCITY_TOTP_ENFORCE = False
    with CaptureQueriesContext(connection) as queries:
        assert not owes_authenticator(boss)
    assert len(queries) == 0


@pytest.mark.parametrize("who", ["superuser", "staff", "enterprise user"])
def test_a_user_whose_row_is_gone_is_refused_not_let_through(world, enforced, who):
    """Deleted while signed in, or never saved: no row to read, so the check fails closed."""
    user = {
        "superuser": lambda: make_user("boss", world.office, is_superuser=True),
        "staff": lambda: make_user("clerk", world.office, is_staff=True),
        "enterprise user": lambda: world.erin,
    }[who]()
    enrol(user)
    assert not owes_authenticator(user)
    User.objects.filter(pk=user.pk).delete()
    assert owes_authenticator(user)
    user.pk = None
    assert owes_authenticator(user)


# 2. The client address behind a reverse proxy ----------------------------------------------


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_forwarded_headers_are_ignored(settings):
    settings.IPCITY_TRUSTED_PROXIES = []
    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(settings):
    settings.IPCITY_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    # The client wrote "1.2.3.4" itself; nginx appended the address it saw.
    request = request_from("127.0.0.1", "1.2.3.4, 198.51.100.9, 10.1.2.3")
    assert client_ip(request) == "198.51.100.9"
    assert client_ip(request_from("127.0.0.1", "198.51.100.9")) == "198.51.100.9"
    # Not from a trusted proxy: the header is the client's word and is ignored.
    assert client_ip(request_from("203.0.113.7", "198.51.100.9")) == "203.0.113.7"
    # No header, or garbage in it: the proxy's own address.
    assert client_ip(request_from("127.0.0.1")) == "127.0.0.1"
    assert client_ip(request_from("127.0.0.1", "not-an-address")) == "127.0.0.1"


def test_the_lockout_and_the_log_see_the_client_behind_the_proxy(world, settings):
    settings.IPCITY_TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client(HTTP_X_FORWARDED_FOR="198.51.100.9")
    client.post(LOGIN, {"username": "erin", "password": "Wrong-pass-000"})
    assert LoginEvent.objects.get(kind=LoginEventKind.FAILURE).ip == "198.51.100.9"


# 3. Each attempt is counted before it is checked -------------------------------------------


def test_the_sixth_parallel_attempt_is_refused_before_the_password_is_checked(world):
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="198.51.100.9")
    with ExitStack() as in_flight:
        # Five attempts for erin are being checked at this moment (none logged yet).
        for _ in range(5):
            assert in_flight.enter_context(lockout.attempt(request, "erin"))
        with mock.patch.object(User, "check_password", autospec=True) as check:
            assert authenticate(request, username="erin", password=PASSWORD) is None
            check.assert_not_called()
    assert getattr(request, "ipcity_locked", False)
    assert LoginEvent.objects.filter(username="erin", kind=LoginEventKind.LOCKOUT).count() == 1
    # Once they are over (they succeeded, say), the next attempt goes through again.
    assert authenticate(request, username="erin", password=PASSWORD) == world.erin


def test_logged_failures_and_attempts_in_flight_add_up(world):
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="198.51.100.9")
    for _ in range(4):
        assert authenticate(request, username="erin", password="Wrong-pass-000") is None
    assert LoginEvent.objects.filter(username="erin", kind=LoginEventKind.FAILURE).count() == 4
    with lockout.attempt(request, "erin") as fifth:
        assert fifth
        with mock.patch.object(User, "check_password", autospec=True) as check:
            assert authenticate(request, username="erin", password=PASSWORD) is None
            check.assert_not_called()


def test_the_address_gate_counts_attempts_in_flight_for_any_username(world, settings):
    settings.IPCITY_LOCKOUT_IP_ATTEMPTS = 3
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="198.51.100.9")
    with ExitStack() as in_flight:
        for name in ("a", "b", "c"):
            assert in_flight.enter_context(lockout.attempt(request, name))
        with lockout.attempt(request, "d") as fourth:
            assert not fourth


def test_the_code_step_is_counted_before_the_code_is_checked(world):
    enrol(world.erin)
    client, _ = sign_in(world.erin)
    request = RequestFactory().post(CODE, REMOTE_ADDR="127.0.0.1")
    with ExitStack() as in_flight:
        for _ in range(5):
            in_flight.enter_context(lockout.attempt(request, "erin"))
        with mock.patch.object(totp, "verify_second_factor") as verify:
            response = client.post(CODE, {"code": "123456"})
            verify.assert_not_called()
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


# 4. Re-authentication: the second factor and the password change ---------------------------


def test_new_recovery_codes_need_the_password_and_wrong_codes_count_toward_the_lock(world):
    secret, codes = enrol(world.erin)
    client, _ = sign_in(world.erin)
    client.post(CODE, {"code": codes[0]})
    renew = reverse("accounts:recovery_codes_renew")
    for _ in range(5):
        client.post(renew, {"code": "000000", "password": PASSWORD})
    failures = LoginEvent.objects.filter(username="erin", kind=LoginEventKind.FAILURE)
    assert failures.count() == 5
    assert set(failures.values_list("detail", flat=True)) == {"recovery_codes_renew"}
    # Locked now: even the right code and password end the session.
    response = client.post(renew, {"code": code_for(secret), "password": PASSWORD})
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    assert LoginEvent.objects.filter(username="erin", kind=LoginEventKind.LOCKOUT).exists()


def test_a_wrong_old_password_on_the_change_page_is_logged_and_locks(world, login):
    client = login(world.erin)
    data = {"new_password1": "Fresh-harbor-91", "new_password2": "Fresh-harbor-91"}
    for _ in range(5):
        response = client.post(CHANGE, {**data, "old_password": "Wrong-pass-000"})
        assert response.status_code == 200 and response.context["form"].errors["old_password"]
    assert (
        LoginEvent.objects.filter(
            username="erin", kind=LoginEventKind.FAILURE, detail="password change"
        ).count()
        == 5
    )
    response = client.post(CHANGE, {**data, "old_password": PASSWORD})
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    world.erin.refresh_from_db()
    assert world.erin.check_password(PASSWORD)
    # And the sign-in page is locked for erin as well.
    _, response = sign_in(world.erin)
    assert "Too many failed sign-ins" in " ".join(response.context["form"].non_field_errors())


# 5. Passwords set by someone else ----------------------------------------------------------


def test_a_user_created_by_the_administrator_changes_the_password_first(world, admins, enforced):
    user = actions.create_user(
        admins.sam, {"username": "newbie", "organization": world.office}, "Initial-pass-77"
    )
    assert user.must_change_password
    grant(user, "office_admin")
    client = Client()
    client.post(LOGIN, {"username": "newbie", "password": "Initial-pass-77"})
    # The password comes before the authenticator enrolment.
    assert client.get(HOME)["Location"] == CHANGE
    assert client.get(SETUP)["Location"] == CHANGE
    assert client.get(CHANGE).context["must_change"]
    response = client.post(
        CHANGE,
        {
            "old_password": "Initial-pass-77",
            "new_password1": "Own-choice-2025!",
            "new_password2": "Own-choice-2025!",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(HOME)["Location"] == SETUP


def test_a_reset_by_the_administrator_and_createadmin_set_the_flag(world, admins):
    actions.reset_password(admins.sam, world.erin, "Reset-by-sam-42")
    world.erin.refresh_from_db()
    assert world.erin.must_change_password
    call_command("createadmin", username="root", password="A-long-pass-phrase-9")
    assert User.objects.get(username="root").must_change_password


def test_personas_and_demo_accounts_are_not_forced_to_change(world, login):
    from ipcity.core.demo import load_demo

    assert not User.objects.filter(must_change_password=True).exists()
    assert login(world.erin).get(HOME).status_code == 200
    load_demo()
    assert not User.objects.filter(must_change_password=True).exists()


# 6. API tokens -----------------------------------------------------------------------------


def test_signing_out_a_user_everywhere_revokes_their_api_tokens(world, admins, login):
    token, key = APIToken.issue(world.erin, "script")
    other, _ = APIToken.issue(world.charlie, "script")
    login(admins.sam).post(reverse("accounts:user_sessions_revoke", args=[world.erin.pk]))
    token.refresh_from_db()
    other.refresh_from_db()
    assert token.revoked_at is not None and other.revoked_at is None
    assert Client(headers={"Authorization": f"Bearer {key}"}).get(API).status_code == 401


def test_a_token_of_an_unenrolled_administrator_is_refused(world, admins, enforced):
    _, key = APIToken.issue(admins.sam, "script")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get(API).status_code == 401
    enrol(admins.sam)
    assert api.get(API).status_code != 401
    _, erin_key = APIToken.issue(world.erin, "script")
    assert Client(headers={"Authorization": f"Bearer {erin_key}"}).get(API).status_code == 200


# 7. Recovery codes at rest -----------------------------------------------------------------


def test_recovery_codes_are_stored_as_salted_hmacs_keyed_by_the_secret_key(world, settings):
    _, codes = enrol(world.erin)
    rows = list(RecoveryCode.objects.filter(user=world.erin))
    assert len({row.salt for row in rows}) == 10
    plain = {hashlib.sha256(totp._normalize_code(code).encode()).hexdigest() for code in codes}
    assert not plain & {row.code_hash for row in rows}
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert not totp.use_recovery_code(world.erin, codes[0])


# 8. Smaller findings -----------------------------------------------------------------------


def test_a_role_assigned_during_a_session_requires_enrolment_at_once(world, admins, enforced):
    client, _ = sign_in(world.erin)
    assert client.get(HOME).status_code == 200
    grant(world.erin, "office_admin")  # no cached "not needed" answer lets the session on
    assert client.get(HOME)["Location"] == SETUP


def test_the_sessions_page_asks_the_session_store_once(world):
    client, _ = sign_in(world.erin)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert len(sessions.live_sessions(world.erin)) >= 1
        return len(captured)

    one = queries()
    for _ in range(3):
        sign_in(world.erin)
    assert queries() == one
    assert client.get(reverse("accounts:sessions")).status_code == 200


def test_the_secret_and_code_pages_are_not_stored(world, login):
    response = login(world.erin).get(SETUP)
    assert "no-store" in response["Cache-Control"]


def test_htmx_list_filtering_counts_as_activity_and_polling_does_not(world):
    client, _ = sign_in(world.erin)
    session = client.session
    session[sessions.SEEN_AT] -= 20 * 60
    session.save()
    client.get(HOME, HTTP_HX_REQUEST="true", HTTP_X_IPCITY_POLL="1")
    assert time.time() - client.session[sessions.SEEN_AT] > 19 * 60
    client.get(HOME, {"q": "x"}, HTTP_HX_REQUEST="true")  # a filter with hx-push-url
    assert time.time() - client.session[sessions.SEEN_AT] < 60


def test_the_polling_markup_sends_the_poll_header():
    from django.template.loader import get_template

    source = get_template("core/jobs/_progress.html").template.source
    assert "X-IPCity-Poll" in source


def test_a_password_step_awaiting_its_code_is_logged(world):
    enrol(world.erin)
    sign_in(world.erin)
    event = LoginEvent.objects.get(username="erin")
    assert (event.kind, event.detail) == (LoginEventKind.PENDING, "code pending")


def test_a_user_added_in_the_django_admin_changes_the_password_first(world, login):
    root = make_user("root", world.office, is_superuser=True, is_staff=True)
    response = login(root).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "viaadmin",
            "organization": world.office.pk,
            "password1": "Initial-pass-77",
            "password2": "Initial-pass-77",
            "usable_password": "true",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="viaadmin").must_change_password
