"""GB/T 29490 certification pages (task 6): certificates with their surveillance audits, status
changes, the transition warning and the statistics by year and street."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, DateField, OuterRef, Q, Subquery, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.scope import has_perm, scope_q
from ipcity.core.views import generic

from .. import certificates
from ..choices import AuditResult, StandardVersion
from ..exports.certification import CERTIFICATE_EXPORT
from ..filters.certification import CertificateFilterSet
from ..forms.certification import AuditForm, CertificateForm, StatusForm
from ..imports import certification as _import_format  # noqa: F401  (registers the format)
from ..models import Certificate, SurveillanceAudit
from ..tables.certification import CertificateTable, flags, status_badge

QUERYSET = Certificate.objects.select_related("organization", "organization__region")
TEMPLATES = "utilization/certification"
EXPIRY_WARNING_DAYS = 90


def list_url(params: dict | None = None) -> str:
    url = reverse("utilization:certificate_list")
    return f"{url}?{urlencode(params)}" if params else url


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(str(m) for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(str(m) for m in exc.messages)


class CertificateListView(generic.ObjectListView):
    queryset = QUERYSET
    filterset_class = CertificateFilterSet
    table_class = CertificateTable
    export_spec = CERTIFICATE_EXPORT
    import_url = reverse_lazy("core:import_upload", args=["utilization.certificate"])
    template_name = f"{TEMPLATES}/certificate_list.html"

    def editions(self) -> dict:
        if not hasattr(self, "_editions"):
            self._editions = certificates.editions()
        return self._editions

    def restricted(self, action: str):
        # The next planned audit the reader may see, only for certificates valid today: a
        # suspended, withdrawn or expired certificate has no audit to come (nor one overdue).
        next_audit = (
            SurveillanceAudit.objects.restrict(self.request.user, "view")
            .filter(certificate=OuterRef("pk"), result=AuditResult.PLANNED)
            .order_by("due_date")
            .values("due_date")[:1]
        )
        valid = certificates._valid_q(certificates.current_date(), "", self.editions())
        return (
            super()
            .restricted(action)
            .annotate(
                next_audit=Case(
                    When(valid, then=Subquery(next_audit)),
                    default=None,
                    output_field=DateField(),
                )
            )
        )

    def extra_context(self) -> dict:
        on = certificates.current_date()
        eds = self.editions()
        valid = certificates._valid_q(on, "", eds)
        counts = (
            Certificate.objects.restrict(self.request.user, "view")
            .order_by()
            .aggregate(
                valid=Count("pk", filter=valid),
                overdue=Count("pk", filter=certificates._overdue_q(on, eds)),
                expiring=Count(
                    "pk",
                    filter=valid & Q(expiry_date__lte=on + timedelta(days=EXPIRY_WARNING_DAYS)),
                ),
            )
        )
        return {
            "on": on,
            "counts": counts,
            "valid_url": list_url({"valid_on": on.isoformat()}),
            "overdue_url": list_url({"transition_overdue": "true"}),
            "expiring_url": list_url({"expiring_within": EXPIRY_WARNING_DAYS}),
            "expiring_days": EXPIRY_WARNING_DAYS,
            "stats_url": reverse("utilization:certificate_stats"),
        }


class CertificateDetailView(generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = f"{TEMPLATES}/certificate_detail.html"

    def extra_context(self, cert) -> dict:
        on = certificates.current_date()
        eds = certificates.editions()
        user = self.request.user
        audits = list(
            SurveillanceAudit.objects.restrict(user, "view")
            .filter(certificate=cert)
            .order_by("due_date", "pk")
        )
        valid_now = certificates.is_valid_on(cert, on, eds)
        may_change_audits = (
            SurveillanceAudit.objects.restrict(user, "change").filter(certificate=cert).exists()
            if audits
            else False
        )
        can_change = Certificate.objects.restrict(user, "change").filter(pk=cert.pk).exists()
        edition = eds.get(cert.standard_version)
        audit_items = [
            {
                "audit": audit,
                "form": _inline_audit_form(audit, cert) if may_change_audits else None,
                # Only a certificate valid today has audits to hold.
                "overdue": valid_now
                and audit.result == AuditResult.PLANNED
                and audit.due_date < on,
                "can_convert": _may_convert_at(cert, audit, edition, on),
            }
            for audit in audits
        ]
        return {
            "on": on,
            "edition": edition,
            "overdue": certificates.is_transition_overdue(cert, on, eds),
            "valid_now": valid_now,
            "flags": flags(cert, on, eds),
            "status_badge": status_badge(cert, on, eds),
            "audits": audit_items,
            "may_change_audits": may_change_audits,
            "can_convert": any(item["can_convert"] for item in audit_items),
            "can_add_audit": can_change and has_perm(user, SurveillanceAudit, "add"),
            "new_audit_form": AuditForm(certificate=cert, prefix="new-audit"),
            "status_form": StatusForm(certificate=cert) if can_change else None,
            "has_status_actions": bool(certificates.available_actions(cert)),
        }


def _may_convert_at(cert, audit, edition, on) -> bool:
    """Whether the page offers "convert to 2023" at this audit: a 2013 certificate until its
    edition's transition ends, and afterwards only at an audit due or held by that end (one
    recorded late); a conversion later than that is always refused, so no box is shown."""
    if cert.standard_version != StandardVersion.V2013:
        return False
    end = edition.transition_end if edition is not None else None
    if end is None or end >= on:
        return True
    return (audit.done_date or audit.due_date) <= end


def _inline_audit_form(audit, cert) -> AuditForm:
    form = AuditForm(instance=audit, certificate=cert, prefix=f"audit-{audit.pk}")
    for name in ("done_date", "result"):
        form.fields[name].widget.attrs["class"] = "w-auto"
    return form


class CertificateHistoryView(generic.ObjectHistoryView):
    """The certificate's own changes and those of its surveillance audits, newest first."""

    queryset = QUERYSET
    template_name = f"{TEMPLATES}/certificate_history.html"
    LIMIT = 500

    def get(self, request, *args, **kwargs):
        cert = self.get_object("view")
        records = list(
            cert.history.select_related("history_user").order_by("-history_date", "-pk")[
                : self.LIMIT
            ]
        )
        audit_scope = scope_q(SurveillanceAudit, request.user, "view")
        if audit_scope is not None:
            # The audits' scope applied to their history (deleted audits included).
            records += list(
                SurveillanceAudit.history.filter(certificate_id=cert.pk)
                .filter(audit_scope)
                .select_related("history_user")
                .order_by("-history_date", "-pk")[: self.LIMIT]
            )
        records.sort(key=lambda r: (r.history_date, r.history_id), reverse=True)
        page = generic.paginate(request, records, per_page=25)
        rows = generic.history_rows(page.object_list, with_object=True)
        for row in rows:
            record = row["record"]
            if record.instance_type is SurveillanceAudit:
                row["object_label"] = record.due_date.isoformat()
            else:
                row["object_label"] = record.number
            reason = getattr(record, "history_change_reason", "")
            row["reason"] = reason or ""
        context = self.detail_context(cert)
        context.update({"page": page, "rows": rows, "with_object": True})
        return render(request, self.template_name, context)


