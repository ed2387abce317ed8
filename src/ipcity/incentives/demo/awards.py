"""Demo: the awards side of the incentive programmes, run after `demo/programs.py`.

Takes the submitted demo applications through the action functions, as people would: first
review, second review and approval by three different office users (four-eyes), one rejected,
one returned; an ended notice (with a dismissed objection) whose awards are confirmed and paid,
and a notice still running."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone


def _reviewers():
    """Three office users for the three stages: the demo office account and two reviewers."""
    from ipcity.accounts.models import Role, RoleAssignment, User
    from ipcity.core.demo import DEMO_PASSWORD

    office = User.objects.filter(username="demo_office").select_related("organization").first()
    if office is None or office.organization is None:
        return None
    role = Role.objects.filter(code="office_admin").first()
    people = [office]
    for username, name in (("demo_reviewer1", "演示·初审员"), ("demo_reviewer2", "演示·复审员")):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, organization=office.organization, display_name=name)
            user.set_password(DEMO_PASSWORD)
            user.save()
        if role is not None:
            RoleAssignment.objects.get_or_create(
                user=user, role=role, defaults={"scope": role.default_scope}
            )
        people.append(user)
    return people


def load() -> dict:
    from .. import notices, payments, review
    from ..choices import ApplicationStatus, ReviewDecision, ReviewStage
    from ..demo.programs import CODE_2026
    from ..models import Application, Program, PublicNotice

    program = Program.objects.filter(code=CODE_2026).first()
    if program is None or PublicNotice.objects.filter(program=program).exists():
        return {}
    people = _reviewers()
    if people is None:
        return {}
    approver, first, second = people
    apps = list(
        Application.objects.filter(program=program, status=ApplicationStatus.SUBMITTED).order_by(
            "number"
        )
    )
    if len(apps) < 3:
        return {}
    PASS = ReviewDecision.PASS
    counts = {"reviews": 0}
    approved = []
    for index, application in enumerate(apps):
        if index == 1:
            review.decide(
                first,
                application,
                ReviewStage.FIRST,
                ReviewDecision.RETURN,
                "请补充专利证书扫描件及授权公告页。",
            )
            counts["reviews"] += 1
            continue
        if index == 2:
            review.decide(first, application, ReviewStage.FIRST, PASS)
            review.decide(
                second,
                application,
                ReviewStage.SECOND,
                ReviewDecision.REJECT,
                "申报专利的授权日期不在本年度资助范围内。",
            )
            counts["reviews"] += 2
            continue
        if index >= 7:
            if index == 7:
                review.decide(first, application, ReviewStage.FIRST, PASS)
                counts["reviews"] += 1
            continue  # some wait in the queue
        review.decide(first, application, ReviewStage.FIRST, PASS)
        review.decide(second, application, ReviewStage.SECOND, PASS)
        try:
            review.decide(approver, application, ReviewStage.APPROVAL, PASS)
        except Exception:  # e.g. an item rewarded meanwhile: it stays waiting for approval
            counts["reviews"] += 2
            continue
        counts["reviews"] += 3
        approved.append(application)
    if len(approved) < 2:
        return counts
    today = timezone.localdate()
    ended_notice = notices.create_notice(
        approver,
        program,
        title=f"{program.year}年通州区知识产权资助拟资助名单公示（第一批）",
        number=f"京通知局公示〔{program.year}〕1号",
        objection_contact="区知识产权局 010-00000000",
    )
    first_batch = approved[: max(1, len(approved) - 1)]
    notices.publish(approver, ended_notice, first_batch)
    objection = notices.lodge_objection(
        None,
        ended_notice,
        first_batch[0],
        objector_name="匿名群众",
        objector_contact="13900000000",
        reason="该企业申报的专利疑似已转让。",
    )
    notices.resolve_objection(
        approver, objection, False, "经查询国家知识产权局登记簿，专利权人未变更，异议不成立。"
    )
    # The demo's first notice ran in the past: move it back so it can end today.
    PublicNotice.objects.filter(pk=ended_notice.pk).update(
        starts_on=today - datetime.timedelta(days=14), ends_on=today - datetime.timedelta(days=7)
    )
    ended_notice.refresh_from_db()
    notices.end_notice(approver, ended_notice)
    paid = 0
    for index, application in enumerate(first_batch):
        application.refresh_from_db()
        amount = application.approved_amount
        if index == 0 and amount > Decimal("1000"):
            amount = (amount / 2).quantize(Decimal("0.01"))  # paid in two instalments, one so far
        payments.record(approver, application, amount, today, f"PZ{program.year}-{index + 1:04d}")
        paid += 1
    running = notices.create_notice(
        approver,
        program,
        title=f"{program.year}年通州区知识产权资助拟资助名单公示（第二批）",
        number=f"京通知局公示〔{program.year}〕2号",
    )
    notices.publish(approver, running, approved[len(first_batch) :])
    counts.update({"public notices": 2, "objections": 1, "payments": paid})
    return counts
