"""Patent pages: searchable, filterable list with export and import, detail, edit, history."""

import logging

from django.db.models import Prefetch
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from ipcity.core import menu
from ipcity.core.scope import visible_pks
from ipcity.orgs.models import Organization

from ..choices import HighValueCriterion
from ..exports import PATENT_EXPORT
from ..filters import PatentFilterSet
from ..forms import PatentForm
from ..models import Patent
from ..models.patents import holder_rows, holders_of, holders_prefetch
from ..tables import PatentTable
from .base import RegistryDetailView, RegistryEditView, RegistryHistoryView, RegistryListView

logger = logging.getLogger(__name__)

PATENT_QUERYSET = Patent.objects.select_related("region", "high_value_rule").prefetch_related(
    Prefetch("holder_links", queryset=holder_rows())
)


# What the list's table shows, and no more: not the abstract, the search text, the criteria
# (JSON decoded per row) nor the rule set joined to every row.
LIST_COLUMNS = (
    "application_number",
    "number_check_ok",
    "title",
    "patent_type",
    "legal_status",
    "filing_date",
    "holder_names",
    "region__name",
    "is_high_value",
)


class PatentListView(RegistryListView):
    queryset = (
        Patent.objects.select_related("region")
        .prefetch_related(holders_prefetch())
        .only(*LIST_COLUMNS)
    )
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
    queryset = Patent.objects.select_related("region", "high_value_rule").prefetch_related(
        holders_prefetch()
    )
    template_name = "rights/patent_detail.html"

    def extra_context(self, patent):
        links = holders_of(patent)
        visible = visible_pks(
            Organization, self.request.user, [link.organization_id for link in links]
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
