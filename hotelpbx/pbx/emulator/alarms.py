"""Wake-up alarms: validation of the wakeupcall/* alarm objects and "when does it ring next".

Weekdays use Yeastar numbering (0 = Sunday .. 6 = Saturday), Python's is Monday = 0. API.md documents
the days 0-6 for `custom` alarms but not how several are written; comma-separated is the likely form, so
the emulator takes exactly that ("1,3,5": a string, each day once) and refuses any other (10020), which
is at least as strict as the documents.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from .errors import MISSING_PARAM, WAKEUP_INVALID, ApiError

TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
TYPES = ("onetime", "everyday", "custom")
WEEKDAYS_RE = re.compile(r"^[0-6](,[0-6])*$")


def strict_weekdays(value: Any) -> str:
    """The documented-likely form only: "1,3,5" (a string of days 0-6, each once); ValueError otherwise."""
    if not isinstance(value, str) or not WEEKDAYS_RE.match(value.strip()):
        raise ValueError(value)
    days = value.strip().split(",")
    if len(set(days)) != len(days):
        raise ValueError(value)
    return ",".join(sorted(days))


def parse_weekdays(value: Any) -> list[int]:
    """ "1,3,5", "135" or ["1","3"] -> sorted unique ints in 0..6; raises ValueError otherwise."""
    if isinstance(value, list | tuple):
        parts = [str(v) for v in value]
    else:
        text = str(value).strip()
        parts = re.split(r"[,;\s]+", text) if re.search(r"[,;\s]", text) else list(text)
    days = sorted({int(p) for p in parts if p != ""})
    if not days or any(d < 0 or d > 6 for d in days):
        raise ValueError(value)
    return days


def normalise_alarm(
    raw: dict[str, Any], base: dict[str, str] | None, repeats_required: bool
) -> dict[str, str]:
    """Merge `raw` over `base` (for update) and validate; errno 10020 for bad values, 10004 missing."""
    alarm = dict(base or {})
    if raw.get("type") == "custom" or (raw.get("type") is None and alarm.get("type") == "custom"):
        if "weekdays" in raw:
            try:
                raw = {**raw, "weekdays": strict_weekdays(raw["weekdays"])}
            except ValueError:
                raise ApiError(WAKEUP_INVALID, "weekdays") from None
        elif raw.get("type") == "custom" and alarm.get("type") != "custom":
            raise ApiError(WAKEUP_INVALID, "weekdays: required for a custom alarm")
    for key in ("time", "type", "weekdays", "repeats", "repeatinterval", "prompt"):
        if key in raw and raw[key] is not None:
            alarm[key] = (
                str(raw[key]).strip()
                if not isinstance(raw[key], list)
                else ",".join(str(v) for v in raw[key])
            )
    if repeats_required and "repeats" not in raw:
        raise ApiError(MISSING_PARAM, "repeats")
    if not alarm.get("time") or not alarm.get("type"):
        raise ApiError(MISSING_PARAM, "time/type")
    match = TIME_RE.match(alarm["time"])
    if not match:
        raise ApiError(WAKEUP_INVALID, "time")
    alarm["time"] = f"{int(match.group(1)):02d}:{match.group(2)}"
    if alarm["type"] not in TYPES:
        raise ApiError(WAKEUP_INVALID, "type")
    if alarm["type"] == "custom":
        try:
            alarm["weekdays"] = ",".join(str(d) for d in parse_weekdays(alarm.get("weekdays", "")))
        except ValueError:
            raise ApiError(WAKEUP_INVALID, "weekdays") from None
    else:
        alarm.pop("weekdays", None)
    alarm.setdefault("repeats", "1")
    if not alarm["repeats"].isdigit() or not 1 <= int(alarm["repeats"]) <= 3:
        raise ApiError(WAKEUP_INVALID, "repeats")
    alarm.setdefault("repeatinterval", "5")
    if not alarm["repeatinterval"].isdigit() or int(alarm["repeatinterval"]) < 1:
        raise ApiError(WAKEUP_INVALID, "repeatinterval")
    alarm.setdefault("prompt", "macroform-cold_day")
    if not alarm["prompt"]:
        alarm["prompt"] = "macroform-cold_day"
    return alarm


def next_ring(alarm: dict[str, str], after: datetime) -> datetime | None:
    """First moment strictly after `after` (aware, PBX local tz) when the alarm rings."""
    hour, minute = (int(x) for x in alarm["time"].split(":"))
    days = parse_weekdays(alarm["weekdays"]) if alarm.get("type") == "custom" else None
    for offset in range(0, 8):
        day = after.date() + timedelta(days=offset)
        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=after.tzinfo)
        if candidate <= after:
            continue
        yeastar_weekday = (candidate.weekday() + 1) % 7
        if days is not None and yeastar_weekday not in days:
            continue
        return candidate
    return None
