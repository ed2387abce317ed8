"""Explicit sharing of a case's details with another agency, and the log of every view."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.models import BaseModel, RestrictedManager


class CaseShare(BaseModel):
    """The owning agency (or the office) opens a case's full details to another organization.
    Revoking keeps the row (`revoked_at`), so who could see what, and when, stays answerable.
    A transfer to the police shares the case with that police unit automatically."""

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = ("case__agency", "organization")

    case = models.ForeignKey(
        "protection.Case", on_delete=models.CASCADE, related_name="shares", verbose_name=_("case")
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="shared_cases",
        verbose_name=_("shared with"),
    )
    reason = models.CharField(_("reason"), max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case share")
        verbose_name_plural = _("case shares")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organization"],
                condition=Q(revoked_at__isnull=True),
                name="unique_active_share",
            ),
        ]
        indexes = [models.Index(fields=["organization", "revoked_at"])]

    def __str__(self):
        return f"{self.case} → {self.organization}"


class CaseAccessLog(models.Model):
    """One view of a case's details through a share (page, download or API). Append-only.
    The owning agency reads who looked at its case; the office reads all."""

    scope_org_field = "case__agency"

    case = models.ForeignKey(
        "protection.Case",
        on_delete=models.CASCADE,
        related_name="access_log",
        verbose_name=_("case"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    share = models.ForeignKey(
        CaseShare, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("share")
    )
    what = models.CharField(_("what was viewed"), max_length=100)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("shared-case view")
        verbose_name_plural = _("shared-case views")
        indexes = [models.Index(fields=["case", "-at"])]

    def __str__(self):
        return f"{self.case_id} · {self.user_id} · {self.at}"
