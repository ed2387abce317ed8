"""Service requests over the API: scope per persona, filters, query counts, submit, actions."""

import pytest

from ipcity.services.choices import RequestStatus

from .builders_requests import PHONE, make_request

pytestmark = pytest.mark.django_db

URL = "/api/services/requests/"


def test_list_scope_filters_and_query_count(sworld, login, django_assert_max_num_queries):
    s = sworld
    a = make_request(s.enterprise_a, point=s.hall)
    b = make_request(s.enterprise_b, point=s.center)
    codes = lambda user, **q: {  # noqa: E731
        r["tracking_code"] for r in login(user).get(URL, q).json()["results"]
    }
    assert codes(s.erin) == {a.tracking_code}
    assert codes(s.charlie) == {b.tracking_code}
    assert codes(s.hal) == {a.tracking_code}
    assert codes(s.sam) == {b.tracking_code}
    assert codes(s.stan) == set()
    assert codes(s.leo) == {a.tracking_code, b.tracking_code}
    assert codes(s.alice, service_point=s.hall.pk) == {a.tracking_code}
    assert codes(s.alice, rated="true") == set()
    assert login(s.bob).get(URL).status_code == 403
    client = login(s.alice)
    with django_assert_max_num_queries(10):
        assert client.get(URL).status_code == 200
    for _ in range(10):
        make_request(s.enterprise_a, point=s.center)
    with django_assert_max_num_queries(10):
        assert client.get(URL).json()["count"] == 12


def test_detail_scope(sworld, login):
    s = sworld
    a = make_request(s.enterprise_a, point=s.hall)
    assert login(s.erin).get(f"{URL}{a.pk}/").status_code == 200
    assert login(s.charlie).get(f"{URL}{a.pk}/").status_code == 404
    assert login(s.sam).get(f"{URL}{a.pk}/").status_code == 404


def test_submit_and_act(sworld, login):
    s = sworld
    payload = {
        "kind": "consultation",
        "subject": "咨询",
        "description": "说明",
        "contact_phone": PHONE,
    }
    assert login(s.leo).post(URL, payload, content_type="application/json").status_code == 403
    response = login(s.erin).post(URL, payload, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "submitted" and "withdraw" in body["actions"]
    act = f"{URL}{body['id']}/actions/"
    j = "application/json"
    assert (
        login(s.erin)
        .post(act, {"action": "assign", "point": s.hall.pk}, content_type=j)
        .status_code
        == 403
    )
    assert (
        login(s.alice)
        .post(act, {"action": "assign", "point": s.bank.pk}, content_type=j)
        .status_code
        == 422
    )
    response = login(s.alice).post(act, {"action": "assign", "point": s.hall.pk}, content_type=j)
    assert response.status_code == 200 and response.json()["service_point"]["id"] == s.hall.pk
    assert (
        login(s.hal).post(act, {"action": "answer", "text": "答复"}, content_type=j).status_code
        == 200
    )
    assert (
        login(s.erin).post(act, {"action": "rate", "rating": 6}, content_type=j).status_code == 422
    )
    response = login(s.erin).post(act, {"action": "rate", "rating": 5}, content_type=j)
    assert response.json()["status"] == RequestStatus.CLOSED and response.json()["rating"] == 5
    assert login(s.leo).post(act, {"action": "close"}, content_type=j).status_code == 403
