"""Wake-up calls: one row per wake-up (a repeated request is one row per day, its occurrences), its
attempts, its alert; in alarm mode a repeated request also has one RepeatedAlarm, the single
everyday/custom alarm on the PBX that serves all its days.

The row is the truth: the PBX alarm is a copy pushed through the outbox, confirmed by reading it back,
and the outcome comes from the PBX's reports of the call to the room. `next_action_at` is when the
dispatcher (a beat task) must look at the row again; it claims rows with a compare-and-swap on it.
"""

from django.conf import settings
from django.db import models


class WakeupStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    PUSHED = "pushed", "Sent to the PBX"
    CONFIRMED = "confirmed", "On the PBX, confirmed"
    RINGING = "ringing", "Ringing"
    ANSWERED = "answered", "Answered"
    GUEST_CONFIRMED = "guest_confirmed", "Confirmed by the guest"
    HEARD = "heard", "Heard, no key pressed"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    FAILED = "failed", "Failed"
    NO_RESULT = "no_result", "No result from the PBX"
    CANCELLED = "cancelled", "Cancelled"
    ESCALATED = "escalated", "Escalated to the desk"
    HANDLED = "handled", "Handled by staff"


# The status machine: where each status may go. Anything else is a programming error, refused loudly.
S = WakeupStatus
TRANSITIONS: dict[str, set[str]] = {
    S.SCHEDULED: {S.PUSHED, S.RINGING, S.CANCELLED, S.ESCALATED, S.SCHEDULED},
    S.PUSHED: {S.CONFIRMED, S.PUSHED, S.SCHEDULED, S.RINGING, S.CANCELLED, S.ESCALATED, S.ANSWERED},
    # -> pushed: read back once more before it is due
    S.CONFIRMED: {
        S.RINGING,
        S.SCHEDULED,
        S.PUSHED,
        S.CANCELLED,
        S.ANSWERED,
        S.NO_ANSWER,
        S.BUSY,
        S.NO_RESULT,
    },
    S.RINGING: {
        S.ANSWERED,
        S.GUEST_CONFIRMED,
        S.HEARD,
        S.NO_ANSWER,
        S.BUSY,
        S.FAILED,
        S.NO_RESULT,
        S.RINGING,
    },
    S.ANSWERED: set(),
    S.GUEST_CONFIRMED: set(),
    S.HEARD: {S.ESCALATED},
    S.NO_ANSWER: {S.ESCALATED},
    S.BUSY: {S.ESCALATED},
    S.FAILED: {S.ESCALATED},
    S.NO_RESULT: {S.ESCALATED, S.ANSWERED},
    S.CANCELLED: set(),
    S.ESCALATED: {S.HANDLED, S.ANSWERED},
    S.HANDLED: set(),
}
OPEN_STATUSES = (S.SCHEDULED, S.PUSHED, S.CONFIRMED, S.RINGING)
FAILED_STATUSES = (S.NO_ANSWER, S.BUSY, S.FAILED, S.NO_RESULT, S.HEARD)


class Recurrence(models.TextChoices):
    ONCE = "once", "Once"
    DAILY = "daily", "Every day of the stay"
    WEEKDAYS = "weekdays", "Chosen weekdays"


class WakeupMode(models.TextChoices):
    ALARM = "alarm", "PBX alarm"
    CONFIRMED = "confirmed", "Confirmed by a key"


class WakeupSource(models.TextChoices):
    DESK = "desk", "Front desk"
    API = "api", "API"
    PHONE = "phone", "Room phone"


class WakeupCall(models.Model):
    room = models.ForeignKey("rooms.Room", on_delete=models.PROTECT, related_name="wakeups")
    stay = models.ForeignKey(
        "rooms.Stay", on_delete=models.PROTECT, related_name="wakeups", null=True, blank=True
    )
    series = models.UUIDField(null=True, blank=True, db_index=True, help_text="The request it belongs to.")
    repeat = models.ForeignKey(
        "RepeatedAlarm",
        on_delete=models.PROTECT,
        related_name="occurrences",
        null=True,
        blank=True,
        help_text="Alarm mode, repeated: the one PBX alarm that rings this day.",
    )
    recurrence = models.CharField(max_length=10, choices=Recurrence.choices, default=Recurrence.ONCE)
    weekdays = models.CharField(max_length=20, blank=True, help_text="0 = Monday .. 6 = Sunday.")
    due_at = models.DateTimeField(db_index=True)
    language = models.CharField(max_length=8, blank=True)
    prompt = models.CharField(max_length=64, blank=True)
    attempts_allowed = models.PositiveSmallIntegerField(default=3)
    interval_minutes = models.PositiveSmallIntegerField(default=5)
    mode = models.CharField(max_length=10, choices=WakeupMode.choices, default=WakeupMode.ALARM)
    status = models.CharField(max_length=16, choices=WakeupStatus.choices, default=WakeupStatus.SCHEDULED)
    source = models.CharField(max_length=8, choices=WakeupSource.choices, default=WakeupSource.DESK)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True, help_text="What the desk should know.")
    # the PBX copy
    pbx_extension = models.CharField(max_length=16, blank=True)
    pbx_time = models.CharField(max_length=5, blank=True, help_text="HH:MM in the PBX's zone.")
    pbx_alarm_id = models.CharField(max_length=16, blank=True)
    push_command_id = models.BigIntegerField(null=True, blank=True)
    check_command_id = models.BigIntegerField(null=True, blank=True)
    pushes = models.PositiveSmallIntegerField(default=0)
    # confirmed mode: the app rings the room itself
    ring_command_id = models.BigIntegerField(null=True, blank=True)
    ring_callid = models.CharField(max_length=64, blank=True, db_index=True)
    snoozes = models.PositiveSmallIntegerField(default=0)
    pushed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # the dispatcher
    next_action_at = models.DateTimeField(null=True, blank=True, db_index=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["room", "status"]),
            models.Index(fields=["updated_at", "id"], name="wakeup_updated_idx"),  # partners' cursor pages
        ]

    def __str__(self) -> str:
        return f"wake-up {self.room_id} at {self.due_at:%Y-%m-%d %H:%M} UTC ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def weekdays_label(self) -> str:
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        return ", ".join(
            names[int(d)] for d in self.weekdays.split(",") if d.strip().isdigit() and int(d) < 7
        )

    @property
    def is_failed(self) -> bool:
        return self.status in (*FAILED_STATUSES, WakeupStatus.ESCALATED)


