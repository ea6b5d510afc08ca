"""The PBX link's rows: the outbox of commands, every report received, and the link's own state.

This app knows nothing of hotels: it speaks of extensions, commands and reports.
"""

from django.db import models
from django.utils import timezone


class PbxLink(models.Model):
    """The one link to the PBX (pk=1): shared token, health and the login guard, for every process."""

    token = models.CharField(max_length=64, blank=True)
    token_obtained_at = models.DateTimeField(null=True, blank=True)
    token_used_at = models.DateTimeField(null=True, blank=True)
    api_version = models.CharField(max_length=8, blank=True)
    serial = models.CharField(max_length=32, blank=True, help_text="Learned from deviceinfo/query.")
    device_info = models.JSONField(default=dict, blank=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_report_at = models.DateTimeField(null=True, blank=True)
    last_cdr_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True, help_text="Last successful API call.")
    last_error = models.CharField(max_length=255, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    down_since = models.DateTimeField(null=True, blank=True, help_text="Set while the PBX cannot be reached.")
    connected_once = models.BooleanField(default=False)
    guard_tripped_at = models.DateTimeField(null=True, blank=True)
    guard_reason = models.CharField(max_length=255, blank=True)
    next_config_slot = models.DateTimeField(null=True, blank=True, help_text="Pacing of configuration calls.")
    cdr_alert = models.CharField(max_length=255, blank=True, help_text="Why call records may be missing.")
    cdr_alert_at = models.DateTimeField(null=True, blank=True)
    report_transport = models.CharField(
        max_length=8, blank=True, help_text="The last login answer's `transport` (v2): HTTP or TCP."
    )
    report_transport_at = models.DateTimeField(null=True, blank=True)
    capabilities = models.JSONField(
        default=dict, blank=True, help_text="Optional API endpoints this PBX answers (path -> true/false)."
    )
    capabilities_checked_at = models.DateTimeField(null=True, blank=True)
    trunks = models.JSONField(default=list, blank=True, help_text="Trunk names, types and states, last read.")
    trunks_checked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "PBX link"

    def __str__(self) -> str:
        return f"PBX link ({'logged in' if self.token else 'logged out'})"

    @classmethod
    def get(cls) -> "PbxLink":
        link, _ = cls.objects.get_or_create(pk=1)
        return link


class LoginAttempt(models.Model):
    """Every login the app tries; the guard counts recent failures across all processes."""

    at = models.DateTimeField(db_index=True)
    ok = models.BooleanField()
    errno = models.CharField(max_length=8, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"login {'ok' if self.ok else 'failed ' + self.errno} at {self.at}"


class CommandStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DONE = "done", "Applied"
    FAILED = "failed", "Failed"
    RESENT = "resent", "Replaced by a re-send"


class CommandOp(models.TextChoices):
    """What an outbox row asks of the PBX (the only place these strings are spelled)."""

    EXTENSION_UPDATE = "extension.update", "Update the extension"  # {"fields": {...}}
    HOTEL_CHECKOUT = "hotel.checkout", "Check-out (hotel/checkout)"  # {}
    EXTENSION_VACATE = "extension.vacate", "Empty the extension, keep its routes"  # {}
    ROUTE_MEMBERS = "outroute.members", "Outbound route membership"  # {"routes": [..], "managed": [..]}


class PbxCommand(models.Model):
    """One change for one extension, written in the same transaction as the change that causes it.

    Commands of an extension are applied strictly in `seq` order; a command that keeps failing
    blocks only its own extension until its retries run out.
    """

    extension = models.CharField(max_length=16)
    seq = models.PositiveBigIntegerField()
    op = models.CharField(max_length=40)
    payload = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=120, blank=True, help_text="Why: check-in, check-out, DND...")
    status = models.CharField(max_length=8, choices=CommandStatus.choices, default=CommandStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_errno = models.CharField(max_length=8, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["extension", "seq"]
        constraints = [models.UniqueConstraint(fields=["extension", "seq"], name="one_seq_per_extension")]
        indexes = [models.Index(fields=["status", "extension", "seq"])]

    def __str__(self) -> str:
        return f"{self.extension}#{self.seq} {self.op} ({self.status})"


class ExtensionSequence(models.Model):
    """The last sequence number given to an extension's commands (row-locked when a command is added)."""

    extension = models.CharField(max_length=16, primary_key=True)
    last_seq = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.extension}: {self.last_seq}"


class EventStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Handler failed"


class PbxEvent(models.Model):
    """Every report the PBX sent, stored raw before the webhook answers 200."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=40, blank=True, db_index=True)
    sn = models.CharField(max_length=32, blank=True)
    callid = models.CharField(max_length=64, blank=True, db_index=True)
    source = models.CharField(max_length=16, default="webhook", help_text="webhook or backfill")
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.RECEIVED)
    reject_reason = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.name or '?'} {self.callid} ({self.status})"


class JobStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class LinkJob(models.Model):
    """A reconciliation or CDR back-fill run, with its progress for the PBX page."""

    class Kind(models.TextChoices):
        RECONCILE = "reconcile", "Reconciliation"
        BACKFILL = "backfill", "CDR back-fill"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    trigger = models.CharField(max_length=40)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    drift = models.PositiveIntegerField(default=0, help_text="Extensions found different from the hotel.")
    repaired = models.PositiveIntegerField(default=0, help_text="Reconciliation: extensions repaired.")
    added = models.PositiveIntegerField(default=0, help_text="CDR back-fill: call records that were missing.")
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    def finish(self, *, error: str = "", **fields) -> "LinkJob":
        """End the run (failed when `error` is given), store its last figures and return it fresh."""
        LinkJob.objects.filter(pk=self.pk).update(
            status=JobStatus.FAILED if error else JobStatus.DONE,
            finished_at=timezone.now(),
            error=error[:255],
            **fields,
        )
        self.refresh_from_db()
        return self


class LinkLock(models.Model):
    """A named lock with a lease, shared by every process through the database (works on SQLite too).

    Taken with a conditional UPDATE (free or expired -> mine), so exactly one process holds it; a holder
    that dies leaves it to expire after its lease.
    """

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"lock {self.name} ({self.holder or 'free'})"


class RouteGap(models.Model):
    """An extension whose outbound routes differ from what the hotel wants, and the PBX cannot be told
    (its firmware has no outroute/update): shown to staff, since the guest may not be able to dial out."""

    extension = models.CharField(max_length=16, primary_key=True)
    missing = models.JSONField(default=list, blank=True, help_text="Wanted routes it is not a member of.")
    extra = models.JSONField(default=list, blank=True, help_text="Routes it should not be a member of.")
    reason = models.CharField(max_length=255, blank=True)
    noted_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["extension"]

    def __str__(self) -> str:
        return f"{self.extension}: missing {', '.join(self.missing) or '-'}"
