"""Risk alerts on pledged rights: each kind detected once and notified to the office, the
pledgor and the pledgee; nothing for events before the registration or for closed pledges."""

import datetime

import pytest

from ipcity.core.models import Job, JobStatus, Notification
from ipcity.rights import actions as rights_actions
from ipcity.rights.models import PatentHolder
from ipcity.rights.signals import patents_changed
from ipcity.utilization import pledges, risks
from ipcity.utilization.models import RiskAlert

from ..rights.registry_builders import make_event, make_patent
from .test_finance_helpers import REGISTERED, make_pledge

TODAY = datetime.date(2024, 6, 3)


@pytest.fixture
def pledged(uworld):
    patent = make_patent("一种被质押的装置", holders=[uworld.enterprise_a])
    pledge = make_pledge(uworld.enterprise_a, uworld.bank_a, [patent], registration_number="Y1")
    return patent, pledge


def lapse(patent, w):
    patent.legal_status = "lapsed"
    patent.lapse_date = datetime.date(2024, 2, 1)
    patent.save()


def expire(patent, w):
    patent.legal_status = "expired"
    patent.save()


def invalidate(patent, w):
    patent.legal_status = "invalidated"
    patent.save()
    make_event(patent, "invalidation", datetime.date(2024, 4, 1))


def fee_overdue(patent, w):
    make_event(patent, "fee_overdue", datetime.date(2024, 3, 15))


def transfer(patent, w):
    make_event(patent, "transfer", datetime.date(2024, 1, 10), counterparty="示例受让有限公司")


def new_holder(patent, w):
    PatentHolder.objects.filter(patent=patent).delete()
    PatentHolder.objects.create(patent=patent, organization=w.enterprise_b, position=1)


CASES = [
    (lapse, "lapsed", datetime.date(2024, 2, 1)),
    (expire, "lapsed", None),
    (invalidate, "invalidated", datetime.date(2024, 4, 1)),
    (fee_overdue, "fee_overdue", datetime.date(2024, 3, 15)),
    (transfer, "owner_changed", datetime.date(2024, 1, 10)),
    (new_holder, "owner_changed", None),
]


def scan(capture, **kwargs):
    with capture(execute=True):
        return risks.scan(today=TODAY, **kwargs)


def notified(alert) -> set[str]:
    return set(
        Notification.objects.filter(link=alert.get_absolute_url()).values_list(
            "user__username", flat=True
        )
    )


@pytest.mark.parametrize(
    ("change", "kind", "event_date"), CASES, ids=[c[0].__name__ for c in CASES]
)
def test_each_risk_is_detected_once_and_notified_to_the_three_parties(
    uworld, pledged, django_capture_on_commit_callbacks, change, kind, event_date
):
    patent, pledge = pledged
    assert scan(django_capture_on_commit_callbacks) == 0
    change(patent, uworld)
    assert scan(django_capture_on_commit_callbacks) == 1
    alert = RiskAlert.objects.get()
    assert (alert.pledge, alert.patent, alert.kind, alert.status) == (pledge, patent, kind, "open")
    assert alert.event_date == event_date and alert.detected_on == TODAY
    assert patent.application_number in alert.detail
    # office (alice, and leo who reads alerts district-wide), pledgor (erin), pledgee (fiona)
    assert notified(alert) == {"alice", "leo", "erin", "fiona"}
    # scanning again finds the same open alert: nothing new, nobody told twice
    assert scan(django_capture_on_commit_callbacks) == 0
    assert RiskAlert.objects.count() == 1
    assert Notification.objects.count() == 4


def test_events_before_the_registration_raise_nothing(
    uworld, pledged, django_capture_on_commit_callbacks
):
    patent, _pledge = pledged
    make_event(patent, "fee_overdue", REGISTERED - datetime.timedelta(days=30))
    make_event(patent, "transfer", REGISTERED - datetime.timedelta(days=400))
    make_event(patent, "fee_overdue", REGISTERED)  # the same day: known when registering
    assert scan(django_capture_on_commit_callbacks) == 0
    assert not Notification.objects.exists()


@pytest.mark.parametrize("status", ["released", "cancelled"])
def test_closed_pledges_raise_nothing(uworld, pledged, django_capture_on_commit_callbacks, status):
    patent, pledge = pledged
    pledge.status = status
    pledge.save()
    lapse(patent, uworld)
    fee_overdue(patent, uworld)
    assert scan(django_capture_on_commit_callbacks) == 0


