"""Plant variety right, copyright and software legalization check pages."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from ipcity.core import menu
from ipcity.core.templatetags.ipcity import field_rows

from ..exports import COPYRIGHT_EXPORT, PVR_EXPORT, SOFTWARE_CHECK_EXPORT
from ..filters import (
    CopyrightFilterSet,
    PlantVarietyRightFilterSet,
    SoftwareLegalizationCheckFilterSet,
)
from ..forms import CopyrightForm, PlantVarietyRightForm, SoftwareLegalizationCheckForm
from ..models import Copyright, PlantVarietyRight, SoftwareLegalizationCheck
from ..tables import CopyrightTable, PlantVarietyRightTable, SoftwareLegalizationCheckTable
from .base import RegistryDetailView, RegistryEditView, RegistryHistoryView, RegistryListView

DETAIL_TEMPLATE = "rights/registry_detail.html"

PVR_QUERYSET = PlantVarietyRight.objects.select_related("holder")


class PVRMixin:
    url_prefix = "pvr"


class PVRListView(PVRMixin, RegistryListView):
    queryset = PVR_QUERYSET
    filterset_class = PlantVarietyRightFilterSet
    table_class = PlantVarietyRightTable
    export_spec = PVR_EXPORT


class PVRDetailView(PVRMixin, RegistryDetailView):
    queryset = PVR_QUERYSET
    template_name = DETAIL_TEMPLATE
    fields = (
        "right_number",
        "variety",
        "species",
        "holder",
        "status",
        "application_date",
        "grant_date",
    )

    def extra_context(self, obj):
        return {"rows": field_rows(obj, *self.fields)}


class PVRHistoryView(PVRMixin, RegistryHistoryView):
    queryset = PVR_QUERYSET


class PVREditView(PVRMixin, RegistryEditView):
    queryset = PVR_QUERYSET
    form_class = PlantVarietyRightForm


COPYRIGHT_QUERYSET = Copyright.objects.select_related("holder")


class CopyrightListView(RegistryListView):
    queryset = COPYRIGHT_QUERYSET
    filterset_class = CopyrightFilterSet
    table_class = CopyrightTable
    export_spec = COPYRIGHT_EXPORT


class CopyrightDetailView(RegistryDetailView):
    queryset = COPYRIGHT_QUERYSET
    template_name = DETAIL_TEMPLATE
    fields = (
        "kind",
        "registration_number",
        "certificate_number",
        "title",
        "category",
        "holder",
        "completion_date",
        "registration_date",
    )

    def extra_context(self, obj):
        return {"rows": field_rows(obj, *self.fields)}


class CopyrightHistoryView(RegistryHistoryView):
    queryset = COPYRIGHT_QUERYSET


class CopyrightEditView(RegistryEditView):
    queryset = COPYRIGHT_QUERYSET
    form_class = CopyrightForm


CHECK_QUERYSET = SoftwareLegalizationCheck.objects.select_related("organization")


class CheckMixin:
    url_prefix = "softwarecheck"


class SoftwareCheckListView(CheckMixin, RegistryListView):
    queryset = CHECK_QUERYSET
    filterset_class = SoftwareLegalizationCheckFilterSet
    table_class = SoftwareLegalizationCheckTable
    export_spec = SOFTWARE_CHECK_EXPORT


class SoftwareCheckDetailView(CheckMixin, RegistryDetailView):
    queryset = CHECK_QUERYSET
    template_name = "rights/softwarecheck_detail.html"


class SoftwareCheckHistoryView(CheckMixin, RegistryHistoryView):
    queryset = CHECK_QUERYSET


class SoftwareCheckEditView(CheckMixin, RegistryEditView):
    queryset = CHECK_QUERYSET
    form_class = SoftwareLegalizationCheckForm


menu.register(
    "creation",
    _("Plant variety rights"),
    "rights:pvr_list",
    "rights.view_plantvarietyright",
    order=40,
    icon="flower1",
)
menu.register(
    "creation",
    _("Copyrights"),
    "rights:copyright_list",
    "rights.view_copyright",
    order=50,
    icon="c-square",
)
menu.register(
    "creation",
    _("Software legalization checks"),
    "rights:softwarecheck_list",
    "rights.view_softwarelegalizationcheck",
    order=60,
    icon="pc-display",
)

urlpatterns = [
    path("plant-varieties/", PVRListView.as_view(), name="pvr_list"),
    path("plant-varieties/add/", PVREditView.as_view(), name="pvr_add"),
    path("plant-varieties/<int:pk>/", PVRDetailView.as_view(), name="pvr_detail"),
    path("plant-varieties/<int:pk>/edit/", PVREditView.as_view(), name="pvr_edit"),
    path("plant-varieties/<int:pk>/history/", PVRHistoryView.as_view(), name="pvr_history"),
    path("copyrights/", CopyrightListView.as_view(), name="copyright_list"),
    path("copyrights/add/", CopyrightEditView.as_view(), name="copyright_add"),
    path("copyrights/<int:pk>/", CopyrightDetailView.as_view(), name="copyright_detail"),
    path("copyrights/<int:pk>/edit/", CopyrightEditView.as_view(), name="copyright_edit"),
    path("copyrights/<int:pk>/history/", CopyrightHistoryView.as_view(), name="copyright_history"),
    path("software-checks/", SoftwareCheckListView.as_view(), name="softwarecheck_list"),
    path("software-checks/add/", SoftwareCheckEditView.as_view(), name="softwarecheck_add"),
    path(
        "software-checks/<int:pk>/", SoftwareCheckDetailView.as_view(), name="softwarecheck_detail"
    ),
    path(
        "software-checks/<int:pk>/edit/", SoftwareCheckEditView.as_view(), name="softwarecheck_edit"
    ),
    path(
        "software-checks/<int:pk>/history/",
        SoftwareCheckHistoryView.as_view(),
        name="softwarecheck_history",
    ),
]
