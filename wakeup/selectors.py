"""Reads for the wake-up board, the desk's alerts and the daily compliance report."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When

from hotelpbx.pbx import wakeup_ops
from rooms.models import Stay, StayStatus

from . import timing
from .models import OPEN_STATUSES, WakeupAlert, WakeupCall, WakeupStatus

S = WakeupStatus
NEEDS_ATTENTION = (S.ESCALATED, S.NO_ANSWER, S.BUSY, S.FAILED, S.NO_RESULT, S.HEARD)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timing.local_to_utc(day, time(0, 0)).at
    end = timing.local_to_utc(day + timedelta(days=1), time(0, 0)).at
    return start, end


def _call_in_words(who: str, found: tuple[str, str, str]) -> str:
    extension, state, why = found
    caller = f"{who} extension {extension}".rstrip()
    return {
        "done": f"{caller} called.",
        "pending": f"Calling {caller[0].lower()}{caller[1:]}...",
    }.get(state, f"{caller} could not be called: {why}.")


def _with_desk_calls(alerts: list[WakeupAlert]) -> list[WakeupAlert]:
    """Give each alert `desk_call` and `manager_call`: what became of the calls to the desk's and the
    manager's extensions, in words ("" if none; for an alert sent to the manager, why nobody was rung)."""
    ids = [i for a in alerts for i in (a.desk_call_command_id, a.manager_call_command_id) if i]
    calls = wakeup_ops.desk_calls(ids)
    lost = ("", "failed", "the call was lost")
    for alert in alerts:
        alert.desk_call = alert.manager_call = ""
        if alert.desk_call_command_id is not None:
            alert.desk_call = _call_in_words("Desk", calls.get(alert.desk_call_command_id, lost))
        if alert.manager_call_command_id is not None:
            alert.manager_call = _call_in_words("Manager", calls.get(alert.manager_call_command_id, lost))
        elif alert.to_manager_at is not None:
            manager = settings.WAKEUP_ESCALATION_MANAGER_EXTENSION
            alert.manager_call = (
                f"Manager extension {manager} not called: no PBX link is configured."
                if manager
                else "No manager extension is set: the manager was not called."
            )
    return alerts


def board(day: date) -> list[WakeupCall]:
    """The board's rows: board_day, each escalated one saying what became of its call to the desk."""
    rows = board_day(day)
    _with_desk_calls([w.alert for w in rows if hasattr(w, "alert")])
    return rows


