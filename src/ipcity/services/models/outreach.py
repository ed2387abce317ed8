"""Publicity, training and talent (plan tasks 16-17)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import Channel, EventKind, TalentKind


class Event(BaseModel):
    """A publicity event or media piece: IP publicity week (around 26 April), China Patent Week,
    a seminar, a newspaper or WeChat article. `reach` is the audience reached as reported
    (attendees on site, readers, views); `published` puts it on the public events calendar."""

    scope_org_field = "organizer"

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices, db_index=True)
    starts_on = models.DateField(_("starts on"), db_index=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    organizer = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="publicity_events",
        verbose_name=_("organizer"),
    )
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    reach = models.PositiveIntegerField(_("people reached"), default=0)
    link = models.URLField(_("link"), blank=True)
    description = models.TextField(_("description"), blank=True)
    published = models.BooleanField(_("shown on the public calendar"), default=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("publicity event")
        verbose_name_plural = _("publicity events")
        indexes = [
            models.Index(fields=["published", "starts_on"]),
            models.Index(fields=["organizer", "starts_on"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("services:event_detail", self.pk)

    @classmethod
    def scope_public_view(cls):
        return Q(published=True)


class Talent(BaseModel):
    """A person in the IP talent pool: patent agent, IP lawyer, enterprise IP manager. Their
    training history is their `Attendance` rows. Contact details are personal data: the
    history hides them and the public never sees the pool."""

    history_values_private = True

    scope_org_field = "organization"

    name = models.CharField(_("name"), max_length=100, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=TalentKind.choices, db_index=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="talents",
        verbose_name=_("organization"),
    )
    qualification = models.CharField(_("qualification"), max_length=200, blank=True)
    certificate_number = models.CharField(
        _("qualification certificate number"), max_length=100, blank=True, db_index=True
    )
    qualified_on = models.DateField(_("qualified on"), null=True, blank=True)
    specialties = models.CharField(_("specialties"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("talent")
        verbose_name_plural = _("talent pool")
        indexes = [models.Index(fields=["organization", "kind"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("services:talent_detail", self.pk)


class Course(BaseModel):
    """A training course (培训班) with its hours; attendees are `Attendance` rows."""

    scope_org_field = "organizer"

    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    organizer = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="training_courses",
        verbose_name=_("organizer"),
    )
    starts_on = models.DateField(_("starts on"), db_index=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    hours = models.DecimalField(
        _("hours"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    issues_certificates = models.BooleanField(_("issues certificates"), default=False)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        indexes = [models.Index(fields=["organizer", "starts_on"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("services:course_detail", self.pk)

    @classmethod
    def scope_public_view(cls):
        # Courses are announced to everyone who reads courses (enterprises enrol their staff);
        # the attendances stay with the organizer and the attendee's organization.
        return Q(pk__isnull=False)


class Attendance(BaseModel):
    """One attendee of a course: a person of the talent pool or named here, with their
    organization, the hours attended and the certificate issued."""

    scope_org_field = ("course__organizer", "organization")

    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("course"),
    )
    talent = models.ForeignKey(
        Talent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("talent"),
    )
    name = models.CharField(_("name"), max_length=100)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_attendances",
        verbose_name=_("organization"),
    )
    hours = models.DecimalField(_("hours attended"), max_digits=6, decimal_places=1)
    passed = models.BooleanField(_("passed"), default=True)
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["course", "name", "pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "talent"],
                condition=models.Q(talent__isnull=False),
                name="services_attendance_once_per_talent",
            )
        ]
        indexes = [models.Index(fields=["organization", "course"])]

    def __str__(self):
        return f"{self.name} – {self.course}"
