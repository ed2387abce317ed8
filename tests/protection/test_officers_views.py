"""Officer pages with the personas: hank (head of amr) edits amr's officers, mia (officer of
amr) reads them, carl (culture) does not see them, leo (leader) reads every officer, erin
(enterprise) nothing. Lists do not grow in queries with their rows."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ipcity.core.models import Notification
from ipcity.protection import officers
from ipcity.protection.choices import CaseStatus
from ipcity.protection.models import CaseHandler, Officer

from .conftest import make_case, make_officer

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(officers, "current_date", lambda: TODAY)


def form_data(p, **changes):
    values = {
        "organization": p.amr.pk,
        "name": "王执法",
        "certificate_number": "11008888",
        "issued_on": "2025-01-01",
        "valid_until": "2030-12-31",
        "status": "active",
        "user": "",
    }
    values.update(changes)
    return values


def test_list_is_restricted_to_the_officers_agency(pworld, login):
    p = pworld
    url = reverse("protection:officer_list")
    page = login(p.mia).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "11000001" in text and "11000002" in text and "11000003" not in text
    text = login(p.leo).get(url).content.decode()
    assert all(n in text for n in ("11000001", "11000003", "11000004"))
    assert login(p.erin).get(url).status_code == 403


def test_detail_scope(pworld, login):
    p = pworld
    url = p.mia_officer.get_absolute_url()
    assert login(p.hank).get(url).status_code == 200
    assert login(p.mia).get(url).status_code == 200
    assert login(p.leo).get(url).status_code == 200
    assert login(p.carl).get(url).status_code == 404
    assert login(p.erin).get(url).status_code == 404


def test_hank_edits_amr_officers_others_may_not(pworld, login):
    p = pworld
    url = reverse("protection:officer_edit", args=[p.mia_officer.pk])
    data = form_data(p, name="mia", certificate_number="11000001", valid_until="2032-01-31")
    data["user"] = p.mia.pk
    response = login(p.hank).post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    p.mia_officer.refresh_from_db()
    assert p.mia_officer.valid_until == datetime.date(2032, 1, 31)
    assert p.mia_officer.history.latest().history_user == p.hank
    assert login(p.mia).post(url, data).status_code == 403
    assert login(p.leo).post(url, data).status_code == 403
    assert login(p.carl).post(url, data).status_code == 404
    assert login(p.erin).get(url).status_code == 404


def test_add_with_clear_messages(pworld, login):
    p = pworld
    url = reverse("protection:officer_add")
    client = login(p.hank)
    response = client.post(url, form_data(p, certificate_number="11000002"))
    assert response.status_code == 400
    assert "Certificate number 11000002 is already recorded for hank" in response.content.decode()
    response = client.post(url, form_data(p, issued_on="2031-01-01"))
    assert response.status_code == 400
    assert "cannot expire before the day it was issued" in response.content.decode()
    assert client.post(url, form_data(p)).status_code == 302
    assert Officer.objects.get(certificate_number="11008888").organization == p.amr
    assert login(p.mia).get(url).status_code == 403
    assert login(p.erin).get(url).status_code == 403


def test_detail_shows_badge_trainings_and_only_full_case_assignments(pworld, login):
    p = pworld
    officer = p.mia_officer
    own = make_case(p.amr, title="本局案件")
    CaseHandler.objects.create(case=own, officer=officer, assigned_on=TODAY, is_lead=True)
    officers.add_training(
        p.hank, officer, {"course": "执法证年审培训", "attended_on": "2026-01-05", "hours": "12"}
    )
    page = login(p.mia).get(officer.get_absolute_url()).content.decode()
    assert 'data-validity="valid"' in page
    assert "执法证年审培训" in page and "12.0" in page
    assert own.number in page
    # Handlers are child records of a case: a summary-only reader (the leader, the office, an
    # officer of another agency) does not learn who handles which case.
    for reader in (p.leo, p.alice):
        response = login(reader).get(officer.get_absolute_url())
        if response.status_code == 200:
            page = response.content.decode()
            assert own.number not in page and "No current case assignments" in page
    # The head of the agency sees it in full.
    assert own.number in login(p.hank).get(officer.get_absolute_url()).content.decode()
    # A released assignment is not current.
    CaseHandler.objects.filter(case=own).update(released_on=TODAY)
    page = login(p.mia).get(officer.get_absolute_url()).content.decode()
    assert own.number not in page


def test_assignments_hide_cases_the_reader_cannot_list(pworld, login, world):
    from ipcity.accounts.models import Role
    from tests.factories import grant, make_user

    p = pworld
    case = make_case(p.amr, status=CaseStatus.INVESTIGATING)
    CaseHandler.objects.create(case=case, officer=p.mia_officer, assigned_on=TODAY)
    # A reader of officers without any case permission.
    role = Role.objects.create(
        code="officer_reader", name="officer reader", default_scope="district"
    )
    from django.contrib.auth.models import Permission

    role.permissions.add(Permission.objects.get(codename="view_officer"))
    reader = make_user("reader", p.office)
    grant(reader, "officer_reader")
    page = login(reader).get(p.mia_officer.get_absolute_url()).content.decode()
    assert case.number not in page and "No current case assignments" in page


def test_trainings_added_and_deleted_from_the_page(pworld, login):
    p = pworld
    officer = p.mia_officer
    add = reverse("protection:officer_training_add", args=[officer.pk])
    payload = {
        "training-course": "商标侵权判定",
        "training-attended_on": "2026-02-01",
        "training-hours": "7.5",
    }
    assert login(p.mia).post(add, payload).status_code == 403
    assert login(p.carl).post(add, payload).status_code == 404
    assert login(p.hank).post(add, payload).status_code == 302
    officer.refresh_from_db()
    assert officer.training_hours == Decimal("7.5")
    training = officer.trainings.get()
    delete = reverse("protection:officer_training_delete", args=[officer.pk, training.pk])
    assert login(p.mia).post(delete).status_code == 403
    assert login(p.hank).post(delete).status_code == 302
    officer.refresh_from_db()
    assert officer.training_hours == 0 and not officer.trainings.exists()
    # Bad input: a message, nothing written.
    response = login(p.hank).post(add, {**payload, "training-hours": "-1"}, follow=True)
    assert "Hours must be more than 0" in response.content.decode()
    assert not officer.trainings.exists()


def test_filters(pworld, login):
    p = pworld
    until = officers.warning_until(TODAY)
    make_officer(None, p.amr, "SOON-1", valid_until=until, name="快到期")
    make_officer(
        None, p.amr, "GONE-1", valid_until=TODAY - datetime.timedelta(days=3), name="已过期"
    )
    client = login(p.hank)
    url = reverse("protection:officer_list")

    def names(**params):
        text = client.get(url, params).content.decode()
        return {n for n in ("快到期", "已过期", "11000001") if n in text}

    assert names(expiring_within=officers.warning_days()) == {"快到期"}
    assert names(expired="true") == {"已过期"}
    assert names(certified="true") == {"快到期", "11000001"}
    assert names(certified_on="2031-01-01") == set()
    assert names(organization=p.amr.pk, q="11000001") == {"11000001"}
    assert Notification.objects.count() == 0


def test_export_and_menu(pworld, login):
    p = pworld
    response = login(p.hank).get(reverse("protection:officer_list"), {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    text = body.decode("utf-8-sig")
    assert "执法证号" in text and "11000001" in text and "11000003" not in text
    home = login(p.hank).get(reverse("core:home")).content.decode()
    assert reverse("protection:officer_list") in home
    assert (
        reverse("protection:officer_list")
        not in login(p.erin).get(reverse("core:home")).content.decode()
    )


def test_list_queries_do_not_grow_with_rows(pworld, login, django_assert_max_num_queries):
    p = pworld
    client = login(p.hank)
    url = reverse("protection:officer_list")
    for i in range(3):
        make_officer(None, p.amr, f"Q-{i}")
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    for i in range(10):
        make_officer(None, p.amr, f"R-{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
