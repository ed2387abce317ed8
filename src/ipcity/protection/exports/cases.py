"""What the case list exports: the summary columns for every row, the detail columns only for
the rows the user sees in full (blank for rows seen in summary)."""

from django.utils.translation import gettext_lazy as _

from ipcity.core.exports import ExportSpec, _cell, _plain, _querydict

from ..filters.cases import CaseFilterSet, case_rows
from ..models import Case

SUMMARY_COLUMNS = [
    "number",
    "title",
    "agency.name",
    "right_type",
    "status",
    "opened_on",
    "decision_due",
    "decided_on",
    "decision_kind",
    "fine",
    "closed_on",
    "close_reason",
    "is_malicious",
    "is_repeat",
    "is_group",
    "is_transferred",
    "is_supervised",
]
FULL_COLUMNS = [
    "offence",
    "conduct_date",
    "business_amount",
    "illegal_gain",
    "sales_amount",
    "unsold_value",
    "copies",
    "goods",
    "respondents",
    "handlers",
    "decision_number",
    "confiscated_gain",
    "disclosed_on",
    "executed_on",
]


class CaseExportSpec(ExportSpec):
    def queryset(self, user, params):
        qs = case_rows(user)
        if not hasattr(params, "getlist"):
            params = _querydict(params)
        qs = self.filterset_class(params, queryset=qs, request=_Req(user)).qs
        return qs.order_by(*Case._meta.ordering)

    def row(self, obj) -> list:
        cells = []
        for path in self.fields:
            if path == "access":
                cells.append(str(_("Full") if obj.is_full else _("Summary")))
            elif path in SUMMARY_COLUMNS:
                cells.append(_cell(obj, path))
            elif not obj.is_full:
                cells.append("")
            elif path == "respondents":
                cells.append(_plain("、".join(p.name for p in obj.listed_respondents)))
            elif path == "handlers":
                cells.append(_plain("、".join(h.officer.name for h in obj.listed_handlers)))
            else:
                cells.append(_cell(obj, path))
        return cells


class _Req:
    def __init__(self, user):
        self.user = user


CASE_EXPORT = CaseExportSpec(
    model=Case,
    path="ipcity.protection.exports.cases.CASE_EXPORT",
    filterset_class=CaseFilterSet,
    fields=["access", *SUMMARY_COLUMNS, *FULL_COLUMNS],
    headers={
        "access": _("Seen as"),
        "agency.name": _("Handling agency"),
        "respondents": _("Respondents"),
        "handlers": _("Handlers"),
    },
    filename="cases",
)
