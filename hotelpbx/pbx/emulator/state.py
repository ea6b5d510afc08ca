"""The in-memory PBX configuration and data: extensions, alarms, voicemail, outbound routes, CDRs.

Plain dicts of strings on purpose: that is what the API reads and writes, and tests can inspect
`emu.state.extensions["2101"]["username"]` directly. The Emulator's lock guards every mutation.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from .config import DEFAULT_ROUTE_PATTERNS, EmulatorConfig


def default_extension(number: str) -> dict[str, str]:
    """All section 5.3 fields of a freshly created SIP extension (internal key "number")."""
    fields = {
        "number": number,
        "username": number,
        "status": "Registered",
        "type": "SIP",
        "callerid": number,
        "registername": number,
        "registerpassword": f"Reg{number}Pass",
        "maxregistrations": "1",
        # The PBX returns the user-portal password as MD5.
        "loginpassword": hashlib.md5(f"Login{number}".encode()).hexdigest(),
        "email": "",
        "mobile": "",
        "language": "System Default",
        "hasvoicemail": "on",
        "enablevmtoemail": "off",
        "vmsecret": number[-4:],
        "enablemobile": "off",
        "ringsimultaneous": "off",
        "mobileprefix": "",
        "allowbeingmonitored": "off",
        "monitormode": "Disabled",
        "ringtimeout": "30",
        "maxduration": "Follow System",
        "dnd": "off",
        "callrestriction": "off",
        "agentid": "",
    }
    for prefix, switch in (("a", "alwaysforward"), ("n", "noanswerforward"), ("b", "busyforward")):
        fields[switch] = "off"
        fields[f"{prefix}transferto"] = "Voicemail"
        fields[f"{prefix}transferext"] = ""
        fields[f"{prefix}transferprefix"] = ""
        fields[f"{prefix}transfernum"] = ""
    return fields


def pattern_to_regex(pattern: str) -> re.Pattern[str]:
    """Asterisk-style dial pattern (X, Z, N, [..], '.', '!') to a full-match regex."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch in "Xx":
            out.append("[0-9]")
        elif ch in "Zz":
            out.append("[1-9]")
        elif ch in "Nn":
            out.append("[2-9]")
        elif ch == ".":
            out.append(".+")
        elif ch == "!":
            out.append(".*")
        elif ch == "[":
            end = pattern.find("]", i)
            if end == -1:
                raise ValueError(pattern)
            out.append("[" + re.sub(r"[^0-9\-]", "", pattern[i + 1 : end]) + "]")
            i = end
        elif ch.isdigit() or ch in "*#+":
            out.append(re.escape(ch))
        else:
            raise ValueError(pattern)
        i += 1
    return re.compile("".join(out))


def valid_pattern(pattern: str) -> bool:
    try:
        pattern_to_regex(pattern)
    except ValueError:
        return False
    return bool(pattern)


def split_list(value: Any) -> list[str]:
    """Comma-separated string (or list) to a list of trimmed non-empty strings."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


@dataclass
class PbxState:
    extensions: dict[str, dict[str, str]] = field(default_factory=dict)
    # wakeupid -> alarm dict (ext, time, type, weekdays, repeats, repeatinterval, prompt)
    alarms: dict[str, dict[str, str]] = field(default_factory=dict)
    # extension -> list of messages (voicemailfile, messagefrom, voicemailstatus, voicemaildate, ...)
    voicemail: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    outroutes: list[dict[str, str]] = field(default_factory=list)
    # neutral CDR records: NewCdr field names (v1 spelling "desttrunkname", status "NO ANSWER")
    cdrs: list[dict[str, str]] = field(default_factory=list)
    trunks: list[str] = field(default_factory=list)
    # trunk name -> {"type", "status"}; status in the documented spelling ("Registered", "Failure", ...)
    trunk_info: dict[str, dict[str, str]] = field(default_factory=dict)
    inroutes: list[dict[str, str]] = field(default_factory=list)
    next_wakeup_id: int = 1
    next_voicemail_seq: int = 0

    @classmethod
    def from_config(cls, config: EmulatorConfig) -> PbxState:
        state = cls(trunks=list(config.trunks))
        for name in state.trunks:
            info = {"type": "SIP", "status": "Registered", **config.trunk_info.get(name, {})}
            state.trunk_info[name] = {k: str(v) for k, v in info.items()}
        if config.inbound_routes is not None:
            state.inroutes = [{k: str(v) for k, v in r.items()} for r in config.inbound_routes]
        else:
            state.inroutes = [
                {
                    "id": str(index),
                    "name": f"{trunk}-in",
                    "did": "",
                    "caller_id": "",
                    "trunks": trunk,
                    "desttype": "extension",
                    "dest": next(iter(config.extensions), ""),
                }
                for index, trunk in enumerate(state.trunks, start=100)
            ]
        numbers = list(config.extensions) + [n for n in config.extension_fields if n not in config.extensions]
        for number in numbers:
            ext = default_extension(str(number))
            ext.update({k: str(v) for k, v in config.extension_fields.get(str(number), {}).items()})
            ext["number"] = str(number)
            state.extensions[str(number)] = ext
            state.voicemail[str(number)] = []
        for index, (name, spec) in enumerate(config.outbound_routes.items(), start=1):
            spec = spec if isinstance(spec, dict) else {"extensions": spec}
            state.outroutes.append(
                {
                    "id": str(spec.get("id", index)),
                    "name": name,
                    "prefix": str(spec.get("prefix", DEFAULT_ROUTE_PATTERNS.get(name.lower(), "X."))),
                    "strip": str(spec.get("strip", "")),
                    "prepend": str(spec.get("prepend", "")),
                    "trunks": ",".join(split_list(spec.get("trunks", config.trunks[:1]))),
                    "extensions": ",".join(split_list(spec.get("extensions", []))),
                    "extensionsgroup": ",".join(split_list(spec.get("extensionsgroup", []))),
                }
            )
        return state

    def route_for(self, dialled: str) -> dict[str, str] | None:
        """First outbound route (in order) whose dial pattern matches the dialled number."""
        for route in self.outroutes:
            try:
                if pattern_to_regex(route["prefix"]).fullmatch(dialled):
                    return route
            except ValueError:
                continue
        return None

    def remove_from_outroutes(self, number: str) -> None:
        for route in self.outroutes:
            route["extensions"] = ",".join(e for e in split_list(route["extensions"]) if e != number)

    def alarms_of(self, number: str) -> list[dict[str, str]]:
        return [a for a in self.alarms.values() if a["ext"] == number]

    def snapshot(self) -> dict[str, Any]:
        return {
            "extensions": {k: dict(v) for k, v in self.extensions.items()},
            "alarms": {k: dict(v) for k, v in self.alarms.items()},
            "voicemail": {k: [dict(m) for m in v] for k, v in self.voicemail.items()},
            "outroutes": [dict(r) for r in self.outroutes],
            "cdrs": [dict(c) for c in self.cdrs],
            "trunks": list(self.trunks),
            "trunk_info": {k: dict(v) for k, v in self.trunk_info.items()},
            "inroutes": [dict(r) for r in self.inroutes],
        }
