"""The rows of a select's model choices are kept per data generation (core.choice_rows): read
once while the data stays the same, again after any write, never kept from a transaction's own
writes, and per query, so a narrower queryset (a user's scope) is never answered with another's
rows."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ipcity.core import choice_rows, generation
from ipcity.orgs.models import Organization, Region

from ..factories import make_org

pytestmark = pytest.mark.django_db


def _select(queryset) -> str:
    class Form(forms.Form):
        region = forms.ModelChoiceField(queryset=queryset)

    return str(Form()["region"])


@pytest.fixture(autouse=True)
def _nothing_kept():
    choice_rows.forget()
    yield
    choice_rows.forget()


@pytest.mark.django_db(transaction=True)
def test_choices_are_read_once_until_the_data_changes(django_assert_num_queries):
    Region.objects.create(code="110112-a", name="甲街道", kind="street")
    first = _select(Region.objects.order_by("code"))
    assert "甲街道" in first
    with django_assert_num_queries(0):
        assert _select(Region.objects.order_by("code")) == first
    # A write through the platform is a new generation: the next select reads the rows again.
    Region.objects.create(code="110112-b", name="乙街道", kind="street")
    with django_assert_num_queries(1):
        assert "乙街道" in _select(Region.objects.order_by("code"))
    # Each query is kept apart: a narrower one is read, and answered with its own rows.
    with django_assert_num_queries(1):
        narrow = _select(Region.objects.filter(name="乙街道").order_by("code"))
    assert "乙街道" in narrow and "甲街道" not in narrow
    # What a transaction reads after writes of its own is not kept: it may be rolled back.
    with pytest.raises(RuntimeError), transaction.atomic():
        Region.objects.create(code="110112-c", name="丙街道", kind="street")
        assert "丙街道" in _select(Region.objects.order_by("code"))
        raise RuntimeError("rolled back")
    assert "丙街道" not in _select(Region.objects.order_by("code"))


def test_without_a_generation_or_past_a_minute_the_rows_are_read_again(
    monkeypatch, django_assert_num_queries
):
    Region.objects.create(code="110112-a", name="甲街道", kind="street")
    # As if the rows were committed, so that only the generation and the clock decide.
    monkeypatch.setattr(generation, "uncommitted", lambda connection: False)
    monkeypatch.setattr(generation, "current", lambda: "")
    for _ in range(2):
        with django_assert_num_queries(1):
            _select(Region.objects.all())
    monkeypatch.setattr(generation, "current", lambda: "one-generation")
    clock = [1000.0]
    monkeypatch.setattr(generation.time, "monotonic", lambda: clock[0])
    _select(Region.objects.all())
    clock[0] += choice_rows.CHOICE_SECONDS - 1
    with django_assert_num_queries(0):
        _select(Region.objects.all())
    clock[0] += 2
    with django_assert_num_queries(1):
        _select(Region.objects.all())


def test_a_long_list_and_an_empty_queryset_are_not_kept(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(generation, "uncommitted", lambda connection: False)
    monkeypatch.setattr(generation, "current", lambda: "one-generation")
    monkeypatch.setattr(choice_rows, "CHOICE_ROWS", 1)
    for n in range(2):
        Region.objects.create(code=f"110112-{n}", name=f"街道{n}", kind="street")
    for _ in range(2):
        with django_assert_num_queries(1):
            assert _select(Region.objects.all()).count("<option") == 3  # with the empty one
    with django_assert_num_queries(0):
        assert _select(Region.objects.none()).count("<option") == 1
    # A prefetch's own query (which may hold a scope) is not in the key: read every time.
    monkeypatch.setattr(choice_rows, "CHOICE_ROWS", 500)
    make_org("预取示例公司")
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert "预取示例公司" in _select(Organization.objects.prefetch_related("region"))
        assert len(queries) >= 1
