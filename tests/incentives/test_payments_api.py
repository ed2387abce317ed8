"""The API of review, notices and payments: scope, errors, query counts."""

from decimal import Decimal

import pytest
from django.utils import timezone

from ipcity.incentives import payments
from ipcity.incentives.models import Payment

from .builders_awards import confirmed, make_program, submitted

pytestmark = pytest.mark.django_db


def test_decide_over_the_api(iworld, login, client):
    iw = iworld
    app = submitted(iw.erin, make_program(iw.office), iw.enterprise_a, iw.inv_a)
    url = f"/api/incentives/applications/{app.pk}/decide/"
    body = {"stage": "first", "decision": "return", "comment": ""}
    assert login(iw.rita).post(url, body, content_type="application/json").status_code == 422
    body["decision"] = "pass"
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 200 and response.json()["stage"] == "first"
    client.logout()
    body["stage"] = "second"
    assert login(iw.leo).post(url, body, content_type="application/json").status_code == 403
    client.logout()
    assert login(iw.charlie).post(url, body, content_type="application/json").status_code == 404
    client.logout()
    reviews = login(iw.erin).get(f"/api/incentives/applications/{app.pk}/reviews/")
    assert reviews.status_code == 200 and len(reviews.json()) == 1


def test_payment_api_and_query_counts(iworld, login, client, django_assert_max_num_queries):
    iw = iworld
    program = make_program(iw.office, budget="1000000")
    app = confirmed(iw, program)
    url = f"/api/incentives/applications/{app.pk}/payments/"
    today = timezone.localdate().isoformat()
    login(iw.alice)
    body = {"amount": "100.00", "paid_on": today, "voucher_number": "A1"}
    assert client.post(url, body, content_type="application/json").status_code == 201
    assert client.post(url, body, content_type="application/json").status_code == 422
    assert Payment.objects.count() == 1
    for n in range(2, 4):
        payments.record(iw.alice, app, Decimal("100"), timezone.localdate(), f"A{n}")
    with django_assert_max_num_queries(10):
        first = client.get("/api/incentives/payments/", {"program": program.pk})
    assert first.json()["count"] == 3
    for n in range(4, 11):
        payments.record(iw.alice, app, Decimal("100"), timezone.localdate(), f"A{n}")
    with django_assert_max_num_queries(10):
        assert client.get("/api/incentives/payments/").json()["count"] == 10
    client.logout()
    assert login(iw.charlie).get("/api/incentives/payments/").json()["count"] == 0
    assert client.post(url, body, content_type="application/json").status_code == 404


def test_notice_api_query_counts(iworld, login, client, django_assert_max_num_queries):
    from ipcity.incentives import notices

    iw = iworld
    program = make_program(iw.office)
    app = confirmed(iw, program)
    login(iw.leo)
    for n in (3, 10):
        while program.notices.count() < n:
            notices.create_notice(iw.alice, program, title=f"公示{program.notices.count()}")
        with django_assert_max_num_queries(10):
            data = client.get("/api/incentives/notices/").json()
        assert data["count"] == n
    detail = client.get(f"/api/incentives/notices/{app.notice_id}/").json()
    assert detail["applications"][0]["number"] == app.number
