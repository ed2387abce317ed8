"""Sharing a case's details and the log of every view: pages and API, with the personas."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ipcity.accounts.models import APIToken
from ipcity.protection import visibility
from ipcity.protection.models import CaseAccessLog, CaseShare
from ipcity.protection.sharing import share

from .conftest import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def sharing_url(case):
    return f"/protection/cases/{case.pk}/sharing/"


def log_url(case):
    return f"/protection/cases/{case.pk}/access-log/"


def test_carl_sees_a_summary_until_mia_shares_then_every_view_is_logged(pworld, login):
    p = pworld
    case = make_case(p.amr)
    assert visibility.access(p.carl, case) == visibility.Access.SUMMARY
    assert case not in visibility.full_cases(p.carl)

    client = login(p.mia)
    page = client.get(sharing_url(case))
    assert page.status_code == 200
    choices = {o.pk for o in page.context["form"].fields["organization"].queryset}
    assert p.culture.pk in choices and p.amr.pk not in choices
    assert p.world.enterprise_a.pk not in choices  # not an agency
    response = client.post(sharing_url(case), {"organization": p.culture.pk, "reason": "联合查办"})
    assert response.status_code == 302
    row = CaseShare.objects.get(case=case, organization=p.culture)
    assert row.granted_by == p.mia and row.reason == "联合查办"
    assert visibility.access(p.carl, case) == visibility.Access.SHARED
    assert case in visibility.full_cases(p.carl)

    # Every view of the shared details adds a row.
    visibility.log_shared_view(p.carl, case, "case detail")
    visibility.log_shared_view(p.carl, case, "evidence 1")
    logs = CaseAccessLog.objects.filter(case=case)
    assert logs.count() == 2 and {log.share_id for log in logs} == {row.pk}
    assert {log.organization_id for log in logs} == {p.culture.pk}

    # The owning agency and the office read the log; carl, leo and erin do not.
    page = login(p.mia).get(log_url(case))
    assert page.status_code == 200 and len(page.context["page"].object_list) == 2
    assert b"evidence 1" in page.content
    assert login(p.alice).get(log_url(case)).status_code == 200
    for user in (p.carl, p.leo, p.erin):
        assert login(user).get(log_url(case)).status_code == 404
    page = login(p.alice).get("/protection/access-log/")
    assert page.status_code == 200 and page.context["table"].paginator.count == 2
    assert login(p.carl).get("/protection/access-log/").context["table"].paginator.count == 0
    assert login(p.erin).get("/protection/access-log/").status_code == 403

    # Revoking takes the access back.
    response = login(p.mia).post(f"{sharing_url(case)}{row.pk}/revoke/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == p.mia
    assert visibility.access(p.carl, case) == visibility.Access.SUMMARY
    page = login(p.mia).get(sharing_url(case))
    assert b"Revoked" in page.content


def test_only_the_owning_agency_shares(pworld, login):
    p = pworld
    case = make_case(p.amr)
    # carl (another agency, even once the case is shared with it), leo, alice, erin: 404.
    share(p.mia, case, p.culture, "联合查办")
    for user in (p.carl, p.leo, p.alice, p.erin, p.paul):
        client = login(user)
        assert client.get(sharing_url(case)).status_code == 404, user
        response = client.post(sharing_url(case), {"organization": p.agri.pk, "reason": "x"})
        assert response.status_code == 404
        shared = CaseShare.objects.get(case=case, organization=p.culture)
        assert client.post(f"{sharing_url(case)}{shared.pk}/revoke/").status_code == 404
    assert not CaseShare.objects.filter(organization=p.agri).exists()
    assert CaseShare.objects.get(case=case, organization=p.culture).revoked_at is None
    # Bad input: the owner itself, or no reason.
    client = login(p.mia)
    response = client.post(sharing_url(case), {"organization": p.amr.pk, "reason": "x"})
    assert response.status_code == 400
    response = client.post(sharing_url(case), {"organization": p.agri.pk, "reason": " "})
    assert response.status_code == 400
    assert not CaseShare.objects.filter(organization=p.agri).exists()
    assert login(p.mia).get("/protection/cases/999999/sharing/").status_code == 404


def test_sharing_api(pworld, api):
    p = pworld
    case = make_case(p.amr)
    base = f"/api/protection/cases/{case.pk}/shares/"
    mia = api(p.mia)
    assert mia.get(base).json() == []
    response = mia.post(
        base, {"organization": p.culture.pk, "reason": "联合查办"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organization"]["id"] == p.culture.pk and body["active"] is True
    assert visibility.access(p.carl, case) == visibility.Access.SHARED
    response = mia.post(
        base,
        {"organization": p.world.enterprise_a.pk, "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "organization" in response.json()["errors"]
    for user in (p.carl, p.leo, p.erin):
        client = api(user)
        assert client.get(base).status_code == 404
        response = client.post(
            base, {"organization": p.agri.pk, "reason": "x"}, content_type="application/json"
        )
        assert response.status_code == 404
        assert client.post(f"{base}{body['id']}/revoke/").status_code == 404
    visibility.log_shared_view(p.carl, case, "api case detail")
    log = mia.get(f"/api/protection/cases/{case.pk}/access-log/").json()
    assert log["count"] == 1 and log["results"][0]["user"]["username"] == "carl"
    assert api(p.alice).get(f"/api/protection/cases/{case.pk}/access-log/").json()["count"] == 1
    assert api(p.carl).get(f"/api/protection/cases/{case.pk}/access-log/").status_code == 404
    assert api(p.leo).get(f"/api/protection/cases/{case.pk}/access-log/").status_code == 404
    assert api(p.alice).get("/api/protection/access-log/").json()["count"] == 1
    assert api(p.erin).get("/api/protection/access-log/").status_code == 403
    response = mia.post(f"{base}{body['id']}/revoke/")
    assert response.status_code == 200 and response.json()["active"] is False
    assert visibility.access(p.carl, case) == visibility.Access.SUMMARY


def _views(p, n):
    for _ in range(n):
        case = make_case(p.amr)
        share(p.mia, case, p.culture, "联合查办")
        visibility.log_shared_view(p.carl, case, "case detail")


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
        assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def test_access_log_lists_have_a_flat_query_count(pworld, api):
    p = pworld
    _views(p, 3)
    case = make_case(p.amr)
    share(p.mia, case, p.culture, "联合查办")
    visibility.log_shared_view(p.carl, case, "x")
    alice, mia, alice_api, mia_api = _client(p.alice), _client(p.mia), api(p.alice), api(p.mia)
    calls = [
        lambda: alice.get("/protection/access-log/"),
        lambda: alice_api.get("/api/protection/access-log/"),
        lambda: mia.get(log_url(case)),
        lambda: mia_api.get(f"/api/protection/cases/{case.pk}/shares/"),
        lambda: mia_api.get(f"/api/protection/cases/{case.pk}/access-log/"),
    ]
    for call in calls:  # warm up: the token's first use is recorded once
        call()
    before = [_count(f) for f in calls]
    _views(p, 10)
    for agency in (p.agri, p.police, p.procuratorate):
        share(p.mia, case, agency, "x")
    for _ in range(10):
        visibility.log_shared_view(p.carl, case, "y")
    after = [_count(f) for f in calls]
    assert before == after


def test_police_share_stays_while_the_transfer_is_sent_or_accepted(pworld, login, api):
    """sharing.revoke refuses to take the case back from a police unit holding a sent or accepted
    transfer of it (page: a clear message; API: 422; function: ValidationError)."""
    import datetime

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from ipcity.protection import sharing
    from ipcity.protection.choices import TransferStatus
    from ipcity.protection.models import CriminalTransfer

    p = pworld
    case = make_case(p.amr, status="transferred", is_transferred=True)
    row = share(p.mia, case, p.police, "移送公安机关", system=True)
    transfer = CriminalTransfer.objects.create(
        case=case,
        police=p.police,
        status=TransferStatus.SENT,
        proposed_at=timezone.now(),
        decision_due=datetime.date(2026, 3, 10),
        sent_at=timezone.now(),
    )
    for status in (TransferStatus.SENT, TransferStatus.ACCEPTED):
        CriminalTransfer.objects.filter(pk=transfer.pk).update(status=status)
        with pytest.raises(ValidationError, match="keeps the case's details"):
            sharing.revoke(p.mia, row)
        response = login(p.mia).post(f"{sharing_url(case)}{row.pk}/revoke/", follow=True)
        assert response.status_code == 200
        assert "keeps the case&#x27;s details" in response.content.decode()
        response = api(p.mia).post(f"/api/protection/cases/{case.pk}/shares/{row.pk}/revoke/")
        assert response.status_code == 422
        row.refresh_from_db()
        assert row.revoked_at is None
    # Another unit's share is not held by the transfer; once declined, the police's goes too.
    other = share(p.mia, case, p.culture, "联合查办")
    assert sharing.revoke(p.mia, other).revoked_at is not None
    CriminalTransfer.objects.filter(pk=transfer.pk).update(status=TransferStatus.DECLINED)
    assert sharing.revoke(p.mia, row).revoked_at is not None


def test_share_form_submits_once(pworld, login):
    from ipcity.core import once

    p = pworld
    case = make_case(p.amr)
    client = login(p.mia)
    assert f'name="{once.FIELD}"'.encode() in client.get(sharing_url(case)).content
    data = {"organization": p.culture.pk, "reason": "联合查办", once.FIELD: once.new_token()}
    assert client.post(sharing_url(case), data).status_code == 302
    CaseShare.objects.filter(case=case).update(revoked_at="2026-03-01T10:00:00+08:00")
    # The repeat does not share again (a new share would be made without the token).
    assert client.post(sharing_url(case), data).status_code == 302
    assert CaseShare.objects.filter(case=case).count() == 1
