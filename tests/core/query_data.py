"""Rows for the query-count test (tests/core/test_query_counts.py), made through the ORM.

`Rows.seed()` gives every model of the platform at least one row, so that every list shows a
row and every page shows its blocks. `Rows.enrich(obj, n)` gives one object `n` more rows in each
of the relations that point to it (a patent's holders and legal events, a case's parties, an
organization's contacts, patents, users…) and `n` more history records. `Rows.grow(n)` adds `n`
rows to every table.

New rows are copies of existing ones (`clone`): the same column values, with the values that
must be unique changed (a suffix on text, the next free number or day, another row of the
referenced table), and with the rows that belong to the original (its CASCADE relations) copied
along. A model without any row gets one built from its fields' types (`build`). The copies go
through `save()`, so model logic, signals and history records run as they do for real rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

PLATFORM_APPS = (
    "core",
    "accounts",
    "orgs",
    "rights",
    "indicators",
    "plans",
    "utilization",
    "protection",
    "services",
    "incentives",
)
# Never copied: the audit trail is an append-only hash chain written through core.audit.
NOT_COPIED = {"core.AuditEntry", "core.AuditHead"}
ATTEMPTS = 6
CHILDREN_PER_RELATION = 1


def platform_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PLATFORM_APPS
        and not is_historical(model)
        and model._meta.label not in NOT_COPIED
    ]


def is_historical(model) -> bool:
    return model._meta.model_name.startswith("historical") and hasattr(model, "instance_type")


def _unique_groups(model) -> list[tuple[str, ...]]:
    """Each set of fields whose values must be unique together (conditions included)."""
    groups = [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    groups += [tuple(g) for g in model._meta.unique_together]
    groups += [
        tuple(c.fields)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields
    ]
    return groups


def _owned_relations(model) -> list:
    """The relations whose rows belong to a `model` row: deleted with it (CASCADE)."""
    return [
        rel
        for rel in model._meta.related_objects
        if rel.one_to_many
        and rel.on_delete is models.CASCADE
        and rel.related_model._meta.app_label in PLATFORM_APPS
        and not is_historical(rel.related_model)
        and rel.related_model._meta.label not in NOT_COPIED
    ]


class Rows:
    """Makes the rows; `user` is the one signed in for the measurements (and the author of the
    history records)."""

    def __init__(self, user):
        self.user = user
        self.seq = itertools.count(1)
        self.next_number: dict = {}

    # -- values ----------------------------------------------------------------------------

    def _text(self, value: str, field) -> str:
        suffix = f"~{next(self.seq)}"
        limit = field.max_length or 200
        return (value or "q")[: max(limit - len(suffix), 1)] + suffix

    def _number(self, field):
        key = (field.model, field.name)
        if key not in self.next_number:
            top = field.model._base_manager.aggregate(top=Max(field.name))["top"]
            self.next_number[key] = (top or 0) + 1
        self.next_number[key] += 1
        return self.next_number[key]

    def _other(self, field, value, n: int):
        """Another value for `field` than `value`, the n-th candidate."""
        if field.is_relation:
            pks = list(
                field.related_model._base_manager.order_by("pk").values_list("pk", flat=True)[:400]
            )
            return pks[(pks.index(value) + n) % len(pks)] if value in pks else pks[n % len(pks)]
        if field.choices:
            values = [v for v, _label in field.flatchoices]
            return values[(values.index(value) + n) % len(values)] if value in values else value
        if isinstance(field, models.CharField | models.TextField):
            return self._text(value, field)
        if isinstance(field, models.DateTimeField):
            return (value or timezone.now()) + dt.timedelta(minutes=next(self.seq))
        if isinstance(field, models.DateField):
            return (value or timezone.localdate()) + dt.timedelta(days=next(self.seq))
        if isinstance(field, models.IntegerField):
            return self._number(field)
        if isinstance(field, models.DecimalField):
            return (value or Decimal(0)) + next(self.seq)
        if isinstance(field, models.UUIDField):
            return uuid.uuid4()
        if isinstance(field, models.BooleanField):
            return not value
        return value

    def sample(self, field):
        """A plausible value for a required field of a row built from nothing."""
        if field.is_relation:
            target = field.related_model._base_manager.order_by("pk").first()
            return (target or self.build(field.related_model)).pk
        if field.choices:
            return field.flatchoices[0][0]
        n = next(self.seq)
        if isinstance(field, models.EmailField):
            return f"q{n}@example.com"
        if isinstance(field, models.GenericIPAddressField):
            return "192.0.2.1"
        if isinstance(field, models.FileField):
            return f"q/{n}.txt"
        if isinstance(field, models.CharField | models.TextField):
            return f"Q{n}"[: field.max_length or 200]
        if isinstance(field, models.DateTimeField):
            return timezone.now()
        if isinstance(field, models.DateField):
            return timezone.localdate()
        if isinstance(field, models.IntegerField):
            return timezone.localdate().year if "year" in field.name else 1
        if isinstance(field, models.DecimalField):
            return Decimal(1)
        if isinstance(field, models.FloatField):
            return 1.0
        if isinstance(field, models.DurationField):
            return dt.timedelta(days=1)
        if isinstance(field, models.UUIDField):
            return uuid.uuid4()
        if isinstance(field, models.BooleanField):
            return False
        if isinstance(field, models.JSONField):
            return {}
        raise TypeError(f"no sample value for {field!r}")

    # -- rows ------------------------------------------------------------------------------

    def build(self, model, **values):
        """A row of `model` with every required field filled."""
        row = {}
        for field in model._meta.concrete_fields:
            if field.primary_key or field.attname in values or field.name in values:
                continue
            if field.has_default() or field.null or getattr(field, "auto_now", False):
                continue
            if getattr(field, "auto_now_add", False):
                continue
            if field.blank and isinstance(field, models.CharField | models.TextField):
                continue
            row[field.attname] = self.sample(field)
        row.update(values)
        return self._save(model, row, fixed=set(values))

    def clone(self, obj, depth: int = 1, **fixed):
        """A copy of `obj` (with `fixed` attribute values) and, `depth` levels down, of the rows
        that belong to it. None when no copy could be saved."""
        model = type(obj)
        row = {
            f.attname: getattr(obj, f.attname)
            for f in model._meta.concrete_fields
            if not f.primary_key and not getattr(f, "auto_now_add", False)
        }
        row.update(fixed)
        copy = self._save(model, row, fixed=set(fixed), original=obj)
        if copy is not None and depth > 0:
            for rel in _owned_relations(model):
                children = rel.related_model._base_manager.filter(**{rel.field.name: obj})
                for child in children.order_by("pk")[:CHILDREN_PER_RELATION]:
                    self.clone(child, depth - 1, **{rel.field.attname: copy.pk})
        return copy

    def _save(self, model, row: dict, fixed: set, original=None):
        fields = {f.name: f for f in model._meta.concrete_fields}
        attnames = {f.attname: f for f in model._meta.concrete_fields}
        for attempt in range(ATTEMPTS):
            values = dict(row)
            for group in _unique_groups(model):
                free = [
                    fields[name]
                    for name in group
                    if fields[name].attname not in fixed and fields[name].name not in fixed
                ]
                if not free or (original is None and attempt == 0):
                    continue
                field = self._pick(free)
                if field.unique and field.is_relation:
                    if field.null:
                        values[field.attname] = None
                    else:
                        target = field.related_model._base_manager.get(pk=values[field.attname])
                        values[field.attname] = self.clone(target, depth=0).pk
                else:
                    values[field.attname] = self._other(
                        field, values.get(field.attname), attempt + 1
                    )
            instance = model(**{k: v for k, v in values.items() if k in attnames})
            instance._history_user = self.user
            try:
                with transaction.atomic():
                    instance.save()
            except IntegrityError:
                continue
            return instance
        return None

    @staticmethod
    def _pick(free: list):
        """The field of a unique group to change: free text first, then numbers and days, then
        another referenced row, a choice last."""

        def rank(field):
            if field.choices:
                return 4
            if isinstance(field, models.CharField | models.TextField):
                return 0
            if isinstance(field, models.DateField | models.IntegerField | models.DecimalField):
                return 1
            if field.is_relation:
                return 2
            return 3

        return min(free, key=rank)

    # -- data sets -------------------------------------------------------------------------

    def audit_entries(self, n: int) -> None:
        from ipcity.core import audit
        from ipcity.core.models import AuditAction

        actions = [AuditAction.USER_CHANGED, AuditAction.EXPORT, AuditAction.DOWNLOAD]
        for i in range(n):
            audit.record(
                actions[i % len(actions)], actor=self.user, obj=self.user, details={"n": i}
            )

    def seed(self) -> None:
        for model in platform_models():
            if not model._base_manager.exists():
                self.build(model)
        self.audit_entries(1)

    def enrich(self, obj, n: int) -> None:
        """`n` more rows in each relation that points to `obj`, `n` more history records."""
        model = type(obj)
        for rel in model._meta.related_objects:
            related = rel.related_model
            if related._meta.app_label not in PLATFORM_APPS or is_historical(related):
                continue
            if related._meta.label in NOT_COPIED:
                continue
            if rel.one_to_many:
                own = related._base_manager.filter(**{rel.field.name: obj}).order_by("pk")
                sources = list(own[:n]) or list(related._base_manager.order_by("pk")[:n])
                for i in range(n):
                    if sources:
                        source = sources[i % len(sources)]
                        self.clone(source, depth=0, **{rel.field.attname: obj.pk})
            elif rel.many_to_many and rel.through._meta.auto_created:
                manager = getattr(obj, rel.get_accessor_name())
                taken = set(manager.values_list("pk", flat=True))
                more = related._base_manager.exclude(pk__in=taken).order_by("pk")[:n]
                manager.add(*more)
        for field in model._meta.many_to_many:
            if field.remote_field.through._meta.auto_created:
                manager = getattr(obj, field.name)
                taken = set(manager.values_list("pk", flat=True))
                more = field.related_model._base_manager.exclude(pk__in=taken).order_by("pk")
                manager.add(*more[:n])
        if hasattr(obj, "history"):
            fresh = model._base_manager.get(pk=obj.pk)
            for _ in range(n):
                fresh._history_user = self.user
                fresh.save()

    def grow(self, n: int) -> None:
        """`n` more rows in every table (of the models' first rows, with what belongs to them);
        rows that belong to a user belong to the signed-in one."""
        for model in platform_models():
            originals = list(model._base_manager.order_by("pk")[:10])
            user_fields = [
                f.attname
                for f in model._meta.concrete_fields
                if f.is_relation
                and f.related_model is type(self.user)
                and f.name == "user"
                and not f.unique
            ]
            for i in range(n if originals else 0):
                fixed = dict.fromkeys(user_fields, self.user.pk)
                self.clone(originals[i % len(originals)], **fixed)
        self.audit_entries(n)
