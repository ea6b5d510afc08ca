"""The dispatcher: beat claims due wake-ups (next_action_at passed) with a compare-and-swap and moves
each one step along. Safe to run twice at once and to be killed at any point:

- a claim moves `next_action_at` to the end of a short lease, only if it still holds the value read,
  so exactly one dispatcher takes a row; the step then runs in one transaction that also writes its
  outbox rows, so a killed step leaves nothing half-done and the row comes back when the lease ends;
- pushing the same alarm twice is harmless (the second push updates the alarm at that time).

Alarm mode, per wake-up: scheduled -> (inside the 24 h before it is due) an alarm.set and an
alarm.query go to the outbox -> pushed -> the query shows the alarm: confirmed -> due: ringing ->
the call records decide (services.record_alarm_call) -> none by the end of the ring window:
"no result from the PBX", escalated. A repeated wake-up's days wait instead for its one
everyday/custom alarm (repeat_dispatch.py), which this dispatcher moves first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotelpbx.pbx import commands, wakeup_ops
from hotelpbx.pbx.config import PbxConfig
from rooms.models import Room, StayStatus

from . import repeat_dispatch, repeats, services, timing
from .models import (
    AlarmSurvey,
    Recurrence,
    RepeatedAlarm,
    WakeupAlert,
    WakeupCall,
    WakeupMode,
    WakeupSource,
    WakeupStatus,
)

log = logging.getLogger(__name__)
S = WakeupStatus
LEASE = timedelta(seconds=60)
CHECK_AGAIN = timedelta(seconds=5)
MAX_PUSHES = 3
# the PBX rings at HH:MM:00; an alarm applied later than this before it would ring a day late
LAST_PUSH_BEFORE = timedelta(seconds=30)
# the last read-back of a confirmed alarm comes this many seconds before the at-risk alert would
RECHECK_LEAD = 300


def dispatch_due(now: datetime | None = None, limit: int = 2000) -> dict[str, int]:
    now = now or timezone.now()
    counts: dict[str, int] = repeat_dispatch.dispatch_due(now, limit)  # first: it confirms the days below
    due = list(
        WakeupCall.objects.filter(next_action_at__lte=now)
        .order_by("next_action_at", "id")
        .values_list("pk", "next_action_at")[:limit]
    )
    for pk, seen in due:
        lease = _claim(pk, seen)
        if lease is None:
            counts["taken"] = counts.get("taken", 0) + 1
            continue
        outcome = step(pk, lease, seen)
        counts[outcome] = counts.get(outcome, 0) + 1
    counts["surveys"] = process_surveys()
    counts["to_manager"] = alerts_to_manager(now)
    return counts


def _claim(pk: int, seen: datetime):
    lease = timezone.now() + LEASE
    taken = WakeupCall.objects.filter(pk=pk, next_action_at=seen).update(next_action_at=lease)
    return lease if taken else None


def step(pk: int, lease: datetime, seen: datetime | None = None) -> str:
    """One step of one claimed wake-up; `seen`: when the step was due (how late it runs)."""
    with transaction.atomic():
        wakeup = WakeupCall.objects.select_for_update(of=("self",)).select_related("room", "stay").get(pk=pk)
        if wakeup.next_action_at != lease:
            return "taken"
        now = timezone.now()
        if wakeup.repeat_id and wakeup.status in (S.SCHEDULED, S.PUSHED):
            return repeat_dispatch.day_step(wakeup, now)
        handler = STEPS.get(wakeup.status)
        if handler is None:
            wakeup.next_action_at = None
            wakeup.save(update_fields=["next_action_at"])
            return "idle"
        wakeup.step_was_due = seen or now
        return handler(wakeup, now)


def _save(wakeup: WakeupCall, next_at: datetime | None) -> None:
    wakeup.next_action_at = next_at
    wakeup.save()


# --- steps ---------------------------------------------------------------------------------------------


def _scheduled(wakeup: WakeupCall, now: datetime) -> str:
    if wakeup.mode == WakeupMode.CONFIRMED:
        return _confirmed_mode_due(wakeup, now)
    latest = wakeup.due_at - LAST_PUSH_BEFORE
    if now >= latest:
        services.escalate(
            wakeup,
            "Not on the PBX before its time (link, worker or scheduler down?): call the room by hand.",
        )
        return "escalated"
    opens = timing.push_window_opens(wakeup.due_at) + timedelta(seconds=settings.WAKEUP_PUSH_MARGIN_SECONDS)
    if now < opens:
        _save(wakeup, opens)
        return "waiting"
    busy_until = _same_alarm_ringing_until(wakeup)
    if busy_until is not None and now < busy_until:
        _save(wakeup, busy_until + timedelta(seconds=1))
        return "waiting"
    if not PbxConfig.link_enabled():
        at_risk = wakeup.due_at - timedelta(seconds=settings.WAKEUP_AT_RISK_SECONDS)
        if now >= at_risk:
            services.escalate(wakeup, "No PBX link is configured: call the room by hand.")
            return "escalated"
        _save(wakeup, at_risk)
        return "no link"
    _push(wakeup, now, latest)
    return "pushed"


def _same_alarm_ringing_until(wakeup: WakeupCall) -> datetime | None:
    """An earlier wake-up's alarm at the same PBX time on this phone that may still ring its repeats:
    the PBX keeps one alarm per extension and time and removes a one-time alarm after its last repeat,
    so pushed before then, this wake-up would update that alarm and be removed with it."""
    earlier = WakeupCall.objects.filter(
        pbx_extension=wakeup.room.extension,
        pbx_time=timing.pbx_clock_time(wakeup.due_at),
        mode=WakeupMode.ALARM,
        status__in=(S.PUSHED, S.CONFIRMED, S.RINGING),
        due_at__lt=wakeup.due_at,
    ).exclude(pk=wakeup.pk)
    return max((_window_end(other) for other in earlier), default=None)


def _push(wakeup: WakeupCall, now: datetime, latest: datetime) -> None:
    extension = wakeup.room.extension
    clock = timing.pbx_clock_time(wakeup.due_at)
    reason = f"wake-up room {wakeup.room.number} {clock}"
    command = commands.push_wakeup_alarm(
        extension,
        time_hhmm=clock,
        prompt=wakeup.prompt,
        repeats=wakeup.attempts_allowed,
        interval_minutes=wakeup.interval_minutes,
        not_after=latest,
        reason=reason,
    )
    check = commands.query_wakeup_alarms(extension, reason=f"check {reason}")
    services.transition(wakeup, S.PUSHED)
    wakeup.pbx_extension, wakeup.pbx_time = extension, clock
    wakeup.push_command_id, wakeup.check_command_id = command.pk, check.pk
    wakeup.pushes += 1
    wakeup.pushed_at = now
    _save(wakeup, now + CHECK_AGAIN)


def _pushed(wakeup: WakeupCall, now: datetime) -> str:
    latest = wakeup.due_at - LAST_PUSH_BEFORE
    # no push of ours (an alarm adopted from the phone, being read back): only the read-back decides
    push_state, why = (
        wakeup_ops.command_state(wakeup.push_command_id) if wakeup.push_command_id else ("done", "")
    )
    if push_state == "failed":
        if why and "day late" in why:
            services.escalate(wakeup, "Not on the PBX before its time: call the room by hand.")
            return "escalated"
        if wakeup.pushes < MAX_PUSHES and now < latest:
            _push(wakeup, now, latest)
            return "pushed again"
        services.escalate(wakeup, f"The PBX did not take the alarm ({why}): call the room by hand.")
        return "escalated"
    result = wakeup_ops.query_result(wakeup.check_command_id or 0)
    if result.state == "done":
        mine = [a for a in result.alarms if a.time == wakeup.pbx_time]
        _adopt_unknown(wakeup.room, result.alarms, now, wakeup.check_command_id or 0)
        if mine:
            services.transition(wakeup, S.CONFIRMED)
            wakeup.pbx_alarm_id, wakeup.confirmed_at = mine[0].pbx_id, now
            wakeup.note = wakeup.note if wakeup.note and "risk" not in wakeup.note else ""
            _save(wakeup, _recheck_at(wakeup) or wakeup.due_at)
            return "confirmed"
        if wakeup.source == WakeupSource.PHONE and not wakeup.push_command_id:
            # keyed on the room phone and gone from it: the guest deleted it there, not to be pushed back
            services.transition(wakeup, S.CANCELLED)
            wakeup.note = "deleted on the room phone"
            _save(wakeup, None)
            return "cancelled"
        if now >= wakeup.due_at:  # it may have rung already: the call records will tell
            services.transition(wakeup, S.RINGING)
            _save(wakeup, _window_end(wakeup))
            return "ringing"
        if wakeup.pushes < MAX_PUSHES and now < latest:
            _push(wakeup, now, latest)
            return "pushed again"
        services.escalate(wakeup, "The alarm is not on the PBX after 3 tries: call the room by hand.")
        return "escalated"
    if result.state == "failed":
        check = commands.query_wakeup_alarms(
            wakeup.pbx_extension, reason=f"check wake-up room {wakeup.room.number}"
        )
        wakeup.check_command_id = check.pk
    if now >= _window_end(wakeup):
        services.transition(wakeup, S.RINGING)
        services.transition(wakeup, S.NO_RESULT)
        services.escalate(wakeup, "Never confirmed on the PBX and no report of a call: check the room.")
        return "escalated"
    at_risk = wakeup.due_at - timedelta(seconds=settings.WAKEUP_AT_RISK_SECONDS)
    if now >= at_risk and now < wakeup.due_at:
        services.raise_alert(
            wakeup, "At risk: not yet confirmed on the PBX. Check the PBX link or call the room."
        )
        wakeup.note = "at risk: not yet confirmed on the PBX"
    _save(wakeup, now + CHECK_AGAIN)
    return "waiting for the PBX"


def _window_end(wakeup: WakeupCall) -> datetime:
    last_ring = wakeup.due_at + timedelta(minutes=wakeup.interval_minutes * (wakeup.attempts_allowed - 1))
    return last_ring + timedelta(seconds=settings.WAKEUP_RESULT_GRACE_SECONDS)


def _recheck_at(wakeup: WakeupCall) -> datetime | None:
    """When a confirmed one-time alarm is read back once more; None: it was confirmed after that already
    (or it is a day of a repeated wake-up, whose alarm is read back for each day by repeat_dispatch)."""
    recheck = wakeup.due_at - timedelta(seconds=settings.WAKEUP_AT_RISK_SECONDS + RECHECK_LEAD)
    fresh = wakeup.confirmed_at is None or wakeup.confirmed_at >= recheck
    return None if fresh or wakeup.repeat_id else recheck


def _confirmed(wakeup: WakeupCall, now: datetime) -> str:
    if now < wakeup.due_at:
        # read back once more shortly before it is due (before the at-risk alert): an alarm deleted on
        # the room phone or lost with the PBX's configuration since it was confirmed is pushed again
        recheck = _recheck_at(wakeup)
        if recheck is None or not PbxConfig.link_enabled():
            _save(wakeup, wakeup.due_at)
            return "waiting"
        if now < recheck:
            _save(wakeup, recheck)
            return "waiting"
        check = commands.query_wakeup_alarms(
            wakeup.pbx_extension, reason=f"check wake-up room {wakeup.room.number} {wakeup.pbx_time}"
        )
        services.transition(wakeup, S.PUSHED)
        wakeup.check_command_id = check.pk
        _save(wakeup, now + CHECK_AGAIN)
        return "checking"
    services.transition(wakeup, S.RINGING)
    _save(wakeup, _window_end(wakeup))
    return "ringing"


def _confirmed_mode_due(wakeup: WakeupCall, now: datetime) -> str:
    if now < wakeup.due_at:
        _save(wakeup, wakeup.due_at)
        return "waiting"
    if now > wakeup.due_at + late_ring_cap():
        services.escalate(wakeup, "Not rung at its time (worker or scheduler down?): call the room by hand.")
        return "escalated"
    if not PbxConfig.link_enabled():
        services.escalate(wakeup, "No PBX link is configured: call the room by hand.")
        return "escalated"
    services.transition(wakeup, S.RINGING)
    _ring(wakeup, now)
    _note_if_late(wakeup, now - wakeup.due_at)
    return "rung"


def late_ring_cap() -> timedelta:
    """Confirmed mode: how late a ring (the first, a retry or a snooze) may still go out. Later than
    this (beat or every worker was down) the wake-up is escalated instead of rung: a call an hour late
    wakes nobody in time, and the desk must know now, not after three more unanswered calls."""
    return timedelta(seconds=settings.WAKEUP_LATE_RING_SECONDS)


def _note_if_late(wakeup: WakeupCall, late: timedelta) -> None:
    if late >= timedelta(seconds=max(60.0, 3 * settings.WAKEUP_DISPATCH_SECONDS)):
        wakeup.note = f"rung {int(late.total_seconds()) // 60} min {int(late.total_seconds()) % 60} s late"
        wakeup.save(update_fields=["note"])


def _ring(wakeup: WakeupCall, now: datetime) -> None:
    """Confirmed mode: the app rings the room with the guest's prompt (through the outbox)."""
    command = commands.ring_wakeup_prompt(
        wakeup.room.extension, prompt=wakeup.prompt, reason=f"wake-up call room {wakeup.room.number}"
    )
    wakeup.pbx_extension = wakeup.room.extension
    wakeup.ring_command_id, wakeup.ring_callid = command.pk, ""
    _save(wakeup, now + timedelta(seconds=settings.WAKEUP_RING_RESULT_SECONDS))


