"""Shared building blocks: the base model, background jobs, notifications, the holiday table,
the audit trail."""

import hashlib
import json
import uuid
from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scope import RestrictedQuerySet


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):
    pass


class BaseModel(models.Model):
    """Every business record: timestamps and the permission-aware manager."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        abstract = True


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    INTERRUPTED = "interrupted", _("Interrupted")


class Job(models.Model):
    """A piece of long work run by the worker: an import, an export, a report.

    Live progress and the cancel flag travel through the cache (see core.jobs), because the job's
    own writes may sit in one long transaction that other connections cannot see until it ends.
    """

    FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=JobStatus.choices,
        default=JobStatus.QUEUED,
        db_index=True,
    )
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    log = models.TextField(_("log"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.CharField(max_length=300, blank=True)
    result_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        permissions = [
            ("view_history", _("Can read the change history of all records")),
            ("restore_deleted", _("Can restore deleted records")),
        ]
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self):
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class Notification(models.Model):
    """A message for one user, shown in the bell menu and mailed when SMTP is configured."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self):
        return self.title


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    WORKDAY = "workday", _("Make-up working day")


class Holiday(models.Model):
    """A day that the Chinese calendar library does not know (yet), entered by administrators.

    An entry here overrides the library for that date: a holiday on a weekday, or a make-up
    working day (调休) on a weekend.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=HolidayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class ImportBatchQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """An upload is private to the person who made it (and superusers): it holds raw data
        that has not been checked against anyone's scope yet."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(created_by=user)


class ImportBatch(models.Model):
    """One uploaded file on its way into the database: validated by one background job, written
    all-or-nothing by another. `report` keeps what the preview shows (column mapping, counts,
    every bad row with its reason, a sample of good rows) so the page never re-reads the file.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    format_key = models.CharField(_("import format"), max_length=64)
    original_name = models.CharField(_("file name"), max_length=255)
    stored_file = models.CharField(max_length=300)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batches",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    validate_job = models.ForeignKey(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    commit_job = models.ForeignKey(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    only_valid = models.BooleanField(_("import only the valid rows"), default=False)
    report = models.JSONField(_("validation report"), default=dict, blank=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self):
        return self.original_name


# -- audit trail ---------------------------------------------------------------------------------


class AuditAction(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", _("Signed in")
    LOGIN_PENDING = "login_pending", _("Password accepted, code pending")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGIN_REFUSED = "login_refused", _("Sign-in refused: locked")
    LOGOUT = "logout", _("Signed out")
    SESSION_TIMED_OUT = "session_timed_out", _("Session timed out")
    SESSIONS_REVOKED = "sessions_revoked", _("Sessions revoked")
    PASSWORD_CHANGED = "password_changed", _("Own password changed")
    PASSWORD_RESET = "password_reset", _("Password reset by an administrator")
    USER_CREATED = "user_created", _("User created")
    USER_CHANGED = "user_changed", _("User changed")
    ROLE_CREATED = "role_created", _("Role created")
    ROLE_CHANGED = "role_changed", _("Role changed")
    ROLE_ASSIGNED = "role_assigned", _("Role assigned")
    ROLE_UNASSIGNED = "role_unassigned", _("Role removed from a user")
    EXPORT = "export", _("List exported")
    DOWNLOAD = "download", _("File downloaded")
    SHARED_CASE_VIEWED = "shared_case_viewed", _("Shared case details viewed")
    AUDIT_PRUNED = "audit_pruned", _("Old audit entries removed")
    ADMIN_ADDED = "admin_added", _("Added in the Django admin")
    ADMIN_CHANGED = "admin_changed", _("Changed in the Django admin")
    ADMIN_DELETED = "admin_deleted", _("Deleted in the Django admin")


GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit entry."""


class AuditEntryQuerySet(RestrictedQuerySet):
    """Entries are only ever added, one at a time, by `core.audit.record`. Bulk writes would
    bypass the chain, so they are refused here; pruning goes through `core.audit.prune`."""

    def update(self, **kwargs):
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit entries cannot be deleted; old ones are pruned")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are added one at a time by core.audit.record")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be changed")


class AuditEntry(models.Model):
    """One entry of the append-only audit trail (core/audit.py).

    Each entry's `hash` is SHA-256 over the previous entry's hash followed by a canonical JSON
    of its own fields, so changing or removing an entry breaks the chain at that point
    (`ipcity audit verify`).
    """

    # Reading the audit trail is the audit administrator's duty, over everything.
    scope_org_field = None

    seq = models.PositiveBigIntegerField(_("number"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    # No database constraint and nothing done on delete: the id written (and hashed) stays as it
    # was, even if the account is deleted one day; `actor_username` keeps the name.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(_("kind of record"), max_length=100, blank=True)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # Text, not an inet column: the value hashed is then exactly the value stored, on every
    # database engine.
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = models.Manager.from_queryset(AuditEntryQuerySet)()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["action", "-seq"], name="auditentry_action_seq"),
            models.Index(fields=["actor_username", "-seq"], name="auditentry_actor_seq"),
        ]

    def __str__(self):
        return f"#{self.seq} · {self.get_action_display()} · {self.actor_username or '—'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"audit entry #{self.seq} cannot be changed")
        if not self.hash or self.hash != self.compute_hash():
            raise AppendOnlyError("audit entries are added by core.audit.record")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"audit entry #{self.seq} cannot be deleted")

    def canonical(self) -> str:
        """Every field but the two hashes, as JSON with sorted keys and no spaces; the time in
        UTC with microseconds."""
        payload = {
            "seq": self.seq,
            "at": self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "summary": self.summary,
            "ip": self.ip,
            "details": self.details,
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def compute_hash(self) -> str:
        return hashlib.sha256((self.prev_hash + self.canonical()).encode("utf-8")).hexdigest()


class AuditHead(models.Model):
    """The single row that orders the audit trail: locked by every writer, so entries get
    consecutive numbers, and remembering the latest entry and where the kept chain starts
    (`anchor_seq`, `anchor_prev_hash`: the first entry left after pruning)."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    anchor_seq = models.PositiveBigIntegerField(default=1)
    anchor_prev_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        default_permissions = ()
        verbose_name = _("audit trail head")
        verbose_name_plural = _("audit trail head")

    def __str__(self):
        return f"#{self.anchor_seq}…#{self.last_seq}"
