"""Writes for wake-up calls: set, change, cancel, outcomes, escalation and acknowledgement.

PBX alarms are changed only through the wake-up calls of hotelpbx.pbx.commands (outbox rows in the same
transaction).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hotelpbx.core.audit import audit_record
from hotelpbx.pbx import commands, wakeup_ops
from hotelpbx.pbx.config import PbxConfig
from rooms.models import Room, Stay, StayStatus

from . import signals, timing
from .errors import InvalidWakeupTransition, WakeupRuleError
from .models import (
    OPEN_STATUSES,
    TRANSITIONS,
    AttemptResult,
    Recurrence,
    WakeupAlert,
    WakeupAttempt,
    WakeupCall,
    WakeupMode,
    WakeupSource,
    WakeupStatus,
)

S = WakeupStatus
CDR_RESULTS = {
    "ANSWERED": AttemptResult.ANSWERED,
    "VOICEMAIL": AttemptResult.NO_ANSWER,  # a wake-up that reached voicemail woke nobody
    "NO ANSWER": AttemptResult.NO_ANSWER,
    "BUSY": AttemptResult.BUSY,
    "FAILED": AttemptResult.FAILED,
}
FINAL_FOR_RESULT = {
    AttemptResult.NO_ANSWER: S.NO_ANSWER,
    AttemptResult.BUSY: S.BUSY,
    AttemptResult.FAILED: S.FAILED,
}


def transition(wakeup: WakeupCall, to: str) -> None:
    """Move along the status machine; an edge it does not have is refused."""
    if to not in TRANSITIONS[WakeupStatus(wakeup.status)]:
        raise InvalidWakeupTransition(
            f"A wake-up that is {wakeup.get_status_display().lower()} cannot become "
            f"{WakeupStatus(to).label.lower()}."
        )
    before, wakeup.status = wakeup.status, to
    if before != to:
        signals.wakeup_status_changed.send(sender=WakeupCall, wakeup=wakeup, from_status=before, to_status=to)


def prompt_for(language: str) -> str:
    return settings.WAKEUP_PROMPTS.get(language or "", settings.WAKEUP_DEFAULT_PROMPT)


def _days(first: date, last: date, recurrence: str, weekdays: tuple[int, ...]) -> list[date]:
    if recurrence == Recurrence.ONCE:
        return [first]
    days, day = [], first
    while day <= last:
        if recurrence == Recurrence.DAILY or day.weekday() in weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def _check_policy(attempts: int, interval: int) -> None:
    if not 1 <= attempts <= 3:
        raise WakeupRuleError("Attempts must be 1, 2 or 3.")
    if not 1 <= interval <= 60:
        raise WakeupRuleError("The interval between attempts must be 1 to 60 minutes.")


def _check_moment(stay: Stay, day: date, moment: datetime, now: datetime) -> None:
    if moment <= now:
        raise WakeupRuleError(f"{day:%d %b} at that time has already passed: choose a later time.")
    if moment < now + timedelta(seconds=settings.WAKEUP_MIN_LEAD_SECONDS):
        minutes = settings.WAKEUP_MIN_LEAD_SECONDS // 60
        raise WakeupRuleError(
            f"A wake-up must be at least {minutes} minutes ahead; call the room now instead."
        )
    if not stay.arrival <= day <= stay.departure:
        raise WakeupRuleError(
            f"{day:%d %b} is outside the stay ({stay.arrival:%d %b} to {stay.departure:%d %b})."
        )


def _refuse_alarm_clash(
    room: Room, clock: time, days: set[date], repeated: bool, *, itself: Q | None = None
) -> None:
    """The PBX keeps one alarm per extension and clock time: a repeated wake-up (or one on the same day)
    at the time of another would overwrite it there. `itself`: the rows of the wake-up being changed."""
    wanted = clock.strftime("%H:%M")
    others = WakeupCall.objects.filter(room=room, mode=WakeupMode.ALARM, status__in=OPEN_STATUSES)
    if itself is not None:
        others = others.exclude(itself)
    for other in others:
        local = timezone.localtime(other.due_at, timing.hotel_zone())
        if local.strftime("%H:%M") == wanted and (repeated or other.series or local.date() in days):
            raise WakeupRuleError(
                f"Room {room.number} already has a wake-up at {wanted} on {local:%d %b}: "
                "change or cancel that one."
            )


def wakeup_set(
    *,
    stay: Stay,
    clock: time,
    day: date,
    recurrence: str = Recurrence.ONCE,
    weekdays: tuple[int, ...] = (),
    attempts: int | None = None,
    interval_minutes: int | None = None,
    mode: str | None = None,
    language: str | None = None,
    by=None,
    source: str = WakeupSource.DESK,
) -> list[WakeupCall]:
    """Set a wake-up (once, every day of the stay from `day`, or chosen weekdays). Returns its rows; a
    row's `note` says what a DST change made of the time."""
    attempts = settings.WAKEUP_DEFAULT_ATTEMPTS if attempts is None else int(attempts)
    interval = settings.WAKEUP_DEFAULT_INTERVAL_MINUTES if interval_minutes is None else int(interval_minutes)
    _check_policy(attempts, interval)
    if recurrence not in Recurrence.values:
        raise WakeupRuleError(f"Unknown repetition {recurrence!r}.")
    weekdays = tuple(sorted(set(int(d) for d in weekdays)))
    if recurrence == Recurrence.WEEKDAYS and (not weekdays or any(not 0 <= d <= 6 for d in weekdays)):
        raise WakeupRuleError("Choose at least one weekday.")
    mode = mode or settings.WAKEUP_MODE
    if mode not in WakeupMode.values:
        raise WakeupRuleError(f"Unknown wake-up mode {mode!r}.")
    with transaction.atomic():
        stay = Stay.objects.select_for_update(of=("self",)).select_related("guest", "room").get(pk=stay.pk)
        if stay.status not in (StayStatus.IN_HOUSE, StayStatus.RESERVED) or stay.room is None:
            raise WakeupRuleError("Wake-ups are set for a guest who is in house or booked into a room.")
        now = timezone.now()
        days = _days(day, stay.departure, recurrence, weekdays)
        moments = [(d, timing.local_to_utc(d, clock)) for d in days]
        if recurrence == Recurrence.ONCE:
            _check_moment(stay, day, moments[0][1].at, now)
        else:
            if not stay.arrival <= day <= stay.departure:
                _check_moment(stay, day, moments[0][1].at if moments else now, now)
            lead = now + timedelta(seconds=settings.WAKEUP_MIN_LEAD_SECONDS)
            moments = [(d, m) for d, m in moments if m.at >= lead]
            if not moments:
                raise WakeupRuleError("No day of the stay is left for that wake-up time.")
        if mode == WakeupMode.ALARM:
            _refuse_alarm_clash(stay.room, clock, {d for d, _ in moments}, recurrence != Recurrence.ONCE)
        language = language or stay.guest.language
        series = uuid.uuid4() if recurrence != Recurrence.ONCE else None
        rows = [
            WakeupCall.objects.create(
                room=stay.room,
                stay=stay,
                series=series,
                recurrence=recurrence,
                weekdays=",".join(str(d) for d in weekdays),
                due_at=moment.at,
                language=language,
                prompt=prompt_for(language),
                attempts_allowed=attempts,
                interval_minutes=interval,
                mode=mode,
                source=source,
                set_by=by if getattr(by, "is_authenticated", False) else None,
                note=moment.note,
                next_action_at=now,
            )
            for _, moment in moments
        ]
        if series and mode == WakeupMode.ALARM:  # one everyday/custom PBX alarm serves every day
            from . import repeats

            repeats.create(stay=stay, rows=rows, clock=clock, recurrence=recurrence, weekdays=weekdays)
        local = timezone.localtime(rows[0].due_at, timing.hotel_zone())
        audit_record(
            actor=by,
            action="wakeup.set",
            source=source,
            room=stay.room,
            obj=rows[0],
            summary=f"Wake-up for room {stay.room.number} at {local:%H:%M} from {local:%d %b}"
            + (f" ({Recurrence(recurrence).label.lower()}, {len(rows)} days)" if series else ""),
        )
    return rows


