"""Version-aware dispatcher for /api/v1.1.0/... and /api/v2.0.0/... (API.md sections 2-5).

Order of checks, as a client observes it: path/version (10003) -> method (20001; GET only for
*/download) -> JSON body (20000) -> unknown action (10003) -> token (20005/20004/20006) -> injected
errno fault -> config throttle (10025) -> the handler (10004, 10006, ...).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import api_calls, api_downloads, api_extension, api_hotel, api_routes, api_session
from .api_types import Context, FileBody
from .errors import ONLY_JSON, ONLY_POST, UNKNOWN_API, ApiError

if TYPE_CHECKING:
    from .emulator import Emulator

log = logging.getLogger("hotelpbx.pbx.emulator.api")

VERSIONS = ("v1.1.0", "v2.0.0")
COMPACT = (",", ":")  # the PBX answers compact JSON, no spaces after separators
SECRET_KEYS = {"password", "token", "secret", "registerpassword", "loginpassword", "vmsecret"}


@dataclass
class Route:
    handler: Callable[[Context], dict[str, Any] | FileBody]
    token: bool = True
    config: bool = False  # throttled with errno 10025 and recorded in emu.applied
    applied: bool = False  # recorded in emu.applied without throttling
    download: bool = False  # plain GET allowed
    # Whether this firmware has the endpoint (None: always); without it the path answers 10003.
    available: Callable[[Emulator], bool] | None = None


@dataclass
class ApiAnswer:
    body: bytes
    content_type: str = "application/json"
    extra_headers: dict[str, str] = field(default_factory=dict)


COMMON: dict[str, Route] = {
    "login": Route(api_session.login, token=False),
    "heartbeat": Route(api_session.heartbeat),
    "logout": Route(api_session.logout),
    "deviceinfo/query": Route(api_extension.deviceinfo),
    "extension/query": Route(api_extension.query),
    "extension/update": Route(api_extension.update, config=True),
    "hotel/checkout": Route(api_hotel.checkout, config=True),
    "wakeupcall/create": Route(api_hotel.wakeup_create, config=True),
    "wakeupcall/query": Route(api_hotel.wakeup_query),
    "wakeupcall/update": Route(api_hotel.wakeup_update, config=True),
    "wakeupcall/delete": Route(api_hotel.wakeup_delete, config=True),
    "voicemail/query": Route(api_hotel.voicemail_query),
    "voicemail/delete": Route(api_hotel.voicemail_delete, applied=True),
    "voicemail/get_random": Route(api_downloads.voicemail_random),
    "voicemail/download": Route(api_downloads.voicemail_download, download=True),
    "cdr/get_random": Route(api_downloads.cdr_random),
    "cdr/download": Route(api_downloads.cdr_download, download=True),
    "recording/get_random": Route(api_downloads.recording_random),
    "recording/download": Route(api_downloads.recording_download, download=True),
    "outroute/query": Route(api_routes.outroute_query),
    "inroute/query": Route(api_routes.inroute_query),
}
ROUTES: dict[str, dict[str, Route]] = {
    "v1.1.0": {
        **COMMON,
        "extensionlist/query": Route(api_extension.extension_list),
        "extension/playprompt": Route(api_calls.playprompt),
        "extension/dial_extension": Route(api_calls.dial_extension),
        "extension/dial_outbound": Route(api_calls.dial_outbound),
        "apply": Route(api_calls.apply),
        "trunklist/query": Route(api_routes.trunk_list),
        "outroute/update": Route(
            api_routes.outroute_update, config=True, available=api_routes.v1_route_update_available
        ),
    },
    "v2.0.0": {
        **COMMON,
        "extension/list": Route(api_extension.extension_list),
        "call/playprompt": Route(api_calls.playprompt),
        "call/dial": Route(api_calls.dial),
        "trunk/list": Route(api_routes.trunk_list),
        "outroute/update": Route(api_routes.outroute_update, config=True),
    },
}


def envelope(payload: dict[str, Any] | None = None, errno: str | None = None) -> bytes:
    if errno is not None:
        return json.dumps({"status": "Failed", "errno": errno}, separators=COMPACT).encode()
    return json.dumps({"status": "Success", **(payload or {})}, separators=COMPACT).encode()


def redact(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: ("***" if k in SECRET_KEYS else redact(v)) for k, v in body.items()}
    if isinstance(body, list):
        return [redact(v) for v in body]
    return body


def split_api_path(path: str) -> tuple[str | None, str]:
    parts = path.strip("/").split("/", 2)
    if len(parts) >= 2 and parts[0] == "api" and parts[1] in VERSIONS:
        return parts[1], (parts[2] if len(parts) == 3 else "")
    return None, path.strip("/")


def handle(
    emu: Emulator, method: str, path: str, query: dict[str, str], raw_body: bytes, client_ip: str
) -> ApiAnswer:
    api_version, action = split_api_path(path)
    entry: dict[str, Any] = {
        "at": emu.clock.now().isoformat(),
        "ip": client_ip,
        "method": method,
        "path": action,
        "version": api_version,
        "body": None,
        "errno": None,
    }
    body: dict[str, Any] = {}
    try:
        route = ROUTES.get(api_version or "", {}).get(action)
        if api_version is None:
            raise ApiError(UNKNOWN_API, "not an API path")
        if method != "POST" and not (method == "GET" and action.endswith("/download")):
            raise ApiError(ONLY_POST)
        if method == "POST":
            body = parse_body(raw_body)
            entry["body"] = redact(body)
        if route is None or (route.available is not None and not route.available(emu)):
            raise ApiError(UNKNOWN_API, action)
        ctx = Context(emu, api_version, action, method, body, query, client_ip)
        with emu.lock:
            if route.token:
                ctx.session = emu.sessions.authenticate(query.get("token"))
                emu.maybe_inject_errno()
            if route.config:
                emu.check_config_rate()
            result = route.handler(ctx)
            if route.config or route.applied:
                emu.applied.append(
                    {"path": action, "version": api_version, "body": body, "at": emu.clock.now().isoformat()}
                )
    except ApiError as exc:
        entry["errno"] = exc.errno
        emu.log_request(entry)
        log.info("%s %s from %s -> errno %s %s", method, action, client_ip, exc.errno, exc.detail)
        return ApiAnswer(envelope(errno=exc.errno))
    emu.log_request(entry)
    log.info("%s %s from %s -> Success", method, action, client_ip)
    if isinstance(result, FileBody):
        headers = {"Content-Disposition": f'attachment; filename="{result.filename}"'}
        return ApiAnswer(result.content, result.content_type, headers)
    return ApiAnswer(envelope(result))


def parse_body(raw: bytes) -> dict[str, Any]:
    """Empty body and `{}` are both "no parameters"; anything but a JSON object is errno 20000."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError(ONLY_JSON) from None
    if not isinstance(body, dict):
        raise ApiError(ONLY_JSON)
    return body
