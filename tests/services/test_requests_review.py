"""Service requests, second pass: the office's routing clock and its reminder, withdrawal of a
declined request and from the public status page, the point re-checked on the locked row, the
requester's choice limited to the public directory, the form prefilled from the directory's
links, and messages that translate as whole sentences."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone, translation

from ipcity.core import workdays
from ipcity.core.models import Notification
from ipcity.services import requests as actions
from ipcity.services.choices import RequestStatus, ServiceKind
from ipcity.services.models import ServiceRequest

from .builders_requests import PHONE, ask

pytestmark = pytest.mark.django_db

ADD = "/public/requests/new/"
STATUS = "/public/requests/status/"


def test_unrouted_request_reminds_the_office_once(sworld):
    s = sworld
    req = ask(s.erin)  # waits for routing
    submitted = req.submitted_on
    due = actions.route_due(submitted)
    assert due == workdays.add_workdays(submitted, actions.routing_days())
    notes = Notification.objects.filter(user=s.alice, title__contains=req.tracking_code)
    before = notes.count()  # the "new request to route" notice
    assert actions.send_deadline_reminders(due) == 0  # still in time on the due day
    after_due = due + datetime.timedelta(days=1)
    assert actions.send_deadline_reminders(after_due) >= 1
    assert notes.count() == before + 1
    assert "waited since" in notes.order_by("-pk").first().title
    assert not Notification.objects.filter(user=s.hal, title__contains=req.tracking_code).exists()
    assert actions.send_deadline_reminders(after_due) == 0  # once
    # Routed: no routing reminder any more.
    actions.assign(s.alice, req, s.hall)
    later = after_due + datetime.timedelta(days=1)
    actions.send_routing_reminders(later)
    assert notes.count() == before + 1


def test_declined_request_waits_again_from_the_decline(sworld):
    s = sworld
    req = ask(s.erin, preferred_point=s.hall)
    ServiceRequest.objects.filter(pk=req.pk).update(
        submitted_on=timezone.localdate() - datetime.timedelta(days=40)
    )
    actions.decline(s.hal, req, "不属于本站服务范围")
    today = timezone.localdate()
    row = ServiceRequest.objects.annotate(since=actions.waiting_since_q()).get(pk=req.pk)
    since = row.since.date() if isinstance(row.since, datetime.datetime) else row.since
    assert since == today
    assert actions.send_routing_reminders(today) == 0
    assert actions.send_routing_reminders(actions.route_due(today) + datetime.timedelta(days=1))
    req.refresh_from_db()
    assert req.reminders_sent["unrouted"] == today.isoformat()


def test_declined_request_can_be_withdrawn(sworld):
    s = sworld
    req = ask(s.erin, preferred_point=s.hall)
    actions.decline(s.hal, req, "不属于本站服务范围")
    assert "withdraw" in actions.available_actions(s.erin, req)
    actions.withdraw(s.erin, req)
    assert req.status == RequestStatus.WITHDRAWN


def test_point_rechecked_on_the_locked_row(sworld):
    """The hall's user opened the request before the office routed it to the centre: their
    answer is refused, nothing changes."""
    s = sworld
    req = ask(s.erin, preferred_point=s.hall)
    stale = ServiceRequest.objects.select_related("service_point__organization").get(pk=req.pk)
    actions.assign(s.alice, req, s.center)
    for act in (
        lambda: actions.answer(s.hal, stale, "答复"),
        lambda: actions.decline(s.hal, stale, "不办"),
        lambda: actions.start(s.hal, stale),
        lambda: actions.add_note(s.hal, stale, "备注"),
    ):
        with pytest.raises(PermissionDenied):
            act()
    req.refresh_from_db()
    assert req.status == RequestStatus.ASSIGNED and req.response == ""
    assert req.service_point == s.center


def test_preferred_point_must_be_in_the_directory(sworld):
    s = sworld
    s.hall.published = False
    s.hall.save()
    with pytest.raises(ValidationError) as caught:
        ask(s.erin, preferred_point=s.hall)
    assert "preferred_point" in caught.value.message_dict
    assert not ServiceRequest.objects.exists()
    # The office may still route to it.
    req = ask(s.erin)
    actions.assign(s.alice, req, s.hall)
    assert req.service_point == s.hall


def test_public_form_prefilled_from_directory_links(sworld, client):
    s = sworld
    body = client.get(f"{ADD}?kind=mediation&point={s.hall.pk}").content.decode()
    assert 'value="mediation" selected' in body
    assert f'value="{s.hall.pk}" selected' in body
    # Unknown or unpublished values are ignored, never an error.
    s.center.published = False
    s.center.save()
    response = client.get(f"{ADD}?kind=nonsense&point={s.center.pk}")
    assert response.status_code == 200
    text = response.content.decode()
    assert f'value="{s.center.pk}" selected' not in text
    assert f'value="{s.center.pk}"' not in text  # not in the requester's list at all
    assert client.get(f"{ADD}?point=99999999999999").status_code == 200


def test_public_withdraw_needs_code_and_contact(sworld):
    s = sworld
    req = ask(None, preferred_point=s.hall)
    client = Client()
    page = client.post(STATUS, {"code": req.tracking_code, "contact": PHONE}).content.decode()
    assert 'data-testid="withdraw-form"' in page
    # Wrong contact: not found, nothing changes.
    response = client.post(
        STATUS, {"code": req.tracking_code, "contact": "13900000000", "do": "withdraw"}
    )
    assert response.status_code == 404
    req.refresh_from_db()
    assert req.status == RequestStatus.ASSIGNED
    response = client.post(STATUS, {"code": req.tracking_code, "contact": PHONE, "do": "withdraw"})
    assert 'data-testid="withdrawn"' in response.content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.WITHDRAWN
    # A withdrawn request offers no withdrawal, and a second one is refused with a reason.
    response = client.post(STATUS, {"code": req.tracking_code, "contact": PHONE, "do": "withdraw"})
    text = response.content.decode()
    assert 'data-testid="withdraw-form"' not in text
    assert "cannot be withdrawn" in text


def test_answered_request_offers_no_public_withdrawal(sworld):
    s = sworld
    req = ask(None, preferred_point=s.hall)
    actions.answer(s.hal, req, "答复")
    page = Client().post(STATUS, {"code": req.tracking_code, "contact": PHONE}).content.decode()
    assert 'data-testid="withdraw-form"' not in page and 'data-testid="rate-form"' in page


def test_status_errors_are_whole_sentences(sworld):
    s = sworld
    req = ask(s.erin, preferred_point=s.hall)
    actions.withdraw(s.erin, req)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        actions.answer(s.hal, req, "答复")
    text = caught.value.messages[0]
    assert "cannot" not in text and "撤回" in text and "答复" in text


def test_response_commitment_in_the_reader_language():
    english = actions.response_commitment(ServiceKind.CONSULTATION)
    assert "3 working days" in english
    with translation.override("zh-hans"):
        chinese = actions.response_commitment(ServiceKind.CONSULTATION)
    assert "3" in chinese and chinese != english


def test_point_users_read_only_assignments_reaching_the_point(
    sworld, django_assert_max_num_queries
):
    s = sworld
    from ipcity.services.requests import _point_users

    with django_assert_max_num_queries(2):
        users = _point_users(s.hall)
    assert {u.username for u in users} == {"hal"}
    assert {u.username for u in _point_users(s.center)} == {"sam"}