def _take_off_pbx(wakeup: WakeupCall, reason: str) -> None:
    if wakeup.repeat_id:  # a day of a repeated wake-up: its alarm decides what the PBX keeps
        from . import repeats

        repeats.nudge(wakeup.repeat_id)
    elif wakeup.pbx_time and wakeup.pbx_extension and wakeup.status in (S.PUSHED, S.CONFIRMED):
        commands.drop_wakeup_alarm(wakeup.pbx_extension, time_hhmm=wakeup.pbx_time, reason=reason)
    wakeup.pbx_time = wakeup.pbx_alarm_id = ""
    wakeup.push_command_id = wakeup.check_command_id = None
    wakeup.pushed_at = wakeup.confirmed_at = None


def _locked(wakeup: WakeupCall) -> WakeupCall:
    return WakeupCall.objects.select_for_update(of=("self",)).select_related("room", "stay").get(pk=wakeup.pk)


def wakeup_change(
    *,
    wakeup: WakeupCall,
    day: date | None = None,
    clock: time | None = None,
    attempts: int | None = None,
    interval_minutes: int | None = None,
    by=None,
) -> WakeupCall:
    """A new day and time, or a new retry policy (attempts, interval), for a wake-up not yet rung; what
    is not given stays. The PBX alarm is deleted and pushed again with the change."""
    if wakeup.repeat_id:
        return _change_repeated(wakeup, day, clock, attempts, interval_minutes, by)
    with transaction.atomic():
        wakeup = _locked(wakeup)
        if wakeup.status not in (S.SCHEDULED, S.PUSHED, S.CONFIRMED):
            raise WakeupRuleError("Only a wake-up that has not rung yet can be changed.")
        local = timezone.localtime(wakeup.due_at, timing.hotel_zone())
        day = local.date() if day is None else day
        clock = local.time().replace(second=0, microsecond=0) if clock is None else clock
        attempts = wakeup.attempts_allowed if attempts is None else int(attempts)
        interval = wakeup.interval_minutes if interval_minutes is None else int(interval_minutes)
        _check_policy(attempts, interval)
        moment = timing.local_to_utc(day, clock)
        now = timezone.now()
        if wakeup.stay is not None:
            _check_moment(wakeup.stay, day, moment.at, now)
        if wakeup.mode == WakeupMode.ALARM:
            _refuse_alarm_clash(wakeup.room, clock, {day}, False, itself=Q(pk=wakeup.pk))
        _take_off_pbx(wakeup, "wake-up changed")
        transition(wakeup, S.SCHEDULED)
        wakeup.due_at, wakeup.note, wakeup.next_action_at = moment.at, moment.note, now
        wakeup.attempts_allowed, wakeup.interval_minutes = attempts, interval
        wakeup.pushes = 0
        wakeup.save()
        audit_record(
            actor=by,
            action="wakeup.change",
            room=wakeup.room,
            obj=wakeup,
            summary=f"Wake-up for room {wakeup.room.number} moved to {day:%d %b} {clock:%H:%M}"
            f" ({attempts} attempt(s) every {interval} min)",
        )
    return wakeup


