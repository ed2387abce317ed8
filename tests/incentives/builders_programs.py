"""Builders of programmes, rules and applications for the incentive tests."""

import datetime
from decimal import Decimal

from django.utils import timezone

from ipcity.incentives.choices import ApplicationStatus, ProgramStatus, RuleKind
from ipcity.incentives.models import Application, ApplicationItem, Program, Reward, Rule


def make_program(world, *, code="TZ2026", year=2026, status=ProgramStatus.PUBLISHED, **fields):
    today = timezone.localdate()
    values = {
        "name": f"{year}年通州区知识产权资助",
        "year": year,
        "organizer": world.office,
        "call_opens": today - datetime.timedelta(days=10),
        "call_closes": today + datetime.timedelta(days=30),
        "budget": Decimal("1000000"),
        "status": status,
    }
    values.update(fields)
    return Program.objects.create(code=code, **values)


def make_rule(program, kind=RuleKind.INVENTION_GRANT, **fields):
    if "amount" not in fields and "rate_percent" not in fields:
        fields["amount"] = Decimal("5000")
    return Rule.objects.create(program=program, kind=kind, **fields)


def make_application(program, applicant, *, status=ApplicationStatus.DRAFT, **fields):
    values = {
        "contact_name": "张三",
        "contact_phone": "010-12345678",
        "bank_name": "北京银行通州支行",
        "bank_account": "6222000011112222",
    }
    values.update(fields)
    return Application.objects.create(program=program, applicant=applicant, status=status, **values)


def make_reward(item_or_key, program, applicant, amount="5000"):
    """A ledger row for a key (from another application item) so the key counts as rewarded."""
    if isinstance(item_or_key, ApplicationItem):
        item = item_or_key
    else:
        raise TypeError("pass an ApplicationItem")
    return Reward.objects.create(
        reward_key=item.reward_key,
        item=item,
        program=program,
        applicant=applicant,
        amount=Decimal(amount),
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
