"""Builders for the review, notice and payment tests: a published programme with an invention
rule, applications taken through H4's own functions (create, add_item, submit), and helpers
that move them through review, notice and payment with the action functions."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from ipcity.incentives import applications, notices, review
from ipcity.incentives.choices import ProgramStatus, ReviewDecision, ReviewStage, RuleKind
from ipcity.incentives.models import Program, Rule

_codes = itertools.count(1)


def make_program(organizer, *, budget="100000", amount="10000", year=None, **fields) -> Program:
    today = timezone.localdate()
    program = Program.objects.create(
        code=fields.pop("code", f"P{next(_codes):04d}"),
        name=fields.pop("name", "知识产权资助示例项目"),
        year=year or today.year,
        organizer=organizer,
        call_opens=today - datetime.timedelta(days=10),
        call_closes=today + datetime.timedelta(days=30),
        budget=Decimal(budget),
        status=ProgramStatus.PUBLISHED,
        **fields,
    )
    Rule.objects.create(
        program=program,
        kind=RuleKind.INVENTION_GRANT,
        amount=Decimal(amount),
        date_from=datetime.date(2024, 1, 1),
        date_to=datetime.date(2026, 12, 31),
    )
    return program


def submitted(user, program, applicant, *patents):
    """An application of `applicant` claiming the patents, submitted by `user`."""
    application = applications.create(
        user,
        program,
        applicant,
        contact_name="张三",
        contact_phone="010-81234567",
        bank_name="北京银行通州支行",
        bank_account="6222000011112222",
    )
    rule = program.rules.get()
    for patent in patents:
        applications.add_item(user, application, rule, patent.application_number)
    return applications.submit(user, application)


def through(application, first, second, approver=None, amount=None):
    """First and second review passed; approved when `approver` is given."""
    review.decide(first, application, ReviewStage.FIRST, ReviewDecision.PASS)
    review.decide(second, application, ReviewStage.SECOND, ReviewDecision.PASS)
    if approver is not None:
        review.decide(
            approver, application, ReviewStage.APPROVAL, ReviewDecision.PASS, amount=amount
        )
    application.refresh_from_db()
    return application


def approved(iw, program, applicant=None, user=None, patents=()):
    applicant = applicant or iw.enterprise_a
    user = user or iw.erin
    application = submitted(user, program, applicant, *(patents or (iw.inv_a,)))
    return through(application, iw.rita, iw.otto, iw.alice)


def published(iw, program, apps, title="拟奖励名单公示"):
    notice = notices.create_notice(iw.alice, program, title=title)
    notices.publish(iw.alice, notice, apps)
    return notice


def ended(iw, notice):
    notices.end_notice(iw.alice, notice, today=notice.ends_on + datetime.timedelta(days=1))
    return notice


def confirmed(iw, program, **kwargs):
    application = approved(iw, program, **kwargs)
    notice = published(iw, program, [application])
    ended(iw, notice)
    application.refresh_from_db()
    return application
