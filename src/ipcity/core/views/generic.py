"""Reusable views: a model's list, detail, edit, delete and history pages are declarations.

Every view reaches its rows through `restrict(user, action)`. An object outside the user's view
scope answers 404; one they may see but not change or delete answers 403. A list answers an
HTMX request with the table fragment only, so sorting, paging and filtering swap the table in
place.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ..exports import FORMATS, export_response
from ..filters import filtered
from ..paginators import BoundedPaginator
from ..scope import RestrictedQuerySet, has_perm, scope_q
from ..templatetags.ipcity import plain_value, value_choices

MAX_PAGE_SIZE = 100
HISTORY_TYPES = {
    "+": gettext_lazy("Created"),
    "~": gettext_lazy("Changed"),
    "-": gettext_lazy("Deleted"),
}


def page_size(request) -> int:
    """The requested page size, bounded so no page loads the whole table."""
    try:
        size = int(request.GET.get("per_page", settings.IPCITY_PAGE_SIZE))
    except ValueError:
        size = settings.IPCITY_PAGE_SIZE
    return max(1, min(size, MAX_PAGE_SIZE))


def paged_table(table_class, queryset, request):
    """A table of `queryset` ordered and paged as the request asks, its count bounded unless
    the request asks for every row to be counted (`?count=all`).

    Not `table_class(queryset, request=request)`: that pages the table at once with Django's
    own paginator, whose exact count reads every matching row (core.paginators).
    """
    table = table_class(queryset)
    table.request = request
    order_by = request.GET.getlist(table.prefixed_order_by_field)
    if order_by:
        table.order_by = order_by
    pages = {
        "paginator_class": BoundedPaginator,
        "per_page": page_size(request),
        "exact": request.GET.get("count") == "all",
    }
    try:
        table.paginate(page=request.GET.get("page", 1), **pages)
    except PageNotAnInteger:
        table.paginate(page=1, **pages)
    except EmptyPage:
        # Past the last page (or before the first): the last page, from the count just made.
        table.page = table.paginator.page(table.paginator.num_pages)
    return table


def paginate(request, items, per_page: int | None = None):
    paginator = Paginator(items, per_page or page_size(request))
    try:
        return paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


class ObjectViewMixin(LoginRequiredMixin):
    """A view about one model; `queryset` carries its select_related, `restrict` adds the scope."""

    queryset = None
    template_name: str = ""

    @property
    def model(self):
        if self.queryset is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a queryset")
        return self.queryset.model

    def restricted(self, action: str):
        return self.queryset.restrict(self.request.user, action)

    def get_object(self, action: str = "view"):
        """The object in the view scope (else 404), then in the `action` scope (else 403)."""
        obj = get_object_or_404(self.restricted("view"), pk=self.kwargs["pk"])
        if action != "view" and not self.may(action, obj):
            raise PermissionDenied
        return obj

    def may(self, action: str, obj) -> bool:
        """Whether the user may `action` an object read through this view's queryset. A scope
        that is the whole queryset (a district-wide role, a superuser) needs no query. A view
        or a queryset with a `restricted`/`restrict` of its own (a further rule than the
        scope) is asked as it is."""
        own_rule = type(self).restricted is not ObjectViewMixin.restricted or (
            type(self.queryset).restrict is not RestrictedQuerySet.restrict
        )
        if own_rule:
            return self.restricted(action).filter(pk=obj.pk).exists()
        q = scope_q(self.model, self.request.user, action)
        if q is None:
            return False
        if not q:
            return True
        return self.queryset.filter(q, pk=obj.pk).exists()

    def url_name(self, action: str) -> str:
        meta = self.model._meta
        return f"{meta.app_label}:{meta.model_name}_{action}"

    def list_url(self) -> str:
        return reverse(self.url_name("list"))

    def base_context(self) -> dict:
        return {
            "model": self.model,
            "verbose_name": self.model._meta.verbose_name,
            "verbose_name_plural": self.model._meta.verbose_name_plural,
            "list_url": self.list_url(),
        }


class ObjectListView(ObjectViewMixin, View):
    """Filters, a sortable table with bounded pages, and xlsx/csv export of the filtered rows."""

    filterset_class = None
    table_class = None
    export_spec = None  # an ExportSpec; None hides the export buttons
    import_url = ""
    template_name = "core/object_list.html"
    partial_template_name = "core/_object_table.html"

    def get(self, request, *args, **kwargs):
        if not has_perm(request.user, self.model, "view"):
            raise PermissionDenied
        fmt = request.GET.get("export")
        if fmt and self.export_spec is not None:
            return export_response(request, self.export_spec, fmt)
        qs = self.restricted("view")
        filterset, filter_errors = None, []
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET or None, queryset=qs, request=request)
            qs = filtered(filterset, qs)
            # A refused filter lists nothing; the table says why (an htmx answer replaces only
            # the table, not the form that shows the errors).
            form = filterset.form
            filter_errors = [
                (form.fields[name].label if name in form.fields else "", error)
                for name, errors in form.errors.items()
                for error in errors
            ]
        table = paged_table(self.table_class, qs, request)
        context = {
            **self.base_context(),
            "table": table,
            "filterset": filterset,
            "filter_errors": filter_errors,
            "filter_active": bool(filterset and filterset.form.changed_data),
            "export_formats": FORMATS if self.export_spec is not None else (),
            "can_add": has_perm(request.user, self.model, "add"),
            "add_url": self.add_url(),
            "import_url": self.import_url if has_perm(request.user, self.model, "add") else "",
            **self.extra_context(),
        }
        if getattr(request, "htmx", False) and request.htmx.target == "object-table":
            return render(request, self.partial_template_name, context)
        return render(request, self.template_name, context)

    def add_url(self) -> str:
        try:
            return reverse(self.url_name("add"))
        except Exception:
            return ""

    def extra_context(self) -> dict:
        return {}


class ObjectDetailView(ObjectViewMixin, View):
    """One object's page; `tabs` adds the History tab for models that keep history."""

    template_name = "core/object_detail.html"
    active_tab = "detail"

    def get(self, request, *args, **kwargs):
        obj = self.get_object("view")
        return render(request, self.template_name, self.detail_context(obj))

    def detail_context(self, obj) -> dict:
        context = {
            **self.base_context(),
            "object": obj,
            "tabs": self.tabs(obj),
            "active_tab": self.active_tab,
            "can_change": self.may("change", obj),
            "can_delete": self.may("delete", obj),
            "edit_url": self._url("edit", obj),
            "delete_url": self._url("delete", obj),
        }
        context.update(self.extra_context(obj))
        return context

    def _url(self, action: str, obj) -> str:
        try:
            return reverse(self.url_name(action), args=[obj.pk])
        except Exception:
            return ""

    def tabs(self, obj) -> list[dict]:
        tabs = [{"key": "detail", "label": _("Details"), "url": obj.get_absolute_url()}]
        history_url = self._url("history", obj)
        if history_url and hasattr(obj, "history"):
            tabs.append({"key": "history", "label": _("History"), "url": history_url})
        return tabs

    def extra_context(self, obj) -> dict:
        return {}