class CertificateEditView(generic.ObjectEditView):
    queryset = QUERYSET
    form_class = CertificateForm

    def get_form_kwargs(self) -> dict:
        return {"user": self.request.user}

    def save(self, form):
        return certificates.save_certificate_form(self.request.user, form)


class CertificateDeleteView(generic.ObjectDeleteView):
    queryset = QUERYSET


def _certificate(request, pk) -> Certificate:
    return get_object_or_404(QUERYSET.restrict(request.user, "view"), pk=pk)


@login_required
@require_POST
def certificate_status(request, pk):
    """Suspend, withdraw, reinstate or expire a certificate as of a date."""
    cert = _certificate(request, pk)
    if not Certificate.objects.restrict(request.user, "change").filter(pk=cert.pk).exists():
        raise PermissionDenied
    form = StatusForm(request.POST, certificate=cert)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(str(m) for errors in form.errors.values() for m in errors),
        )
        return redirect(cert.get_absolute_url())
    try:
        certificates.change_status(
            request.user,
            cert,
            form.cleaned_data["action"],
            form.cleaned_data["on"],
            form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("Certificate %(number)s is now %(status)s.")
            % {"number": cert.number, "status": cert.get_status_display().lower()},
        )
    return redirect(cert.get_absolute_url())


def _posted_audit(post, prefix: str) -> dict:
    """The audit fields the page's form sent; those it did not show keep their value. The
    conversion box counts only where the form showed it (it then sends `<prefix>-shows_convert`)."""
    data = {}
    for name in AuditForm._meta.fields:
        key = f"{prefix}-{name}"
        if name == "converts_to_2023":
            if f"{prefix}-shows_convert" in post:
                data[name] = post.get(key) in ("on", "true", "1", "True")
        elif key in post:
            data[name] = post[key]
    return data


