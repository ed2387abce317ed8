"""Builders for the cultivation tests (a test module so that it stays with them; it holds no
tests itself)."""

import datetime
import itertools

from ipcity.utilization.models import (
    Certificate,
    CultivationCriterion,
    Designation,
    EnterpriseFacts,
    PoolEntry,
    SupportRecord,
)

_serial = itertools.count(1)


def make_designation(org, kind="ip_advantage", level="district", year=2024, **fields):
    return Designation.objects.create(organization=org, kind=kind, level=level, year=year, **fields)


def make_facts(org, year=2024, **fields):
    return EnterpriseFacts.objects.create(organization=org, year=year, **fields)


def make_criterion(metric, comparison="gte", threshold=None, **fields):
    n = next(_serial)
    fields.setdefault("code", f"test-{metric}-{n}")
    fields.setdefault("name", f"测试条件{n}")
    fields.setdefault("target_kind", "benchmark")
    fields.setdefault("target_level", "district")
    fields.setdefault("order", n)
    return CultivationCriterion.objects.create(
        metric=metric, comparison=comparison, threshold=threshold, **fields
    )


def make_certificate(org, **fields):
    fields.setdefault("standard_version", "2023")
    fields.setdefault("number", f"165IP24{next(_serial):06d}")
    fields.setdefault("body_name", "示例认证中心")
    fields.setdefault("issue_date", datetime.date(2024, 3, 1))
    fields.setdefault("expiry_date", datetime.date(2027, 2, 28))
    return Certificate.objects.create(organization=org, **fields)


def make_entry(org, target_kind="ip_advantage", target_level="district", **fields):
    fields.setdefault("year", 2025)
    return PoolEntry.objects.create(
        organization=org, target_kind=target_kind, target_level=target_level, **fields
    )


def make_support(org, title="贯标培训", **fields):
    fields.setdefault("kind", "training")
    fields.setdefault("date", datetime.date(2025, 4, 1))
    return SupportRecord.objects.create(organization=org, title=title, **fields)
