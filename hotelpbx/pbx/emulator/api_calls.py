"""Call control (playprompt, dial) and `apply` (API.md sections 5.10, 5.12)."""

from __future__ import annotations

import re
from typing import Any

from .api_types import Context
from .errors import (
    CALLED_NUMBER_MISSING,
    CALLEE_INVALID,
    NO_SUCH_EXTENSION,
    PROMPT_NOT_FOUND,
    ApiError,
)

DIAL_TALK_SECONDS = 30


def _extension(ctx: Context, key: str) -> str:
    number = ctx.param(key, required=True)
    if number not in ctx.emu.state.extensions:
        raise ApiError(NO_SUCH_EXTENSION, number)
    return number


def playprompt(ctx: Context) -> dict[str, Any]:
    """Ring the extension and play custom prompt(s) joined by '+'; reports follow the answer."""
    emu = ctx.emu
    number = _extension(ctx, ctx.ext_key)
    prompt = ctx.param("prompt", required=True)
    for name in prompt.split("+"):
        if not name or name.isdigit() or (emu.config.prompts is not None and name not in emu.config.prompts):
            raise ApiError(PROMPT_NOT_FOUND, name)
    callid = emu.calls.play_prompt(
        number, prompt, fail_reason=emu.faults.call_fail_reason, delay=emu.config.api_call_report_delay
    )
    return {"callid": callid}


def _dial(ctx: Context, caller: str, callee: str) -> dict[str, Any]:
    emu = ctx.emu
    delay = emu.config.api_call_report_delay
    if emu.faults.call_fail_reason:
        return {"callid": emu.calls.fail_call(caller, emu.faults.call_fail_reason, delay=delay)}
    if callee in emu.state.extensions:
        kind = "internal"
    elif re.fullmatch(r"[0-9*#+]+", callee):
        kind = "outbound"
    else:
        raise ApiError(CALLEE_INVALID, callee)
    callid = emu.calls.place_call(
        kind=kind, src=caller, dst=callee, talk_seconds=DIAL_TALK_SECONDS, delay=delay
    )
    return {"callid": callid}


def dial_extension(ctx: Context) -> dict[str, Any]:
    """v1: ring `caller` (an extension) first, then `callee` (an extension)."""
    caller = _extension(ctx, "caller")
    callee = ctx.param("callee", required=True)
    if callee not in ctx.emu.state.extensions:
        raise ApiError(CALLED_NUMBER_MISSING, callee)
    return _dial(ctx, caller, callee)


def dial_outbound(ctx: Context) -> dict[str, Any]:
    caller = _extension(ctx, "extid")
    return _dial(ctx, caller, ctx.param("outto", required=True))


def dial(ctx: Context) -> dict[str, Any]:
    """v2 `call/dial`: `caller` and `callee` required; `dialpermission`, when sent, names an existing
    extension (whose outbound permission applies)."""
    caller = _extension(ctx, "caller")
    callee = ctx.param("callee", required=True)
    if ctx.param("dialpermission"):
        _extension(ctx, "dialpermission")
    return _dial(ctx, caller, callee)


def apply(ctx: Context) -> dict[str, Any]:
    return {}
