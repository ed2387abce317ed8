"""Exports of coordination: the summaries of a campaign's tagged cases (xlsx or csv).

Only summary fields (`Case.SUMMARY_FIELDS`) are written, of the cases the user sees at least in
summary, so the file shows no more than the campaign page."""

from __future__ import annotations

from ipcity.core.exports import ExportSpec

from .. import coordination
from ..models import Campaign, Case


class CampaignCasesSpec(ExportSpec):
    def queryset(self, user, params):
        try:
            pk = int(params.get("campaign") or "0")
        except (TypeError, ValueError):
            pk = 0
        campaign = Campaign.objects.restrict(user, "view").filter(pk=pk).first()
        if campaign is None:
            return Case.objects.none()
        return (
            coordination.tagged_cases(user, campaign)
            .select_related("agency")
            .only(*[f for f in Case.SUMMARY_FIELDS if f != "id"], "agency__name")
            .order_by("agency__name", "-opened_on", "pk")
        )


CAMPAIGN_CASES_EXPORT = CampaignCasesSpec(
    model=Case,
    path="ipcity.protection.exports.coordination.CAMPAIGN_CASES_EXPORT",
    fields=[
        "agency.name",
        "number",
        "title",
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
    ],
    filename="campaign-cases",
)
