"""An upload on its way into the plan: parsed, shown to a person, corrected, then saved."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DraftKind(models.TextChoices):
    PLAN = "plan", _("Work plan document")
    DIVISION = "division", _("Division of work table")


class PlanDraftQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """A draft is private to the person who uploaded it (and superusers): it holds text that
        nobody has checked yet."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(created_by=user)


class PlanDraft(models.Model):
    """A parsed plan document or division table waiting for review.

    The preview is built from `data` (the parser's draft form, or the division rows with their
    unit matches) so nothing is kept in the session and the page can be reopened, corrected and
    saved later. `plan` is the plan a division table applies to, or the plan a document became;
    `saved_at` is set once the draft has been written, after which it cannot be saved again.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=DraftKind.choices)
    plan = models.ForeignKey(
        "plans.Plan",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="drafts",
        verbose_name=_("work plan"),
    )
    source_name = models.CharField(_("file name"), max_length=255, blank=True)
    source_text = models.TextField(_("source text"), blank=True)
    data = models.JSONField(_("parsed content"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="plan_drafts",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    saved_at = models.DateTimeField(_("saved at"), null=True, blank=True)

    objects = PlanDraftQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import draft")
        verbose_name_plural = _("import drafts")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self):
        return self.source_name or str(self.pk)
