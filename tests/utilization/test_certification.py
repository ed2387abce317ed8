"""GB/T 29490 certificates: the transition rule, audit planning, status changes, reminders."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ipcity.core.models import Notification
from ipcity.utilization import certificates
from ipcity.utilization.models import Certificate, StandardEdition, SurveillanceAudit
from ipcity.utilization.models.certification import CertificateReminder

from ..factories import make_user

END = date(2025, 12, 31)
NEXT_DAY = date(2026, 1, 1)


def make_cert(org, number="165IP240001R0M", version="2013", issue=date(2024, 3, 1), **fields):
    """A certificate as the pages would leave it: expiry by default, audits planned."""
    eds = certificates.editions()
    fields.setdefault("expiry_date", certificates.default_expiry(issue, eds[version]))
    fields.setdefault("body_name", "示例知识产权认证中心")
    cert = Certificate.objects.create(
        organization=org, number=number, standard_version=version, issue_date=issue, **fields
    )
    certificates.sync_audits(cert, None, eds)
    return cert


@pytest.fixture
def pin_today(monkeypatch):
    """`pin_today(day)`: the rules, pages and filters judge on `day`."""

    def _pin(day):
        monkeypatch.setattr(certificates, "current_date", lambda: day)
        return day

    return _pin


def ids(q):
    return set(Certificate.objects.filter(q).values_list("pk", flat=True))


def convert_at_first_audit(user, cert, done=date(2025, 3, 5)):
    audit = cert.audits.order_by("due_date").first()
    return certificates.update_audit(
        user, audit, {"done_date": done, "result": "passed", "converts_to_2023": True}
    )


# --- the transition rule ---------------------------------------------------------------------


def test_a_2013_certificate_is_valid_on_the_transition_end_and_flagged_the_day_after(world):
    cert = make_cert(world.enterprise_a)
    assert cert.pk in ids(certificates.valid_q(END))
    assert cert.pk not in ids(certificates.transition_overdue_q(END))
    assert cert.pk not in ids(certificates.valid_q(NEXT_DAY))
    assert cert.pk in ids(certificates.transition_overdue_q(NEXT_DAY))
    eds = certificates.editions()
    assert not certificates.is_transition_overdue(cert, END, eds)
    assert certificates.is_transition_overdue(cert, NEXT_DAY, eds)


def test_a_converted_certificate_is_not_flagged_and_keeps_its_expiry(world, pin_today):
    pin_today(date(2025, 6, 1))
    cert = make_cert(world.enterprise_a)
    assert cert.expiry_date == date(2027, 3, 1)
    convert_at_first_audit(world.alice, cert)
    cert.refresh_from_db()
    assert (cert.standard_version, cert.converted_on) == ("2023", date(2025, 3, 5))
    assert cert.expiry_date == date(2027, 3, 1)
    assert cert.pk in ids(certificates.valid_q(NEXT_DAY))
    assert cert.pk not in ids(certificates.transition_overdue_q(NEXT_DAY))
    # It counts as 2013 before its conversion and as 2023 from that day.
    assert cert.pk in ids(certificates.edition_q("2013", date(2024, 12, 31)))
    assert cert.pk in ids(certificates.edition_q("2023", date(2025, 12, 31)))
    assert cert.pk not in ids(certificates.edition_q("2013", date(2025, 12, 31)))


def test_the_transition_end_comes_from_the_edition_data(world):
    cert = make_cert(world.enterprise_a)
    StandardEdition.objects.filter(version="2013").update(transition_end=date(2026, 6, 30))
    assert cert.pk in ids(certificates.valid_q(NEXT_DAY))
    assert cert.pk not in ids(certificates.transition_overdue_q(NEXT_DAY))
    assert cert.pk in ids(certificates.transition_overdue_q(date(2026, 7, 1)))


def test_expired_suspended_and_unissued_certificates_are_not_valid_nor_flagged(world):
    expired = make_cert(world.enterprise_a, "A1", issue=date(2022, 5, 10))
    make_cert(world.enterprise_a, "A2", status="suspended")
    later = make_cert(world.enterprise_b, "A3", version="2023", issue=date(2026, 2, 1))
    on = date(2026, 1, 15)
    assert ids(certificates.valid_q(on)) == set()
    assert ids(certificates.transition_overdue_q(on)) == set()
    assert ids(certificates.valid_q(date(2026, 2, 1))) == {later.pk}
    assert ids(certificates.valid_q(date(2024, 6, 1))) == {expired.pk}


def test_valid_q_reaches_certificates_from_organizations(world):
    make_cert(world.enterprise_a)
    from ipcity.orgs.models import Organization

    holders = Organization.objects.filter(
        certificates.valid_q(END, "gbt29490_certificates__")
    ).distinct()
    assert list(holders) == [world.enterprise_a]
    assert not Organization.objects.filter(
        certificates.valid_q(NEXT_DAY, "gbt29490_certificates__")
    ).exists()


# --- dates and audit planning ----------------------------------------------------------------


def test_a_new_certificate_gets_its_expiry_and_yearly_audits(world, pin_today):
    pin_today(date(2024, 6, 1))
    cert = certificates.create_certificate(
        world.alice,
        {
            "organization": world.enterprise_a.pk,
            "standard_version": "2023",
            "number": " 165IP24 0001R0M ",
            "body_name": "示例知识产权认证中心",
            "issue_date": "2024-03-01",
        },
    )
    assert cert.number == "165IP24 0001R0M"
    assert cert.expiry_date == date(2027, 3, 1) and cert.status == "valid"
    assert list(cert.audits.values_list("due_date", flat=True)) == [
        date(2025, 3, 1),
        date(2026, 3, 1),
    ]
    assert cert.history.get().history_user == world.alice


def test_planned_audits_follow_changed_dates_and_held_ones_stay(world, pin_today):
    pin_today(date(2025, 6, 1))
    cert = make_cert(world.enterprise_a, version="2023", issue=date(2024, 3, 1))
    first, second = cert.audits.order_by("due_date")
    certificates.update_audit(world.alice, first, {"done_date": "2025-03-10", "result": "passed"})
    certificates.update_certificate(
        world.alice, cert, {"issue_date": "2024-05-01", "expiry_date": "2027-04-30"}
    )
    audits = list(cert.audits.order_by("due_date"))
    assert [(a.pk, a.due_date, a.result) for a in audits] == [
        (first.pk, date(2025, 3, 1), "passed"),
        (second.pk, date(2026, 5, 1), "planned"),
    ]
    certificates.update_certificate(world.alice, cert, {"expiry_date": "2026-04-01"})
    assert list(cert.audits.values_list("pk", flat=True)) == [first.pk]
    assert SurveillanceAudit.history.filter(id=second.pk, history_type="-").exists()


def test_expiry_must_follow_the_issue_date_and_editions_limit_issue_dates(world):
    base = {
        "organization": world.enterprise_a.pk,
        "number": "X1",
        "body_name": "示例认证",
    }
    cases = [
        (
            {"standard_version": "2023", "issue_date": "2024-03-01", "expiry_date": "2024-03-01"},
            "expiry_date",
        ),
        ({"standard_version": "2013", "issue_date": "2026-02-01"}, "issue_date"),
        ({"standard_version": "2023", "issue_date": "2023-06-01"}, "issue_date"),
        (
            {"standard_version": "2013", "issue_date": "2024-03-01", "converted_on": "2025-01-01"},
            "converted_on",
        ),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as exc:
            certificates.create_certificate(world.alice, {**base, **data})
        assert field in exc.value.message_dict, data
    assert not Certificate.objects.exists()


def test_a_duplicate_number_is_a_field_error(world):
    make_cert(world.enterprise_a, "DUP1")
    with pytest.raises(ValidationError) as exc:
        certificates.create_certificate(
            world.alice,
            {
                "organization": world.enterprise_b.pk,
                "standard_version": "2023",
                "number": "DUP1",
                "body_name": "示例认证",
                "issue_date": "2024-05-01",
            },
        )
    assert "number" in exc.value.message_dict


def test_conversion_needs_a_passed_audit_of_a_2013_certificate_after_2024(world, pin_today):
    pin_today(date(2025, 6, 1))
    cert = make_cert(world.enterprise_a, issue=date(2022, 11, 1))
    first = cert.audits.order_by("due_date").first()  # due 2023-11-01
    with pytest.raises(ValidationError) as exc:
        certificates.update_audit(
            world.alice,
            first,
            {"done_date": "2023-11-03", "result": "passed", "converts_to_2023": True},
        )
    assert "converts_to_2023" in exc.value.message_dict
    second = cert.audits.order_by("due_date")[1]  # due 2024-11-01
    with pytest.raises(ValidationError):
        certificates.update_audit(
            world.alice,
            second,
            {"done_date": "2024-11-03", "result": "failed", "converts_to_2023": True},
        )
    with pytest.raises(ValidationError) as exc:
        certificates.update_audit(
            world.alice, second, {"done_date": "2025-07-01", "result": "passed"}
        )
    assert "done_date" in exc.value.message_dict  # in the (pinned) future
    cert.refresh_from_db()
    assert cert.standard_version == "2013" and cert.converted_on is None
    other = make_cert(world.enterprise_b, "N2", version="2023", issue=date(2024, 2, 1))
    with pytest.raises(ValidationError):
        convert_at_first_audit(world.alice, other)


def test_leo_and_erin_may_not_record_audits(world, pin_today):
    pin_today(date(2025, 6, 1))
    cert = make_cert(world.enterprise_a)
    audit = cert.audits.first()
    for user in (world.leo, world.erin):
        with pytest.raises(PermissionDenied):
            certificates.update_audit(user, audit, {"done_date": "2025-03-05", "result": "passed"})


# --- status changes ---------------------------------------------------------------------------


def test_status_changes_are_dated_and_recorded_in_the_history(world, pin_today):
    pin_today(date(2025, 6, 1))
    cert = make_cert(world.enterprise_a, version="2023", issue=date(2024, 3, 1))
    certificates.change_status(world.alice, cert, "suspend", date(2025, 5, 1), "整改")
    cert.refresh_from_db()
    assert (cert.status, cert.status_date) == ("suspended", date(2025, 5, 1))
    record = cert.history.order_by("-history_date").first()
    assert record.history_user == world.alice and "整改" in record.history_change_reason
    assert cert.pk not in ids(certificates.valid_q(date(2025, 5, 20)))
    certificates.change_status(world.alice, cert, "reinstate", date(2025, 5, 20))
    cert.refresh_from_db()
    assert cert.status == "valid"
    with pytest.raises(ValidationError):
        certificates.change_status(world.alice, cert, "reinstate", date(2025, 5, 21))
    with pytest.raises(ValidationError):
        certificates.change_status(world.alice, cert, "withdraw", date(2025, 7, 1))  # future
    certificates.change_status(world.alice, cert, "withdraw", date(2025, 5, 30))
    cert.refresh_from_db()
    assert cert.status == "withdrawn"
    with pytest.raises(ValidationError):
        certificates.change_status(world.alice, cert, "expire", date(2025, 5, 31))
    with pytest.raises(PermissionDenied):
        certificates.change_status(world.leo, cert, "suspend", date(2025, 5, 31))


def test_an_unconverted_2013_certificate_cannot_be_reinstated_after_the_transition(
    world, pin_today
):
    pin_today(date(2026, 2, 1))
    cert = make_cert(world.enterprise_a, status="suspended", status_date=date(2026, 1, 10))
    with pytest.raises(ValidationError) as exc:
        certificates.change_status(world.alice, cert, "reinstate", date(2026, 1, 20))
    assert "transition" in str(exc.value)


# --- reminders --------------------------------------------------------------------------------


def inbox(user):
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_reminders_go_to_the_enterprise_and_the_office_once_per_stage(world, settings):
    settings.IPCITY_CERT_REMIND_DAYS = ["90", "30"]
    colleague = make_user("erin2", world.enterprise_a, "enterprise_user")
    on = date(2026, 12, 10)
    expiring = make_cert(world.enterprise_a, "EXP1", version="2023", issue=date(2024, 3, 1))
    # A 2023 certificate whose surveillance audit is due in 20 days.
    audited = make_cert(world.enterprise_b, "AUD1", version="2023", issue=date(2025, 12, 30))
    overdue = make_cert(world.enterprise_b, "OLD1", version="2013", issue=date(2025, 3, 1))

    sent = certificates.send_reminders(on)
    # expiry (80 days: stage 90), audit (20 days), transition: each to the enterprise's users
    # and to alice (the office); never to leo (reads only), bob or the other enterprise.
    assert sent == 3 + 2 + 2
    assert len(inbox(world.erin)) == 1 and len(inbox(colleague)) == 1
    assert len(inbox(world.charlie)) == 2
    assert len(inbox(world.alice)) == 3
    assert inbox(world.leo) == [] and inbox(world.bob) == []
    assert "EXP1" in inbox(world.erin)[0]
    stages = set(CertificateReminder.objects.values_list("certificate__number", "stage"))
    assert stages == {
        ("EXP1", "expiry:90:2027-03-01"),
        ("AUD1", f"audit:{audited.audits.first().pk}:2026-12-30"),
        ("OLD1", "transition:2025-12-31"),
    }
    assert certificates.send_reminders(on) == 0
    assert certificates.send_reminders(date(2026, 12, 20)) == 0
    # 30 days before expiry: the next stage, once.
    assert certificates.send_reminders(date(2027, 2, 1)) == 3
    assert certificates.send_reminders(date(2027, 2, 2)) == 0
    assert len(inbox(world.erin)) == 2
    assert expiring.reminders.count() == 2 and overdue.reminders.count() == 1


def test_reminder_days_come_from_the_setting(world, settings):
    settings.IPCITY_CERT_REMIND_DAYS = ["10"]
    make_cert(world.enterprise_a, "EXP1", version="2023", issue=date(2024, 3, 1))
    assert certificates.send_reminders(date(2026, 12, 10)) == 0
    assert certificates.send_reminders(date(2027, 2, 20)) == 2
    settings.IPCITY_CERT_REMIND_DAYS = ["x"]
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        certificates.remind_days()


def test_a_suspended_certificate_gets_no_expiry_or_audit_reminder(world, settings):
    settings.IPCITY_CERT_REMIND_DAYS = ["90", "30"]
    make_cert(world.enterprise_a, "S1", version="2023", issue=date(2024, 3, 1), status="suspended")
    assert certificates.send_reminders(date(2027, 2, 1)) == 0


# --- statistics -------------------------------------------------------------------------------


def test_stats_count_by_year_edition_and_street(world, pin_today):
    on = pin_today(date(2026, 3, 1))
    from ..factories import make_region

    other_street = make_region("110112002000", "北苑街道", "street", parent=world.district)
    world.enterprise_b.region = other_street
    world.enterprise_b.save()
    make_cert(world.enterprise_a, "C1", version="2013", issue=date(2023, 5, 1))
    converted = make_cert(world.enterprise_a, "C2", version="2013", issue=date(2024, 2, 1))
    Certificate.objects.filter(pk=converted.pk).update(
        standard_version="2023", converted_on=date(2025, 2, 10)
    )
    make_cert(world.enterprise_b, "C3", version="2023", issue=date(2025, 4, 1))
    data = certificates.stats(Certificate.objects.all(), on)
    years = {row["year"]: row for row in data["years"]}
    assert sorted(years) == [2023, 2024, 2025, 2026]
    assert [years[y]["issued"] for y in (2023, 2024, 2025, 2026)] == [1, 1, 1, 0]
    by_edition = {y: {c["version"]: c["count"] for c in years[y]["by_edition"]} for y in years}
    assert years[2024]["valid"] == 2 and by_edition[2024] == {"2013": 2, "2023": 0}
    # End of 2025: C1 (2013, not converted) is still valid that day; C2 is 2023 by then.
    assert years[2025]["valid"] == 3 and by_edition[2025] == {"2013": 1, "2023": 2}
    # The year under way is counted today, not on a 31 December still to come.
    assert years[2026]["day"] == on and years[2026]["valid_params"] == {"valid_on": "2026-03-01"}
    assert years[2026]["valid"] == 2 and by_edition[2026] == {"2013": 0, "2023": 2}
    assert years[2025]["valid_params"] == {"valid_at_end_of": 2025}
    streets = {row["name"]: row for row in data["streets"]}
    assert streets["中仓街道"]["valid"] == 1 and streets["中仓街道"]["overdue"] == 1
    assert streets["北苑街道"]["valid"] == 1 and data["valid"] == 2 and data["overdue"] == 1


# --- demo data --------------------------------------------------------------------------------


def test_demo_certificates_tell_the_transition_story_and_load_once(world, pin_today):
    from ipcity.utilization.demo import certification as demo

    from ..factories import make_org

    on = pin_today(date(2026, 11, 20))
    for n in range(30):
        make_org(f"示例演示企业{n}有限公司（演示）", region=world.street)
    demo.load()
    assert Certificate.objects.count() == 30
    eds = certificates.editions()
    certs = list(Certificate.objects.all())
    versions = {c.standard_version for c in certs}
    assert versions == {"2013", "2023"}
    assert sum(1 for c in certs if c.converted_on) >= 5
    assert len(ids(certificates.transition_overdue_q(on))) == 2
    expiring = [
        c for c in certs if certificates.is_valid_on(c, on, eds) and (c.expiry_date - on).days <= 90
    ]
    assert len(expiring) >= 3
    assert SurveillanceAudit.objects.filter(result="passed").exists()
    assert SurveillanceAudit.objects.filter(converts_to_2023=True).count() == sum(
        1 for c in certs if c.converted_on
    )
    for cert in certs:  # every demo certificate obeys the rules the forms enforce
        from ipcity.utilization.forms.certification import check_certificate_dates

        assert not check_certificate_dates(
            cert.standard_version, cert.issue_date, cert.expiry_date, cert.converted_on, eds
        ), cert.number
    demo.load()
    assert Certificate.objects.count() == 30


# --- conversion: within the transition, while valid; the converting audit in step -------------


def test_a_conversion_after_the_transition_end_is_refused(world, pin_today):
    pin_today(date(2026, 6, 1))
    cert = make_cert(world.enterprise_a, issue=date(2024, 3, 1))
    first, second = cert.audits.order_by("due_date")  # due 2025-03-01 and 2026-03-01
    with pytest.raises(ValidationError) as exc:
        certificates.update_audit(
            world.alice,
            second,
            {"done_date": "2026-03-03", "result": "passed", "converts_to_2023": True},
        )
    assert "2025-12-31" in exc.value.message_dict["converts_to_2023"][0]
    with pytest.raises(ValidationError) as exc:  # nor recorded on the certificate itself
        certificates.update_certificate(
            world.alice, cert, {"standard_version": "2023", "converted_on": "2026-01-15"}
        )
    assert "2025-12-31" in exc.value.message_dict["converted_on"][0]
    cert.refresh_from_db()
    assert (cert.standard_version, cert.converted_on) == ("2013", None)
    # The last day of the transition still counts; the end is the edition's data.
    certificates.update_audit(
        world.alice,
        first,
        {"done_date": "2025-12-31", "result": "passed", "converts_to_2023": True},
    )
    cert.refresh_from_db()
    assert cert.converted_on == END
    later = make_cert(world.enterprise_b, "LATER", issue=date(2024, 3, 1))
    StandardEdition.objects.filter(version="2013").update(transition_end=date(2026, 6, 30))
    convert_at_first_audit(world.alice, later, done=date(2026, 3, 3))
    later.refresh_from_db()
    assert later.converted_on == date(2026, 3, 3)


def test_only_a_certificate_valid_that_day_is_converted(world, pin_today):
    pin_today(date(2025, 6, 1))
    for status in ("suspended", "withdrawn", "expired"):
        cert = make_cert(
            world.enterprise_a, f"S-{status}", status=status, status_date=date(2025, 1, 10)
        )
        with pytest.raises(ValidationError) as exc:
            convert_at_first_audit(world.alice, cert)  # held 2025-03-05
        assert "only a valid certificate" in str(exc.value)
        cert.refresh_from_db()
        assert (cert.standard_version, cert.converted_on) == ("2013", None)
    edited = make_cert(
        world.enterprise_a, "S-EDIT", status="withdrawn", status_date=date(2025, 1, 10)
    )
    with pytest.raises(ValidationError) as exc:
        certificates.update_certificate(
            world.alice, edited, {"standard_version": "2023", "converted_on": "2025-03-05"}
        )
    assert "only a valid certificate" in exc.value.message_dict["converted_on"][0]
    # Suspended only after the audit that converted it: it was valid that day.
    later = make_cert(
        world.enterprise_b, "S-LATER", status="suspended", status_date=date(2025, 4, 1)
    )
    convert_at_first_audit(world.alice, later)
    later.refresh_from_db()
    assert (later.standard_version, later.converted_on) == ("2023", date(2025, 3, 5))


def test_the_converting_audit_stays_passed_and_the_certificate_follows_its_date(world, pin_today):
    pin_today(date(2026, 6, 1))
    cert = make_cert(world.enterprise_a)
    audit = convert_at_first_audit(world.alice, cert)  # 2025-03-05
    certificates.update_audit(world.alice, audit, {"done_date": "2025-03-20"})
    cert.refresh_from_db()
    assert (cert.standard_version, cert.converted_on) == ("2023", date(2025, 3, 20))
    record = cert.history.order_by("-history_date", "-history_id").first()
    assert record.history_change_reason == "Conversion date follows its audit"
    assert record.history_user == world.alice
    for change in (
        {"result": "failed"},
        {"result": "planned", "done_date": ""},
        {"done_date": "2026-01-10"},  # after the transition
        {"converts_to_2023": False},
    ):
        with pytest.raises(ValidationError):
            certificates.update_audit(world.alice, audit, change)
    audit.refresh_from_db()
    cert.refresh_from_db()
    assert (audit.result, audit.done_date, audit.converts_to_2023) == (
        "passed",
        date(2025, 3, 20),
        True,
    )
    assert cert.converted_on == date(2025, 3, 20)
    # The certificate cannot move its conversion away from the audit that made it...
    with pytest.raises(ValidationError) as exc:
        certificates.update_certificate(world.alice, cert, {"converted_on": "2025-04-01"})
    assert "change that audit" in exc.value.message_dict["converted_on"][0]
    # ...and undoing the conversion there takes the mark off the audit as well.
    certificates.update_certificate(
        world.alice, cert, {"standard_version": "2013", "converted_on": ""}
    )
    audit.refresh_from_db()
    assert not audit.converts_to_2023 and audit.result == "passed"


# --- validity, numbers, holders ---------------------------------------------------------------


def new_data(world, **fields):
    data = {
        "organization": world.enterprise_a.pk,
        "standard_version": "2023",
        "number": "V1",
        "body_name": "示例知识产权认证中心",
        "issue_date": "2024-03-01",
    }
    data.update(fields)
    return data


def test_the_expiry_is_at_most_the_editions_validity_after_issue(world):
    with pytest.raises(ValidationError) as exc:
        certificates.create_certificate(world.alice, new_data(world, expiry_date="2027-06-01"))
    assert "2027-03-01" in exc.value.message_dict["expiry_date"][0]
    # A few days' rounding is accepted.
    cert = certificates.create_certificate(world.alice, new_data(world, expiry_date="2027-03-05"))
    assert cert.expiry_date == date(2027, 3, 5)
    with pytest.raises(ValidationError) as exc:
        certificates.update_certificate(world.alice, cert, {"expiry_date": "2028-03-01"})
    assert "expiry_date" in exc.value.message_dict
    # The validity is the edition's data.
    StandardEdition.objects.filter(version="2023").update(validity_years=4)
    cert = certificates.create_certificate(
        world.alice, new_data(world, number="V2", expiry_date="2028-03-01")
    )
    assert cert.expiry_date == date(2028, 3, 1)


def test_a_certificate_number_is_taken_whatever_its_case(world):
    make_cert(world.enterprise_a, "165IP24AB01R0M")
    with pytest.raises(ValidationError) as exc:
        certificates.create_certificate(
            world.alice,
            new_data(world, organization=world.enterprise_b.pk, number="165ip24ab01r0m"),
        )
    assert "already exists" in exc.value.message_dict["number"][0]
    assert Certificate.objects.count() == 1


def test_only_enterprises_hold_certificates(uworld):
    with pytest.raises(ValidationError) as exc:
        certificates.create_certificate(
            uworld.alice, new_data(uworld, organization=uworld.university.pk)
        )
    assert "organization" in exc.value.message_dict


# --- audits added by hand ---------------------------------------------------------------------


def test_audits_added_by_hand_survive_changed_dates(world, pin_today):
    pin_today(date(2025, 12, 1))
    cert = make_cert(world.enterprise_a, version="2023", issue=date(2024, 3, 1))
    special = certificates.add_audit(world.alice, cert, {"due_date": "2025-09-01"})
    held = certificates.add_audit(
        world.alice,
        cert,
        {"due_date": "2025-10-01", "done_date": "2025-10-02", "result": "passed"},
    )
    assert not special.is_scheduled and not held.is_scheduled
    certificates.update_certificate(
        world.alice, cert, {"issue_date": "2024-05-01", "expiry_date": "2027-04-30"}
    )
    assert list(cert.audits.order_by("due_date").values_list("due_date", "is_scheduled")) == [
        (date(2025, 5, 1), True),
        (date(2025, 9, 1), False),
        (date(2025, 10, 1), False),
        (date(2026, 5, 1), True),
    ]
    certificates.update_certificate(world.alice, cert, {"expiry_date": "2026-04-01"})
    assert list(cert.audits.order_by("due_date").values_list("pk", flat=True))[1:] == [
        special.pk,
        held.pk,
    ]
    assert cert.audits.count() == 3


# --- status changes ---------------------------------------------------------------------------


def test_a_certificate_is_marked_expired_only_once_its_expiry_has_come(world, pin_today):
    pin_today(date(2027, 3, 10))
    cert = make_cert(world.enterprise_a, version="2023", issue=date(2024, 3, 1))
    with pytest.raises(ValidationError) as exc:
        certificates.change_status(world.alice, cert, "expire", date(2027, 2, 28))
    assert "2027-03-01" in exc.value.message_dict["on"][0]
    cert.refresh_from_db()
    assert cert.status == "valid"
    certificates.change_status(world.alice, cert, "expire", date(2027, 3, 1))
    cert.refresh_from_db()
    assert (cert.status, cert.status_date) == ("expired", date(2027, 3, 1))


# --- reminders: language, recipients ----------------------------------------------------------


def test_reminders_are_written_in_the_platforms_language(world, settings, monkeypatch):
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    make_cert(world.enterprise_b, "OLD1", version="2013", issue=date(2025, 3, 1))
    languages = []
    build = certificates._reminder_targets

    def recording(on, eds):
        languages.append(translation.get_language())
        return build(on, eds)

    monkeypatch.setattr(certificates, "_reminder_targets", recording)
    with translation.override("en"):
        assert certificates.send_reminders(date(2026, 1, 10)) == 2  # charlie and alice
    assert languages == ["zh-hans"]


def test_only_enterprise_users_who_may_see_the_certificate_are_reminded(world, settings):
    settings.IPCITY_CERT_REMIND_DAYS = ["90"]
    no_role = make_user("nora", world.enterprise_a)  # no role: may not see certificates
    make_cert(world.enterprise_a, "EXP1", version="2023", issue=date(2024, 3, 1))
    assert certificates.send_reminders(date(2026, 12, 10)) == 2
    assert len(inbox(world.erin)) == 1 and len(inbox(world.alice)) == 1
    assert inbox(no_role) == []


def test_a_reminder_nobody_received_is_sent_once_someone_is_there(world, settings):
    from ..factories import make_org

    settings.IPCITY_CERT_REMIND_DAYS = ["90"]
    lonely = make_org("示例丙无人企业有限公司", region=world.street)
    make_cert(lonely, "LONE1", version="2023", issue=date(2024, 3, 1))
    world.alice.is_active = False
    world.alice.save()
    assert certificates.send_reminders(date(2026, 12, 10)) == 0
    assert not CertificateReminder.objects.exists()
    dora = make_user("dora", lonely, "enterprise_user")
    assert certificates.send_reminders(date(2026, 12, 11)) == 1
    assert CertificateReminder.objects.get().recipients == 1 and len(inbox(dora)) == 1
    assert certificates.send_reminders(date(2026, 12, 12)) == 0


def test_demo_relies_on_the_edition_data_for_the_transition(world, pin_today):
    from ipcity.utilization.demo import certification as demo

    from ..factories import make_org

    pin_today(date(2026, 11, 20))
    StandardEdition.objects.filter(version="2013").update(transition_end=None)
    for n in range(30):
        make_org(f"示例演示企业{n}有限公司（演示）", region=world.street)
    demo.load()
    assert Certificate.objects.count() == 30
    # With no transition end in the data, nothing is suspended for not converting.
    assert not Certificate.objects.filter(status="suspended").exists()
