"""Report (event) bodies in the three formats a PBX sends (API.md section 6).

A `Report` carries two shapes of one event: the v1 family (`"action"`, parties in a `"call"` list) and
the v2 one (`"event"`, `"members"`). `render()` picks the shape a session asked for at login:

- "1.0.2": the v1 dict as JSON;
- "legacy": the v1 dict with the `"call"` list flattened into top-level party keys, written by hand
  because the party keys repeat (`"ext"` twice), which no JSON encoder produces;
- "2.0.0": the v2 dict as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .sessions import FORMAT_200, LEGACY

_COMPACT = (",", ":")

# v1 reason text -> v2 spelling, both as API.md prints them (typos included).
V2_REASONS = {
    "Line unreachable": "Line Unreachable",
    "User busy": "User Busy",
    "486 Busy Here": "486 Busy here",
    "480 Temporarily unavailable": "480 Temporatily Unavailable",
    "484 Address Incomplete": "484 Address incomplete",
}


@dataclass
class Party:
    """One call party: an extension, or the external leg of an inbound/outbound call."""

    kind: str  # "ext", "inbound" or "outbound"
    number: str = ""  # extension number (kind "ext")
    src: str = ""  # external legs: caller number
    dst: str = ""  # external legs: called number / DID
    trunk: str = ""
    leg_id: str = ""  # v1 inboundid / outboundid
    channelid: str = ""
    callpath: str = ""

    def v1(self) -> dict[str, Any]:
        if self.kind == "ext":
            return {"ext": {"extid": self.number}}
        return {
            self.kind: {"from": self.src, "to": self.dst, "trunk": self.trunk, f"{self.kind}id": self.leg_id}
        }

    def v2(self, memberstatus: str | None = None) -> dict[str, Any]:
        body: dict[str, Any]
        if self.kind == "ext":
            body = {"number": self.number, "channelid": self.channelid}
        else:
            body = {"from": self.src, "to": self.dst, "trunkname": self.trunk, "channelid": self.channelid}
        if memberstatus is not None:
            body["memberstatus"] = memberstatus
            body["callpath"] = self.callpath
        return {self.kind: body}


@dataclass
class Report:
    """One event in both families; a None shape means that family has no such event (e.g. v1 ALERT
    has no v2 twin because v2 folds ALERT/RING into one CallStatus)."""

    v1: dict[str, Any] | None
    v2: dict[str, Any] | None
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = str((self.v1 or {}).get("action") or (self.v2 or {}).get("event"))


def simple(name: str, sn: str, **fields: Any) -> Report:
    """A report without parties: same keys in both families, only action/event differs."""
    return Report({"action": name, **fields, "sn": sn}, {"event": name, **fields, "sn": sn})


def boot_up(sn: str) -> Report:
    return simple("BootUp", sn)


def config_change(sn: str, number: str, operation: str = "update") -> Report:
    # v2 keeps the "extid" key here (API.md section 6.3).
    return simple("ConfigChange", sn, type="extension", extid=number, operation=operation)


def extension_status(sn: str, number: str, status: str) -> Report:
    return simple("ExtensionStatus", sn, extension=number, status=status)


def render(report: Report, fmt: str) -> bytes | None:
    """The body for a session of format `fmt`, or None when that format has no such event."""
    if fmt == FORMAT_200:
        return None if report.v2 is None else json.dumps(report.v2, separators=_COMPACT).encode()
    if report.v1 is None:
        return None
    if fmt == LEGACY:
        return render_legacy(report.v1).encode()
    return json.dumps(report.v1, separators=_COMPACT).encode()


def render_legacy(v1: dict[str, Any]) -> str:
    """Flatten `"call": [{"ext":..}, {"ext":..}]` into repeated top-level keys, in place."""
    items: list[str] = []
    for key, value in v1.items():
        if key == "call" and isinstance(value, list):
            for party in value:
                for party_key, party_value in party.items():
                    items.append(json.dumps(party_key) + ":" + json.dumps(party_value, separators=_COMPACT))
        else:
            items.append(json.dumps(key) + ":" + json.dumps(value, separators=_COMPACT))
    return "{" + ",".join(items) + "}"
