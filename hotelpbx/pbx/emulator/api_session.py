"""login / heartbeat / logout (API.md section 3)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from .api_types import Context
from .errors import BAD_CREDENTIALS, HEARTBEAT_FAILED, MISSING_PARAM, WRONG_PORT, ApiError

DEFAULT_REPORT_PORT = "8260"


def _port(value: Any) -> str | None:
    """A report port given as string or number; None when it is not a number in 0..65535."""
    if isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text.isdigit() or int(text) > 65535:
        return None
    return str(int(text))


def _urltag(body: dict[str, Any], v2: bool) -> str | None:
    """v2 documents only `urltag`; the English v1 pages say `urlflag`: on v1 accept both."""
    for key in ("urltag",) if v2 else ("urltag", "urlflag"):
        if body.get(key) is not None and str(body[key]).strip() != "":
            return "1" if str(body[key]).strip() == "1" else "0"
    return None


def login(ctx: Context) -> dict[str, Any]:
    emu, ip = ctx.emu, ctx.client_ip
    emu.sessions.check_not_blocked(ip)
    username = ctx.param("username")
    password = ctx.param("password")
    if not username or not password:
        raise ApiError(MISSING_PARAM, "username/password")
    expected = hashlib.md5(emu.config.password.encode()).hexdigest()
    good_user = hmac.compare_digest(username.encode(), emu.config.username.encode())
    if not (good_user and hmac.compare_digest(password.encode(), expected.encode())):
        emu.sessions.record_failure(ip)
        raise ApiError(BAD_CREDENTIALS)
    raw_port = ctx.body.get("port")
    if raw_port is None or str(raw_port).strip() == "":
        if not ctx.v2:
            raise ApiError(WRONG_PORT, "port is required on v1")
        port: str | None = DEFAULT_REPORT_PORT
    else:
        port = _port(raw_port)
    if port is None:
        raise ApiError(WRONG_PORT)
    emu.sessions.record_success(ip)
    if emu.config.login_replaces_token:
        emu.sessions.drop_all()
    session = emu.sessions.create(
        api_version=ctx.api_version,
        version=ctx.param("version"),
        source_ip=ip,
        port=port,
        url=ctx.param("url"),
        urltag=_urltag(ctx.body, ctx.v2) or "0",
    )
    payload = {"token": session.token}
    if ctx.v2:
        payload["transport"] = emu.config.report_transport
    return payload


def heartbeat(ctx: Context) -> dict[str, Any]:
    """Token renewal already happened in the dispatcher; only fields present in the body change."""
    session = ctx.session
    assert session is not None
    body = ctx.body
    if body.get("port") is not None and str(body["port"]).strip() != "":
        port = _port(body["port"])
        if port is None:
            raise ApiError(HEARTBEAT_FAILED, "port")
        session.port = port
    if ctx.param("ipaddr"):
        session.ipaddr = ctx.param("ipaddr")
    if "url" in body and body["url"] is not None:
        session.url = str(body["url"]).strip()
    tag = _urltag(body, ctx.v2)
    if tag is not None:
        session.urltag = tag
    if ctx.v2 and "version" in body and body["version"] is not None:
        session.version = str(body["version"]).strip()
    return {}


def logout(ctx: Context) -> dict[str, Any]:
    assert ctx.session is not None
    ctx.emu.sessions.remove(ctx.session.token)
    return {}