class RepeatState(models.TextChoices):
    WAITING = "waiting", "Not on the PBX"
    PUSHED = "pushed", "Sent to the PBX"
    CONFIRMED = "confirmed", "On the PBX, confirmed"
    ENDED = "ended", "Removed"


class AlarmZone(models.TextChoices):
    HOTEL = "hotel", "Hotel's clock"  # set at the desk or by the API: the hotel's local time
    PBX = "pbx", "PBX's clock"  # keyed on the room phone: the PBX's wall clock


class RepeatedAlarm(models.Model):
    """The one `everyday`/`custom` PBX alarm of a repeated wake-up (alarm mode).

    Its days are the WakeupCall rows pointing at it (each with its own status, attempts and alert). It is
    on the PBX only while its next ring there is the next open day (so it never rings a day early), is
    read back once per day, and is removed when no day is left (stay ended, cancelled). `pbx_*` is what
    the PBX holds now; the time may differ from day to day when the hotel's and the PBX's zones change
    their offsets on different dates (then the alarm is replaced between two days).
    """

    key = models.UUIDField(unique=True, help_text="WakeupCall.series of its days.")
    room = models.ForeignKey("rooms.Room", on_delete=models.PROTECT, related_name="+")
    stay = models.ForeignKey("rooms.Stay", on_delete=models.PROTECT, related_name="repeated_alarms")
    recurrence = models.CharField(max_length=10, choices=Recurrence.choices)
    weekdays = models.CharField(max_length=20, blank=True, help_text="0 = Monday .. 6 = Sunday.")
    clock = models.TimeField(help_text="The wake-up time on the clock of `zone`.")
    zone = models.CharField(max_length=5, choices=AlarmZone.choices, default=AlarmZone.HOTEL)
    prompt = models.CharField(max_length=64, blank=True)
    attempts_allowed = models.PositiveSmallIntegerField(default=3)
    interval_minutes = models.PositiveSmallIntegerField(default=5)
    state = models.CharField(max_length=10, choices=RepeatState.choices, default=RepeatState.WAITING)
    # the PBX copy
    pbx_extension = models.CharField(max_length=16, blank=True)
    pbx_time = models.CharField(max_length=5, blank=True, help_text="HH:MM in the PBX's zone.")
    pbx_kind = models.CharField(max_length=10, blank=True, help_text="everyday / custom")
    pbx_weekdays = models.CharField(
        max_length=20, blank=True, help_text="Days on the PBX's calendar, 0 = Monday (custom alarms)."
    )
    pbx_alarm_id = models.CharField(max_length=16, blank=True)
    push_command_id = models.BigIntegerField(null=True, blank=True)
    check_command_id = models.BigIntegerField(null=True, blank=True)
    pushes = models.PositiveSmallIntegerField(default=0)
    pushed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    next_action_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=40, blank=True, help_text="Why it was removed.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"repeated alarm {self.pbx_kind or self.recurrence} room {self.room_id} ({self.state})"

    @property
    def weekday_list(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.weekdays.split(",") if d.strip().isdigit())


class AttemptResult(models.TextChoices):
    ANSWERED = "answered", "Answered"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    FAILED = "failed", "Failed"
    HEARD = "heard", "Prompt heard"
    KEY = "key", "Key pressed"
    # confirmed mode: the call record says ANSWERED but the PBX never reported the prompt's end
    HUNG_UP = "hung_up", "Answered, hung up before the end of the message"


class WakeupAttempt(models.Model):
    """One call to the room, with what the PBX said about it."""

    wakeup = models.ForeignKey(WakeupCall, on_delete=models.CASCADE, related_name="attempts")
    callid = models.CharField(max_length=64)
    at = models.DateTimeField()
    result = models.CharField(max_length=10, choices=AttemptResult.choices)
    detail = models.CharField(max_length=120, blank=True, help_text="The PBX's own words.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["wakeup", "callid"], name="one_attempt_per_call")]

    def __str__(self) -> str:
        return f"{self.wakeup_id} {self.callid} {self.result}"


class WakeupAlert(models.Model):
    """A failed or endangered wake-up that a named person must acknowledge, saying what was done."""

    wakeup = models.OneToOneField(WakeupCall, on_delete=models.CASCADE, related_name="alert")
    reason = models.CharField(max_length=255)
    raised_at = models.DateTimeField(auto_now_add=True, db_index=True)
    to_manager_at = models.DateTimeField(null=True, blank=True)
    desk_call_command_id = models.BigIntegerField(
        null=True, blank=True, help_text="The outbox command that rang the desk extension, if any."
    )
    manager_call_command_id = models.BigIntegerField(
        null=True, blank=True, help_text="The outbox command that rang the manager's extension, if any."
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    action_taken = models.TextField(blank=True)

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return f"alert for wake-up {self.wakeup_id}: {self.reason}"

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None


class AlarmSurvey(models.Model):
    """A look at a room's PBX alarms (alarms a guest keyed on the phone are adopted from it)."""

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="+")
    command_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"alarm survey of room {self.room_id}"
