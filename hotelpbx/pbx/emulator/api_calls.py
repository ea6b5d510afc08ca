"""Call control (playprompt, dial), `apply`, and v2 outbound routes (API.md sections 5.4, 5.10, 5.12)."""

from __future__ import annotations

import re
from typing import Any

from .api_types import Context
from .errors import (
    CALLEE_INVALID,
    MISSING_PARAM,
    NO_SUCH_EXTENSION,
    OUTROUTE_EXTENSION,
    OUTROUTE_NAME,
    OUTROUTE_PATTERN,
    OUTROUTE_PREPEND,
    OUTROUTE_STRIP,
    OUTROUTE_TRUNK,
    PROMPT_NOT_FOUND,
    ApiError,
)
from .state import split_list, valid_pattern

ROUTE_NAME_FORBIDDEN = set(" :!$()/#;,[]\\\"=<>&'`^%@{}|")
DIAL_TALK_SECONDS = 30


def _extension(ctx: Context, key: str) -> str:
    number = ctx.param(key, required=True)
    if number not in ctx.emu.state.extensions:
        raise ApiError(NO_SUCH_EXTENSION, number)
    return number


def playprompt(ctx: Context) -> dict[str, Any]:
    """Ring the extension and play custom prompt(s) joined by '+'; reports follow the answer."""
    emu = ctx.emu
    number = _extension(ctx, ctx.ext_key)
    prompt = ctx.param("prompt", required=True)
    for name in prompt.split("+"):
        if not name or name.isdigit() or (emu.config.prompts is not None and name not in emu.config.prompts):
            raise ApiError(PROMPT_NOT_FOUND, name)
    callid = emu.calls.play_prompt(
        number, prompt, fail_reason=emu.faults.call_fail_reason, delay=emu.config.api_call_report_delay
    )
    return {"callid": callid}


def _dial(ctx: Context, caller: str, callee: str) -> dict[str, Any]:
    emu = ctx.emu
    delay = emu.config.api_call_report_delay
    if emu.faults.call_fail_reason:
        return {"callid": emu.calls.fail_call(caller, emu.faults.call_fail_reason, delay=delay)}
    if callee in emu.state.extensions:
        kind = "internal"
    elif re.fullmatch(r"[0-9*#+]+", callee):
        kind = "outbound"
    else:
        raise ApiError(CALLEE_INVALID, callee)
    callid = emu.calls.place_call(
        kind=kind, src=caller, dst=callee, talk_seconds=DIAL_TALK_SECONDS, delay=delay
    )
    return {"callid": callid}


def dial_extension(ctx: Context) -> dict[str, Any]:
    caller = _extension(ctx, "caller")
    callee = ctx.param("callee", required=True)
    if callee not in ctx.emu.state.extensions:
        raise ApiError("10011", callee)  # the called number does not exist
    return _dial(ctx, caller, callee)


def dial_outbound(ctx: Context) -> dict[str, Any]:
    caller = _extension(ctx, "extid")
    return _dial(ctx, caller, ctx.param("outto", required=True))


def dial(ctx: Context) -> dict[str, Any]:
    caller = _extension(ctx, "caller")
    return _dial(ctx, caller, ctx.param("callee", required=True))


def apply(ctx: Context) -> dict[str, Any]:
    return {}


def _select_routes(ctx: Context) -> list[dict[str, str]]:
    routes = ctx.emu.state.outroutes
    ids, names = ctx.param("id"), ctx.param("name")
    if ids and ids.lower() != "all":
        wanted = split_list(ids)
        return [r for r in routes if r["id"] in wanted]
    if names and names.lower() != "all":
        wanted = split_list(names)
        return [r for r in routes if r["name"] in wanted]
    return list(routes)


def outroute_query(ctx: Context) -> dict[str, Any]:
    return {"outroutes": [dict(r) for r in _select_routes(ctx)]}


def outroute_update(ctx: Context) -> dict[str, Any]:
    """Only the fields present change; `extensions` REPLACES the member list (API.md 5.4 [INF])."""
    emu = ctx.emu
    if ctx.param("id"):
        route = next((r for r in emu.state.outroutes if r["id"] == ctx.param("id")), None)
    elif ctx.param("name"):
        route = next((r for r in emu.state.outroutes if r["name"] == ctx.param("name")), None)
    else:
        raise ApiError(MISSING_PARAM, "id")
    if route is None:
        raise ApiError(OUTROUTE_NAME, "no such outbound route")
    changes: dict[str, str] = {}
    body = ctx.body
    if ctx.param("id") and "name" in body:
        name = ctx.param("name")
        if not name or set(name) & ROUTE_NAME_FORBIDDEN:
            raise ApiError(OUTROUTE_NAME, name)
        if any(r is not route and r["name"] == name for r in emu.state.outroutes):
            raise ApiError("10074", name)  # duplicated route name
        changes["name"] = name
    if "prefix" in body:
        if not valid_pattern(ctx.param("prefix")):
            raise ApiError(OUTROUTE_PATTERN, ctx.param("prefix"))
        changes["prefix"] = ctx.param("prefix")
    if "strip" in body:
        strip = ctx.param("strip")
        if strip and (not strip.isdigit() or len(strip) > 7):
            raise ApiError(OUTROUTE_STRIP, strip)
        changes["strip"] = strip
    if "prepend" in body:
        prepend = ctx.param("prepend")
        if prepend and (not prepend.isdigit() or len(prepend) > 20):
            raise ApiError(OUTROUTE_PREPEND, prepend)
        changes["prepend"] = prepend
    if "trunks" in body:
        trunks = split_list(body["trunks"])
        if not trunks or any(t not in emu.state.trunks for t in trunks):
            raise ApiError(OUTROUTE_TRUNK, ",".join(trunks))
        changes["trunks"] = ",".join(trunks)
    if "extensions" in body:
        members = split_list(body["extensions"])
        if any(m not in emu.state.extensions for m in members):
            raise ApiError(OUTROUTE_EXTENSION, ",".join(members))
        changes["extensions"] = ",".join(dict.fromkeys(members))
    if "extensionsgroup" in body:
        changes["extensionsgroup"] = ",".join(split_list(body["extensionsgroup"]))
    route.update(changes)
    return {}
