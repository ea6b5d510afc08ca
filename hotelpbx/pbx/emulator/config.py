"""Emulator configuration: one dataclass plus the parsers the CLI and JSON state files need."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

# Dial patterns used when outbound_routes only gives member lists. Yeastar tries routes in list order;
# these three do not overlap, so the order of the names in the config does not matter.
DEFAULT_ROUTE_PATTERNS = {"international": "00X.", "national": "0[1-9]X.", "local": "[1-9]X."}


@dataclass
class EmulatorConfig:
    username: str = "api"
    password: str = "Secret123"
    sn: str = "369364835218"
    extensions: list[str] = field(default_factory=lambda: [str(n) for n in range(2101, 2121)])
    # Optional per-extension field overrides (e.g. {"2101": {"username": "Smith"}}), applied on top of
    # the defaults; keys not listed in `extensions` are added as extensions too.
    extension_fields: dict[str, dict[str, str]] = field(default_factory=dict)
    trunks: list[str] = field(default_factory=lambda: ["SIP-Carrier"])
    # name -> member extension list, or name -> dict with prefix/strip/prepend/trunks/extensions.
    outbound_routes: dict[str, Any] = field(
        default_factory=lambda: {"International": [], "National": [], "Local": []}
    )
    # trunk name -> {"type": "SIP", "status": "Registered"} (documented spellings; v1 answers lower case)
    trunk_info: dict[str, dict[str, str]] = field(default_factory=dict)
    # Inbound routes for inroute/query (fields as captured from a real S300); None: one route per trunk.
    inbound_routes: list[dict[str, str]] | None = None
    # Whether v1.1.0 firmware has outroute/update (unverified on hardware): off answers errno 10003.
    v1_route_update: bool = False
    time_zone: str = "UTC"
    device_name: str = "Yeastar S100"
    firmware: str = "30.13.0.30"
    hardware: str = "V1.30 0000-0000"
    # Sessions and tokens
    token_idle_seconds: float = 1800.0
    single_subscriber: bool = True
    report_renews_token: bool = False
    # A newer login deletes every older token (they answer 20004 afterwards), like logout does.
    login_replaces_token: bool = False
    # The API page's Report Method, echoed in the v2 login answer as `transport`: "HTTP" or "TCP".
    # With "TCP" no report reaches a v2 session over HTTP (v1 sessions always get HTTP reports).
    report_transport: str = "HTTP"
    # Login protection (API.md section 3.6)
    login_max_failures: int = 5
    login_block_seconds: float = 600.0
    # Throttling of configuration changes (errno 10025); real monotonic time
    config_rate_limit: int = 10
    config_rate_window: float = 1.0
    # Report delivery (retry schedule is undocumented on the real PBX, see __init__ docstring)
    report_retry_interval: float = 1.0
    report_max_attempts: int = 30
    report_timeout: float = 5.0
    # Real seconds between an API reply that starts a call (playprompt/dial) and its first report,
    # so the client has the callid before the first event arrives.
    api_call_report_delay: float = 0.05
    extension_status_reports: bool = True
    config_change_reports: bool = True
    # Outbound calls from extensions that are not members of a matching outbound route fail with
    # CallFailed "NO Outbound Restriction" when this is on.
    enforce_outbound_permission: bool = False
    # Whether a wake-up alarm that rings on its own (tick) is answered by the guest.
    alarm_answer: bool = True
    # The caller number shown in NewCdr for wake-up calls: undocumented on the real PBX.
    wakeup_callfrom: str = "wakeup"
    # The shape v2 `wakeupcall/create` takes for `wakeup`: "object" (as v2's update page shows) or
    # "array" (as the sibling product's v2 create page shows). Yeastar's S-Series v2 create page does not
    # settle it, so the emulator can play either PBX; the other shape answers 10004.
    v2_create_wakeup_shape: str = "object"
    # CDR export: the real column names are undocumented; this renames the emulator's columns (NewCdr
    # field name -> heading), e.g. {"callid": "Call ID"}, to test clients against other exports.
    cdr_csv_headings: dict[str, str] = field(default_factory=dict)
    # cdr/get_random for a period without calls: "errno" answers 20021 there (documented "CDR does not
    # exist"); "empty_csv" issues the random and the download is the header line alone.
    cdr_empty_period: str = "errno"
    # Known custom prompts; None accepts any prompt name (otherwise unknown names give 10023).
    prompts: list[str] | None = None
    random_seed: int | None = None
    # requests_log and reports_log keep only the newest entries, so a long --traffic run stays small.
    max_log_entries: int = 20000

    def copy_with(self, **changes: Any) -> EmulatorConfig:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return EmulatorConfig(**values)


def parse_extension_ranges(text: str) -> list[str]:
    """Parse "2101-2120,3101-3120,4000" into a list of extension numbers (strings)."""
    result: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            start, end = (p.strip() for p in part.split("-", 1))
            if not (start.isdigit() and end.isdigit()) or int(end) < int(start):
                raise ValueError(f"bad extension range: {part!r}")
            width = len(start)
            result.extend(str(n).zfill(width) for n in range(int(start), int(end) + 1))
        elif part.isdigit():
            result.append(part)
        else:
            raise ValueError(f"bad extension number: {part!r}")
    return result


def load_state_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a JSON state file into EmulatorConfig keyword arguments.

    Accepted shapes: a list of extension numbers; an object mapping numbers to field dicts; or an object
    with any of "extensions" (list or mapping), "trunks", "outbound_routes", "sn", "time_zone".
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    kwargs: dict[str, Any] = {}
    if isinstance(data, list):
        kwargs["extensions"] = [str(x) for x in data]
        return kwargs
    if not isinstance(data, dict):
        raise ValueError("state file must hold a JSON list or object")
    known = {f.name for f in fields(EmulatorConfig)}
    if not (set(data) & known):
        data = {"extensions": data}
    for key, value in data.items():
        if key == "extensions":
            if isinstance(value, dict):
                kwargs["extensions"] = [str(k) for k in value]
                kwargs["extension_fields"] = {str(k): dict(v or {}) for k, v in value.items()}
            elif isinstance(value, str):
                kwargs["extensions"] = parse_extension_ranges(value)
            else:
                kwargs["extensions"] = [str(x) for x in value]
        elif key in known:
            kwargs[key] = value
    return kwargs


def parse_extensions_argument(value: str) -> dict[str, Any]:
    """The CLI --extensions value is either ranges or a path to a JSON state file."""
    if value.strip().endswith(".json") or Path(value).is_file():
        return load_state_file(value)
    return {"extensions": parse_extension_ranges(value)}