def _change_repeated(
    wakeup: WakeupCall, day: date | None, clock: time | None, attempts, interval_minutes, by
) -> WakeupCall:
    """One PBX alarm rings every day of a repeated wake-up, so a new time or policy is for all its days."""
    from . import repeats

    if wakeup.status not in (S.SCHEDULED, S.PUSHED, S.CONFIRMED):
        raise WakeupRuleError("Only a wake-up that has not rung yet can be changed.")
    zone = timing.pbx_zone() if wakeup.repeat.zone == "pbx" else timing.hotel_zone()
    local = timezone.localtime(wakeup.due_at, zone)
    if day is not None and local.date() != day:
        raise WakeupRuleError(
            "A repeated wake-up changes its time for all its days; to move one day, cancel that day "
            "and set a one-time wake-up."
        )
    repeats.change(
        wakeup=wakeup,
        clock=local.time().replace(second=0, microsecond=0) if clock is None else clock,
        attempts=attempts,
        interval_minutes=interval_minutes,
        by=by,
    )
    wakeup.refresh_from_db()
    return wakeup


def wakeup_cancel(*, wakeup: WakeupCall, by=None, reason: str = "") -> WakeupCall:
    with transaction.atomic():
        wakeup = _locked(wakeup)
        if wakeup.status not in (S.SCHEDULED, S.PUSHED, S.CONFIRMED):
            raise WakeupRuleError("Only a wake-up that has not rung yet can be cancelled.")
        _take_off_pbx(wakeup, "wake-up cancelled")
        transition(wakeup, S.CANCELLED)
        wakeup.next_action_at = None
        wakeup.note = reason[:255]
        wakeup.save()
        audit_record(
            actor=by,
            action="wakeup.cancel",
            room=wakeup.room,
            obj=wakeup,
            summary=f"Wake-up for room {wakeup.room.number} cancelled" + (f": {reason}" if reason else ""),
        )
    return wakeup


