"""Public notices: publish, objections upheld and dismissed, ending, the daily duty, pages."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ipcity.incentives import notices
from ipcity.incentives.choices import ApplicationStatus, NoticeStatus, ObjectionStatus
from ipcity.incentives.models import Objection, Reward

from .builders_awards import approved, ended, make_program, published

pytestmark = pytest.mark.django_db


def _object(iw, notice, app, **kw):
    return notices.lodge_objection(
        None,
        notice,
        app,
        objector_name=kw.get("name", "王五"),
        objector_contact="13800000000",
        reason="该专利已转让他人",
    )


def test_publish_runs_the_clock_and_puts_apps_in_notice(iworld):
    iw = iworld
    program = make_program(iw.office)
    app = approved(iw, program)
    notice = published(iw, program, [app])
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_NOTICE and app.notice == notice
    assert notice.status == NoticeStatus.PUBLISHED
    assert notice.ends_on == notices.clock().ends(notice.starts_on) > notice.starts_on
    with pytest.raises(PermissionDenied):
        notices.publish(iw.leo, notices.create_notice(iw.alice, program, title="x"), [app])


def test_only_approved_apps_of_the_program(iworld):
    iw = iworld
    program, other = make_program(iw.office), make_program(iw.office)
    app = approved(iw, other)
    notice = notices.create_notice(iw.alice, program, title="公示")
    with pytest.raises(ValidationError):
        notices.publish(iw.alice, notice, [app])
    with pytest.raises(ValidationError):
        notices.publish(iw.alice, notice, [])
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT


def test_upheld_objection_revokes_and_releases(iworld):
    iw = iworld
    program = make_program(iw.office)
    app = approved(iw, program)
    notice = published(iw, program, [app])
    objection = _object(iw, notice, app)
    with pytest.raises(ValidationError):
        notices.resolve_objection(iw.alice, objection, True, "")
    with pytest.raises(PermissionDenied):
        notices.resolve_objection(iw.leo, objection, True, "成立")
    notices.resolve_objection(iw.alice, objection, True, "经核实，专利权已转让，异议成立")
    app.refresh_from_db()
    program.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    assert app.return_reason == "经核实，专利权已转让，异议成立"
    assert program.committed_amount == 0
    assert not Reward.objects.exists()
    ended(iw, notice)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED


def test_dismissed_objection_changes_nothing_and_open_blocks_end(iworld):
    iw = iworld
    program = make_program(iw.office)
    app = approved(iw, program)
    notice = published(iw, program, [app])
    objection = _object(iw, notice, app)
    after = notice.ends_on + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as err:
        notices.end_notice(iw.alice, notice, today=after)
    assert "open" in " ".join(err.value.messages)
    with pytest.raises(ValidationError):  # not before the last day is over
        notices.end_notice(iw.alice, notice, today=notice.ends_on)
    assert notices.end_due_notices(after).startswith("0 notices ended, 1 held")
    notices.resolve_objection(iw.alice, objection, False, "经核实，异议不成立")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED
    program.refresh_from_db()
    assert program.committed_amount == Decimal("10000.00")
    assert notices.end_due_notices(after).startswith("1 notices ended")
    app.refresh_from_db()
    notice.refresh_from_db()
    assert app.status == ApplicationStatus.CONFIRMED and notice.status == NoticeStatus.ENDED


def test_objection_only_while_running(iworld):
    iw = iworld
    program = make_program(iw.office)
    app = approved(iw, program)
    notice = notices.create_notice(iw.alice, program, title="草稿")
    with pytest.raises(ValidationError):
        _object(iw, notice, app)
    notice = published(iw, program, [app])
    with pytest.raises(ValidationError):
        notices.lodge_objection(None, notice, app, objector_name="", objector_contact="", reason="")
    ended(iw, notice)
    with pytest.raises(ValidationError):
        _object(iw, notice, app)
    assert not Objection.objects.exists()


def test_notice_pages(iworld, login, client):
    iw = iworld
    program = make_program(iw.office)
    app = approved(iw, program)
    notice = published(iw, program, [app])
    detail = reverse("incentives:notice_detail", args=[notice.pk])
    assert login(iw.alice).get(reverse("incentives:notice_list")).status_code == 200
    response = client.get(detail)
    assert response.status_code == 200 and app.number in response.content.decode()
    client.logout()
    assert login(iw.leo).get(detail).status_code == 200
    assert client.post(reverse("incentives:notice_end", args=[notice.pk])).status_code == 403
    client.logout()
    response = login(iw.alice).post(
        reverse("incentives:objection_add", args=[notice.pk]),
        {
            "application": app.pk,
            "objector_name": "来信人",
            "objector_contact": "北京市通州区",
            "reason": "异议",
            "received_on": notice.starts_on.isoformat(),
            "_once": "tok1",
        },
    )
    assert response.status_code == 302
    client.post(
        reverse("incentives:objection_add", args=[notice.pk]),
        {
            "application": app.pk,
            "objector_name": "来信人",
            "objector_contact": "北京市通州区",
            "reason": "异议",
            "received_on": notice.starts_on.isoformat(),
            "_once": "tok1",
        },
    )
    assert Objection.objects.count() == 1


def test_notice_list_query_count(iworld, login, django_assert_max_num_queries):
    iw = iworld
    for n in (3, 10):
        program = make_program(iw.office)
        for i in range(n - (3 if n == 10 else 0)):
            from ipcity.incentives import notices as nt

            nt.create_notice(iw.alice, program, title=f"公示{n}-{i}")
        client = login(iw.alice)
        with django_assert_max_num_queries(14):
            assert client.get(reverse("incentives:notice_list")).status_code == 200
