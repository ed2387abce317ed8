"""Listed supervision (挂牌督办): listing sets the case's flag, concluding the last open one clears
it; only the supervising body concludes; pages and API with the personas; flat query counts."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ipcity.accounts.models import APIToken
from ipcity.protection import coordination
from ipcity.protection.models import Case, Supervision

from .conftest import make_case

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _add(client, case, supervisor, **extra):
    data = {
        "case_number": case.number,
        "supervisor": supervisor.pk,
        "level": "district",
        "listed_on": "2026-03-05",
        "due_on": "2026-05-05",
        "requirements": "限期查结",
        **extra,
    }
    return client.post("/protection/supervised-cases/add/", data)


def test_listing_and_concluding_set_and_clear_the_flag(pworld):
    p = pworld
    case = make_case(p.amr)
    alice = _client(p.alice)
    # ?case=<pk> prefills the case number; the case is typed in, not chosen from every case.
    form = alice.get("/protection/supervised-cases/add/", {"case": case.pk}).context["form"]
    assert form.initial["case_number"] == case.number
    response = _add(alice, case, p.world.office)
    assert response.status_code == 302, response.content[:500]
    first = Supervision.objects.get(case=case)
    assert Case.objects.get(pk=case.pk).is_supervised
    assert coordination.is_overdue_supervision(first)  # due 2026-05-05, long past
    # A case has one open supervision at a time: a second listing is refused with a clear
    # message, by the page (a double submit) and by the function.
    response = _add(alice, case, p.world.office, level="municipal")
    assert response.status_code == 400
    assert "is already under listed supervision" in response.content.decode()
    with pytest.raises(ValidationError, match="already under listed supervision"):
        coordination.add_supervision(
            p.alice,
            case=case,
            supervisor=p.world.office,
            level="municipal",
            listed_on=D(2026, 4, 1),
            due_on=D(2099, 1, 1),
        )
    assert Supervision.objects.filter(case=case).count() == 1
    # The database refuses it too (the conditional unique constraint).
    with pytest.raises(IntegrityError), transaction.atomic():
        Supervision.objects.create(
            case=case,
            supervisor=p.world.office,
            level="municipal",
            listed_on=D(2026, 4, 1),
            due_on=D(2099, 1, 1),
        )

    # Only the supervising body concludes: hank (amr head, change_supervision over amr) may not.
    url = f"/protection/supervised-cases/{first.pk}/conclude/"
    data = {"concluded_on": "2026-04-20", "conclusion": "已按期查结"}
    assert _client(p.hank).post(url, data).status_code == 403
    assert _client(p.mia).post(url, data).status_code == 403
    assert _client(p.leo).post(url, data).status_code == 403
    assert _client(p.erin).post(url, data).status_code == 404
    assert alice.post(url, data).status_code == 302
    first.refresh_from_db()
    assert first.concluded_on == D(2026, 4, 20) and first.conclusion == "已按期查结"
    assert not Case.objects.get(pk=case.pk).is_supervised
    # Once concluded, the case may be listed again.
    second = coordination.add_supervision(
        p.alice,
        case=case,
        supervisor=p.world.office,
        level="municipal",
        listed_on=D(2026, 4, 21),
        due_on=D(2099, 1, 1),
    )
    assert not coordination.is_overdue_supervision(second)
    assert Case.objects.get(pk=case.pk).is_supervised
    coordination.conclude_supervision(
        p.alice, second, concluded_on=D(2026, 4, 22), conclusion="结案"
    )
    assert not Case.objects.get(pk=case.pk).is_supervised
    # Concluding twice is refused.
    with pytest.raises(Exception):  # noqa: B017
        coordination.conclude_supervision(
            p.alice, second, concluded_on=D(2026, 4, 22), conclusion="x"
        )


def test_unknown_case_number_is_named(pworld):
    p = pworld
    response = _client(p.alice).post(
        "/protection/supervised-cases/add/",
        {
            "case_number": "无此案号〔2026〕9号",
            "supervisor": p.world.office.pk,
            "level": "district",
            "listed_on": "2026-03-05",
            "due_on": "2026-05-05",
        },
    )
    assert response.status_code == 400
    assert "No case you may see has the number 无此案号〔2026〕9号." in response.content.decode()
    assert not Supervision.objects.exists()


def test_supervision_form_submits_once(pworld):
    """The same POST twice (a double click): one supervision, the second goes to the first's."""
    from ipcity.core import once

    p = pworld
    case = make_case(p.amr)
    alice = _client(p.alice)
    page = alice.get("/protection/supervised-cases/add/")
    assert f'name="{once.FIELD}"'.encode() in page.content
    token = once.new_token()
    first = _add(alice, case, p.world.office, **{once.FIELD: token})
    second = _add(alice, case, p.world.office, **{once.FIELD: token})
    assert first.status_code == 302 and second.status_code == 302
    row = Supervision.objects.get(case=case)
    assert second["Location"] == first["Location"] == row.get_absolute_url()


