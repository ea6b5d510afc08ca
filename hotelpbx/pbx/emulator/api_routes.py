"""Outbound and inbound routes and the trunk list (API.md sections 5.4 and 5.11).

v2 documents outroute/query and outroute/update. A real S300 (firmware 30.14.0.127) also answers
outroute/query, inroute/query and trunklist/query on v1.1.0, with the same route fields and trunk
states in lower case ("registered"). Whether v1 has outroute/update is unknown: the emulator's
`v1_route_update` switch decides (off: errno 10003, as for any endpoint the firmware lacks).
"""

from __future__ import annotations

from typing import Any

from .api_types import Context
from .errors import (
    MISSING_PARAM,
    OUTROUTE_EXTENSION,
    OUTROUTE_NAME,
    OUTROUTE_PATTERN,
    OUTROUTE_PREPEND,
    OUTROUTE_STRIP,
    OUTROUTE_TRUNK,
    ApiError,
)
from .state import split_list, valid_pattern

ROUTE_NAME_FORBIDDEN = set(" :!$()/#;,[]\\\"=<>&'`^%@{}|")


def _select(ctx: Context, items: list[dict[str, str]]) -> list[dict[str, str]]:
    """A route query needs a selector: `id` or `name`, a comma list or "all" (an empty body is 10004)."""
    ids, names = ctx.param("id"), ctx.param("name")
    if not ids and not names:
        raise ApiError(MISSING_PARAM, "id")
    if ids and ids.lower() != "all":
        wanted = split_list(ids)
        return [r for r in items if r["id"] in wanted]
    if names and names.lower() != "all":
        wanted = split_list(names)
        return [r for r in items if r["name"] in wanted]
    return list(items)


def outroute_query(ctx: Context) -> dict[str, Any]:
    return {"outroutes": [dict(r) for r in _select(ctx, ctx.emu.state.outroutes)]}


def inroute_query(ctx: Context) -> dict[str, Any]:
    return {"inroutes": [dict(r) for r in _select(ctx, ctx.emu.state.inroutes)]}


def trunk_list(ctx: Context) -> dict[str, Any]:
    """v1 `trunklist/query` (no parameters) and v2 `trunk/list`: name, type and state of every trunk.

    The v1 capture spells states in lower case ("registered"); the documents capitalise them.
    """
    trunks = []
    for name in ctx.emu.state.trunks:
        info = ctx.emu.state.trunk_info.get(name, {})
        status = info.get("status", "Registered")
        trunks.append(
            {
                "trunkname": name,
                "status": status if ctx.v2 else status.lower(),
                "type": info.get("type", "SIP"),
            }
        )
    return {"trunklist": trunks}


def v1_route_update_available(emu) -> bool:
    return bool(emu.config.v1_route_update)


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
