"""Queries written in SQL once (core.compiled) and object addresses made without `reverse`
for every row (core.links): each gives exactly what the ORM and `reverse` give, follows the
settings it depends on, and refuses a query it cannot run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from ipcity.accounts.middleware import STANDING, owes_authenticator
from ipcity.accounts.models import Role, RoleAssignment, TOTPDevice
from ipcity.accounts.session_store import SessionStore
from ipcity.core.compiled import Compiled
from ipcity.core.links import object_url
from ipcity.core.models import Notification
from ipcity.core.notifications import unread_count
from ipcity.orgs.models import Organization

from ..factories import make_org

pytestmark = pytest.mark.django_db


def test_a_compiled_query_gives_what_the_orm_gives(world):
    org = make_org("编译查询示例公司")
    names = Compiled(
        lambda pk: Organization.objects.filter(pk=pk).values_list("name", "kind"), -918_273
    )
    assert names.first(org.pk) == tuple(
        Organization.objects.filter(pk=org.pk).values_list("name", "kind").get()
    )
    assert names.first(-1) is None
    assert names.rows(org.pk) == [names.first(org.pk)]


def test_a_stand_in_the_backend_wraps_in_a_type_of_its_own(db):
    """A small integer column's value is PostgreSQL's Int2 among the parameters (a plain int on
    SQLite): the stand-in is still found, and each value given is passed as that type."""
    from ipcity.rights.models import HighValueRuleSet

    HighValueRuleSet.objects.all().delete()
    HighValueRuleSet.objects.create(code="r", name="r", valid_from=2021, valid_to=2025)
    codes = Compiled(
        lambda year: HighValueRuleSet.objects.filter(
            valid_from__lte=year, valid_to__gte=year
        ).values_list("code"),
        32_001,
    )
    assert codes.rows(2023) == [("r",)] and codes.rows(2026) == []


def test_a_compiled_query_is_written_once_and_run_each_time(world):
    org = make_org("编译一次示例公司")
    query = Compiled(lambda pk: Organization.objects.filter(pk=pk).values_list("name"), -918_274)
    query.first(org.pk)
    with CaptureQueriesContext(connection) as seen:
        assert query.first(org.pk) == ("编译一次示例公司",)
    assert len(seen) == 1 and str(org.pk) in seen[0]["sql"]


def test_a_stand_in_the_query_does_not_hold_is_refused(world):
    query = Compiled(lambda pk: Organization.objects.filter(pk=5).values_list("name"), -918_275)
    with pytest.raises(ValueError, match="stand-ins not found"):
        query.first(1)


def test_counting_and_dates(world):
    user = world.alice
    now = timezone.now()
    Notification.objects.create(user=user, title="一")
    Notification.objects.create(user=user, title="二")
    Notification.objects.filter(user=user, title="二").update(read_at=now)
    assert unread_count(user) == Notification.objects.filter(user=user, read_at=None).count()
    since = Compiled(
        lambda pk, when: Notification.objects.filter(user_id=pk, created_at__gte=when).values("pk"),
        -918_276,
        datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC),
        count=True,
    )
    assert since.first(user.pk, now - timedelta(hours=1))[0] == 2
    assert since.first(user.pk, now + timedelta(hours=1))[0] == 0


def test_the_authenticator_standing_follows_roles_devices_and_settings(world):
    user = world.alice  # the office: a role that requires an authenticator
    TOTPDevice.objects.filter(user=user).delete()
    with override_settings(IPCITY_TOTP_ENFORCE=True):
        assert owes_authenticator(user)
        TOTPDevice.objects.create(user=user, secret="JBSWY3DPEHPK3PXP")
        assert not owes_authenticator(user)
        TOTPDevice.objects.filter(user=user).delete()
        codes = list(RoleAssignment.objects.filter(user=user).values_list("role__code", flat=True))
        # A setting is a parameter of the SQL: changing it writes the SQL again.
        with override_settings(IPCITY_TOTP_REQUIRED_ROLES=["no-such-role"]):
            assert tuple(map(bool, STANDING.first(user.pk))) == (False, False)
            assert not owes_authenticator(user)
        assert codes and owes_authenticator(user)
        Role.objects.filter(code__in=codes).update(is_active=False)
        assert not owes_authenticator(user)


def test_a_deleted_user_owes_an_authenticator(world):
    user = world.erin
    pk = user.pk
    user.delete()
    user.pk = pk
    with override_settings(IPCITY_TOTP_ENFORCE=True):
        assert owes_authenticator(user)


def test_the_session_store_reads_a_live_session_and_drops_an_expired_one(world):
    store = SessionStore()
    store["answer"] = 42
    store.save()
    key = store.session_key
    assert SessionStore(key).load() == {"answer": 42}
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("no-such-session-key-1234567890").load() == {}


@pytest.mark.parametrize(
    "name", ["rights:patent_detail", "orgs:organization_detail", "protection:case_detail"]
)
def test_an_object_url_is_what_reverse_gives(name):
    for pk in (1, 7, 42, 1_000_000, 2**40):
        assert object_url(name, pk) == reverse(name, args=[pk])


def test_an_object_url_follows_the_script_prefix():
    assert object_url("rights:patent_detail", 3) == reverse("rights:patent_detail", args=[3])
    set_script_prefix("/ipcity/")
    try:
        assert object_url("rights:patent_detail", 3).startswith("/ipcity/")
        assert object_url("rights:patent_detail", 3) == reverse("rights:patent_detail", args=[3])
    finally:
        set_script_prefix("/")
    assert not object_url("rights:patent_detail", 3).startswith("/ipcity/")


def test_an_object_url_of_another_key_goes_through_reverse():
    assert object_url("rights:patent_detail", "12") == reverse("rights:patent_detail", args=["12"])


def test_the_session_user_is_read_whole_in_one_query(world):
    from ipcity.accounts.backends import LockoutModelBackend

    backend = LockoutModelBackend()
    expected = type(world.alice).objects.select_related("organization").get(pk=world.alice.pk)
    with CaptureQueriesContext(connection) as seen:
        user = backend.get_user(world.alice.pk)
        assert str(user.organization) == expected.organization.name
    assert len(seen) == 1
    for field in type(user)._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(expected, field.attname), field.name
    assert user.ipcity_totp_role is True  # the office's administrator
    # What owes_authenticator reads is the same as its own query gives.
    with override_settings(IPCITY_TOTP_ENFORCE=True):
        enrolled = TOTPDevice.objects.filter(user=user).exists()
        assert owes_authenticator(user) is (not enrolled)
        other = type(world.alice).objects.get(pk=world.alice.pk)
        assert owes_authenticator(other) is owes_authenticator(user)
    # A user without an organization, an inactive one, one that is gone.
    erin = world.erin
    type(erin).objects.filter(pk=erin.pk).update(organization=None)
    assert backend.get_user(erin.pk).organization is None
    type(erin).objects.filter(pk=erin.pk).update(is_active=False)
    assert backend.get_user(erin.pk) is None
    assert backend.get_user(-5) is None
