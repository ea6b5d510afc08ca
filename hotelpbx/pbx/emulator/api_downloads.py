"""One-time download links: cdr, recording and voicemail get_random + GET */download (API.md 5.7-5.9).

A `random` lives 30 s on the PBX clock, works once, and only from `allowedip` (or, when that is absent,
from the IP the session logged in from or set by heartbeat). The random is used up by the first
successful download; a failed attempt (wrong IP) leaves it in place.
"""

from __future__ import annotations

import csv
import io
import secrets
import struct
from datetime import datetime
from typing import Any

from .api_types import Context, FileBody
from .calls import CDR_FIELDS
from .errors import (
    ALLOWEDIP_WRONG,
    CDR_NOT_FOUND,
    CDR_RANDOM_INVALID,
    CDR_TIME_FORMAT,
    NO_SUCH_EXTENSION,
    RECORDING_NOT_FOUND,
    RECORDING_RANDOM_INVALID,
    VOICEMAIL_NOT_FOUND,
    VOICEMAIL_RANDOM_INVALID,
    VOICEMAIL_STATUS_WRONG,
    ApiError,
)
from .state import split_list

RANDOM_LIFE_SECONDS = 30.0
CDR_TIME_FORMAT_TEXT = "%Y-%m-%d %H:%M:%S"


def _issue(ctx: Context, kind: str, params: dict[str, Any]) -> str:
    assert ctx.session is not None
    allowed = ctx.param("allowedip")
    ips = {allowed} if allowed else {ctx.session.source_ip, ctx.session.ipaddr}
    random = secrets.token_hex(16)
    ctx.emu.randoms[random] = {
        "kind": kind,
        "expires": ctx.emu.clock.time() + RANDOM_LIFE_SECONDS,
        "ips": ips,
        "params": params,
    }
    return random


def _redeem(ctx: Context, kind: str, invalid_errno: str) -> dict[str, Any]:
    random = ctx.query.get("random", "")
    entry = ctx.emu.randoms.get(random)
    if entry is None or entry["kind"] != kind:
        raise ApiError(invalid_errno, "unknown or used random")
    if ctx.emu.clock.time() > entry["expires"]:
        del ctx.emu.randoms[random]
        raise ApiError(invalid_errno, "random expired")
    if ctx.client_ip not in entry["ips"]:
        raise ApiError(ALLOWEDIP_WRONG, ctx.client_ip)
    del ctx.emu.randoms[random]
    return entry["params"]


def _cdr_time(ctx: Context, key: str) -> str:
    value = ctx.param(key, required=True)
    try:
        datetime.strptime(value, CDR_TIME_FORMAT_TEXT)  # noqa: DTZ007 - PBX local wall time, no zone
    except ValueError:
        raise ApiError(CDR_TIME_FORMAT, key) from None
    return value


def _matching_cdrs(ctx: Context, params: dict[str, Any]) -> list[dict[str, str]]:
    numbers = params["numbers"]
    return [
        c
        for c in ctx.emu.state.cdrs
        if params["starttime"] <= c["timestart"] <= params["endtime"]
        and (numbers is None or c["callfrom"] in numbers or c["callto"] in numbers)
    ]


def cdr_random(ctx: Context) -> dict[str, Any]:
    raw = ctx.param(ctx.ext_key, required=True)
    numbers = None if raw.lower() == "all" else split_list(raw)
    for number in numbers or []:
        if number not in ctx.emu.state.extensions:
            raise ApiError(NO_SUCH_EXTENSION, number)
    start, end = _cdr_time(ctx, "starttime"), _cdr_time(ctx, "endtime")
    if end < start:
        raise ApiError(CDR_TIME_FORMAT, "endtime before starttime")
    params = {"numbers": numbers, "starttime": start, "endtime": end}
    # Emulator choice (cdr_empty_period): "no records" is 20021 here by default, not an empty CSV later.
    if ctx.emu.config.cdr_empty_period != "empty_csv" and not _matching_cdrs(ctx, params):
        raise ApiError(CDR_NOT_FOUND)
    random = _issue(ctx, "cdr", params)
    return {ctx.ext_key: raw, "starttime": start, "endtime": end, "random": random}


def cdr_download(ctx: Context) -> FileBody:
    params = _redeem(ctx, "cdr", CDR_RANDOM_INVALID)
    columns = ["dsttrcunkname" if f == "desttrunkname" and ctx.v2 else f for f in CDR_FIELDS]
    headings = ctx.emu.config.cdr_csv_headings
    columns = [headings.get(f, column) for f, column in zip(CDR_FIELDS, columns, strict=True)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for record in _matching_cdrs(ctx, params):
        row = [record[f] for f in CDR_FIELDS]
        if ctx.v2 and record["status"] == "NO ANSWER":
            row[CDR_FIELDS.index("status")] = "NO ANSWERED"
        writer.writerow(row)
    return FileBody(out.getvalue().encode("utf-8"), "text/csv; charset=utf-8", "cdr.csv")


def _silence_wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A valid 8 kHz mono 16-bit WAV of silence: enough for clients that just store the file."""
    data = b"\x00\x00" * int(rate * seconds)
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", len(data))
    )
    return header + data


def recording_random(ctx: Context) -> dict[str, Any]:
    name = ctx.param("recording", required=True)
    if not any(c["recording"] == name for c in ctx.emu.state.cdrs):
        raise ApiError(RECORDING_NOT_FOUND, name)
    return {"recording": name, "random": _issue(ctx, "recording", {"recording": name})}


def recording_download(ctx: Context) -> FileBody:
    params = _redeem(ctx, "recording", RECORDING_RANDOM_INVALID)
    return FileBody(_silence_wav(), "audio/x-wav", params["recording"])


def voicemail_random(ctx: Context) -> dict[str, Any]:
    number = ctx.param(ctx.ext_key, required=True)
    if number not in ctx.emu.state.extensions:
        raise ApiError(NO_SUCH_EXTENSION, number)
    file_name = ctx.param("voicemailfile", required=True)
    status = ctx.param("voicemailstatus", default="all")
    if status not in ("read", "unread", "all"):
        raise ApiError(VOICEMAIL_STATUS_WRONG, status)
    box = ctx.emu.state.voicemail.get(number, [])
    if not any(m["voicemailfile"] == file_name and status in ("all", m["voicemailstatus"]) for m in box):
        raise ApiError(VOICEMAIL_NOT_FOUND, file_name)
    random = _issue(ctx, "voicemail", {"number": number, "voicemailfile": file_name})
    return {ctx.ext_key: number, "voicemailfile": file_name, "voicemailstatus": status, "random": random}


def voicemail_download(ctx: Context) -> FileBody:
    params = _redeem(ctx, "voicemail", VOICEMAIL_RANDOM_INVALID)
    return FileBody(_silence_wav(), "audio/x-wav", params["voicemailfile"])