class ObjectEditView(ObjectViewMixin, View):
    """Create (no pk) or edit (pk) with a ModelForm; the save runs in one transaction and the
    saved object must still be inside the user's scope, else everything is rolled back."""

    form_class = None
    template_name = "core/object_form.html"

    def get_form_kwargs(self) -> dict:
        return {}

    def get_target(self):
        if "pk" in self.kwargs:
            return self.get_object("change")
        if not has_perm(self.request.user, self.model, "add"):
            raise PermissionDenied
        return self.model()

    def get(self, request, *args, **kwargs):
        obj = self.get_target()
        form = self.form_class(instance=obj, **self.get_form_kwargs())
        return self.render_form(form, obj)

    def post(self, request, *args, **kwargs):
        obj = self.get_target()
        form = self.form_class(request.POST, request.FILES, instance=obj, **self.get_form_kwargs())
        if form.is_valid():
            try:
                saved = self.save(form)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(kind)s “%(name)s” saved.")
                    % {"kind": self.model._meta.verbose_name, "name": saved},
                )
                return redirect(self.success_url(saved))
        messages.error(request, _("Please correct the errors below."))
        return self.render_form(form, obj, status=400)

    def save(self, form):
        """Save in a transaction; the saved row must lie inside the user's scope."""
        action = "change" if form.instance.pk else "add"
        with transaction.atomic():
            obj = form.save(commit=False)
            obj._history_user = self.request.user
            obj.save()
            form.save_m2m()
            if not self.restricted(action).filter(pk=obj.pk).exists():
                raise PermissionDenied
        return obj

    def success_url(self, obj) -> str:
        return obj.get_absolute_url()

    def render_form(self, form, obj, status: int = 200):
        context = {
            **self.base_context(),
            "form": form,
            "object": obj,
            "is_new": obj.pk is None,
            "cancel_url": obj.get_absolute_url() if obj.pk else self.list_url(),
            **self.extra_context(obj),
        }
        return render(self.request, self.template_name, context, status=status)

    def extra_context(self, obj) -> dict:
        return {}


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ObjectDeleteView(ObjectViewMixin, View):
    """A confirmation page, then the deletion, recorded in the history (and so restorable)."""

    template_name = "core/object_delete.html"

    def get(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        return render(request, self.template_name, {**self.base_context(), "object": obj})

    def post(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        name = str(obj)
        try:
            with transaction.atomic():
                obj._history_user = request.user
                obj.delete()
        except (ProtectedError, RestrictedError) as exc:
            blockers = (
                sorted({str(o) for o in list(exc.protected_objects)[:5]})
                if hasattr(exc, "protected_objects")
                else []
            )
            messages.error(
                request,
                _("“%(name)s” is still referenced by other records and was not deleted: %(list)s")
                % {"name": name, "list": "、".join(blockers) or "—"},
            )
            return redirect(obj.get_absolute_url())
        messages.success(
            request,
            _("“%(name)s” deleted. It can be restored from the recycle bin.") % {"name": name},
        )
        return redirect(self.list_url())


class ObjectHistoryView(ObjectDetailView):
    """Every recorded change of one object: who, when, and each field before and after."""

    template_name = "core/object_history.html"
    active_tab = "history"

    def get(self, request, *args, **kwargs):
        obj = self.get_object("view")
        if not hasattr(obj, "history"):
            raise Http404
        records = obj.history.select_related("history_user").order_by("-history_date", "-pk")
        page = paginate(request, records, per_page=25)
        context = self.detail_context(obj)
        context.update({"page": page, "rows": history_rows(page.object_list)})
        return render(request, self.template_name, context)


def _tracked_fields(model) -> list:
    """The fields a person edits; timestamps and derived columns would only add noise."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in ("created_at", "updated_at")
    ]


def _previous_records(records) -> dict:
    """{history_id: the record before it}, one query per historical model on the page."""
    previous: dict = {}
    by_model: dict = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record)
    for hmodel, group in by_model.items():
        ids = {r.id for r in group}
        latest = max(r.history_date for r in group)
        candidates = list(
            hmodel.objects.filter(id__in=ids, history_date__lte=latest).order_by(
                "id", "-history_date", "-history_id"
            )
        )
        for record in group:
            key = (record.history_date, record.history_id)
            previous[record.history_id] = next(
                (
                    c
                    for c in candidates
                    if c.id == record.id and (c.history_date, c.history_id) < key
                ),
                None,
            )
    return previous


def _labels_for_fks(changes_by_model: dict) -> dict:
    """{(related model, pk): label}, one query per related model."""
    wanted: dict = {}
    for field, value in changes_by_model:
        if value not in (None, ""):
            wanted.setdefault(field.related_model, set()).add(value)
    labels = {}
    for related, pks in wanted.items():
        manager = related._base_manager
        for pk, obj in manager.in_bulk(list(pks)).items():
            labels[(related, pk)] = str(obj)
    return labels


def _display(field, value, fk_labels, model=None) -> str:
    if value is None or value == "":
        return ""
    if field.is_relation:
        return fk_labels.get((field.related_model, value), f"#{value}")
    labels = value_choices(model, field.name) if model is not None else {}
    if not labels and field.choices:
        labels = dict(field.flatchoices)
    return plain_value(value, labels)


def history_rows(records, with_object: bool = False, mask_private: bool = False) -> list[dict]:
    """One row per history record: who, when, what kind of change, and each field's before/after.

    A creation lists the values it set; a change lists the fields that differ from the record
    before it; a deletion lists nothing (the last state is on the record before). With
    `mask_private`, records of models marked `history_values_private = True` (enforcement case
    files) name the fields that changed but not their values or the record's title: the audit
    trail across all records shows who changed what and when, not the case's contents.
    """
    records = list(records)
    previous = _previous_records([r for r in records if r.history_type == "~"])
    raw: list[tuple] = []
    fk_values: list[tuple] = []
    for record in records:
        model = record.instance_type
        prev = previous.get(record.history_id)
        changes = []
        if record.history_type != "-":
            for field in _tracked_fields(model):
                new = getattr(record, field.attname, None)
                old = getattr(prev, field.attname, None) if prev is not None else None
                if record.history_type == "~" and prev is None:
                    continue
                if new == old or (record.history_type == "+" and new in (None, "", False)):
                    continue
                changes.append((field, old, new))
                if field.is_relation:
                    fk_values += [(field, old), (field, new)]
        raw.append((record, changes))
    fk_labels = _labels_for_fks(fk_values)
    rows = []
    hidden = _("(restricted)")
    for record, changes in raw:
        private = mask_private and getattr(record.instance_type, "history_values_private", False)
        row = {
            "record": record,
            "date": record.history_date,
            "user": record.history_user,
            "type": record.history_type,
            "type_label": HISTORY_TYPES.get(record.history_type, record.history_type),
            "changes": [
                {
                    "field": str(field.verbose_name),
                    "old": hidden
                    if private
                    else _display(field, old, fk_labels, record.instance_type),
                    "new": hidden
                    if private
                    else _display(field, new, fk_labels, record.instance_type),
                }
                for field, old, new in changes
            ],
        }
        if with_object:
            row["object_label"] = f"#{record.id}" if private else _record_label(record)
            row["model_label"] = record.instance_type._meta.verbose_name
        rows.append(row)
    return rows


def _record_label(record) -> str:
    for name in ("name", "title", "username", "code"):
        value = getattr(record, name, None)
        if value:
            return str(value)
    return f"#{record.id}"
