"""Review stages: order, four-eyes, reasons, amounts, permissions, double rewards."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ipcity.core.models import Notification
from ipcity.incentives import review
from ipcity.incentives.choices import ApplicationStatus, ReviewDecision, ReviewStage
from ipcity.incentives.models import Review, Reward

from .builders_awards import approved, make_program, submitted, through

pytestmark = pytest.mark.django_db

PASS = ReviewDecision.PASS


def test_stages_in_order_then_approval_reserves_and_rewards(iworld):
    iw = iworld
    program = make_program(iw.office)
    app = submitted(iw.erin, program, iw.enterprise_a, iw.inv_a, iw.inv_a2)
    assert app.status == ApplicationStatus.SUBMITTED
    with pytest.raises(ValidationError):
        review.decide(iw.alice, app, ReviewStage.SECOND, PASS)
    with pytest.raises(ValidationError):
        review.decide(iw.alice, app, ReviewStage.APPROVAL, PASS)
    through(app, iw.rita, iw.otto, iw.alice)
    assert app.status == ApplicationStatus.APPROVED
    assert app.approved_amount == Decimal("20000.00")
    program.refresh_from_db()
    assert program.committed_amount == Decimal("20000.00")
    assert Reward.objects.filter(item__application=app).count() == 2
    assert list(app.reviews.values_list("stage", flat=True)) == ["first", "second", "approval"]
    assert Notification.objects.filter(user=iw.erin, title__contains=app.number).exists()


def test_four_eyes(iworld):
    iw = iworld
    app = submitted(iw.erin, make_program(iw.office), iw.enterprise_a, iw.inv_a)
    review.decide(iw.rita, app, ReviewStage.FIRST, PASS)
    with pytest.raises(PermissionDenied):
        review.decide(iw.rita, app, ReviewStage.SECOND, PASS)
    review.decide(iw.otto, app, ReviewStage.SECOND, PASS)
    with pytest.raises(PermissionDenied):
        review.decide(iw.otto, app, ReviewStage.APPROVAL, PASS)
    assert not review.may_decide(iw.rita, app)
    assert review.may_decide(iw.alice, app)


def test_return_and_reject_need_a_reason(iworld):
    iw = iworld
    app = submitted(iw.erin, make_program(iw.office), iw.enterprise_a, iw.inv_a)
    for decision in (ReviewDecision.RETURN, ReviewDecision.REJECT):
        with pytest.raises(ValidationError):
            review.decide(iw.rita, app, ReviewStage.FIRST, decision, "  ")
    assert not Review.objects.exists()
    review.decide(iw.rita, app, ReviewStage.FIRST, ReviewDecision.RETURN, "缺少专利证书扫描件")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RETURNED
    assert app.return_reason == "缺少专利证书扫描件"
    assert Notification.objects.filter(user=iw.erin, body="缺少专利证书扫描件").exists()


def test_reject_ends_it(iworld):
    iw = iworld
    app = submitted(iw.erin, make_program(iw.office), iw.enterprise_a, iw.inv_a)
    review.decide(iw.rita, app, ReviewStage.FIRST, PASS)
    review.decide(iw.otto, app, ReviewStage.SECOND, ReviewDecision.REJECT, "不符合申报条件")
    assert app.status == ApplicationStatus.REJECTED
    with pytest.raises(ValidationError):
        review.decide(iw.alice, app, ReviewStage.APPROVAL, PASS)


def test_erin_leo_charlie_cannot_review(iworld):
    iw = iworld
    app = submitted(iw.erin, make_program(iw.office), iw.enterprise_a, iw.inv_a)
    for person in (iw.erin, iw.leo, iw.charlie, iw.bob):
        with pytest.raises(PermissionDenied):
            review.decide(person, app, ReviewStage.FIRST, PASS)
    assert not Review.objects.exists()


def test_organizer_scope(iworld):
    """An office-admin grant limited to its own organization reviews only its programmes."""
    from ipcity.accounts.models import RoleAssignment
    from ipcity.core.scope import clear_grants

    iw = iworld
    program = make_program(iw.unit)  # organized by the member unit
    app = submitted(iw.erin, program, iw.enterprise_a, iw.inv_a)
    RoleAssignment.objects.filter(user=iw.rita).update(scope="own")
    clear_grants(iw.rita)
    with pytest.raises(PermissionDenied):
        review.decide(iw.rita, app, ReviewStage.FIRST, PASS)


def test_amounts_lowered_never_raised(iworld):
    iw = iworld
    program = make_program(iw.office)
    app = submitted(iw.erin, program, iw.enterprise_a, iw.inv_a, iw.inv_a2)
    first, _second = list(app.items.order_by("pk"))
    with pytest.raises(ValidationError):
        review.decide(iw.rita, app, ReviewStage.FIRST, PASS, amount={first.pk: Decimal("10001")})
    review.decide(iw.rita, app, ReviewStage.FIRST, PASS, amount={first.pk: Decimal("6000")})
    review.decide(iw.otto, app, ReviewStage.SECOND, PASS)
    with pytest.raises(ValidationError):
        review.decide(iw.alice, app, ReviewStage.APPROVAL, PASS, amount=Decimal("20000.01"))
    review.decide(iw.alice, app, ReviewStage.APPROVAL, PASS)
    assert app.approved_amount == Decimal("16000.00")
    first.refresh_from_db()
    assert first.approved_amount == Decimal("6000.00")
    assert Reward.objects.get(item=first).amount == Decimal("6000.00")


def test_double_reward_across_programmes_refused_at_approval(iworld):
    iw = iworld
    p1, p2 = make_program(iw.office), make_program(iw.office)
    app1 = submitted(iw.erin, p1, iw.enterprise_a, iw.inv_a)
    app2 = submitted(iw.erin, p2, iw.enterprise_a, iw.inv_a)
    through(app1, iw.rita, iw.otto)
    through(app2, iw.rita, iw.otto)
    review.decide(iw.alice, app1, ReviewStage.APPROVAL, PASS)
    with pytest.raises(ValidationError) as err:
        review.decide(iw.alice, app2, ReviewStage.APPROVAL, PASS)
    assert "202310000001" in " ".join(err.value.messages)
    app2.refresh_from_db()
    p2.refresh_from_db()
    assert app2.status == ApplicationStatus.SECOND_PASSED
    assert p2.committed_amount == 0
    assert Reward.objects.count() == 1


def test_budget_refusal_says_what_is_left(iworld):
    iw = iworld
    program = make_program(iw.office, budget="15000")
    approved(iw, program)
    # A second applicant claims its own patent in the same programme.
    app_b = submitted(iw.charlie, program, iw.enterprise_b, iw.inv_b)
    through(app_b, iw.rita, iw.otto)
    with pytest.raises(ValidationError) as err:
        review.decide(iw.alice, app_b, ReviewStage.APPROVAL, PASS)
    assert "5,000.00" in " ".join(err.value.messages)
    assert not Reward.objects.filter(item__application=app_b).exists()