@login_required
@require_POST
def audit_record(request, pk, audit_pk):
    """Record the result of a surveillance audit (and a conversion to the 2023 edition)."""
    cert = _certificate(request, pk)
    audit = get_object_or_404(
        SurveillanceAudit.objects.restrict(request.user, "view"), pk=audit_pk, certificate=cert
    )
    data = _posted_audit(request.POST, f"audit-{audit.pk}")
    try:
        audit = certificates.update_audit(request.user, audit, data)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("Surveillance audit of %(date)s saved.") % {"date": audit.due_date.isoformat()},
        )
    return redirect(cert.get_absolute_url())


@login_required
@require_POST
def audit_add(request, pk):
    """Add an audit beyond the planned ones (a special audit)."""
    cert = _certificate(request, pk)
    data = _posted_audit(request.POST, "new-audit")
    try:
        audit = certificates.add_audit(request.user, cert, data)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request, _("Audit due %(date)s added.") % {"date": audit.due_date.isoformat()}
        )
    return redirect(cert.get_absolute_url())


def _with_urls(data: dict) -> dict:
    """Each figure of the statistics with the link to the list of exactly its certificates."""
    for row in data["years"]:
        row["issued_url"] = list_url(row["issued_params"])
        row["valid_url"] = list_url(row["valid_params"])
        for cell in row["by_edition"]:
            cell["url"] = list_url(cell["params"])
    for row in data["streets"]:
        row["valid_url"] = list_url(row["valid_params"])
        row["overdue_url"] = list_url(row["overdue_params"])
        for cell in row["by_edition"]:
            cell["url"] = list_url(cell["params"])
    return data


@login_required
def certificate_stats(request):
    """Counts by year (issued; valid at the end of the year by edition) and by street (valid
    now), each linking to the filtered certificate list."""
    if not has_perm(request.user, Certificate, "view"):
        raise PermissionDenied
    eds = certificates.editions()
    data = _with_urls(
        certificates.stats(Certificate.objects.restrict(request.user, "view"), eds=eds)
    )
    return render(
        request,
        f"{TEMPLATES}/certificate_stats.html",
        {
            "stats": data,
            "editions": [eds[v] for v in data["versions"] if v in eds],
            "list_url": list_url(),
            "overdue_url": list_url({"transition_overdue": "true"}),
            "verbose_name_plural": Certificate._meta.verbose_name_plural,
        },
    )


menu.register(
    "utilization",
    gettext_lazy("GB/T 29490 certificates"),
    "utilization:certificate_list",
    "utilization.view_certificate",
    order=20,
    icon="patch-check",
)
menu.register(
    "utilization",
    gettext_lazy("Certification statistics"),
    "utilization:certificate_stats",
    "utilization.view_certificate",
    order=21,
    icon="bar-chart",
)

urlpatterns = [
    path("certificates/", CertificateListView.as_view(), name="certificate_list"),
    path("certificates/stats/", certificate_stats, name="certificate_stats"),
    path("certificates/add/", CertificateEditView.as_view(), name="certificate_add"),
    path("certificates/<int:pk>/", CertificateDetailView.as_view(), name="certificate_detail"),
    path("certificates/<int:pk>/edit/", CertificateEditView.as_view(), name="certificate_edit"),
    path(
        "certificates/<int:pk>/delete/", CertificateDeleteView.as_view(), name="certificate_delete"
    ),
    path(
        "certificates/<int:pk>/history/",
        CertificateHistoryView.as_view(),
        name="certificate_history",
    ),
    path("certificates/<int:pk>/status/", certificate_status, name="certificate_status"),
    path("certificates/<int:pk>/audits/add/", audit_add, name="certificate_audit_add"),
    path(
        "certificates/<int:pk>/audits/<int:audit_pk>/",
        audit_record,
        name="certificate_audit_record",
    ),
]
