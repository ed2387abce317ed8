"""What each registry list exports: the columns a user sees, plus the fields behind them."""

from django.utils.translation import gettext_lazy as _

from ipcity.core.exports import ExportSpec

from .filters import (
    CopyrightFilterSet,
    GeographicalIndicationFilterSet,
    PatentFilterSet,
    PlantVarietyRightFilterSet,
    SoftwareLegalizationCheckFilterSet,
    TrademarkFilterSet,
)
from .models import (
    Copyright,
    GeographicalIndication,
    Patent,
    PlantVarietyRight,
    SoftwareLegalizationCheck,
    Trademark,
)


def _label(model, field):
    return model._meta.get_field(field).verbose_name


PATENT_EXPORT = ExportSpec(
    model=Patent,
    path="ipcity.rights.exports.PATENT_EXPORT",
    filterset_class=PatentFilterSet,
    select_related=("region",),
    fields=[
        "application_number",
        "patent_type",
        "is_pct",
        "title",
        "filing_date",
        "publication_number",
        "publication_date",
        "grant_date",
        "legal_status",
        "main_ipc",
        "ipc_codes",
        "holder_names",
        "inventors",
        "address",
        "region.name",
        "attribution",
        "attribution_signal",
        "is_high_value",
        "number_check_ok",
    ],
    headers={"region.name": _label(Patent, "region")},
)

TRADEMARK_EXPORT = ExportSpec(
    model=Trademark,
    path="ipcity.rights.exports.TRADEMARK_EXPORT",
    filterset_class=TrademarkFilterSet,
    select_related=("holder", "region"),
    fields=[
        "registration_number",
        "mark",
        "nice_classes",
        "holder.name",
        "status",
        "application_date",
        "registration_date",
        "expiry_date",
        "is_well_known",
        "is_madrid",
        "region.name",
        "attribution",
    ],
    headers={
        "holder.name": _label(Trademark, "holder"),
        "region.name": _label(Trademark, "region"),
    },
)

GI_EXPORT = ExportSpec(
    model=GeographicalIndication,
    path="ipcity.rights.exports.GI_EXPORT",
    filterset_class=GeographicalIndicationFilterSet,
    select_related=("applicant",),
    fields=[
        "name",
        "kind",
        "product",
        "area",
        "applicant.name",
        "stage",
        "registration_number",
        "filed_date",
        "registered_date",
    ],
    headers={"applicant.name": _label(GeographicalIndication, "applicant")},
)

PVR_EXPORT = ExportSpec(
    model=PlantVarietyRight,
    path="ipcity.rights.exports.PVR_EXPORT",
    filterset_class=PlantVarietyRightFilterSet,
    select_related=("holder",),
    fields=[
        "right_number",
        "variety",
        "species",
        "holder.name",
        "status",
        "application_date",
        "grant_date",
    ],
    headers={"holder.name": _label(PlantVarietyRight, "holder")},
)

COPYRIGHT_EXPORT = ExportSpec(
    model=Copyright,
    path="ipcity.rights.exports.COPYRIGHT_EXPORT",
    filterset_class=CopyrightFilterSet,
    select_related=("holder",),
    fields=[
        "kind",
        "registration_number",
        "certificate_number",
        "title",
        "category",
        "holder.name",
        "completion_date",
        "registration_date",
    ],
    headers={"holder.name": _label(Copyright, "holder")},
)

SOFTWARE_CHECK_EXPORT = ExportSpec(
    model=SoftwareLegalizationCheck,
    path="ipcity.rights.exports.SOFTWARE_CHECK_EXPORT",
    filterset_class=SoftwareLegalizationCheckFilterSet,
    select_related=("organization",),
    fields=[
        "organization.name",
        "check_date",
        "checked_by",
        "installed_count",
        "licensed_count",
        "unlicensed_count",
        "findings",
        "rectification",
        "rectified_on",
    ],
    headers={
        "organization.name": _label(SoftwareLegalizationCheck, "organization"),
        "unlicensed_count": _("Unlicensed"),
    },
)