def test_bad_listings_write_nothing(pworld):
    p = pworld
    case = make_case(p.amr)
    # Heads of agencies do not list cases for supervision; a case is not supervised by its own
    # agency, nor with a deadline before the listing.
    assert _add(_client(p.hank), case, p.amr).status_code == 403
    response = _add(_client(p.alice), case, p.amr)
    assert response.status_code == 400
    response = _add(_client(p.alice), case, p.world.office, due_on="2026-01-01")
    assert response.status_code == 400
    closed = make_case(p.amr, status="closed")
    response = _add(_client(p.alice), closed, p.world.office)
    assert response.status_code == 400
    assert not Supervision.objects.exists()
    assert not Case.objects.filter(is_supervised=True).exists()


def test_supervision_pages_for_the_personas(pworld):
    p = pworld
    own = make_case(p.amr)
    foreign = make_case(p.culture)
    row = coordination.add_supervision(
        p.alice,
        case=own,
        supervisor=p.world.office,
        level="district",
        listed_on=D(2026, 3, 5),
        due_on=D(2026, 4, 5),
    )
    other = coordination.add_supervision(
        p.alice,
        case=foreign,
        supervisor=p.world.office,
        level="district",
        listed_on=D(2026, 3, 5),
        due_on=D(2099, 4, 5),
    )
    mia, leo, erin, pete = _client(p.mia), _client(p.leo), _client(p.erin), _client(p.pete)
    page = mia.get("/protection/supervised-cases/")
    assert page.status_code == 200
    assert {r.pk for r in page.context["table"].data} == {row.pk}
    assert b"Overdue" in page.content
    assert {r.pk for r in leo.get("/protection/supervised-cases/").context["table"].data} == {
        row.pk,
        other.pk,
    }
    assert pete.get("/protection/supervised-cases/").context["table"].paginator.count == 2
    assert erin.get("/protection/supervised-cases/").status_code == 403
    page = leo.get("/protection/supervised-cases/", {"overdue": "true"})
    assert {r.pk for r in page.context["table"].data} == {row.pk}
    detail = f"/protection/supervised-cases/{row.pk}/"
    assert mia.get(detail).status_code == 200
    assert mia.get(detail).context["conclude_form"] is None
    assert _client(p.alice).get(detail).context["conclude_form"] is not None
    assert leo.get(detail).status_code == 200
    assert erin.get(detail).status_code == 404
    assert mia.get(f"/protection/supervised-cases/{other.pk}/").status_code == 404
    assert leo.get(f"{detail}history/").status_code == 200
    for client in (mia, leo, erin):
        assert client.get("/protection/supervised-cases/add/").status_code == 403


def test_supervision_api(pworld, api):
    p = pworld
    case = make_case(p.amr)
    alice = api(p.alice)
    response = alice.post(
        "/api/protection/supervisions/",
        {"case": case.pk, "level": "district", "listed_on": "2026-03-05", "due_on": "2026-05-05"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["supervisor"]["id"] == p.world.office.pk and body["case"]["is_supervised"]
    assert body["overdue"] is True
    for user, status in ((p.leo, 403), (p.mia, 403), (p.erin, 403)):
        response = api(user).post(
            "/api/protection/supervisions/",
            {"case": case.pk, "level": "district", "due_on": "2026-05-05"},
            content_type="application/json",
        )
        assert response.status_code == status
    assert api(p.mia).get("/api/protection/supervisions/").json()["count"] == 1
    assert api(p.carl).get("/api/protection/supervisions/").json()["count"] == 0
    assert api(p.erin).get("/api/protection/supervisions/").status_code == 403
    url = f"/api/protection/supervisions/{body['id']}/"
    assert api(p.leo).get(url).status_code == 200
    assert api(p.erin).get(url).status_code == 404
    conclude = {"concluded_on": "2026-04-01", "conclusion": "查结"}
    assert (
        api(p.hank).post(f"{url}conclude/", conclude, content_type="application/json").status_code
        == 403
    )
    assert (
        api(p.leo).post(f"{url}conclude/", conclude, content_type="application/json").status_code
        == 403
    )
    response = alice.post(f"{url}conclude/", conclude, content_type="application/json")
    assert response.status_code == 200 and response.json()["case"]["is_supervised"] is False
    response = alice.post(f"{url}conclude/", conclude, content_type="application/json")
    assert response.status_code == 422  # already concluded


def _rows(p, n):
    for _ in range(n):
        for agency in (p.amr, p.culture):
            coordination.add_supervision(
                p.alice,
                case=make_case(agency),
                supervisor=p.world.office,
                level="district",
                listed_on=D(2026, 3, 5),
                due_on=D(2026, 4, 5),
            )


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
        assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def test_supervision_lists_have_a_flat_query_count(pworld, api):
    p = pworld
    _rows(p, 3)
    leo, mia_api = _client(p.leo), api(p.mia)
    calls = [
        lambda: leo.get("/protection/supervised-cases/"),
        lambda: mia_api.get("/api/protection/supervisions/"),
    ]
    for call in calls:
        call()
    before = [_count(f) for f in calls]
    _rows(p, 10)
    assert [_count(f) for f in calls] == before
