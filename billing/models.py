from django.db import models

from rooms.models import Room, Stay


class CallRecord(models.Model):
    """One call the PBX reported (NewCdr), kept exactly once per (PBX serial, call id).

    Rating into folio charges builds on these rows; the room and stay are resolved when it arrives.
    """

    pbx_serial = models.CharField(max_length=32)
    callid = models.CharField(max_length=64)
    started_at = models.DateTimeField(null=True, blank=True, help_text="timestart, converted from PBX time")
    call_type = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16, blank=True)
    caller = models.CharField(max_length=64, blank=True)
    callee = models.CharField(max_length=64, blank=True)
    call_seconds = models.PositiveIntegerField(default=0)
    talk_seconds = models.PositiveIntegerField(default=0)
    trunk = models.CharField(max_length=64, blank=True)
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="call_records"
    )
    stay = models.ForeignKey(
        Stay, null=True, blank=True, on_delete=models.PROTECT, related_name="call_records"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["pbx_serial", "callid"], name="one_record_per_pbx_call")
        ]

    def __str__(self) -> str:
        return f"{self.call_type} {self.caller} -> {self.callee} ({self.talk_seconds}s)"