# --- escalation ----------------------------------------------------------------------------------------


def raise_alert(wakeup: WakeupCall, reason: str, *, reopen: bool = False) -> WakeupAlert:
    """An alert on every desk page until a named person acknowledges it (the row is saved by the caller).
    `reopen`: the wake-up has now failed, so an earlier warning the desk acknowledged (at risk) is raised
    again: acknowledging a warning is not handling the failure (that acknowledgement stays in the audit)."""
    alert, created = WakeupAlert.objects.get_or_create(wakeup=wakeup, defaults={"reason": reason[:255]})
    if not created and alert.acknowledged_at is not None and reopen:
        alert.reason, alert.raised_at, alert.to_manager_at = reason[:255], timezone.now(), None
        alert.manager_call_command_id = None  # a new failure: the manager is rung again if it goes unanswered
        alert.acknowledged_by = alert.acknowledged_at = None
        alert.action_taken = ""
        alert.save()
    elif not created and alert.acknowledged_at is None and alert.reason != reason:
        alert.reason = reason[:255]
        alert.save(update_fields=["reason"])
    return alert


def escalate(wakeup: WakeupCall, reason: str) -> None:
    """The wake-up failed or cannot happen: status escalated, and an alert for the desk."""
    transition(wakeup, S.ESCALATED)
    wakeup.next_action_at = None
    wakeup.outcome_at = wakeup.outcome_at or timezone.now()
    wakeup.note = reason[:255]
    wakeup.save()
    alert = raise_alert(wakeup, reason, reopen=True)
    _call_desk(wakeup, alert)


def _call_desk(wakeup: WakeupCall, alert: WakeupAlert) -> None:
    """Optionally ring the front desk's extension and connect it to the room (once per alert)."""
    desk = settings.WAKEUP_ESCALATION_DESK_EXTENSION
    if not desk or alert.desk_call_command_id is not None or not PbxConfig.link_enabled():
        return
    command = commands.call_desk(
        desk, callee=wakeup.room.extension, reason=f"wake-up room {wakeup.room.number} escalated"
    )
    alert.desk_call_command_id = command.pk
    alert.save(update_fields=["desk_call_command_id"])


def alert_to_manager(alert_pk: int, now: datetime) -> bool:
    """Nobody at the desk acknowledged the alert in time: it goes to the manager (once). Managers see it
    as theirs on every page; the manager's extension, when set, is rung and connected to the room through
    the same dial path as the desk's; partners hear it as a second `wakeup.escalated` (to the manager)."""
    with transaction.atomic():
        claimed = WakeupAlert.objects.filter(
            pk=alert_pk, acknowledged_at__isnull=True, to_manager_at__isnull=True
        ).update(to_manager_at=now)
        if not claimed:
            return False  # acknowledged meanwhile, or another dispatcher took it
        alert = WakeupAlert.objects.select_related("wakeup__room").get(pk=alert_pk)
        wakeup = alert.wakeup
        called = _call_manager(wakeup, alert)
        minutes = settings.WAKEUP_MANAGER_AFTER_MINUTES
        audit_record(
            actor=None,
            action="wakeup.to_manager",
            room=wakeup.room,
            obj=wakeup,
            summary=f"Wake-up alert for room {wakeup.room.number} unanswered for {minutes} min: sent to the "
            f"manager; {called}",
        )
        signals.wakeup_alert_to_manager.send(sender=WakeupCall, wakeup=wakeup, alert=alert)
    return True


