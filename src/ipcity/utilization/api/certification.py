"""GB/T 29490 certificates over HTTP: list (the page's filters), detail, create, change, status
changes, the surveillance audits of a certificate, and the statistics.

Reads go through `restrict(user, "view")` (outside the caller's scope: 404); changes go through
`utilization.certificates`, which answers 403 for what the caller may not change.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Value, When
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm
from ipcity.orgs.api import _form_data

from .. import certificates
from ..filters.certification import CertificateFilterSet
from ..models import Certificate, SurveillanceAudit
from ..schemas.certification import (
    AuditIn,
    AuditOut,
    AuditPatch,
    CertificateFilters,
    CertificateIn,
    CertificateOut,
    CertificatePage,
    CertificatePatch,
    CertificateStatsOut,
    StatusIn,
)

router = Router(tags=["utilization"])


def _flag(q):
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def _certificates(request, action="view"):
    on = certificates.current_date()
    eds = certificates.editions()
    return (
        Certificate.objects.restrict(request.auth, action)
        .select_related("organization", "organization__region", "body")
        .annotate(
            is_valid_today=_flag(certificates._valid_q(on, "", eds)),
            is_transition_overdue=_flag(certificates._overdue_q(on, eds)),
        )
    )


@router.get(
    "/certificates/",
    response=_responses(200, CertificatePage),
    summary="List GB/T 29490 certificates",
    description="Filters as on the certificate list page.",
    operation_id="utilization_certificate_list",
)
def certificate_list(request, filters: Query[CertificateFilters]):
    queryset = apply_filterset(
        CertificateFilterSet, filters, _certificates(request), request.auth
    ).order_by("-issue_date", "number", "pk")
    return paginate(queryset, filters.limit, filters.offset)


@router.get(
    "/certificates/stats/",
    response=_responses(200, CertificateStatsOut),
    summary="GB/T 29490 certificate counts by year and by street",
    description="The figures of the statistics page, over the certificates the caller sees.",
    operation_id="utilization_certificate_stats",
)
def certificate_stats(request):
    if not has_perm(request.auth, Certificate, "view"):
        raise PermissionDenied
    data = certificates.stats(Certificate.objects.restrict(request.auth, "view"))
    return {
        "on": data["on"],
        "valid": data["valid"],
        "transition_overdue": data["overdue"],
        "years": [
            {
                "year": row["year"],
                "day": row["day"],
                "issued": row["issued"],
                "valid": row["valid"],
                "by_edition": [
                    {"version": c["version"], "count": c["count"]} for c in row["by_edition"]
                ],
            }
            for row in data["years"]
        ],
        "streets": [
            {
                "street": (
                    {"id": row["region_id"], "code": row["code"], "name": row["name"]}
                    if row["region_id"] is not None
                    else None
                ),
                "valid": row["valid"],
                "by_edition": [
                    {"version": c["version"], "count": c["count"]} for c in row["by_edition"]
                ],
                "transition_overdue": row["overdue"],
            }
            for row in data["streets"]
        ],
    }


@router.get(
    "/certificates/{int:certificate_id}/",
    response=_responses(200, CertificateOut),
    summary="Get a GB/T 29490 certificate",
    operation_id="utilization_certificate_detail",
)
def certificate_detail(request, certificate_id: ObjectId):
    return get_object_or_404(_certificates(request), pk=certificate_id)


@router.post(
    "/certificates/",
    response=_responses(201, CertificateOut),
    summary="Create a GB/T 29490 certificate",
    description="Its surveillance audits are planned from the issue date until expiry.",
    operation_id="utilization_certificate_create",
)
def certificate_create(request, payload: CertificateIn):
    cert = certificates.create_certificate(request.auth, _form_data(payload.dict()))
    return Status(201, _certificates(request).get(pk=cert.pk))


@router.patch(
    "/certificates/{int:certificate_id}/",
    response=_responses(200, CertificateOut),
    summary="Change a GB/T 29490 certificate",
    description="Only the fields sent are changed; planned audits follow changed dates.",
    operation_id="utilization_certificate_update",
)
def certificate_update(request, certificate_id: ObjectId, payload: CertificatePatch):
    cert = get_object_or_404(_certificates(request), pk=certificate_id)
    cert = certificates.update_certificate(
        request.auth, cert, _form_data(payload.dict(exclude_unset=True))
    )
    return _certificates(request).get(pk=cert.pk)


@router.post(
    "/certificates/{int:certificate_id}/status/",
    response=_responses(200, CertificateOut),
    summary="Suspend, withdraw, reinstate or expire a certificate",
    operation_id="utilization_certificate_status",
)
def certificate_status(request, certificate_id: ObjectId, payload: StatusIn):
    cert = get_object_or_404(_certificates(request), pk=certificate_id)
    certificates.change_status(request.auth, cert, payload.action.value, payload.on, payload.note)
    return _certificates(request).get(pk=cert.pk)


def _audit_certificate(request, certificate_id):
    return get_object_or_404(Certificate.objects.restrict(request.auth, "view"), pk=certificate_id)


@router.get(
    "/certificates/{int:certificate_id}/audits/",
    response=_responses(200, list[AuditOut]),
    summary="List the surveillance audits of a certificate",
    operation_id="utilization_certificate_audit_list",
)
def audit_list(request, certificate_id: ObjectId):
    cert = _audit_certificate(request, certificate_id)
    return list(
        SurveillanceAudit.objects.restrict(request.auth, "view")
        .filter(certificate=cert)
        .order_by("due_date", "pk")
    )


@router.post(
    "/certificates/{int:certificate_id}/audits/",
    response=_responses(201, AuditOut),
    summary="Add a surveillance audit to a certificate",
    operation_id="utilization_certificate_audit_create",
)
def audit_create(request, certificate_id: ObjectId, payload: AuditIn):
    cert = _audit_certificate(request, certificate_id)
    audit = certificates.add_audit(request.auth, cert, _form_data(payload.dict()))
    return Status(201, audit)


@router.patch(
    "/certificates/{int:certificate_id}/audits/{int:audit_id}/",
    response=_responses(200, AuditOut),
    summary="Record or change a surveillance audit",
    description="A passed audit with converts_to_2023 converts a 2013 certificate to 2023 and "
    "keeps its expiry.",
    operation_id="utilization_certificate_audit_update",
)
def audit_update(request, certificate_id: ObjectId, audit_id: ObjectId, payload: AuditPatch):
    cert = _audit_certificate(request, certificate_id)
    audit = get_object_or_404(
        SurveillanceAudit.objects.restrict(request.auth, "view").select_related("certificate"),
        pk=audit_id,
        certificate=cert,
    )
    return certificates.update_audit(
        request.auth, audit, _form_data(payload.dict(exclude_unset=True))
    )