def _ringing_confirmed(wakeup: WakeupCall, now: datetime) -> str:
    if wakeup.ring_command_id is None:  # a retry or a snooze is due
        late = now - wakeup.step_was_due
        if late > late_ring_cap():
            services.transition(wakeup, S.FAILED)
            services.escalate(
                wakeup, "The next call was not made at its time (worker or scheduler down?): call the room."
            )
            return "escalated"
        _ring(wakeup, now)
        _note_if_late(wakeup, late)
        return "rung"
    state, callid, why = wakeup_ops.ring_callid(wakeup.ring_command_id)
    if state == "failed":
        return services.retry_or_end(wakeup, services.AttemptResult.FAILED, why or "the PBX refused the call")
    if state == "pending":
        _save(wakeup, now + CHECK_AGAIN)
        return "waiting for the PBX"
    wakeup.ring_callid = wakeup.ring_callid or callid
    attempt = wakeup.attempts.filter(callid=callid).first()
    if attempt is None:
        services.WakeupAttempt.objects.create(
            wakeup=wakeup,
            callid=callid or f"command-{wakeup.ring_command_id}",
            at=now,
            result=services.AttemptResult.FAILED,
            detail="no report from the PBX",
        )
        return services.retry_or_end(wakeup, services.AttemptResult.FAILED, "no report from the PBX")
    return services.retry_or_end(wakeup, attempt.result, attempt.detail)


