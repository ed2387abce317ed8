"""Tables of coordination: meetings, supervisions, campaigns, mediations, the access log.
Every column reads the list's select_related / annotations: no query per row."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .. import coordination
from ..models import Campaign, CaseAccessLog, Mediation, Meeting, Supervision

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"


def overdue_badge():
    return format_html(
        '<span class="badge text-bg-danger">{}</span>', pgettext_lazy("follow-up state", "Overdue")
    )


class MeetingTable(tables.Table):
    title = tables.Column(linkify=True)
    convened_by = tables.Column(accessor="convened_by__name", verbose_name=_("Convened by"))
    participants_count = tables.Column(verbose_name=_("Participants"), orderable=False)
    follow_ups = tables.Column(
        verbose_name=_("Follow-up items"), empty_values=(), orderable=False, accessor="pk"
    )

    class Meta:
        model = Meeting
        fields = ("held_on", "kind", "title", "convened_by", "participants_count", "follow_ups")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No meetings match.")

    def render_follow_ups(self, record):
        total = getattr(record, "follow_ups_total", 0)
        if not total:
            return "—"
        done = getattr(record, "follow_ups_done", 0)
        overdue = getattr(record, "follow_ups_overdue", 0)
        text = format_html("{}/{}", done, total)
        if overdue:
            return format_html("{} {}", text, overdue_badge())
        return text


class SupervisionTable(tables.Table):
    case = tables.Column(
        accessor="case__number",
        verbose_name=pgettext_lazy("enforcement case", "Case"),
        linkify=("protection:supervision_detail", {"pk": tables.A("pk")}),
    )
    case_title = tables.Column(accessor="case__title", verbose_name=_("Title"), orderable=False)
    agency = tables.Column(accessor="case__agency__name", verbose_name=_("Handling agency"))
    supervisor = tables.Column(accessor="supervisor__name", verbose_name=_("Supervising body"))
    state = tables.Column(
        verbose_name=pgettext_lazy("supervision state", "State"), empty_values=(), orderable=False
    )

    class Meta:
        model = Supervision
        fields = ("case", "case_title", "agency", "supervisor", "level", "listed_on", "due_on")
        sequence = (
            "case",
            "case_title",
            "agency",
            "supervisor",
            "level",
            "listed_on",
            "due_on",
            "state",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No supervised cases match.")

    def render_state(self, record):
        if record.concluded_on:
            return format_html(
                '<span class="badge text-bg-success">{}</span> {}',
                pgettext_lazy("supervision state", "Concluded"),
                record.concluded_on.isoformat(),
            )
        if coordination.is_overdue_supervision(record):
            return overdue_badge()
        return format_html(
            '<span class="badge text-bg-warning">{}</span>',
            pgettext_lazy("supervision state", "Open"),
        )


class CampaignTable(tables.Table):
    name = tables.Column(linkify=True)
    lead = tables.Column(accessor="lead__name", verbose_name=_("Lead unit"))

    class Meta:
        model = Campaign
        fields = ("name", "lead", "starts_on", "ends_on", "status")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No campaigns match.")


class MediationTable(tables.Table):
    applicant = tables.Column(linkify=True)
    mediator = tables.Column(accessor="mediator__name", verbose_name=_("Mediator"))
    agency = tables.Column(accessor="agency__name", verbose_name=_("Referring agency"))
    outcome = tables.Column(verbose_name=_("Outcome"), empty_values=())

    class Meta:
        model = Mediation
        fields = (
            "started_on",
            "applicant",
            "respondent",
            "right_type",
            "mediator",
            "agency",
            "outcome",
            "agreement_amount",
            "concluded_on",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No mediations match.")

    def render_outcome(self, value, record):
        return record.get_outcome_display()


class AccessLogTable(tables.Table):
    case = tables.Column(
        accessor="case__number", verbose_name=pgettext_lazy("enforcement case", "Case")
    )
    user = tables.Column(accessor="user__username", verbose_name=_("User"))
    organization = tables.Column(accessor="organization__name", verbose_name=_("Organization"))

    class Meta:
        model = CaseAccessLog
        fields = ("at", "case", "organization", "user", "what", "ip")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No one has viewed shared details yet.")

    def render_at(self, value):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")

    def render_user(self, value, record):
        name = record.user.display_name if record.user else ""
        return f"{name} ({value})" if name and name != value else value
