"""Application actions: one live application, call period, submit rules, numbers, scope,
uploads."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ipcity.incentives import applications
from ipcity.incentives.choices import ApplicationStatus
from ipcity.incentives.models import Application, Material

from .builders_programs import PDF, make_program, make_rule

FIELDS = {
    "contact_name": "张三",
    "contact_phone": "13800000000",
    "bank_name": "北京银行",
    "bank_account": "6222",
}


@pytest.fixture
def program(iworld):
    program = make_program(iworld, required_materials="营业执照复印件")
    make_rule(program)
    return program


def pdf(name="licence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def ready(iworld, program):
    app = applications.create(iworld.erin, program, iworld.enterprise_a, **FIELDS)
    applications.add_item(iworld.erin, app, program.rules.get(), iworld.inv_a.application_number)
    applications.add_material(iworld.erin, app, "营业执照复印件", pdf())
    return app


def test_one_live_application_per_programme(iworld, program):
    applications.create(iworld.erin, program, iworld.enterprise_a, **FIELDS)
    with pytest.raises(ValidationError):
        applications.create(iworld.erin, program, iworld.enterprise_a, **FIELDS)
    assert Application.objects.count() == 1


def test_withdrawn_does_not_block_a_new_one(iworld, program):
    app = applications.create(iworld.erin, program, iworld.enterprise_a, **FIELDS)
    applications.withdraw(iworld.erin, app)
    applications.create(iworld.erin, program, iworld.enterprise_a, **FIELDS)
    assert Application.objects.count() == 2


def test_enterprise_applies_only_for_itself(iworld, program):
    with pytest.raises(PermissionDenied):
        applications.create(iworld.charlie, program, iworld.enterprise_a, **FIELDS)
    assert not Application.objects.exists()
    # The office may apply on an enterprise's behalf.
    app = applications.create(iworld.alice, program, iworld.enterprise_b, **FIELDS)
    assert app.applicant == iworld.enterprise_b


def test_leader_and_member_unit_may_not_apply(iworld, program):
    for user in (iworld.leo, iworld.bob):
        with pytest.raises(PermissionDenied):
            applications.create(user, program, iworld.enterprise_a, **FIELDS)


def test_submit_gives_a_number_and_needs_items_and_materials(iworld, program):
    app = applications.create(iworld.erin, program, iworld.enterprise_a, **FIELDS)
    with pytest.raises(ValidationError) as exc:
        applications.submit(iworld.erin, app)
    text = " ".join(exc.value.messages)
    assert "eligibility" in text and "营业执照复印件" in text
    applications.add_item(
        iworld.erin, app, program.rules.get(), iworld.pending_a.application_number
    )
    applications.add_material(iworld.erin, app, "营业执照复印件", pdf())
    with pytest.raises(ValidationError):
        applications.submit(iworld.erin, app)  # no eligible item yet
    applications.add_item(iworld.erin, app, program.rules.get(), iworld.inv_a.application_number)
    app = applications.submit(iworld.erin, app)
    assert app.status == ApplicationStatus.SUBMITTED
    assert app.number == "JL2026-0001"
    assert app.requested_amount == Decimal("5000.00")
    # Items no longer change once submitted.
    with pytest.raises(ValidationError):
        applications.add_item(
            iworld.erin, app, program.rules.get(), iworld.inv_a2.application_number
        )


def test_numbers_follow_each_other(iworld, program):
    ready(iworld, program)
    first = applications.submit(iworld.erin, Application.objects.get())
    app_b = applications.create(iworld.charlie, program, iworld.enterprise_b, **FIELDS)
    applications.add_item(
        iworld.charlie, app_b, program.rules.get(), iworld.inv_b.application_number
    )
    applications.add_material(iworld.charlie, app_b, "营业执照复印件", pdf())
    second = applications.submit(iworld.charlie, app_b)
    assert (first.number, second.number) == ("JL2026-0001", "JL2026-0002")


def test_submit_outside_the_call_refused(iworld, program):
    app = ready(iworld, program)
    program.call_closes = datetime.date.today() - datetime.timedelta(days=1)
    program.call_opens = program.call_closes - datetime.timedelta(days=30)
    program.save()
    with pytest.raises(ValidationError):
        applications.submit(iworld.erin, app)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT and app.number == ""


def test_create_outside_the_call_refused(iworld, program):
    program.call_opens = datetime.date.today() + datetime.timedelta(days=5)
    program.call_closes = program.call_opens + datetime.timedelta(days=5)
    program.save()
    with pytest.raises(ValidationError):
        applications.create(iworld.erin, program, iworld.enterprise_a, **FIELDS)


def test_stranger_and_leader_may_not_change(iworld, program):
    app = ready(iworld, program)
    for user in (iworld.charlie, iworld.leo):
        with pytest.raises(PermissionDenied):
            applications.add_item(user, app, program.rules.get(), iworld.inv_a2.application_number)
        with pytest.raises(PermissionDenied):
            applications.submit(user, app)


def test_withdraw_before_approval_only(iworld, program):
    app = applications.submit(iworld.erin, ready(iworld, program))
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.APPROVED)
    with pytest.raises(ValidationError):
        applications.withdraw(iworld.erin, app)


def test_returned_application_can_be_corrected_and_sent_again(iworld, program):
    app = applications.submit(iworld.erin, ready(iworld, program))
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.RETURNED)
    applications.add_item(iworld.erin, app, program.rules.get(), iworld.inv_a2.application_number)
    again = applications.submit(iworld.erin, app)
    assert again.number == app.number and again.requested_amount == Decimal("10000.00")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"),
        ("notes.txt", b"plain text is not a document here"),
        ("empty.pdf", b""),
    ],
)
def test_bad_uploads_refused_nothing_written(iworld, program, name, content):
    app = applications.create(iworld.erin, program, iworld.enterprise_a, **FIELDS)
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError):
        applications.add_material(iworld.erin, app, "营业执照复印件", upload)
    assert not Material.objects.exists()


def test_upload_too_large_refused(iworld, program, settings):
    settings.IPCITY_ATTACHMENT_MAX_BYTES = 20
    app = applications.create(iworld.erin, program, iworld.enterprise_a, **FIELDS)
    with pytest.raises(ValidationError):
        applications.add_material(iworld.erin, app, "营业执照复印件", pdf())
    assert not Material.objects.exists()


def test_only_the_applicant_withdraws(iworld, program):
    """The office reviews (returns, rejects) but does not withdraw an enterprise's application;
    the page offers it no withdraw button."""
    app = applications.submit(iworld.erin, ready(iworld, program))
    assert "withdraw" not in applications.available_actions(iworld.alice, app)
    with pytest.raises(PermissionDenied):
        applications.withdraw(iworld.alice, app)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED
    assert "withdraw" in applications.available_actions(iworld.erin, app)
    assert applications.withdraw(iworld.erin, app).status == ApplicationStatus.WITHDRAWN


def test_refused_submit_keeps_the_refreshed_checks(iworld, program):
    """A submit refused for a missing document still saves the new checks, so the applicant
    sees why an item changed (here: the patent lapsed since it was added)."""
    from ipcity.rights.choices import PatentStatus

    app = applications.create(iworld.erin, program, iworld.enterprise_a, **FIELDS)
    item = applications.add_item(
        iworld.erin, app, program.rules.get(), iworld.inv_a.application_number
    )
    assert item.eligible
    iworld.inv_a.legal_status = PatentStatus.LAPSED
    iworld.inv_a.save()
    with pytest.raises(ValidationError):
        applications.submit(iworld.erin, app)
    item.refresh_from_db()
    assert not item.eligible
    assert any(c["code"] == "granted" and not c["ok"] for c in item.checks)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT and app.requested_amount == 0
