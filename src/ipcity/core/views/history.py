"""The recycle bin (deleted records, restorable) and the global change history for auditors.

Both read django-simple-history's tables for every model that keeps history. Lists page by time
(`before=<timestamp>`) and read at most one page per model, so their cost does not grow with
the size of the history.
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import menu
from ..scope import grants_for, has_perm, scope_q
from .generic import history_rows

PAGE = 50


def holds(user, perm: str) -> bool:
    return user.is_active and (user.is_superuser or bool(grants_for(user, perm)))


def history_models() -> dict[str, type]:
    """{"app.model": Model} for every model that keeps history."""
    found = {}
    for model in apps.get_models():
        if getattr(model._meta, "simple_history_manager_attribute", None):
            found[model._meta.label_lower] = model
    return found


def _historical(model):
    return getattr(model, model._meta.simple_history_manager_attribute).model


def _history_q(q: Q) -> Q:
    """A scope filter for the model, rewritten for its history table (whose pk is history_id)."""
    rewritten = Q()
    rewritten.connector, rewritten.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            rewritten.children.append(_history_q(child))
        else:
            key, value = child
            if key == "pk" or key.startswith("pk__"):
                key = "id" + key[2:]
            rewritten.children.append((key, value))
    return rewritten


def _before(request) -> datetime | None:
    raw = request.GET.get("before", "")
    try:
        return parse_datetime(raw) if raw else None
    except ValueError:
        return None


def _deleted_qs(user, model):
    """Deletion records of `model` within the user's add scope whose row is still gone."""
    q = scope_q(model, user, "add")
    if q is None:
        return None
    if q and getattr(model, "scope_org_many", False):
        # The scope of such a row runs through live link rows, which a deleted row no longer
        # has: only a district-wide grant can tell which deleted rows were the user's.
        return None
    hmodel = _historical(model)
    qs = hmodel.objects.filter(history_type="-")
    if q:
        qs = qs.filter(_history_q(q))
    alive = model._base_manager.filter(pk=OuterRef("id"))
    return qs.exclude(Exists(alive))


@login_required
def recycle_bin(request):
    user = request.user
    if not holds(user, "core.restore_deleted"):
        raise PermissionDenied
    models = {k: m for k, m in history_models().items() if has_perm(user, m, "add")}
    chosen = request.GET.get("model", "")
    if chosen in models:
        models = {chosen: models[chosen]}
    before = _before(request)
    records = []
    for model in models.values():
        qs = _deleted_qs(user, model)
        if qs is None:
            continue
        if before:
            qs = qs.filter(history_date__lt=before)
        records += list(qs.select_related("history_user").order_by("-history_date")[: PAGE + 1])
    records.sort(key=lambda r: r.history_date, reverse=True)
    seen, unique = set(), []
    for record in records:
        key = (record.instance_type._meta.label_lower, record.id)
        if key not in seen:
            seen.add(key)
            unique.append(record)
    page, more = unique[:PAGE], len(unique) > PAGE
    rows = history_rows(page, with_object=True)
    for row in rows:
        row["restore_model"] = row["record"].instance_type._meta.label_lower
    return render(
        request,
        "core/recycle_bin.html",
        {
            "rows": rows,
            "with_object": True,
            "next_before": page[-1].history_date.isoformat() if more and page else "",
            "model_choices": [
                (k, m._meta.verbose_name_plural)
                for k, m in history_models().items()
                if has_perm(user, m, "add")
            ],
            "chosen": chosen,
        },
    )


@login_required
@require_POST
def restore(request, label: str, history_id: int):
    user = request.user
    if not holds(user, "core.restore_deleted"):
        raise PermissionDenied
    model = history_models().get(label)
    if model is None:
        raise Http404
    if not has_perm(user, model, "add"):
        raise PermissionDenied
    qs = _deleted_qs(user, model)
    record = qs.filter(history_id=history_id).first() if qs is not None else None
    if record is None:
        if model._base_manager.filter(
            pk=_historical(model).objects.filter(history_id=history_id).values("id")[:1]
        ).exists():
            messages.info(request, _("This record has already been restored."))
            return redirect("core:recycle_bin")
        raise Http404
    instance = record.instance
    try:
        with transaction.atomic():
            instance._history_user = user
            instance.save(force_insert=False)
            if not model.objects.restrict(user, "add").filter(pk=instance.pk).exists():
                raise PermissionDenied
    except IntegrityError:
        messages.error(
            request,
            _(
                "“%(name)s” could not be restored: it refers to a record that no longer exists "
                "or its unique values are now used by another record. Restore or fix that first."
            )
            % {"name": instance},
        )
        return redirect("core:recycle_bin")
    messages.success(request, _("“%(name)s” restored.") % {"name": instance})
    url = getattr(instance, "get_absolute_url", None)
    return redirect(url() if url else "core:recycle_bin")


@login_required
def change_history(request):
    user = request.user
    if not holds(user, "core.view_history"):
        raise PermissionDenied
    models = history_models()
    chosen = request.GET.get("model", "")
    selected = {chosen: models[chosen]} if chosen in models else models
    kind = request.GET.get("type", "")
    who = request.GET.get("user", "").strip()
    before = _before(request)
    records = []
    for model in selected.values():
        qs = _historical(model).objects.select_related("history_user")
        if kind in ("+", "~", "-"):
            qs = qs.filter(history_type=kind)
        if who:
            qs = qs.filter(
                Q(history_user__username__icontains=who)
                | Q(history_user__display_name__icontains=who)
            )
        if before:
            qs = qs.filter(history_date__lt=before)
        records += list(qs.order_by("-history_date")[: PAGE + 1])
    records.sort(key=lambda r: r.history_date, reverse=True)
    page, more = records[:PAGE], len(records) > PAGE
    return render(
        request,
        "core/change_history.html",
        {
            "rows": history_rows(page, with_object=True, mask_private=True),
            "with_object": True,
            "next_before": page[-1].history_date.isoformat() if more and page else "",
            "model_choices": [(k, m._meta.verbose_name_plural) for k, m in models.items()],
            "chosen": chosen,
            "kind": kind,
            "who": who,
            "type_choices": [
                ("+", gettext_lazy("Created")),
                ("~", gettext_lazy("Changed")),
                ("-", gettext_lazy("Deleted")),
            ],
        },
    )


urlpatterns = [
    path("history/", change_history, name="change_history"),
    path("history/deleted/", recycle_bin, name="recycle_bin"),
    path(
        "history/deleted/<str:label>/<int:history_id>/restore/",
        restore,
        name="restore_deleted",
    ),
]

menu.register(
    "system",
    gettext_lazy("Change history"),
    "core:change_history",
    "core.view_history",
    order=80,
    icon="clock-history",
)
menu.register(
    "system",
    gettext_lazy("Recycle bin"),
    "core:recycle_bin",
    "core.restore_deleted",
    order=85,
    icon="recycle",
)
