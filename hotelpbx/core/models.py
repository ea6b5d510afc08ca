from django.conf import settings
from django.db import models


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be changed.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """One row for every staff action: who did what to which thing, and from where."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    source = models.CharField(max_length=16, blank=True)
    room_number = models.CharField(max_length=16, blank=True, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=255)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}: {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")


class SchedulerHeartbeat(models.Model):
    """Heartbeats by name: "beat" every 30 s (/readyz calls the scheduler dead when it goes stale) and
    "worker:<hostname>" from each Celery worker (hotelpbx/core/heartbeats.py)."""

    name = models.CharField(max_length=32, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at}"
