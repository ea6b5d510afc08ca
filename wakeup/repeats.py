"""Repeated wake-ups in alarm mode, the writes: ONE `everyday`/`custom` PBX alarm (RepeatedAlarm) serves
every day of a repeated wake-up; each day is a WakeupCall row with its own outcome. Created with the
wake-up, cancelled or changed for all its days, moved with the guest, ended with the stay, following the
stay's departure; an everyday/custom alarm keyed on the room phone is adopted here too. When it is on
the PBX, and when it is read back, is the dispatcher's job: repeat_dispatch.py."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hotelpbx.pbx import commands

from . import services, timing
from .models import AlarmZone, Recurrence, RepeatedAlarm, RepeatState, WakeupCall, WakeupStatus

S = WakeupStatus
R = RepeatState
WAITING_DAY = (S.SCHEDULED, S.PUSHED, S.CONFIRMED)


# --- creating, changing, ending (called by the services, inside their transaction) -------------------


def create(*, stay, rows: list[WakeupCall], clock: time, recurrence: str, weekdays: tuple[int, ...]):
    """The PBX alarm of a repeated wake-up just set: its days point at it; the dispatcher pushes it."""
    first = rows[0]
    alarm = RepeatedAlarm.objects.create(
        key=first.series or uuid.uuid4(),
        room=stay.room,
        stay=stay,
        recurrence=recurrence,
        weekdays=",".join(str(d) for d in weekdays),
        clock=clock,
        prompt=first.prompt,
        attempts_allowed=first.attempts_allowed,
        interval_minutes=first.interval_minutes,
        next_action_at=timezone.now(),
    )
    WakeupCall.objects.filter(pk__in=[r.pk for r in rows]).update(repeat=alarm, series=alarm.key)
    for row in rows:
        row.repeat, row.series = alarm, alarm.key
    return alarm


def nudge(alarm_id: int | None) -> None:
    """Look at the alarm again at the next dispatch (a day was cancelled, changed or escalated). After
    the commit: the caller holds a day's row lock, and the dispatcher locks the alarm before its days."""
    if alarm_id:
        transaction.on_commit(
            lambda: (
                RepeatedAlarm.objects.filter(pk=alarm_id)
                .exclude(state=R.ENDED)
                .update(next_action_at=timezone.now())
            )
        )


def drop(alarm: RepeatedAlarm, reason: str) -> None:
    """Off the PBX now (wakeupcall/delete through the outbox), and forget the PBX copy."""
    if alarm.state in (R.PUSHED, R.CONFIRMED) and alarm.pbx_extension and alarm.pbx_time:
        commands.drop_wakeup_alarm(
            alarm.pbx_extension, time_hhmm=alarm.pbx_time, reason=f"{reason} room {alarm.room.number}"
        )
    alarm.pbx_time = alarm.pbx_kind = alarm.pbx_weekdays = alarm.pbx_alarm_id = ""
    alarm.push_command_id = alarm.check_command_id = None
    alarm.pushed_at = alarm.confirmed_at = None
    alarm.pushes = 0


NO_DAY_LEFT = "wake-up ended"


def end(alarm: RepeatedAlarm, reason: str) -> None:
    """Off the PBX (wakeupcall/delete): cancelled, the stay ended, or no day left (NO_DAY_LEFT: a longer
    stay brings it back)."""
    drop(alarm, reason)
    alarm.state, alarm.next_action_at, alarm.ended_at = R.ENDED, None, timezone.now()
    alarm.end_reason = reason[:40]
    alarm.save()


def end_for_stay(stay, reason: str) -> int:
    ended = 0
    for alarm in RepeatedAlarm.objects.select_for_update().filter(stay=stay).exclude(state=R.ENDED):
        end(alarm, reason)
        ended += 1
    return ended


def move(stay, to_room) -> None:
    """The guest moved: the alarm leaves the old phone and is pushed to the new one."""
    for alarm in RepeatedAlarm.objects.select_for_update().filter(stay=stay).exclude(state=R.ENDED):
        drop(alarm, "wake-up moved")
        alarm.room, alarm.state, alarm.next_action_at = to_room, R.WAITING, timezone.now()
        alarm.pbx_extension = ""
        alarm.save()


def cancel_all(*, wakeup: WakeupCall, by=None) -> int:
    """Cancel every day not yet rung of a repeated wake-up; its PBX alarm is removed at once."""
    from hotelpbx.core.audit import audit_record

    with transaction.atomic():
        alarm = RepeatedAlarm.objects.select_for_update(of=("self",)).select_related("room")
        alarm = alarm.filter(pk=wakeup.repeat_id)
        alarm = alarm.first()
        rows = WakeupCall.objects.select_for_update(of=("self",)).filter(
            series=wakeup.series, status__in=WAITING_DAY
        )
        cancelled = 0
        for row in rows:
            services.transition(row, S.CANCELLED)
            _forget_pbx_copy(row)
            row.next_action_at, row.note = None, "repeated wake-up cancelled"
            row.save()
            cancelled += 1
        if alarm is not None and alarm.state != R.ENDED:
            end(alarm, "wake-up cancelled")
        if not cancelled and alarm is None:
            raise services.WakeupRuleError("No day of this wake-up is left to cancel.")
        audit_record(
            actor=by,
            action="wakeup.cancel",
            room=wakeup.room,
            obj=wakeup,
            summary=f"Repeated wake-up for room {wakeup.room.number} cancelled ({cancelled} days)",
        )
    return cancelled


