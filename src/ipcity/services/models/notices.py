"""Policies and notices published on the public pages."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import NoticeKind


class Notice(BaseModel):
    """A policy, notice, news item or service guide. Drafts are seen by the publisher's users
    only; a published one (`published_on` set and not in the future) by everybody, including
    the public pages. The body is plain text (paragraphs by blank lines), never HTML."""

    scope_org_field = "publisher"

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices, db_index=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    publisher = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("publisher"),
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    published_on = models.DateField(_("published on"), null=True, blank=True, db_index=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    link = models.URLField(_("original link"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-pinned", "-published_on", "-pk"]
        verbose_name = _("policy or notice")
        verbose_name_plural = _("policies and notices")
        indexes = [models.Index(fields=["kind", "published_on"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("services:notice_detail", self.pk)

    @classmethod
    def scope_public_view(cls):
        return Q(published_on__isnull=False, published_on__lte=timezone.localdate())

    @property
    def is_published(self) -> bool:
        return self.published_on is not None and self.published_on <= timezone.localdate()