def _call_manager(wakeup: WakeupCall, alert: WakeupAlert) -> str:
    """Ring the manager's extension and connect it to the room, if one is set; says what it did."""
    manager = settings.WAKEUP_ESCALATION_MANAGER_EXTENSION
    if not manager:
        return "no manager extension is set, nobody called"
    if not PbxConfig.link_enabled():
        return f"manager extension {manager} not called: no PBX link is configured"
    command = commands.call_desk(
        manager, callee=wakeup.room.extension, reason=f"wake-up room {wakeup.room.number} sent to the manager"
    )
    alert.manager_call_command_id = command.pk
    alert.save(update_fields=["manager_call_command_id"])
    return f"calling manager extension {manager}"


def alert_acknowledge(*, alert: WakeupAlert, by, action_taken: str) -> WakeupAlert:
    if not getattr(by, "is_authenticated", False):
        raise WakeupRuleError("Sign in: an alert is acknowledged by a named person.")
    action_taken = (action_taken or "").strip()
    if not action_taken:
        raise WakeupRuleError("Write what was done for the guest (e.g. 'went to the room, guest awake').")
    with transaction.atomic():
        alert = (
            WakeupAlert.objects.select_for_update(of=("self",))
            .select_related("wakeup__room")
            .get(pk=alert.pk)
        )
        if alert.acknowledged_at is not None:
            raise WakeupRuleError(
                f"Already acknowledged by {alert.acknowledged_by} at {alert.acknowledged_at:%H:%M}."
            )
        alert.acknowledged_by, alert.acknowledged_at = by, timezone.now()
        alert.action_taken = action_taken[:2000]
        alert.save()
        wakeup = _locked(alert.wakeup)
        if wakeup.status == S.ESCALATED:
            transition(wakeup, S.HANDLED)
            wakeup.save()
        audit_record(
            actor=by,
            action="wakeup.acknowledge",
            room=wakeup.room,
            obj=wakeup,
            summary=f"Wake-up alert for room {wakeup.room.number} handled: {action_taken}",
        )
    return alert


# --- outcomes from the PBX's reports --------------------------------------------------------------------


def _is_room_extension(number: str) -> bool:
    return bool(number) and Room.objects.filter(extension=number).exists()


def _ring_window(wakeup: WakeupCall) -> tuple[datetime, datetime]:
    last_ring = wakeup.due_at + timedelta(minutes=wakeup.interval_minutes * (wakeup.attempts_allowed - 1))
    return wakeup.due_at - timedelta(minutes=2), last_ring + timedelta(
        seconds=settings.WAKEUP_RESULT_GRACE_SECONDS
    )


def record_alarm_call(
    *, extension: str, caller: str, callid: str, started_at: datetime | None, status: str
) -> str:
    """A call record of a call to a room: if it is the PBX's alarm call of a wake-up, it is an attempt.
    Returns what it did (for logs and tests)."""
    if started_at is None or not callid:
        return "ignored"
    wanted_caller = settings.WAKEUP_ALARM_CALLER
    if (wanted_caller and caller != wanted_caller) or (not wanted_caller and _is_room_extension(caller)):
        return "not an alarm call"
    result = CDR_RESULTS.get(status.upper())
    if result is None:
        return "ignored"
    candidates = WakeupCall.objects.filter(
        pbx_extension=extension,
        mode=WakeupMode.ALARM,
        status__in=[S.PUSHED, S.CONFIRMED, S.RINGING, S.NO_RESULT, S.ESCALATED],
        due_at__lte=started_at + timedelta(minutes=2),
        due_at__gte=started_at - timedelta(hours=3),
    ).order_by("-due_at")
    for wakeup in candidates:
        start, end = _ring_window(wakeup)
        if start <= started_at <= end:
            return _attempt(wakeup.pk, callid=callid, at=started_at, result=result, detail=status)
    return "no wake-up in its window"


