"""Payments: confirmed only, within the approved amount, once per click, vouchers once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ipcity.incentives import payments
from ipcity.incentives.choices import ApplicationStatus
from ipcity.incentives.models import Payment

from .builders_awards import approved, confirmed, make_program

pytestmark = pytest.mark.django_db


def test_partial_then_full_payment(iworld):
    iw = iworld
    program = make_program(iw.office)
    app = confirmed(iw, program)
    today = timezone.localdate()
    payments.record(iw.alice, app, Decimal("4000"), today, "PZ-1")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.CONFIRMED and app.paid_amount == Decimal("4000")
    with pytest.raises(ValidationError):
        payments.record(iw.alice, app, Decimal("6000.01"), today, "PZ-2")
    with pytest.raises(ValidationError):
        payments.record(iw.alice, app, Decimal("100"), today, "PZ-1")  # voucher again
    payments.record(iw.alice, app, Decimal("6000"), today, "PZ-2")
    app.refresh_from_db()
    program.refresh_from_db()
    assert app.status == ApplicationStatus.PAID and app.paid_amount == Decimal("10000")
    assert program.paid_amount == Decimal("10000")
    with pytest.raises(ValidationError):
        payments.record(iw.alice, app, Decimal("1"), today, "PZ-3")
    assert Payment.objects.count() == 2


def test_not_confirmed_not_paid_and_permissions(iworld):
    iw = iworld
    app = approved(iw, make_program(iw.office))
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        payments.record(iw.alice, app, Decimal("1"), today, "PZ-1")
    for person in (iw.erin, iw.leo, iw.charlie):
        with pytest.raises(PermissionDenied):
            payments.record(person, app, Decimal("1"), today, "PZ-1")
    with pytest.raises(ValidationError):
        payments.record(iw.alice, app, Decimal("1"), today + datetime.timedelta(days=1), "PZ-1")
    assert not Payment.objects.exists()


def test_double_submission_makes_one_payment(iworld, login, client):
    iw = iworld
    app = confirmed(iw, make_program(iw.office))
    url = reverse("incentives:payment_add", args=[app.pk])
    data = {
        "amount": "10000",
        "paid_on": timezone.localdate().isoformat(),
        "voucher_number": "PZ-9",
        "_once": "same-token",
    }
    login(iw.alice)
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Payment.objects.count() == 1
    client.logout()
    assert login(iw.leo).get(url).status_code == 403
    client.logout()
    assert login(iw.charlie).get(url).status_code == 404


def test_payment_list_scope_and_queries(iworld, login, client, django_assert_max_num_queries):
    iw = iworld
    today = timezone.localdate()
    app = confirmed(iw, make_program(iw.office))
    for i in range(3):
        payments.record(iw.alice, app, Decimal("100"), today, f"PZ-{i}")
    url = reverse("incentives:payment_list")
    login(iw.alice)
    with django_assert_max_num_queries(16):
        first = client.get(url)
    assert first.status_code == 200 and "PZ-2" in first.content.decode()
    for i in range(3, 10):
        payments.record(iw.alice, app, Decimal("100"), today, f"PZ-{i}")
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    response = client.get(url, {"export": "xlsx"})
    assert response.status_code == 200
    client.logout()
    assert "PZ-2" in login(iw.erin).get(url).content.decode()
    client.logout()
    assert "PZ-2" not in login(iw.charlie).get(url).content.decode()