def test_a_resolved_alert_is_not_raised_again_but_a_new_event_is(
    uworld, pledged, django_capture_on_commit_callbacks
):
    patent, _pledge = pledged
    fee_overdue(patent, uworld)
    scan(django_capture_on_commit_callbacks)
    alert = RiskAlert.objects.get()
    pledges.resolve_alert(uworld.fiona, alert, "企业已补缴年费")
    assert scan(django_capture_on_commit_callbacks) == 0
    make_event(patent, "fee_overdue", datetime.date(2025, 3, 15))
    assert scan(django_capture_on_commit_callbacks) == 1
    assert RiskAlert.objects.filter(status="open").get().event_date == datetime.date(2025, 3, 15)


def test_only_the_patents_asked_for_are_scanned(
    uworld, pledged, django_capture_on_commit_callbacks
):
    patent, _pledge = pledged
    other = make_patent("另一件", holders=[uworld.enterprise_b], legal_status="lapsed")
    make_pledge(uworld.enterprise_b, uworld.bank_b, [other])
    lapse(patent, uworld)
    assert scan(django_capture_on_commit_callbacks, patent_ids=[patent.pk]) == 1
    assert RiskAlert.objects.get().patent == patent
    assert scan(django_capture_on_commit_callbacks) == 1


def test_trademarks_are_checked_too(uworld, django_capture_on_commit_callbacks):
    from ..rights.registry_builders import make_trademark

    mark = make_trademark("示例", holder=uworld.enterprise_b, status="expired")
    pledge = make_pledge(uworld.enterprise_a, uworld.bank_a)
    pledge.trademarks.set([mark])
    assert scan(django_capture_on_commit_callbacks) == 2
    assert set(RiskAlert.objects.values_list("kind", flat=True)) == {"lapsed", "owner_changed"}


def test_a_registry_edit_raises_the_alert_after_commit(
    uworld, pledged, django_capture_on_commit_callbacks
):
    patent, _pledge = pledged
    with django_capture_on_commit_callbacks(execute=True):
        rights_actions.update_patent(
            uworld.alice, patent, {"legal_status": "lapsed", "lapse_date": "2024-05-01"}
        )
    alert = RiskAlert.objects.get()
    assert alert.kind == "lapsed" and alert.event_date == datetime.date(2024, 5, 1)
    assert notified(alert) == {"alice", "leo", "erin", "fiona"}


def test_an_import_signal_runs_the_whole_scan_as_a_job(
    uworld, pledged, django_capture_on_commit_callbacks
):
    patent, _pledge = pledged
    invalidate(patent, uworld)
    with django_capture_on_commit_callbacks(execute=True):
        patents_changed.send(sender=None, patent_ids=None, user=uworld.alice)
    job = Job.objects.get(kind=risks.SCAN_JOB)
    assert job.status == JobStatus.SUCCEEDED and job.result == {"created": 1}
    assert RiskAlert.objects.get().kind == "invalidated"


def test_releasing_the_pledge_closes_its_open_alerts(
    uworld, pledged, django_capture_on_commit_callbacks
):
    patent, pledge = pledged
    lapse(patent, uworld)
    scan(django_capture_on_commit_callbacks)
    pledges.release_pledge(uworld.fiona, pledge, datetime.date(2024, 6, 1), "贷款已结清")
    alert = RiskAlert.objects.get()
    assert alert.status == "resolved" and "released" in alert.handled_note
    assert scan(django_capture_on_commit_callbacks) == 0


def test_handling_an_alert_checks_its_state(uworld, pledged, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    patent, _pledge = pledged
    lapse(patent, uworld)
    scan(django_capture_on_commit_callbacks)
    alert = RiskAlert.objects.get()
    with pytest.raises(ValidationError):
        pledges.resolve_alert(uworld.fiona, alert, "  ")
    pledges.acknowledge_alert(uworld.erin, alert, "正在办理恢复")
    with pytest.raises(ValidationError):
        pledges.acknowledge_alert(uworld.fiona, alert)
    pledges.resolve_alert(uworld.alice, alert, "权利已恢复")
    alert.refresh_from_db()
    assert alert.status == "resolved"
    assert "正在办理恢复" in alert.handled_note and "权利已恢复" in alert.handled_note
    assert alert.history.count() == 3
