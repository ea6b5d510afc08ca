"""Wake-up times: the desk's local date and time, the stored UTC instant, the PBX's clock time.

Daylight-saving rules, decided once here:
- a local time that does not exist (the clocks jump forward over it) rings at the same distance after
  the jump, e.g. 02:30 on the spring-forward night in Berlin rings at 03:30 summer time;
- a local time that happens twice (the clocks go back) rings at its first occurrence: a wake-up must
  never be late.
Either way the desk is told which moment was chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class LocalMoment:
    at: datetime  # aware, UTC
    note: str  # empty, or what a DST change made of the requested time


def hotel_zone() -> ZoneInfo:
    return ZoneInfo(settings.HOTEL_TIME_ZONE)


def hotel_now() -> datetime:
    from django.utils import timezone

    return timezone.now().astimezone(hotel_zone())


def pbx_zone() -> ZoneInfo:
    return ZoneInfo(settings.PBX_TIME_ZONE)


def local_to_utc(day: date, clock: time, zone: ZoneInfo | None = None) -> LocalMoment:
    zone = zone or hotel_zone()
    wall = datetime.combine(day, clock.replace(second=0, microsecond=0))
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    as_utc = first.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != wall:
        # A time in the gap: fold=0 reads it with the offset before the jump, which lands after the gap.
        shown = as_utc.astimezone(zone)
        return LocalMoment(
            as_utc,
            f"{clock:%H:%M} does not exist on {day:%d %b} (the clocks go forward): "
            f"it rings at {shown:%H:%M}.",
        )
    if first.utcoffset() != second.utcoffset():
        return LocalMoment(
            as_utc,
            f"{clock:%H:%M} happens twice on {day:%d %b} (the clocks go back): it rings the first time.",
        )
    return LocalMoment(as_utc, "")


def pbx_clock_time(moment: datetime) -> str:
    """The alarm's "HH:MM" on the PBX's clock for a UTC instant."""
    return moment.astimezone(pbx_zone()).strftime("%H:%M")


def push_window_opens(due: datetime) -> datetime:
    """The earliest moment a one-time alarm for `due` may be on the PBX: once the PBX's clock has shown
    the alarm's time for the last time before `due`. Usually 24 h before; 23 h before when the PBX's
    clocks go forward in between (pushed earlier, it would ring a day early and then be gone)."""
    wall = due.astimezone(pbx_zone())
    previous = local_to_utc(wall.date() - timedelta(days=1), wall.time(), pbx_zone()).at
    return max(due - timedelta(hours=24), previous)


def next_pbx_occurrence(clock_hhmm: str, after: datetime, weekdays: tuple[int, ...] = ()) -> datetime | None:
    """The next UTC instant after `after` at which the PBX's clock shows `clock_hhmm` (on one of
    `weekdays`, 0 = Monday, when given)."""
    try:
        hour, minute = (int(x) for x in clock_hhmm.split(":"))
        wanted = time(hour, minute)
    except ValueError:
        return None
    local_after = after.astimezone(pbx_zone())
    for offset in range(8):
        day = local_after.date() + timedelta(days=offset)
        if weekdays and day.weekday() not in weekdays:
            continue
        candidate = local_to_utc(day, wanted, pbx_zone()).at
        if candidate > after:
            return candidate
    return None


def pbx_time_to_utc(text: str) -> datetime | None:
    """A PBX report's local "YYYY-MM-DD HH:MM:SS" as UTC (one place to change if it moves)."""
    from billing.services import pbx_time_to_utc as convert

    return convert(text)
