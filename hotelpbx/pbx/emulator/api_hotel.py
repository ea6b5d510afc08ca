"""hotel/checkout, wakeupcall/* and voicemail query/delete (API.md sections 5.5-5.7)."""

from __future__ import annotations

from typing import Any

from .alarms import normalise_alarm
from .api_types import Context
from .errors import (
    MISSING_PARAM,
    NO_SUCH_EXTENSION,
    VOICEMAIL_NOT_FOUND,
    VOICEMAIL_STATUS_WRONG,
    WAKEUP_EXISTS,
    WAKEUP_INVALID,
    WAKEUP_NOT_FOUND,
    ApiError,
)
from .reports import config_change
from .state import split_list

ALARM_VIEW_KEYS = ("wakeupid", "time", "type", "weekdays", "prompt", "repeats", "repeatinterval")


def checkout(ctx: Context) -> dict[str, Any]:
    """Per extension: empty voicemail, leave all outbound routes, delete alarms, name := number."""
    emu = ctx.emu
    numbers = ctx.extensions(allow_all=False)
    for number in numbers:
        emu.state.voicemail[number] = []
        emu.state.remove_from_outroutes(number)
        for wakeupid in [a["wakeupid"] for a in emu.state.alarms_of(number)]:
            emu.delete_alarm(wakeupid)
        emu.state.extensions[number]["username"] = number
    if emu.config.config_change_reports:
        emu.publish([config_change(emu.config.sn, n) for n in numbers])
    return {}


def _alarm_body(ctx: Context, *, v2_shape: str = "object") -> dict[str, Any]:
    """`wakeup` in the documented shape only: an array on v1 (first element used), an object on v2
    (create: the shape `v2_create_wakeup_shape` names).

    The other shape answers 10004, as a missing parameter would.
    """
    raw = ctx.body.get("wakeup")
    if ctx.v2 and v2_shape == "object" and not isinstance(raw, dict):
        raise ApiError(MISSING_PARAM, "wakeup must be an object on v2")
    if not ctx.v2 or v2_shape == "array":
        if not isinstance(raw, list):
            raise ApiError(MISSING_PARAM, "wakeup must be an array")
        raw = raw[0] if raw else None
    if not isinstance(raw, dict) or not raw:
        raise ApiError(MISSING_PARAM, "wakeup")
    return raw


def _check_prompt(ctx: Context, alarm: dict[str, str]) -> None:
    prompts = ctx.emu.config.prompts
    if prompts is not None and alarm["prompt"] != "macroform-cold_day" and alarm["prompt"] not in prompts:
        raise ApiError(WAKEUP_INVALID, "prompt")


def wakeup_create(ctx: Context) -> dict[str, Any]:
    emu = ctx.emu
    numbers = ctx.extensions(allow_all=False)
    shape = emu.config.v2_create_wakeup_shape
    alarm = normalise_alarm(_alarm_body(ctx, v2_shape=shape), None, repeats_required=ctx.v2)
    _check_prompt(ctx, alarm)
    # One alarm per (extension, time): checked for every extension before creating any.
    for number in numbers:
        if any(a["time"] == alarm["time"] for a in emu.state.alarms_of(number)):
            raise ApiError(WAKEUP_EXISTS, f"{number} {alarm['time']}")
    for number in numbers:
        emu.add_alarm(number, alarm)
    return {}


def _alarm_view(alarm: dict[str, str]) -> dict[str, str]:
    return {k: alarm[k] for k in ALARM_VIEW_KEYS if k in alarm}


def wakeup_query(ctx: Context) -> dict[str, Any]:
    emu = ctx.emu
    numbers = ctx.extensions(empty_means_all=True)
    key = ctx.ext_key
    wakeups = []
    for number in numbers:
        alarms = emu.state.alarms_of(number)
        if alarms:
            wakeups.append({key: number, "wakeup": [_alarm_view(a) for a in alarms]})
    if not wakeups and ctx.v2:
        return {}  # documented v2 answer when there are no alarms
    return {"wakeups": wakeups}


def wakeup_update(ctx: Context) -> dict[str, Any]:
    emu = ctx.emu
    number = ctx.param(ctx.ext_key, required=True)
    if number not in emu.state.extensions:
        raise ApiError(NO_SUCH_EXTENSION, number)
    wakeupid = ctx.param("wakeupid", required=True)
    current = emu.state.alarms.get(wakeupid)
    if current is None or current["ext"] != number:
        raise ApiError(WAKEUP_NOT_FOUND, wakeupid)
    base = {k: v for k, v in current.items() if k not in ("wakeupid", "ext")}
    alarm = normalise_alarm(_alarm_body(ctx), base, repeats_required=ctx.v2)
    _check_prompt(ctx, alarm)
    if any(a["time"] == alarm["time"] and a["wakeupid"] != wakeupid for a in emu.state.alarms_of(number)):
        raise ApiError(WAKEUP_EXISTS, alarm["time"])
    emu.replace_alarm(wakeupid, alarm)
    return {}


def wakeup_delete(ctx: Context) -> dict[str, Any]:
    emu = ctx.emu
    numbers = ctx.extensions()
    raw_ids = ctx.param("wakeupid")
    old_time = ctx.param("time")
    candidates = [a for n in numbers for a in emu.state.alarms_of(n)]
    if not raw_ids and old_time:
        # The 2017 (v1.0.x) form names the alarm by its time: only that alarm goes.
        doomed = [a["wakeupid"] for a in candidates if a["time"] == old_time]
        if not doomed:
            raise ApiError(WAKEUP_NOT_FOUND, old_time)
    elif not raw_ids or raw_ids.lower() == "all":
        doomed = [a["wakeupid"] for a in candidates]
    else:
        doomed = split_list(raw_ids)
        owned = {a["wakeupid"] for a in candidates}
        missing = [i for i in doomed if i not in owned]
        if missing:
            raise ApiError(WAKEUP_NOT_FOUND, ",".join(missing))
    for wakeupid in doomed:
        emu.delete_alarm(wakeupid)
    return {}


def voicemail_query(ctx: Context) -> dict[str, Any]:
    emu = ctx.emu
    explicit = bool(ctx.param(ctx.ext_key)) and ctx.param(ctx.ext_key).lower() != "all"
    numbers = ctx.extensions(empty_means_all=True)
    result = []
    for number in numbers:
        box = emu.state.voicemail.get(number, [])
        if box or explicit:
            result.append({ctx.ext_key: number, "voicemail": [dict(m) for m in box]})
    return {"voicemails": result}


def voicemail_delete(ctx: Context) -> dict[str, Any]:
    emu = ctx.emu
    number = ctx.param(ctx.ext_key, required=True)
    if number not in emu.state.extensions:
        raise ApiError(NO_SUCH_EXTENSION, number)
    file_name = ctx.param("voicemailfile", required=True)
    status = ctx.param("voicemailstatus", default="all")
    if status not in ("read", "unread", "all"):
        raise ApiError(VOICEMAIL_STATUS_WRONG, status)
    box = emu.state.voicemail.setdefault(number, [])

    def doomed(msg: dict[str, str]) -> bool:
        return (file_name == "all" or msg["voicemailfile"] == file_name) and (
            status == "all" or msg["voicemailstatus"] == status
        )

    if file_name != "all" and not any(doomed(m) for m in box):
        raise ApiError(VOICEMAIL_NOT_FOUND, file_name)
    box[:] = [m for m in box if not doomed(m)]
    return {}
