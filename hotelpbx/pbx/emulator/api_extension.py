"""deviceinfo/query, extension list/query/update (API.md sections 5.1-5.4)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from .api_types import Context
from .errors import EXTENSION_CONFIG_FAILED, NO_SUCH_EXTENSION, ApiError
from .reports import config_change

READ_ONLY = {"number", "extnumber", "status", "type", "port", "language"}
ON_OFF = {
    "hasvoicemail",
    "alwaysforward",
    "noanswerforward",
    "busyforward",
    "enablemobile",
    "ringsimultaneous",
    "allowbeingmonitored",
    "dnd",
    "callrestriction",
}
TRANSFER_TO = {"Voicemail", "Extension", "Mobile Number", "Custom Number"}
RING_TIMEOUTS = {"15", "30", "60", "120", "300"}
MAX_DURATIONS = {"Follow System", "Unlimited", "60", "300", "600", "900", "1800", "3600", "6000"}
MONITOR_MODES = {"Disabled", "Extensive", "Listen", "Whisper", "Barge-in"}
V2_FORBIDDEN_NAME_CHARS = set("!%.@:;&\"'\\<>$`")


def deviceinfo(ctx: Context) -> dict[str, Any]:
    emu = ctx.emu
    uptime = int(emu.clock.time() - emu.boot_time)
    hours, rest = divmod(max(uptime, 0), 3600)
    registered = sum(1 for e in emu.state.extensions.values() if e["status"].lower() != "unavailable")
    return {
        "deviceinfo": {
            "devicename": emu.config.device_name,
            "sn": emu.config.sn,
            "hardwarever": emu.config.hardware,
            "firmwarever": emu.config.firmware,
            "systemtime": f"{emu.clock.local_text()} {emu.clock.zone_label()}",
            "uptime": f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}",
            "extensionstatus": f"{registered}/{len(emu.state.extensions)}",
        }
    }


def _with_number_key(ctx: Context, ext: dict[str, str]) -> dict[str, str]:
    """Response view: v1 names the number `extnumber`, v2 `number` (first key, like the samples)."""
    key = "number" if ctx.v2 else "extnumber"
    return {key: ext["number"], **{k: v for k, v in ext.items() if k != "number"}}


def extension_list(ctx: Context) -> dict[str, Any]:
    items = []
    for ext in ctx.emu.state.extensions.values():
        item = {
            "status": ext["status"],
            "type": ext["type"],
            "username": ext["username"],
            "agentid": ext["agentid"],
        }
        if ext.get("port"):
            item["port"] = ext["port"]
        items.append(_with_number_key(ctx, {"number": ext["number"], **item}))
    return {"extlist": items}


def query(ctx: Context) -> dict[str, Any]:
    # v1: no extid means all extensions; v2 documents "all" (we also accept an empty number).
    numbers = ctx.extensions(empty_means_all=True)
    return {"extinfos": [_with_number_key(ctx, ctx.emu.state.extensions[n]) for n in numbers]}


def _strong(password: str, minimum: int) -> bool:
    return (
        len(password) >= minimum
        and bool(re.search(r"[A-Z]", password))
        and bool(re.search(r"[a-z]", password))
        and bool(re.search(r"\d", password))
    )


def _invalid(ctx: Context, number: str, key: str, value: str) -> bool:
    """True when `value` is not acceptable for `key` (the PBX answers 10017 without field detail)."""
    checks: dict[str, Callable[[str], bool]] = {
        "username": lambda v: len(v) > 31 or (ctx.v2 and bool(set(v) & V2_FORBIDDEN_NAME_CHARS)),
        "extnumber": lambda v: v != number,  # renumbering is not emulated
        "enablevmtoemail": lambda v: v not in (("on", "off", "custom") if ctx.v2 else ("on", "off")),
        "vmsecret": lambda v: not v.isdigit(),
        "maxregistrations": lambda v: not v.isdigit() or not 1 <= int(v) <= 5,
        "ringtimeout": lambda v: v not in RING_TIMEOUTS,
        "maxduration": lambda v: v not in MAX_DURATIONS,
        "monitormode": lambda v: v not in MONITOR_MODES,
        "registerpassword": lambda v: not _strong(v, 16) if ctx.v2 else not v,
        "loginpassword": lambda v: not _strong(v, 10) if ctx.v2 else not 6 <= len(v) <= 63,
    }
    if key in ON_OFF:
        return value not in ("on", "off")
    if key.endswith("transferto"):
        return value not in TRANSFER_TO
    check = checks.get(key)
    return bool(check and check(value))


def update(ctx: Context) -> dict[str, Any]:
    emu = ctx.emu
    number = ctx.param(ctx.ext_key, required=True)
    ext = emu.state.extensions.get(number)
    if ext is None:
        raise ApiError(NO_SUCH_EXTENSION, number)
    changes: dict[str, str] = {}
    for key, value in ctx.body.items():
        key = "mobile" if key == "moblie" else key  # the 2017 guide's spelling
        if key == ctx.ext_key or value is None:
            continue
        if key == "extnumber" and not ctx.v2:
            changes[key] = str(value).strip()
        elif key in ext and key not in READ_ONLY:
            changes[key] = value if isinstance(value, str) else str(value)
        # Unknown and read-only keys are ignored, as the PBX ignores fields it does not know.
    if not changes:
        return {}  # nothing to change is not an error
    for key, value in changes.items():
        if _invalid(ctx, number, key, value):
            raise ApiError(EXTENSION_CONFIG_FAILED, key)
    changes.pop("extnumber", None)
    if "loginpassword" in changes:
        changes["loginpassword"] = hashlib.md5(changes["loginpassword"].encode()).hexdigest()
    ext.update(changes)
    if emu.config.config_change_reports:
        emu.publish([config_change(emu.config.sn, number)])
    return {}
