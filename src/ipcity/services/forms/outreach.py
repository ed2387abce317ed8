"""Forms for events, courses, attendances and the talent pool. They are also the validators
behind `services.outreach`, so the pages, the API and the imports share one set of rules."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.orgs.models import Organization

from ..models import Attendance, Course, Event, Talent

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _organizers(user, model, instance, field: str):
    """The organizations the user may add (or, editing, change) rows of `model` for."""
    from ..outreach import orgs_in_scope

    action = "change" if instance.pk else "add"
    ids = None if user is None else orgs_in_scope(user, model, action)
    q = Q() if ids is None else Q(pk__in=ids)
    current = getattr(instance, f"{field}_id", None)
    if current:
        q |= Q(pk=current)
    return Organization.objects.filter(q).only("id", "name").order_by("name", "pk")


def _one_space(value: str) -> str:
    return " ".join((value or "").split())


class EventForm(forms.ModelForm):
    link = forms.URLField(label=_("link"), max_length=200, required=False, assume_scheme="https")

    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "channel",
            "starts_on",
            "ends_on",
            "place",
            "organizer",
            "audience",
            "reach",
            "link",
            "published",
            "description",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer"].queryset = _organizers(user, Event, self.instance, "organizer")
        self.fields["reach"].help_text = _(
            "Attendees on site, readers or views, as reported by the organizer."
        )

    def clean_title(self):
        return _one_space(self.cleaned_data.get("title"))

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The end cannot be before the start."))
        return cleaned


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = [
            "title",
            "topic",
            "organizer",
            "starts_on",
            "ends_on",
            "place",
            "channel",
            "hours",
            "audience",
            "issues_certificates",
            "description",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer"].queryset = _organizers(user, Course, self.instance, "organizer")

    def clean_title(self):
        return _one_space(self.cleaned_data.get("title"))

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The end cannot be before the start."))
        hours = cleaned.get("hours")
        if self.instance.pk and hours is not None:
            longest = (
                self.instance.attendances.order_by("-hours").values_list("hours", flat=True).first()
            )
            if longest is not None and longest > hours:
                self.add_error(
                    "hours",
                    _("An attendee is recorded with %(hours)s hours; the course cannot be shorter.")
                    % {"hours": longest},
                )
        if (
            self.instance.pk
            and not cleaned.get("issues_certificates")
            and self.instance.attendances.exclude(certificate_number="").exists()
        ):
            self.add_error(
                "issues_certificates",
                _("Certificates are recorded for attendees; remove them first."),
            )
        return cleaned


class AttendanceForm(forms.ModelForm):
    """One attendee of `course`: a talent of the pool the user may view (their name and
    organization are taken from the pool when left empty), or a name with an organization."""

    class Meta:
        model = Attendance
        fields = ["talent", "name", "organization", "hours", "passed", "certificate_number"]

    def __init__(self, *args, user=None, course: Course, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course
        self.instance.course = course
        talents = (
            Talent.objects.all() if user is None else Talent.objects.restrict(user, "view")
        ).select_related("organization")
        if self.instance.talent_id:
            talents = talents | Talent.objects.filter(pk=self.instance.talent_id)
        self.fields["talent"].queryset = talents.order_by("name", "pk")
        self.fields["talent"].label_from_instance = lambda t: (
            f"{t.name}（{t.organization.name}）" if t.organization_id else t.name
        )
        self.fields["talent"].help_text = _("Pick a person of the talent pool, or write a name.")
        self.fields["organization"].queryset = Organization.objects.only("id", "name").order_by(
            "name", "pk"
        )
        self.fields["name"].required = False
        self.fields["hours"].help_text = _("At most the course's %(hours)s hours.") % {
            "hours": course.hours
        }

    def clean(self):
        cleaned = super().clean()
        talent = cleaned.get("talent")
        name = _one_space(cleaned.get("name", ""))
        if talent is not None:
            name = name or talent.name
            if cleaned.get("organization") is None and talent.organization_id:
                cleaned["organization"] = talent.organization
            clash = Attendance.objects.filter(course=self.course, talent=talent)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "talent", _("This person is already recorded as an attendee of this course.")
                )
        if not name:
            self.add_error("name", _("Give the attendee's name or pick a person of the pool."))
        cleaned["name"] = name
        hours = cleaned.get("hours")
        if hours is not None:
            if hours < 0:
                self.add_error("hours", _("Hours cannot be negative."))
            elif hours > self.course.hours:
                self.add_error(
                    "hours",
                    _("At most the course's %(hours)s hours.") % {"hours": self.course.hours},
                )
        number = _one_space(cleaned.get("certificate_number", ""))
        cleaned["certificate_number"] = number
        passed = cleaned.get("passed")
        if number and not self.course.issues_certificates:
            self.add_error("certificate_number", _("This course issues no certificates."))
        elif number and not passed:
            self.add_error(
                "certificate_number", _("Only an attendee who passed receives a certificate.")
            )
        elif not number and passed and self.course.issues_certificates:
            self.add_error(
                "certificate_number",
                _("The course issues certificates: give the number of this attendee's."),
            )
        elif number:
            clash = Attendance.objects.filter(course=self.course, certificate_number__iexact=number)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "certificate_number",
                    _("Another attendee of this course has this certificate number."),
                )
        return cleaned

    def save(self, commit=True):
        self.instance.name = self.cleaned_data["name"]
        self.instance.organization = self.cleaned_data.get("organization")
        self.instance.certificate_number = self.cleaned_data["certificate_number"]
        return super().save(commit=commit)


class TalentForm(forms.ModelForm):
    class Meta:
        model = Talent
        fields = [
            "name",
            "kind",
            "organization",
            "qualification",
            "certificate_number",
            "qualified_on",
            "specialties",
            "phone",
            "email",
            "is_active",
            "notes",
        ]
        widgets = {"qualified_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = _organizers(user, Talent, self.instance, "organization")
        self.fields["organization"].queryset = organizations
        from ..outreach import orgs_in_scope

        action = "change" if self.instance.pk else "add"
        # Only a district-wide grant may keep a person without an organization.
        self.fields["organization"].required = (
            user is not None and orgs_in_scope(user, Talent, action) is not None
        )

    def clean_name(self):
        return _one_space(self.cleaned_data.get("name"))

    def clean_certificate_number(self):
        number = _one_space(self.cleaned_data.get("certificate_number"))
        if number:
            clash = Talent.objects.filter(certificate_number__iexact=number)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise forms.ValidationError(
                    _("Another person of the pool has this qualification certificate number.")
                )
        return number