def _attempt(pk: int, *, callid: str, at: datetime, result: str, detail: str) -> str:
    with transaction.atomic():
        wakeup = WakeupCall.objects.select_for_update(of=("self",)).select_related("room").get(pk=pk)
        _, created = WakeupAttempt.objects.get_or_create(
            wakeup=wakeup, callid=callid[:64], defaults={"at": at, "result": result, "detail": detail[:120]}
        )
        if not created:
            return "repeated"
        if wakeup.status == S.ESCALATED:
            local = timezone.localtime(at, timing.hotel_zone())
            wakeup.note = f"{wakeup.note} / later the PBX reported: {detail} at {local:%H:%M}"[:255]
            wakeup.save(update_fields=["note", "updated_at"])
            return "late report"
        if wakeup.status in (S.PUSHED, S.CONFIRMED):
            transition(wakeup, S.RINGING)
        if result == AttemptResult.ANSWERED:
            transition(wakeup, S.ANSWERED)
            wakeup.next_action_at, wakeup.outcome_at, wakeup.note = None, timezone.now(), ""
            wakeup.save()
            return "answered"
        failures = wakeup.attempts.exclude(result=AttemptResult.ANSWERED).count()
        if failures >= wakeup.attempts_allowed:
            transition(wakeup, FINAL_FOR_RESULT[result])
            escalate(
                wakeup, f"Not answered after {failures} call(s) ({detail.lower()}): go or call the room."
            )
            return "escalated"
        wakeup.save()
        return "attempt"


# --- the room's stay moves or ends ------------------------------------------------------------------------


def follow_move(*, stay: Stay, to_room: Room, by=None) -> int:
    """Open wake-ups go with the guest: the old room's alarms were cleared with its check-out; they are
    pushed again to the new room's phone."""
    from . import repeats

    repeats.move(stay, to_room)  # first: the alarms are locked before their days, as the dispatcher does
    moved = 0
    for wakeup in WakeupCall.objects.select_for_update().filter(stay=stay, status__in=OPEN_STATUSES):
        if wakeup.status == S.RINGING:
            continue
        wakeup.room = to_room
        _forget_pbx_copy(wakeup)
        transition(wakeup, S.SCHEDULED)
        wakeup.next_action_at = timezone.now()
        wakeup.pushes = 0
        wakeup.save()
        moved += 1
    return moved


LOST_ROOM = "the reservation has no room any more: set the wake-up again once it has one"


def follow_room(*, stay: Stay, by=None) -> int:
    """A reservation's room changed (or it was checked in to another room): its open wake-ups go to the
    stay's room. An alarm already pushed to the old room's phone is deleted there (no check-out cleared
    it) and pushed to the new one by the dispatcher, under the same 24 h rule. A reservation left without
    a room cancels them, and the desk is told."""
    from . import repeats

    rows = WakeupCall.objects.select_for_update().filter(stay=stay, status__in=OPEN_STATUSES)
    if stay.room_id is None:
        repeats.end_for_stay(stay, "reservation lost its room")  # first: alarms before their days
        cancelled = [w for w in rows.order_by("due_at") if w.status != S.RINGING]
        for wakeup in cancelled:
            _take_off_pbx(wakeup, "reservation lost its room")
            transition(wakeup, S.CANCELLED)
            wakeup.next_action_at, wakeup.note = None, LOST_ROOM
            wakeup.save()
        if cancelled:  # one alert (not one per day): a person must set it again
            raise_alert(cancelled[0], f"Wake-up of {stay.guest.full_name} cancelled: {LOST_ROOM}.")
        return len(cancelled)
    elsewhere = [w for w in rows.exclude(room_id=stay.room_id) if w.status != S.RINGING]
    if not elsewhere:
        return 0
    _refuse_clash_in_new_room(stay, elsewhere)
    repeats.move(stay, stay.room)  # first: the alarms are locked before their days
    for wakeup in elsewhere:
        _take_off_pbx(wakeup, "wake-up follows the reservation's room")
        wakeup.room, wakeup.pbx_extension = stay.room, ""
        transition(wakeup, S.SCHEDULED)
        wakeup.next_action_at, wakeup.pushes = timezone.now(), 0
        wakeup.save()
    audit_record(
        actor=by,
        action="wakeup.change",
        room=stay.room,
        obj=elsewhere[0],
        summary=f"Wake-ups of {stay.guest.full_name} follow the reservation to room {stay.room.number}",
    )
    return len(elsewhere)