def change(
    *,
    wakeup: WakeupCall,
    clock: time,
    attempts: int | None = None,
    interval_minutes: int | None = None,
    by=None,
) -> int:
    """A new time or retry policy for a repeated wake-up: every day not yet rung takes it (the PBX alarm
    is replaced: a new time by the dispatcher, a new policy deleted here and pushed again)."""
    from hotelpbx.core.audit import audit_record

    with transaction.atomic():
        alarm = RepeatedAlarm.objects.select_for_update().select_related("room").get(pk=wakeup.repeat_id)
        attempts = alarm.attempts_allowed if attempts is None else int(attempts)
        interval = alarm.interval_minutes if interval_minutes is None else int(interval_minutes)
        services._check_policy(attempts, interval)
        services._refuse_alarm_clash(
            alarm.room, clock, set(), True, itself=Q(repeat=alarm) | Q(series=alarm.key)
        )
        new_policy = (attempts, interval) != (alarm.attempts_allowed, alarm.interval_minutes)
        if new_policy and WakeupCall.objects.filter(repeat=alarm, status=S.RINGING).exists():
            raise services.WakeupRuleError(
                "The wake-up is ringing now: change its attempts or interval after this morning's calls."
            )
        rows = list(
            WakeupCall.objects.select_for_update(of=("self",))
            .select_related("stay")
            .filter(repeat=alarm, status__in=WAITING_DAY)
            .order_by("due_at")
        )
        now = timezone.now()
        lead = now + timedelta(seconds=settings.WAKEUP_MIN_LEAD_SECONDS)
        moved = []
        for row in rows:
            day = timezone.localtime(row.due_at, zone_of(alarm)).date()
            moment = timing.local_to_utc(day, clock, zone_of(alarm))
            moved.append((row, moment))
        if not any(m.at >= lead for _, m in moved):
            raise services.WakeupRuleError("No day of the stay is left for that wake-up time.")
        for row, moment in moved:
            if moment.at < lead:  # the new time has passed today: one alarm cannot ring both times
                services.transition(row, S.CANCELLED)
                _forget_pbx_copy(row)
                row.next_action_at = None
                row.note = f"changed to {clock:%H:%M}, which had passed that day"
                row.save()
                continue
            services.transition(row, S.SCHEDULED)
            _forget_pbx_copy(row)
            row.due_at, row.note, row.next_action_at, row.pushes = moment.at, moment.note, now, 0
            row.attempts_allowed, row.interval_minutes = attempts, interval
            row.save()
        if new_policy and alarm.state != R.ENDED:  # same time, other repeats: the PBX alarm is replaced
            drop(alarm, "wake-up changed")
            alarm.state = R.WAITING
        alarm.clock, alarm.next_action_at = clock, now
        alarm.attempts_allowed, alarm.interval_minutes = attempts, interval
        alarm.save()
        audit_record(
            actor=by,
            action="wakeup.change",
            room=wakeup.room,
            obj=wakeup,
            summary=f"Repeated wake-up for room {wakeup.room.number} moved to {clock:%H:%M}"
            f" ({attempts} attempt(s) every {interval} min)",
        )
    return len(rows)


SHORTENED = "the stay ends earlier"


def follow_dates(stay) -> None:
    """The stay's departure moved: days after it are cancelled, days of the stay without a wake-up (every
    day, or the chosen weekdays) are added, so the PBX alarm ends with the stay. A day the desk cancelled
    stays cancelled."""
    now = timezone.now()
    lead = now + timedelta(seconds=settings.WAKEUP_MIN_LEAD_SECONDS)
    alarms = RepeatedAlarm.objects.select_for_update().filter(stay=stay)
    for alarm in alarms.exclude(Q(state=R.ENDED) & ~Q(end_reason=NO_DAY_LEFT)):
        zone = zone_of(alarm)
        rows = WakeupCall.objects.select_for_update(of=("self",)).filter(repeat=alarm)
        rows = list(rows.order_by("due_at"))
        if not rows:
            continue
        taken: set[date] = set()
        for row in rows:
            day = timezone.localtime(row.due_at, zone).date()
            if row.status in WAITING_DAY and day > stay.departure:
                services.transition(row, S.CANCELLED)
                _forget_pbx_copy(row)
                row.next_action_at, row.note = None, SHORTENED
                row.save()
            if not (row.status == S.CANCELLED and row.note == SHORTENED):
                taken.add(day)
        day = timezone.localtime(rows[0].due_at, zone).date()
        while day <= stay.departure:
            wanted = alarm.recurrence == Recurrence.DAILY or day.weekday() in alarm.weekday_list
            if wanted and day not in taken:
                moment = timing.local_to_utc(day, alarm.clock, zone)
                if moment.at >= lead:
                    _new_day(alarm, rows[-1], moment)
            day += timedelta(days=1)
        if alarm.state == R.ENDED:  # its last day had passed: the longer stay brings it back
            alarm.state, alarm.ended_at, alarm.end_reason = R.WAITING, None, ""
        alarm.next_action_at = now
        alarm.save()


