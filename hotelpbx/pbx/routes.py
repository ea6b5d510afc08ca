"""Outbound route membership: applying it (one route at a time, under a lock) and reading it back.

A route's member list is read, changed and written back whole, so two workers changing different
extensions on one route would undo each other: they take turns on one lock (every database). Firmware
without outroute/query or outroute/update (v1.1.0, errno 10003) is remembered, and an extension's gap
is recorded for the board and the PBX page instead.
"""

from __future__ import annotations

from . import capabilities, route_gaps
from .client import PbxClient, route_members
from .errors import PbxPermanentError
from .session import turn


def apply_membership(number: str, wanted: set[str], managed: list[str], client: PbxClient) -> None:
    """Make the extension a member of exactly `wanted` among the managed routes. A wanted route the PBX
    does not have is a failure the desk must see, not a silent success."""
    with turn("outroutes"):
        try:
            routes = {r.get("name", ""): r for r in client.outroute_query()}
        except PbxPermanentError as exc:
            if exc.errno != capabilities.UNSUPPORTED:
                raise
            capabilities.remember(capabilities.OUTROUTE_QUERY, False)
            route_gaps.note(number, missing=wanted, extra=(), reason=route_gaps.NO_QUERY)
            return
        missing = sorted(wanted - routes.keys())
        if missing:
            raise PbxPermanentError(
                f"the PBX has no outbound route named {', '.join(missing)} (see PBX_CLASS_ROUTES)",
                errno="10073",
                path="outroute/update",
            )
        changes = []
        for name in managed:
            route = routes.get(name)
            if route is None:
                continue
            members = route_members(route)
            if name in wanted and number not in members:
                changes.append((name, route, "add"))
            elif name not in wanted and number in members:
                changes.append((name, route, "remove"))
        lacking = [name for name, _, how in changes if how == "add"]
        surplus = [name for name, _, how in changes if how == "remove"]
        if changes and capabilities.known(capabilities.OUTROUTE_UPDATE) is False:
            route_gaps.note(number, missing=lacking, extra=surplus, reason=route_gaps.NO_UPDATE)
            return
        for index, (name, route, how) in enumerate(changes):
            try:
                if how == "add":
                    client.outroute_set_members(name, add=[number], route=route)
                else:
                    client.outroute_set_members(name, remove=[number], route=route)
            except PbxPermanentError as exc:
                if exc.errno != capabilities.UNSUPPORTED or index:
                    raise
                capabilities.remember(capabilities.OUTROUTE_UPDATE, False)
                route_gaps.note(number, missing=lacking, extra=surplus, reason=route_gaps.NO_UPDATE)
                return
        if changes:
            capabilities.remember(capabilities.OUTROUTE_UPDATE, True)
        route_gaps.clear(number)


def managed_members(client: PbxClient, managed: list[str]) -> dict[str, set[str]] | None:
    """Members of the managed routes; None when the firmware cannot list them."""
    if capabilities.known(capabilities.OUTROUTE_QUERY) is False:
        return None
    try:
        routes = client.outroute_query()
    except PbxPermanentError as exc:
        if exc.errno != capabilities.UNSUPPORTED:
            raise
        capabilities.remember(capabilities.OUTROUTE_QUERY, False)
        return None
    return {r["name"]: route_members(r) for r in routes if r.get("name") in set(managed)}