def _ringing(wakeup: WakeupCall, now: datetime) -> str:
    if wakeup.mode == WakeupMode.CONFIRMED:
        return _ringing_confirmed(wakeup, now)
    end = _window_end(wakeup)
    if now < end:
        _save(wakeup, end)
        return "waiting"
    if wakeup.attempts.exists():
        last = wakeup.attempts.order_by("-at").first()
        services.transition(wakeup, services.FINAL_FOR_RESULT.get(last.result, S.NO_ANSWER))
        services.escalate(wakeup, f"Not answered ({last.detail.lower()}): go or call the room.")
    else:
        services.transition(wakeup, S.NO_RESULT)
        services.escalate(wakeup, "No result from the PBX for this wake-up: check the room now.")
    return "escalated"


STEPS = {S.SCHEDULED: _scheduled, S.PUSHED: _pushed, S.CONFIRMED: _confirmed, S.RINGING: _ringing}


# --- alarms a guest keyed on the room phone ------------------------------------------------------------


def survey_alarms() -> int:
    """Read every occupied room's alarms (through the outbox); process_surveys adopts what it finds."""
    if not PbxConfig.link_enabled():
        return 0
    count = 0
    rooms = Room.objects.filter(stays__status=StayStatus.IN_HOUSE).distinct()
    for room in rooms:
        with transaction.atomic():
            command = commands.query_wakeup_alarms(room.extension, reason=f"alarms of room {room.number}")
            AlarmSurvey.objects.create(room=room, command_id=command.pk)
        count += 1
    return count