def _spans(rows) -> dict[tuple, tuple[date, date]]:
    """(HH:MM, request) -> first and last local day of a wake-up's open days (a series is one request)."""
    zone, spans = timing.hotel_zone(), {}
    for row in rows:
        local = timezone.localtime(row.due_at, zone)
        key = (f"{local:%H:%M}", row.series or row.pk)
        first, last = spans.get(key, (local.date(), local.date()))
        spans[key] = (min(first, local.date()), max(last, local.date()))
    return spans


DAY = timedelta(days=1)


def _refuse_clash_in_new_room(stay: Stay, moving: list[WakeupCall]) -> None:
    """The new room's phone keeps one alarm per time: another wake-up there at the same time during the
    same days would overwrite it (or be overwritten), so the room change is refused and nothing changes.
    The day before and after count too (an alarm is pushed up to 24 h ahead and removed after its last
    repeat); wake-ups of other days (a later guest's) cannot meet on the PBX and do not count."""
    mine = _spans(w for w in moving if w.mode == WakeupMode.ALARM)
    if not mine:
        return
    others = WakeupCall.objects.filter(room=stay.room, mode=WakeupMode.ALARM, status__in=OPEN_STATUSES)
    theirs = _spans(others.exclude(stay=stay))
    for (clock, _), (first, last) in mine.items():
        for (other_clock, _), (other_first, other_last) in theirs.items():
            if clock == other_clock and first <= other_last + DAY and other_first <= last + DAY:
                raise WakeupRuleError(
                    f"The wake-up of {stay.guest.full_name} at {clock} cannot follow to room "
                    f"{stay.room.number}: that room already has a wake-up at {clock} on "
                    f"{other_first:%d %b}. Change or cancel one of them first."
                )


def follow_dates(*, stay: Stay) -> None:
    """The stay's departure moved: repeated wake-ups end with it (or go on to the new last day)."""
    from . import repeats

    repeats.follow_dates(stay)


def _forget_pbx_copy(wakeup: WakeupCall) -> None:
    wakeup.pbx_extension = wakeup.pbx_time = wakeup.pbx_alarm_id = ""
    wakeup.push_command_id = wakeup.check_command_id = None
    wakeup.pushed_at = wakeup.confirmed_at = None


def end_with_stay(*, stay: Stay, by=None, reason: str = "guest checked out") -> int:
    """Check-out (or a cancelled reservation): the PBX's hotel/checkout deleted the room's alarms; the
    hotel's records follow, and repeated alarms are deleted too (harmless when already gone)."""
    from . import repeats

    repeats.end_for_stay(stay, reason)  # first: the alarms are locked before their days
    ended = 0
    for wakeup in WakeupCall.objects.select_for_update().filter(stay=stay, status__in=OPEN_STATUSES):
        if wakeup.status == S.RINGING:
            continue
        transition(wakeup, S.CANCELLED)
        wakeup.next_action_at = None
        wakeup.note = reason
        wakeup.save()
        ended += 1
    return ended


# --- confirmed mode: the app rang the room with a prompt (playprompt) -----------------------------------

NOT_A_FAILURE = (AttemptResult.ANSWERED, AttemptResult.KEY)


class CallNotYetKnown(Exception):
    """A report of a call whose ring command is still being sent: processed again shortly (the
    report stays received and is retried), so no report of a wake-up call is lost to a race."""


def _ringing_wakeup_for_call(callid: str, extension: str = "") -> WakeupCall | None:
    if not callid:
        return None
    query = WakeupCall.objects.select_for_update(of=("self",)).select_related("room")
    wakeup = query.filter(ring_callid=callid, mode=WakeupMode.CONFIRMED).first()
    if wakeup is None:
        command_id = wakeup_ops.ring_command_for_call(callid)
        if command_id is not None:
            wakeup = query.filter(ring_command_id=command_id, mode=WakeupMode.CONFIRMED).first()
    if wakeup is None and extension and wakeup_ops.ring_in_flight(extension):
        raise CallNotYetKnown(f"call {callid} to {extension}: its ring command is still being sent")
    if wakeup is None or wakeup.status != S.RINGING:
        return None
    if not wakeup.ring_callid and wakeup.ring_command_id is not None:
        wakeup.ring_callid = callid[:64]
    return wakeup


