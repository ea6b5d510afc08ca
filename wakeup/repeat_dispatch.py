"""Repeated wake-ups in alarm mode, the dispatcher: ONE `everyday` or `custom` PBX alarm serves all the days.

The days are WakeupCall rows (each with its own status, attempts, outcome and alert); the PBX alarm is a
RepeatedAlarm, moved by the dispatcher (beat, compare-and-swap like the days). The PBX alarm carries a
clock time and no date, so one rule decides when it may be on the PBX:

    its next ring on the PBX's clock must be the next open day's due moment.

That gives the one-time rule for the first day (pushed only inside the 24 h before it, never after it
has passed: a day that cannot be reached is escalated by its own row and the alarm is pushed for the
next day instead), keeps an everyday alarm on the PBX from one morning to the next, takes it off when
a day in between was cancelled, and replaces it between two days when the PBX's clock time of the next
day differs (the hotel's and the PBX's zones change their offsets on different dates, or a local time
that a DST change skips). The alarm is read back with `wakeupcall/query` before each day (pushed again
if missing; the day is "on the PBX, confirmed" only then) and removed when no day is left.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotelpbx.pbx import commands, wakeup_ops
from hotelpbx.pbx.config import PbxConfig

from . import repeats, services, timing
from .models import Recurrence, RepeatedAlarm, RepeatState, WakeupCall, WakeupStatus

S = WakeupStatus
R = RepeatState
LEASE = timedelta(seconds=60)
CHECK_AGAIN = timedelta(seconds=5)
MAX_PUSHES = 3
# the PBX rings at HH:MM:00; an alarm applied later than this before it would ring a day late
LAST_PUSH_BEFORE = timedelta(seconds=30)
WAITING_DAY = repeats.WAITING_DAY

# --- the dispatcher --------------------------------------------------------------------------------------


def dispatch_due(now: datetime, limit: int = 2000) -> dict[str, int]:
    counts: dict[str, int] = {}
    due = list(
        RepeatedAlarm.objects.filter(next_action_at__lte=now)
        .order_by("next_action_at", "id")
        .values_list("pk", "next_action_at")[:limit]
    )
    for pk, seen in due:
        lease = timezone.now() + LEASE
        if not RepeatedAlarm.objects.filter(pk=pk, next_action_at=seen).update(next_action_at=lease):
            continue
        outcome = _step(pk, lease)
        counts[f"alarm {outcome}"] = counts.get(f"alarm {outcome}", 0) + 1
    return counts


def _step(pk: int, lease: datetime) -> str:
    with transaction.atomic():
        alarm = (
            RepeatedAlarm.objects.select_for_update(of=("self",)).select_related("room", "stay").get(pk=pk)
        )
        if alarm.next_action_at != lease:
            return "taken"
        return _advance(alarm, timezone.now())


def _save(alarm: RepeatedAlarm, next_at: datetime | None) -> None:
    alarm.next_action_at = next_at
    alarm.save()


def _wanted(alarm: RepeatedAlarm, day: WakeupCall) -> tuple[str, str, tuple[int, ...]]:
    """(time, kind, weekdays on the PBX's calendar) that ring `day` on the PBX's clock."""
    clock = timing.pbx_clock_time(day.due_at)
    if alarm.recurrence != Recurrence.WEEKDAYS:
        return clock, "everyday", ()
    # a chosen weekday is a day on the hotel's calendar: shifted when the PBX's date differs there
    pbx_day = day.due_at.astimezone(timing.pbx_zone()).date()
    shift = (pbx_day - day.due_at.astimezone(repeats.zone_of(alarm)).date()).days
    return clock, "custom", tuple(sorted({(d + shift) % 7 for d in alarm.weekday_list}))


def _on_pbx(alarm: RepeatedAlarm) -> tuple[str, str, tuple[int, ...]]:
    days = tuple(int(d) for d in alarm.pbx_weekdays.split(",") if d.strip().isdigit())
    return alarm.pbx_time, alarm.pbx_kind, days


def _next_ring(wanted: tuple[str, str, tuple[int, ...]], after: datetime) -> datetime | None:
    clock, kind, days = wanted
    return timing.next_pbx_occurrence(clock, after, days if kind == "custom" else ())


def _advance(alarm: RepeatedAlarm, now: datetime) -> str:
    if alarm.state == R.ENDED:
        _save(alarm, None)
        return "idle"
    days = WakeupCall.objects.filter(repeat=alarm).exclude(status=S.CANCELLED)
    following = days.filter(status__in=WAITING_DAY, due_at__gt=now).order_by("due_at").first()
    last_rung = days.filter(due_at__lte=now).order_by("-due_at").first()
    busy_until = _window_end(last_rung) if last_rung is not None else now
    on_pbx = alarm.state in (R.PUSHED, R.CONFIRMED)
    if following is None:
        if on_pbx and now < busy_until:  # the last day may still be ringing its repeats
            _save(alarm, busy_until)
            return "waiting"
        repeats.end(alarm, repeats.NO_DAY_LEFT)
        return "removed"
    wanted = _wanted(alarm, following)
    if on_pbx and (_on_pbx(alarm) != wanted or _next_ring(wanted, now) != following.due_at):
        if now < busy_until:
            _save(alarm, busy_until)
            return "waiting"
        repeats.drop(alarm, "wake-up alarm replaced")
        alarm.state = R.WAITING
        on_pbx = False
    if not on_pbx:
        return _push_when_it_fits(alarm, following, wanted, now)
    if alarm.state == R.PUSHED:
        return _read_back(alarm, following, now)
    # on the PBX and confirmed: read back once for each day, inside the 24 h before it
    if following.status == S.CONFIRMED:
        _save(alarm, following.due_at)
        return "waiting"
    opens = _opens(following)
    if now < opens:
        _save(alarm, opens)
        return "waiting"
    if not PbxConfig.link_enabled():
        _save(alarm, now + timedelta(seconds=60))
        return "no link"
    alarm.check_command_id = commands.query_wakeup_alarms(
        alarm.pbx_extension, reason=f"check wake-up room {alarm.room.number}"
    ).pk
    alarm.state = R.PUSHED
    _mark_pushed(alarm, following, now)
    _save(alarm, now + CHECK_AGAIN)
    return "checking"


def _opens(day: WakeupCall) -> datetime:
    return day.due_at - timedelta(hours=24) + timedelta(seconds=settings.WAKEUP_PUSH_MARGIN_SECONDS)


def _push_when_it_fits(alarm: RepeatedAlarm, day: WakeupCall, wanted, now: datetime) -> str:
    latest = day.due_at - LAST_PUSH_BEFORE
    if now >= latest:  # too late for this day: its own row escalates it; the alarm serves the next day
        _save(alarm, day.due_at + timedelta(seconds=1))
        return "too late"
    ring = _next_ring(wanted, now)
    if ring is not None and ring < day.due_at:  # pushed now it would ring a day early
        _save(alarm, max(ring + timedelta(seconds=1), _opens(day)))
        return "waiting"
    opens = _opens(day)
    if now < opens:
        _save(alarm, opens)
        return "waiting"
    if not PbxConfig.link_enabled():
        _save(alarm, now + timedelta(seconds=60))
        return "no link"
    _push(alarm, day, wanted, now)
    return "pushed"


def _push(alarm: RepeatedAlarm, day: WakeupCall, wanted, now: datetime) -> None:
    clock, kind, weekdays = wanted
    extension = alarm.room.extension
    reason = f"wake-up room {alarm.room.number} {kind} {clock}"
    alarm.push_command_id = commands.push_wakeup_alarm(
        extension,
        time_hhmm=clock,
        kind=kind,
        weekdays=weekdays,
        prompt=alarm.prompt,
        repeats=alarm.attempts_allowed,
        interval_minutes=alarm.interval_minutes,
        not_after=day.due_at - LAST_PUSH_BEFORE,
        reason=reason,
    ).pk
    alarm.check_command_id = commands.query_wakeup_alarms(extension, reason=f"check {reason}").pk
    alarm.state = R.PUSHED
    alarm.pbx_extension, alarm.pbx_time, alarm.pbx_kind = extension, clock, kind
    alarm.pbx_weekdays = ",".join(str(d) for d in weekdays)
    alarm.pushes += 1
    alarm.pushed_at = now
    _mark_pushed(alarm, day, now)
    _save(alarm, now + CHECK_AGAIN)


def _mark_pushed(alarm: RepeatedAlarm, day: WakeupCall, now: datetime) -> None:
    row = WakeupCall.objects.select_for_update(of=("self",)).get(pk=day.pk)
    if row.status == S.SCHEDULED:
        services.transition(row, S.PUSHED)
    row.pbx_extension, row.pbx_time = alarm.pbx_extension, alarm.pbx_time
    row.push_command_id, row.check_command_id = alarm.push_command_id, alarm.check_command_id
    row.pushed_at = row.pushed_at or alarm.pushed_at or now
    row.save()


def _read_back(alarm: RepeatedAlarm, day: WakeupCall, now: datetime) -> str:
    latest = day.due_at - LAST_PUSH_BEFORE
    push_state, why = ("done", "")  # a read-back only (the alarm was on the PBX already)
    if alarm.push_command_id is not None:
        push_state, why = wakeup_ops.command_state(alarm.push_command_id)
    if push_state == "failed":
        pushes = alarm.pushes
        alarm.state = R.WAITING
        repeats.drop(alarm, "wake-up alarm refused")
        if why and "day late" in why:  # that push's day is gone (escalated by its row): try this one
            return _push_when_it_fits(alarm, day, _wanted(alarm, day), now)
        if pushes < MAX_PUSHES and now < latest:
            _push(alarm, day, _wanted(alarm, day), now)
            alarm.pushes = pushes + 1
            alarm.save(update_fields=["pushes"])
            return "pushed again"
        _save(alarm, day.due_at + timedelta(seconds=1))  # this day is escalated by its row
        return "refused"
    result = wakeup_ops.query_result(alarm.check_command_id or 0)
    if result.state == "done" and result.read_at is not None and result.read_at < _opens(day):
        # a look taken for an earlier day (its answer came late): this day gets its own, in its 24 h
        if now < _opens(day):
            _save(alarm, _opens(day))
            return "waiting"
        result = wakeup_ops.QueryResult("failed")
    if result.state == "done":
        mine = [a for a in result.alarms if a.time == alarm.pbx_time and a.kind == alarm.pbx_kind]
        if mine:
            alarm.state, alarm.pbx_alarm_id = R.CONFIRMED, mine[0].pbx_id
            alarm.confirmed_at, alarm.pushes = now, 0
            repeats.confirm_day(alarm, day, now)
            _save(alarm, day.due_at)
            return "confirmed"
        if alarm.pushes < MAX_PUSHES and now < latest:
            _push(alarm, day, (alarm.pbx_time, alarm.pbx_kind, _on_pbx(alarm)[2]), now)
            return "pushed again"
        alarm.state = R.WAITING  # not on the PBX: this day is escalated by its row, the next day tried
        repeats.drop(alarm, "wake-up alarm missing")
        _save(alarm, day.due_at + timedelta(seconds=1))
        return "missing"
    if result.state == "failed":
        alarm.check_command_id = commands.query_wakeup_alarms(
            alarm.pbx_extension, reason=f"check wake-up room {alarm.room.number}"
        ).pk
    _save(alarm, now + CHECK_AGAIN if now < day.due_at else day.due_at + timedelta(seconds=1))
    return "waiting for the PBX"


def _window_end(row: WakeupCall) -> datetime:
    last_ring = row.due_at + timedelta(minutes=row.interval_minutes * (row.attempts_allowed - 1))
    return last_ring + timedelta(seconds=settings.WAKEUP_RESULT_GRACE_SECONDS)


# --- a day of a repeated wake-up (called by the dispatcher for its rows) ---------------------------------


def day_step(row: WakeupCall, now: datetime) -> str:
    """A day waits for its PBX alarm to be confirmed for it; not confirmed in time: escalated."""
    deadline = row.due_at - LAST_PUSH_BEFORE
    if now >= deadline:
        services.escalate(
            row, "Not confirmed on the PBX before its time (link, worker or scheduler down?): call the room."
        )
        repeats.nudge(row.repeat_id)
        return "escalated"
    at_risk = row.due_at - timedelta(seconds=settings.WAKEUP_AT_RISK_SECONDS)
    if now >= at_risk:
        services.raise_alert(
            row, "At risk: not yet confirmed on the PBX. Check the PBX link or call the room."
        )
        row.note = "at risk: not yet confirmed on the PBX"
        row.next_action_at = deadline
        row.save()
        return "at risk"
    row.next_action_at = at_risk
    row.save()
    return "waiting"
