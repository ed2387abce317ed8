"""Tables of the event, course, attendance and talent lists."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ipcity.core.scope import has_perm

from ..models import Attendance, Course, Event, Talent

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"


class EventTable(tables.Table):
    title = tables.Column(linkify=True)
    organizer = tables.Column(order_by=("organizer__name",))
    reach = tables.Column(attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})

    class Meta:
        model = Event
        fields = (
            "starts_on",
            "title",
            "kind",
            "channel",
            "organizer",
            "place",
            "reach",
            "published",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No events match.")

    def render_reach(self, value):
        return f"{value:,}"


class CourseTable(tables.Table):
    title = tables.Column(linkify=True)
    organizer = tables.Column(order_by=("organizer__name",))
    attendee_count = tables.Column(
        verbose_name=_("Attendees"),
        accessor="attendee_count",
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}},
    )

    class Meta:
        model = Course
        fields = (
            "starts_on",
            "title",
            "organizer",
            "channel",
            "hours",
            "issues_certificates",
            "attendee_count",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No courses match.")


class AttendanceTable(tables.Table):
    name = tables.Column()
    course = tables.Column(linkify=True, order_by=("course__title",))
    course__starts_on = tables.Column(verbose_name=_("Course date"))
    organization = tables.Column(order_by=("organization__name",))

    class Meta:
        model = Attendance
        fields = (
            "name",
            "organization",
            "course",
            "course__starts_on",
            "hours",
            "passed",
            "certificate_number",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No attendances match.")

    def render_name(self, value, record):
        if record.talent_id and self._links_talent():
            url = reverse("services:talent_detail", args=[record.talent_id])
            return format_html('<a href="{}">{}</a>', url, value)
        return value

    def _links_talent(self) -> bool:
        if not hasattr(self, "_talent_links"):
            request = getattr(self, "request", None)
            user = getattr(request, "user", None)
            self._talent_links = user is not None and has_perm(user, Talent, "view")
        return self._talent_links


class TalentTable(tables.Table):
    name = tables.Column(linkify=True)
    organization = tables.Column(order_by=("organization__name",))
    training_hours = tables.Column(
        verbose_name=_("Training hours"),
        accessor="training_hours",
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}},
    )

    class Meta:
        model = Talent
        fields = (
            "name",
            "kind",
            "organization",
            "qualification",
            "certificate_number",
            "is_active",
            "training_hours",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No people match.")

    def render_training_hours(self, value):
        return value or 0
