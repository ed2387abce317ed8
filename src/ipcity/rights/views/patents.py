"""Patent pages: searchable, filterable list with export and import, detail, edit, history."""

import logging

from django.db.models import Prefetch
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from ipcity.core import menu
from ipcity.orgs.models import Organization

from ..choices import HighValueCriterion
from ..exports import PATENT_EXPORT
from ..filters import PatentFilterSet
from ..forms import PatentForm
from ..models import Patent, PatentHolder
from ..tables import PatentTable
from .base import RegistryDetailView, RegistryEditView, RegistryHistoryView, RegistryListView

logger = logging.getLogger(__name__)

PATENT_QUERYSET = Patent.objects.select_related("region", "high_value_rule").prefetch_related(
    Prefetch(
        "holder_links",
        queryset=PatentHolder.objects.select_related("organization").only(
            "id",
            "patent_id",
            "position",
            "name_as_recorded",
            "organization__id",
            "organization__name",
        ),
    )
)


class PatentListView(RegistryListView):
    queryset = PATENT_QUERYSET
    filterset_class = PatentFilterSet
    table_class = PatentTable
    export_spec = PATENT_EXPORT
    import_url = reverse_lazy("core:import_upload", args=["rights.patent"])


def high_value_explanation(patent) -> list[dict]:
    """[{label, detail, met}] saying which high-value criteria the patent meets and why.

    rights.highvalue explains from the current data when it is available; otherwise the stored
    criteria of the last classification are listed.
    """
    try:
        from ipcity.rights.highvalue import explain
    except ImportError:
        explain = None
    if explain is not None:
        try:
            return _normalize_explanation(explain(patent))
        except Exception:
            logger.exception("High-value explanation failed for patent %s", patent.pk)
    labels = dict(HighValueCriterion.choices)
    return [
        {"label": labels.get(code, code), "detail": "", "met": True}
        for code in patent.high_value_criteria or []
    ]


def _normalize_explanation(result) -> list[dict]:
    if result is None:
        return []
    if isinstance(result, dict):
        items = result.get("criteria", result.get("items"))
        if items is None:
            items = [{"label": k, "detail": v} for k, v in result.items()]
        result = items
    if isinstance(result, str):
        return [{"label": result, "detail": "", "met": True}]
    rows = []
    for item in result:
        if isinstance(item, dict):
            label = item.get("label") or item.get("name") or item.get("criterion") or ""
            rows.append(
                {
                    "label": str(label),
                    "detail": str(
                        item.get("detail") or item.get("evidence") or item.get("reason") or ""
                    ),
                    "met": bool(item.get("met", True)),
                }
            )
        elif isinstance(item, tuple | list) and item:
            rows.append(
                {
                    "label": str(item[0]),
                    "detail": str(item[1]) if len(item) > 1 else "",
                    "met": bool(item[2]) if len(item) > 2 else True,
                }
            )
        else:
            rows.append(
                {
                    "label": str(getattr(item, "label", item)),
                    "detail": str(getattr(item, "detail", "") or ""),
                    "met": bool(getattr(item, "met", True)),
                }
            )
    return rows


class PatentDetailView(RegistryDetailView):
    queryset = PATENT_QUERYSET
    template_name = "rights/patent_detail.html"

    def extra_context(self, patent):
        links = list(patent.holder_links.all())
        visible = set(
            Organization.objects.restrict(self.request.user, "view")
            .filter(pk__in=[link.organization_id for link in links])
            .values_list("pk", flat=True)
        )
        return {
            "holders": [
                {"link": link, "visible": link.organization_id in visible} for link in links
            ],
            "legal_events": patent.legal_events.order_by("date", "pk"),
            "high_value": high_value_explanation(patent),
        }


class PatentHistoryView(RegistryHistoryView):
    queryset = PATENT_QUERYSET


class PatentEditView(RegistryEditView):
    queryset = PATENT_QUERYSET
    form_class = PatentForm
    template_name = "rights/patent_form.html"


menu.register(
    "creation",
    _("Patents"),
    "rights:patent_list",
    "rights.view_patent",
    order=10,
    icon="file-earmark-text",
)

urlpatterns = [
    path("patents/", PatentListView.as_view(), name="patent_list"),
    path("patents/add/", PatentEditView.as_view(), name="patent_add"),
    path("patents/<int:pk>/", PatentDetailView.as_view(), name="patent_detail"),
    path("patents/<int:pk>/edit/", PatentEditView.as_view(), name="patent_edit"),
    path("patents/<int:pk>/history/", PatentHistoryView.as_view(), name="patent_history"),
]