def retry_or_end(wakeup: WakeupCall, result: str, detail: str) -> str:
    """After a call that did not get a key: ring again after the interval, or end (escalated, except a
    prompt heard to its end, which ends as 'heard, no key pressed' and is shown as such)."""
    failures = wakeup.attempts.exclude(result__in=NOT_A_FAILURE).count()
    if failures < wakeup.attempts_allowed:
        wakeup.ring_command_id, wakeup.ring_callid = None, ""
        wakeup.next_action_at = timezone.now() + timedelta(minutes=wakeup.interval_minutes)
        wakeup.note = f"call {failures} of {wakeup.attempts_allowed}: {detail.lower()}; trying again"[:255]
        wakeup.save()
        return "retry"
    if result == AttemptResult.HEARD:
        transition(wakeup, S.HEARD)
        wakeup.next_action_at, wakeup.outcome_at = None, timezone.now()
        wakeup.note = "The guest listened to the prompt but pressed no key (the PBX may not report keys)."
        wakeup.save()
        return "heard"
    transition(wakeup, FINAL_FOR_RESULT.get(result, S.FAILED))
    escalate(wakeup, f"Not confirmed after {failures} call(s) ({detail.lower()}): go or call the room.")
    return "escalated"


def record_prompt_call(*, callid: str, result: str, detail: str, digit: str = "", extension: str = "") -> str:
    """A report about a call the app placed for a wake-up: a key, the prompt's end, a failure."""
    with transaction.atomic():
        wakeup = _ringing_wakeup_for_call(callid, extension)
        if wakeup is None:
            return "not a wake-up call"
        attempt, created = WakeupAttempt.objects.get_or_create(
            wakeup=wakeup,
            callid=callid[:64],
            defaults={"at": timezone.now(), "result": result, "detail": detail[:120]},
        )
        if result == AttemptResult.KEY:
            attempt.result, attempt.detail = AttemptResult.KEY, detail[:120]
            attempt.save(update_fields=["result", "detail"])
            return _key_pressed(wakeup, digit)
        if not created and result == AttemptResult.HEARD and attempt.result == AttemptResult.HUNG_UP:
            # the call record was processed before the prompt's end: the guest did hear it all
            attempt.result, attempt.detail = result, detail[:120]
            attempt.save(update_fields=["result", "detail"])
        if not created:
            wakeup.save()
            return "repeated"  # a second report of a call already decided (BYE, CDR after CallFailed ...)
        if result in (AttemptResult.HEARD, AttemptResult.HUNG_UP):
            wakeup.save()
            # a key (or, for a hang-up, the prompt's end processed late) may still follow: the dispatcher
            # decides at the call's deadline, a hang-up then counts as a failed call
            return "heard" if result == AttemptResult.HEARD else "hung up"
        return retry_or_end(wakeup, result, detail)


def _key_pressed(wakeup: WakeupCall, digit: str) -> str:
    if digit == "2" and wakeup.snoozes < settings.WAKEUP_SNOOZE_MAX:
        wakeup.snoozes += 1
        wakeup.ring_command_id, wakeup.ring_callid = None, ""
        wakeup.next_action_at = timezone.now() + timedelta(minutes=wakeup.interval_minutes)
        wakeup.note = f"snoozed ({wakeup.snoozes} of {settings.WAKEUP_SNOOZE_MAX})"
        wakeup.save()
        return "snoozed"
    if digit in ("1", "2"):
        transition(wakeup, S.GUEST_CONFIRMED)
        wakeup.next_action_at, wakeup.outcome_at = None, timezone.now()
        wakeup.note = "" if digit == "1" else "pressed snooze once more than allowed: awake"
        wakeup.save()
        return "confirmed"
    wakeup.save()
    return "other key"