def board_day(day: date) -> list[WakeupCall]:
    """The day's wake-ups by time, the ones that need the desk on top, with the guest's name; a day of
    a repeated wake-up knows which day it is (`day_of`: 2, 3)."""
    start, end = _day_bounds(day)
    rows = list(
        WakeupCall.objects.filter(due_at__gte=start, due_at__lt=end)
        .select_related("room", "stay__guest", "alert", "alert__acknowledged_by", "set_by")
        .prefetch_related("attempts")
        .annotate(
            attention=Case(
                When(status__in=NEEDS_ATTENTION, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("attention", "due_at", "room__number")
    )
    positions = series_days(rows)
    for row in rows:
        row.day_of = positions.get(row.pk)
    return rows


def open_alerts() -> list[WakeupAlert]:
    """Unacknowledged alerts, oldest first (so the ones already sent to the manager lead)."""
    return _with_desk_calls(
        list(
            WakeupAlert.objects.filter(acknowledged_at__isnull=True)
            .select_related("wakeup__room", "wakeup__stay__guest")
            .order_by("raised_at", "id")
        )
    )


def compliance(day: date) -> dict[str, int]:
    """Per day: set, answered, confirmed by the guest, failed, escalated (and handled by staff)."""
    start, end = _day_bounds(day)
    rows = WakeupCall.objects.filter(due_at__gte=start, due_at__lt=end).exclude(status=S.CANCELLED)
    failed_alert = Q(status__in=[S.ESCALATED, S.HANDLED]) & ~Q(alert__reason__startswith="At risk")
    return {
        "set": rows.count(),
        "answered": rows.filter(status=S.ANSWERED).count(),
        "confirmed": rows.filter(status=S.GUEST_CONFIRMED).count(),
        "failed": rows.filter(Q(status__in=NEEDS_ATTENTION) | failed_alert).count(),
        # an at-risk warning is not an escalation (a failure after it rewrites the alert's reason)
        "escalated": rows.filter(alert__isnull=False).exclude(alert__reason__startswith="At risk").count(),
        "handled": rows.filter(status=S.HANDLED).count(),
        "open": rows.filter(status__in=OPEN_STATUSES).count(),
        "cancelled": WakeupCall.objects.filter(due_at__gte=start, due_at__lt=end, status=S.CANCELLED).count(),
    }


def stay_for_room(number: str) -> Stay | None:
    return (
        Stay.objects.filter(room__number=number, status=StayStatus.IN_HOUSE)
        .select_related("room", "guest")
        .first()
    )


def stay_page(pk: int) -> Stay | None:
    return Stay.objects.select_related("room", "guest").filter(pk=pk).first()


def stay_wakeups(stay: Stay) -> list[WakeupCall]:
    """The stay's wake-ups from today on (and any that still need the desk); every day of a repeated one,
    so each day's result stays in view."""
    start, _ = _day_bounds(timing.hotel_now().date())
    return list(
        WakeupCall.objects.filter(stay=stay)
        .filter(Q(due_at__gte=start) | Q(status__in=NEEDS_ATTENTION) | Q(series__isnull=False))
        .exclude(Q(series__isnull=False) & Q(status=S.CANCELLED) & Q(due_at__lt=start))
        .select_related("room", "repeat")
        .prefetch_related("attempts")
        .order_by("due_at")
    )


def stay_wakeup_groups(stay: Stay) -> list[dict]:
    """The stay's wake-ups for its page: a one-time wake-up alone, a repeated one as one group with its
    next day, its PBX alarm (alarm mode) and every day's result."""
    groups: list[dict] = []
    series: dict = {}
    for wakeup in stay_wakeups(stay):
        if wakeup.series is None:
            groups.append({"series": None, "rows": [wakeup]})
            continue
        if wakeup.series not in series:
            series[wakeup.series] = {"series": wakeup.series, "rows": [], "repeat": wakeup.repeat}
            groups.append(series[wakeup.series])
        series[wakeup.series]["rows"].append(wakeup)
    for group in groups:
        group["first"] = group["rows"][0]
        group["next"] = next((w for w in group["rows"] if w.is_open and w.status != S.RINGING), None)
    return groups


def series_days(rows: list[WakeupCall]) -> dict[int, tuple[int, int]]:
    """For the board: which day of its repeated wake-up each row is ("day 2 of 3")."""
    keys = {w.series for w in rows if w.series}
    if not keys:
        return {}
    ordered: dict = {}
    for key, pk in (
        WakeupCall.objects.filter(series__in=keys)
        .exclude(status=S.CANCELLED)
        .order_by("due_at", "id")
        .values_list("series", "pk")
    ):
        ordered.setdefault(key, []).append(pk)
    return {
        pk: (index + 1, len(pks))
        for pks in ordered.values()
        for index, pk in enumerate(pks)
        if pk is not None
    }


def open_days_of(series) -> list[WakeupCall]:
    return list(WakeupCall.objects.filter(series=series, status__in=[S.SCHEDULED, S.PUSHED, S.CONFIRMED]))


def wakeup_page(pk: int) -> WakeupCall | None:
    return WakeupCall.objects.select_related("room", "stay__guest").filter(pk=pk).first()


def alert_page(pk: int) -> WakeupAlert | None:
    return WakeupAlert.objects.select_related("wakeup__room").filter(pk=pk).first()
