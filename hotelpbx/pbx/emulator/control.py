"""The /_emulator/ control API: the Emulator's test hooks over HTTP, JSON in and out.

Not part of the Yeastar API, so it is unaffected by the down/slow/errno faults and has no token.
Errors answer HTTP 400 (bad input) or 404 (unknown endpoint) with {"error": "..."}.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .emulator import Emulator

Handler = Callable[["Emulator", dict[str, Any]], Any]

CALL_KEYS = (
    "kind",
    "src",
    "dst",
    "answer",
    "talk_seconds",
    "ring_seconds",
    "status",
    "did",
    "trunk",
    "hangup_by",
    "recording",
)


def _faults(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    rate = {k: body.pop(k) for k in ("config_rate_limit", "config_rate_window") if k in body}
    if body:
        emu.faults.update(body)
    if "config_rate_limit" in rate:
        emu.config.config_rate_limit = max(1, int(rate["config_rate_limit"]))
    if "config_rate_window" in rate:
        emu.config.config_rate_window = max(0.0, float(rate["config_rate_window"]))
    return _faults_view(emu)


def _faults_view(emu: Emulator) -> dict[str, Any]:
    return {
        **emu.faults.to_dict(),
        "config_rate_limit": emu.config.config_rate_limit,
        "config_rate_window": emu.config.config_rate_window,
    }


def _call(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    return {"callid": emu.place_call(**{k: body[k] for k in CALL_KEYS if k in body})}


def _dtmf(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    callid = emu.press_dtmf(
        str(body["ext"]),
        str(body["digits"]),
        callpath=str(body.get("callpath", "")),
        callid=body.get("callid"),
        end_call=bool(body.get("end_call", True)),
    )
    return {"callid": callid}


def _alarm_ring(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    wakeupid = body.get("wakeupid")
    callids = emu.ring_alarm(
        str(body["ext"]),
        None if wakeupid in (None, "") else str(wakeupid),
        answer=bool(body.get("answer", True)),
    )
    return {"callids": callids}


def _alarm_outcomes(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    """{"ext": "2101", "outcomes": ["no answer", "answered"]}: the guest's answer to the next alarm calls;
    with "call": "playprompt", to the next prompts the app plays (["no answer", "key:1"])."""
    outcomes = body["outcomes"]
    if not isinstance(outcomes, list):
        raise ValueError("outcomes must be a list")
    plans = emu.calls.alarm_outcomes
    plan = plans.plan_prompt if body.get("call") == "playprompt" else plans.plan
    return {"ext": str(body["ext"]), "outcomes": plan(str(body["ext"]), outcomes)}


def _call_fail(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    return {"callid": emu.fail_call(str(body["ext"]), str(body["reason"]), callid=body.get("callid"))}


def _drop(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "count" in body:
        values["drop_reports_count"] = body["count"]
    if "enabled" in body:
        values["drop_reports"] = body["enabled"]
    emu.faults.update(values)
    return {"drop_reports": emu.faults.drop_reports, "drop_reports_count": emu.faults.drop_reports_count}


def _advance(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    now = emu.clock.advance(float(body.get("seconds", 0)))
    callids = emu.tick()  # alarms due in the skipped time ring right away
    return {"now": now.isoformat(), "alarm_callids": callids}


def _voicemail(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    return emu.leave_voicemail(
        str(body["ext"]), str(body.get("from", "0612345678")), int(body.get("length", 20))
    )


def _push(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    raw = body.get("body", "")
    emu.push_raw(raw if isinstance(raw, str) else json.dumps(raw))
    return {}


def _trunk(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    """Set a trunk's state, e.g. {"name": "SIP-Carrier", "status": "Failure"} (a dead carrier)."""
    return emu.set_trunk_status(str(body["name"]), str(body["status"]))


def _firmware(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    """Firmware switches: {"v1_route_update": true} gives v1.1.0 an outroute/update."""
    if "v1_route_update" in body:
        value = body["v1_route_update"]
        if not isinstance(value, bool):
            raise ValueError("v1_route_update must be true or false")
        emu.config.v1_route_update = value
    return {"v1_route_update": emu.config.v1_route_update}


def _reset(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    emu.reset_logs()
    return {}


POST: dict[str, Handler] = {
    "faults": _faults,
    "call": _call,
    "call/fail": _call_fail,
    "dtmf": _dtmf,
    "alarm/ring": _alarm_ring,
    "alarm/outcomes": _alarm_outcomes,
    "tokens/expire": lambda emu, body: {"expired": emu.expire_tokens()},
    "reboot": lambda emu, body: emu.reboot() or {},
    "reports/drop": _drop,
    "clock/advance": _advance,
    "unblock": lambda emu, body: {"unblocked": emu.unblock(body.get("ip"))},
    "reset": _reset,
    "voicemail": _voicemail,
    "push": _push,
    "trunk": _trunk,
    "firmware": _firmware,
    "tick": lambda emu, body: {"callids": emu.tick()},
    "wait_idle": lambda emu, body: {"idle": emu.wait_idle(float(body.get("timeout", 5)))},
}
GET: dict[str, Handler] = {
    "faults": lambda emu, body: _faults_view(emu),
    "firmware": lambda emu, body: _firmware(emu, {}),
    "applied": lambda emu, body: list(emu.applied),
    "state": lambda emu, body: emu.snapshot(),
    "requests": lambda emu, body: list(emu.requests_log),
    "reports": lambda emu, body: list(emu.reports_log),
    "clock": lambda emu, body: {"now": emu.clock.now().isoformat(), "offset": emu.clock.offset},
}


def handle(emu: Emulator, method: str, path: str, raw_body: bytes) -> tuple[int, bytes]:
    name = path[len("/_emulator/") :].strip("/") if path.startswith("/_emulator/") else ""
    table = GET if method == "GET" else POST if method == "POST" else {}
    handler = table.get(name)
    if handler is None:
        return 404, _json({"error": f"unknown control endpoint {method} {path}"})
    try:
        body = json.loads(raw_body.decode() or "{}") if raw_body.strip() else {}
        if not isinstance(body, dict):
            raise ValueError("JSON object expected")
        result = handler(emu, body)
    except (KeyError, ValueError, TypeError) as exc:
        return 400, _json({"error": f"{type(exc).__name__}: {exc}"})
    return 200, _json(result)


def _json(value: Any) -> bytes:
    return json.dumps(value, default=str).encode()
