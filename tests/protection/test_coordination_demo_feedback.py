"""Fixes from the new-user test of the demo: links only to pages the user may open, no edit
action for users who cannot edit a meeting."""

import pytest
from django.test import Client

from ipcity.protection.models import Lead
from ipcity.protection.sharing import share

from .conftest import make_case, make_lead
from .test_coordination_mediation import _mediation, committee  # noqa: F401
from .test_coordination_meetings import make_meeting

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_mediation_links_its_lead_only_for_who_may_open_it(pworld, committee):  # noqa: F811
    p = pworld
    lead = make_lead(p.amr)
    mediation = _mediation(p, committee)
    type(mediation).objects.filter(pk=mediation.pk).update(lead=lead)
    url = f"/protection/mediations/{mediation.pk}/"
    lead_url = f"/protection/leads/{lead.pk}/"
    page = _client(p.mia).get(url)
    assert page.status_code == 200 and lead_url in page.content.decode()
    # leo (leader) reads mediations but holds no lead permission: no link to a 404.
    assert not Lead.objects.restrict(p.leo, "view").filter(pk=lead.pk).exists()
    page = _client(p.leo).get(url)
    assert page.status_code == 200
    assert lead_url not in page.content.decode() and "From a lead" not in page.content.decode()
    assert _client(p.leo).get(lead_url).status_code == 404


def test_meeting_pages_show_edit_only_to_the_convening_unit(pworld):
    p = pworld
    meeting = make_meeting(p, convener=p.amr, participants=[p.amr, p.culture])
    edit = f"/protection/meetings/{meeting.pk}/edit/"
    for path in ("", "history/"):
        url = f"/protection/meetings/{meeting.pk}/{path}"
        own = _client(p.hank).get(url)
        assert own.status_code == 200, path
        for user in (p.carl, p.leo, p.alice):  # a participant, the leader, the office
            page = _client(user).get(url)
            assert page.status_code == 200, (user, path)
            assert edit not in page.content.decode(), (user, path)
            assert page.context["can_change"] is False
    for user in (p.carl, p.leo, p.alice):
        assert _client(user).get(edit).status_code == 403
    listed = _client(p.carl).get("/protection/meetings/").content.decode()
    assert edit not in listed


def test_sharing_pages_link_the_log_only_when_readable(pworld):
    p = pworld
    case = make_case(p.amr)
    share(p.mia, case, p.culture, "联合查办")
    log = f"/protection/cases/{case.pk}/access-log/"
    page = _client(p.mia).get(f"/protection/cases/{case.pk}/sharing/").content.decode()
    assert log in page and "Revoke" in page
    page = _client(p.mia).get(log)
    assert page.status_code == 200
    assert ("/protection/access-log/" in page.content.decode()) is (
        _client(p.mia).get("/protection/access-log/").status_code == 200
    )