def _new_day(alarm: RepeatedAlarm, template: WakeupCall, moment) -> WakeupCall:
    return WakeupCall.objects.create(
        room=alarm.room,
        stay=alarm.stay,
        series=alarm.key,
        repeat=alarm,
        recurrence=alarm.recurrence,
        weekdays=alarm.weekdays,
        due_at=moment.at,
        language=template.language,
        prompt=alarm.prompt,
        attempts_allowed=alarm.attempts_allowed,
        interval_minutes=alarm.interval_minutes,
        mode=template.mode,
        source=template.source,
        set_by=template.set_by,
        note=moment.note,
        next_action_at=timezone.now(),
    )


def adopt(*, room, stay, found, now: datetime) -> RepeatedAlarm | None:
    """An everyday/custom alarm keyed on the room phone: its days up to the departure become wake-ups
    (source: phone), served by the alarm already on the PBX."""
    from .models import WakeupSource

    weekdays = found.weekdays if found.kind == "custom" else ()
    recurrence = Recurrence.WEEKDAYS if found.kind == "custom" else Recurrence.DAILY
    try:
        hour, minute = (int(x) for x in found.time.split(":"))
    except ValueError:
        return None
    clock = time(hour, minute)
    alarm = RepeatedAlarm.objects.create(
        key=uuid.uuid4(),
        room=room,
        stay=stay,
        recurrence=recurrence,
        weekdays=",".join(str(d) for d in weekdays),
        clock=clock,
        zone=AlarmZone.PBX,
        prompt=found.prompt,
        attempts_allowed=max(1, min(3, found.repeats)),
        interval_minutes=max(1, found.interval_minutes),
        state=R.CONFIRMED,
        pbx_extension=room.extension,
        pbx_time=found.time,
        pbx_kind=found.kind,
        pbx_weekdays=",".join(str(d) for d in weekdays),
        pbx_alarm_id=found.pbx_id,
        confirmed_at=now,
        next_action_at=now,
    )
    zone = timing.pbx_zone()
    day = now.astimezone(zone).date()
    first = None
    while day <= stay.departure:
        if not weekdays or day.weekday() in weekdays:
            moment = timing.local_to_utc(day, clock, zone)
            if moment.at > now:
                row = WakeupCall.objects.create(
                    room=room,
                    stay=stay,
                    series=alarm.key,
                    repeat=alarm,
                    recurrence=recurrence,
                    weekdays=alarm.weekdays,
                    due_at=moment.at,
                    language=stay.guest.language,
                    prompt=found.prompt,
                    attempts_allowed=alarm.attempts_allowed,
                    interval_minutes=alarm.interval_minutes,
                    mode="alarm",
                    source=WakeupSource.PHONE,
                    note="set on the room phone; found on the PBX",
                    next_action_at=now,
                )
                if first is None:
                    first = row
                    confirm_day(alarm, row, now)
        day += timedelta(days=1)
    if first is None:  # no day of the stay left: it will be removed at the next dispatch
        alarm.next_action_at = now
        alarm.save(update_fields=["next_action_at"])
    return alarm


def zone_of(alarm: RepeatedAlarm):
    """The zone whose wall clock the wake-up time is read on."""
    return timing.pbx_zone() if alarm.zone == AlarmZone.PBX else timing.hotel_zone()


def confirm_day(alarm: RepeatedAlarm, day: WakeupCall, now: datetime) -> None:
    """The PBX alarm was read back for `day`: the day is on the PBX, confirmed."""
    row = WakeupCall.objects.select_for_update(of=("self",)).get(pk=day.pk)
    if row.status == S.SCHEDULED:
        services.transition(row, S.PUSHED)
    if row.status == S.PUSHED:
        services.transition(row, S.CONFIRMED)
    row.pbx_extension, row.pbx_time = alarm.pbx_extension, alarm.pbx_time
    row.pbx_alarm_id = alarm.pbx_alarm_id
    row.pushed_at = row.pushed_at or alarm.pushed_at or now
    row.confirmed_at = now
    row.note = row.note if row.note and "risk" not in row.note else ""
    row.next_action_at = row.due_at
    row.save()


def _forget_pbx_copy(row: WakeupCall) -> None:
    row.pbx_time = row.pbx_alarm_id = ""
    row.push_command_id = row.check_command_id = None
    row.pushed_at = row.confirmed_at = None