def process_surveys(limit: int = 500) -> int:
    done = 0
    now = timezone.now()
    for survey in AlarmSurvey.objects.filter(processed_at__isnull=True).select_related("room")[:limit]:
        result = wakeup_ops.query_result(survey.command_id)
        if result.state == "pending":
            continue
        with transaction.atomic():
            if result.state == "done":
                _adopt_unknown(survey.room, result.alarms, now, survey.command_id)
            AlarmSurvey.objects.filter(pk=survey.pk).update(processed_at=now)
        done += 1
    return done


def _adopt_unknown(room: Room, found, now: datetime, read_by: int = 0) -> int:
    """Alarms on the room's phone that no open wake-up accounts for become wake-ups (source: phone); an
    everyday/custom one becomes a repeated wake-up for the rest of the stay, served by that alarm."""
    stay = room.current_stay()
    if stay is None:
        return 0
    known = set(
        WakeupCall.objects.filter(room=room, status__in=[S.SCHEDULED, S.PUSHED, S.CONFIRMED, S.RINGING])
        .exclude(pbx_time="")
        .values_list("pbx_time", flat=True)
    )
    known |= set(
        RepeatedAlarm.objects.filter(room=room)
        .exclude(state="ended")
        .exclude(pbx_time="")
        .values_list("pbx_time", flat=True)
    )
    known |= wakeup_ops.times_being_removed(room.extension, read_by)  # read before the hotel's delete ran
    adopted = 0
    for alarm in found:
        if alarm.time in known:
            continue
        if alarm.kind in ("everyday", "custom"):
            if repeats.adopt(room=room, stay=stay, found=alarm, now=now) is not None:
                known.add(alarm.time)
                adopted += 1
            continue
        due = timing.next_pbx_occurrence(alarm.time, now)
        if due is None:
            continue
        row = WakeupCall(
            room=room,
            stay=stay,
            recurrence=Recurrence.ONCE,
            due_at=due,
            language=stay.guest.language,
            prompt=alarm.prompt,
            attempts_allowed=max(1, min(3, alarm.repeats)),
            interval_minutes=max(1, alarm.interval_minutes),
            mode=WakeupMode.ALARM,
            status=S.CONFIRMED,
            source=WakeupSource.PHONE,
            note="set on the room phone; found on the PBX",
            pbx_extension=room.extension,
            pbx_time=alarm.time,
            pbx_alarm_id=alarm.pbx_id,
            confirmed_at=now,
        )
        row.next_action_at = _recheck_at(row) or due
        row.save()
        known.add(alarm.time)
        adopted += 1
    return adopted


def alerts_to_manager(now: datetime) -> int:
    """Alerts unacknowledged for M minutes go to the manager, one by one (each may ring the manager)."""
    cutoff = now - timedelta(minutes=settings.WAKEUP_MANAGER_AFTER_MINUTES)
    due = WakeupAlert.objects.filter(
        acknowledged_at__isnull=True, to_manager_at__isnull=True, raised_at__lte=cutoff
    ).values_list("pk", flat=True)
    return sum(services.alert_to_manager(pk, now) for pk in list(due))
