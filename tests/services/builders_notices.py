"""Builders for notice, public-portal and overview tests."""

import datetime
import itertools

from django.utils import timezone

from ipcity.services.choices import NoticeKind
from ipcity.services.models import Notice

_seq = itertools.count(1)


def make_notice(publisher, published_on="today", kind=NoticeKind.NOTICE, **fields) -> Notice:
    """A notice of `publisher`; published today by default, `None` for a draft, or a date."""
    if published_on == "today":
        published_on = timezone.localdate()
    n = next(_seq)
    return Notice.objects.create(
        publisher=publisher,
        title=fields.pop("title", f"测试通知{n}"),
        kind=kind,
        body=fields.pop("body", f"第{n}号通知正文。"),
        published_on=published_on,
        **fields,
    )


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)
