"""Reports the PBX pushes: a tolerant parser for its three formats, dedupe keys, and the handler registry.

Formats (API.md section 6):
- "v2":     `{"event": ..., "members": [{"ext": {"number", "channelid", "memberstatus", "callpath"}}]}`
- "v1":     report format 1.0.2, `{"action": ..., "call": [{"ext": {"extid"}}, ...]}`; PlayPromptEnd and
            reports without parties (BootUp, NewCdr, ...) look the same in 1.0.2 and legacy, we call them v1.
- "legacy": `{"action": ..., "ext": {...}, "ext": {...}}`: parties are top-level keys that repeat, so the
            body is read with `object_pairs_hook` keeping every pair in order.

The parser never trusts the PBX: every field is optional, numbers may come as numbers or strings, unknown
keys are kept in `raw`, and anything that is not a JSON object naming its report raises MalformedReport.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import PbxEvent

PARTY_KINDS = ("ext", "inbound", "outbound", "ivr")
PARTY_LISTS = ("call", "members")
# The docs spell the transfer report "Tranfer"; a fixed firmware may not. One name for handlers.
NAME_ALIASES = {"Tranfer": "Transfer"}
MAX_DEPTH = 32
CDR_STATUS_ALIASES = {"NO ANSWERED": "NO ANSWER", "NOANSWER": "NO ANSWER"}
CDR_TYPES = {t.lower(): t for t in ("Inbound", "Outbound", "Internal", "Callback", "Transfer")}


class MalformedReport(ValueError):
    """The body is not a report: the webhook answers 400 and keeps it, rejected, with `reason`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Party:
    kind: str  # ext / inbound / outbound / ivr
    number: str = ""  # extid (v1) or number (v2); ivrid for an IVR
    from_: str = ""
    to: str = ""
    trunk: str = ""  # trunk (v1) or trunkname (v2)
    status: str = ""  # memberstatus (v2 only)
    channelid: str = ""
    callpath: str = ""
    id: str = ""  # inboundid / outboundid (v1)


@dataclass(frozen=True)
class Cdr:
    """The billing record of one call (NewCdr), with the documented typos resolved."""

    callid: str
    timestart: str  # "YYYY-MM-DD HH:MM:SS", PBX local time, no zone
    callfrom: str
    callto: str
    call_seconds: int  # callduraction: ringing + talking
    talk_seconds: int  # talkduraction: billable
    src_trunk: str
    dst_trunk: str
    status: str  # ANSWERED / NO ANSWER / BUSY / FAILED / VOICEMAIL (as sent, upper case)
    type: str  # Inbound / Outbound / Internal / ...
    pincode: str
    recording: str
    didnumber: str
    agent_ring_seconds: int
    sn: str


@dataclass(frozen=True)
class Report:
    name: str
    format: str  # legacy / v1 / v2
    sn: str
    callid: str
    parties: tuple[Party, ...]
    fields: dict[str, str]  # every top-level scalar, as a string
    raw: dict[str, Any]  # the whole body; a repeated key holds the list of its values

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)

    def cdr(self) -> Cdr:
        f = self.fields
        status = " ".join(f.get("status", "").upper().split())
        kind = f.get("type", "").strip()
        return Cdr(
            callid=self.callid,
            timestart=f.get("timestart", "").strip(),
            callfrom=f.get("callfrom", "").strip(),
            callto=f.get("callto", "").strip(),
            call_seconds=to_int(f.get("callduraction", f.get("callduration"))),
            talk_seconds=to_int(f.get("talkduraction", f.get("talkduration"))),
            src_trunk=f.get("srctrunkname", ""),
            # v1 docs: desttrunkname; v2 docs: dsttrcunkname (sic); a fixed firmware may send dsttrunkname.
            dst_trunk=f.get("desttrunkname") or f.get("dsttrcunkname") or f.get("dsttrunkname") or "",
            status=CDR_STATUS_ALIASES.get(status, status),
            type=CDR_TYPES.get(kind.lower(), kind),
            pincode=f.get("pincode", ""),
            recording=f.get("recording", ""),
            didnumber=f.get("didnumber", ""),
            agent_ring_seconds=to_int(f.get("agentringtime")),
            sn=self.sn,
        )


# No call lasts a day; a PBX reporting more (or 1e308, or a negative time) sent a broken record.
MAX_CALL_SECONDS = 24 * 3600
_DURATION_FIELDS = (("callduraction", "callduration"), ("talkduraction", "talkduration"))


def implausible_cdr(report: Report) -> str:
    """Why a NewCdr's durations cannot be billed as they stand, or "" when they can.

    A missing duration is 0 (a call that was never answered); anything present must be a finite,
    non-negative number of seconds up to a day, and the talk time fits inside the call time.
    """
    seconds: dict[str, float] = {}
    for spellings in _DURATION_FIELDS:
        key = next((k for k in spellings if report.fields.get(k, "").strip()), "")
        if not key:
            continue
        text = report.fields[key].strip()
        try:
            number = float(text)
        except ValueError:
            return f"{key} {text[:20]!r} is not a number of seconds"
        if not math.isfinite(number):
            return f"{key} {text[:20]!r} is not a finite number of seconds"
        if number < 0:
            return f"{key} {text[:20]} is negative"
        if number > MAX_CALL_SECONDS:
            return f"{key} {text[:20]} s is longer than a day ({MAX_CALL_SECONDS} s)"
        seconds[spellings[0]] = number
    call, talk = seconds.get("callduraction"), seconds.get("talkduraction")
    if call is not None and talk is not None and talk > call:
        return f"talkduraction {talk:g} s is longer than callduraction {call:g} s"
    return ""


def to_int(value: Any) -> int:
    """A count of seconds from whatever the PBX sent: bad, negative or absurd values are 0."""
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return 0
    if not math.isfinite(number) or number < 0:
        return 0
    return int(number)


def canonical_name(name: str) -> str:
    name = name.strip()
    return NAME_ALIASES.get(name, name)


# --- parsing --------------------------------------------------------------------------------------


class _Pairs(list):
    """A JSON object as its (key, value) pairs, in order, duplicates kept."""


def _text(value: Any) -> str:
    """A scalar as text: numbers sent as numbers read like the strings the docs show."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    # Lone surrogates (a "\ud800" escape) cannot be stored or hashed as UTF-8.
    return str(value).encode("utf-8", "replace").decode("utf-8")


def _plain(value: Any) -> Any:
    """Pairs -> dict for `raw`; a repeated key keeps every value, as a list."""
    if isinstance(value, _Pairs):
        out: dict[str, Any] = {}
        counts: dict[str, int] = defaultdict(int)
        for key, item in value:
            counts[key] += 1
            if counts[key] == 1:
                out[key] = _plain(item)
            elif counts[key] == 2:
                out[key] = [out[key], _plain(item)]
            else:
                out[key].append(_plain(item))
        return out
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _party(kind: str, body: Any) -> Party:
    if not isinstance(body, _Pairs):  # "ext": "101": not documented, but clear enough
        return Party(kind=kind, number=_text(body) if not isinstance(body, list) else "")
    f = {key: _text(value) for key, value in body if not isinstance(value, _Pairs | list)}
    return Party(
        kind=kind,
        number=f.get("extid") or f.get("number") or f.get("ivrid") or "",
        from_=f.get("from", ""),
        to=f.get("to", ""),
        trunk=f.get("trunk") or f.get("trunkname") or "",
        status=f.get("memberstatus", ""),
        channelid=f.get("channelid", ""),
        callpath=f.get("callpath", ""),
        id=f.get("inboundid") or f.get("outboundid") or f.get("id") or "",
    )


def _party_list(items: Any) -> list[Party]:
    parties = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, _Pairs):  # each item is {"<kind>": {...}}
            parties.extend(_party(kind, body) for kind, body in item)
    return parties


def _decode(raw: bytes | str) -> Any:
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes | bytearray) else raw
    except UnicodeDecodeError as exc:
        raise MalformedReport(f"body is not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise MalformedReport("empty body")
    try:
        return json.loads(text, object_pairs_hook=_Pairs)
    except json.JSONDecodeError as exc:
        raise MalformedReport(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise MalformedReport("not JSON: nested too deeply") from None


def _too_deep(body: Any) -> bool:
    """Reports are three levels deep; refusing deeper ones keeps every recursive walk (raw, hashing,
    handlers) far from Python's recursion limit."""
    stack = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, _Pairs):
            stack.extend((item, depth + 1) for _, item in value)
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return False


def parse_report(raw: bytes | str) -> Report:
    """Parse one report body (any of the three formats); raises MalformedReport and nothing else."""
    body = _decode(raw)
    if not isinstance(body, _Pairs):
        raise MalformedReport(
            f"body is a JSON {type(body).__name__.replace('_Pairs', 'object')}, not an object"
        )

    if _too_deep(body):
        raise MalformedReport(f"nested deeper than {MAX_DEPTH} levels")

    fields: dict[str, str] = {}
    parties: list[Party] = []
    flat_parties = False
    seen: set[str] = set()
    repeated = False
    for key, value in body:
        repeated = repeated or key in seen
        seen.add(key)
        if key in PARTY_KINDS:
            parties.append(_party(key, value))
            flat_parties = True
        elif key in PARTY_LISTS:
            parties.extend(_party_list(value))
        elif not isinstance(value, _Pairs | list):
            fields[key] = _text(value)  # a repeated scalar: the last one wins, as with plain json.loads

    name_key = "event" if fields.get("event", "").strip() else "action"
    name = canonical_name(fields.get(name_key, ""))
    if not name:
        raise MalformedReport("neither 'action' nor 'event' names the report")
    if name_key == "event":
        fmt = "v2"
    elif repeated or (flat_parties and "call" not in seen and name != "PlayPromptEnd"):
        fmt = "legacy"
    else:
        fmt = "v1"
    return Report(
        name=name,
        format=fmt,
        sn=fields.get("sn", "").strip(),
        callid=(fields.get("callid") or fields.get("cdrid") or "").strip(),
        parties=tuple(parties),
        fields=fields,
        raw=_plain(body),
    )


# --- dedupe ---------------------------------------------------------------------------------------


def _digest(text: str, size: int = 32) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:size]


def _part(value: str, limit: int = 64) -> str:
    """A readable key component, or its hash when it is long or could blur the separators."""
    if len(value) <= limit and value.isprintable() and ":" not in value and "|" not in value:
        return value
    return "~" + _digest(value, 24)


def canonical_body(report: Report) -> str:
    """What makes two deliveries the same report: names, fields as strings (so `"flag":0` and
    `"flag":"0"` agree), parties in order, and everything else sorted; whitespace and key order don't count.
    """
    rest = {
        k: v for k, v in report.raw.items() if k not in report.fields and k not in PARTY_KINDS + PARTY_LISTS
    }
    return json.dumps(
        [report.name, sorted(report.fields.items()), [list(vars(p).values()) for p in report.parties], rest],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=str,
    )


def dedupe_key(report: Report, *, received_at: datetime | None = None) -> str:
    """The unique key that makes a PBX retry a no-op (at most 200 characters).

    - NewCdr: `cdr:<sn>:<callid>:<from>:<to>:<timestart>`: one record per call leg per PBX (a transfer or
      forward is a second leg under the same call id, a call of its own), whatever else differs (a
      back-filled CDR from the CSV download and the pushed one collapse too).
    - Call reports (with a callid): name, callid and the state they describe (party numbers with their
      member status; DTMF info/flag) for reading, plus a hash of the canonical body: an exact retry
      collapses, a different state change (the second BYE lists the parties the other way round, the
      next DTMF has the next flag) does not. An identical state repeated within one call (HOLD twice)
      collapses; handlers act on state, so that loses nothing they need.
    - Reports without a callid (BootUp, ConfigChange, ExtensionStatus): the same plus the minute received,
      so a reboot tomorrow or the phone going Busy again later is a new report, while retries within the
      minute collapse. A retry that straddles a minute boundary is stored twice: harmless, because such
      reports only update state. ExtensionStatus uses the second instead: a phone goes Busy, Idle, Busy
      within a minute all the time, and storing a retry twice only sets the same state again (the body
      carries no sequence number that would tell a repeat from a retry).
    """
    if report.name == "NewCdr":
        if not report.callid:
            return f"cdr:{_part(report.sn)}:body-{_digest(canonical_body(report))}"
        cdr = report.cdr()
        started = re.sub(r"\D", "", cdr.timestart or "")[:14]  # 2026-05-24 23:25:20 -> 20260524232520
        leg = ":".join(
            [_part((cdr.callfrom or "").strip(), 24), _part((cdr.callto or "").strip(), 24), started]
        )
        return f"cdr:{_part(report.sn)}:{_part(report.callid)}:{leg}"
    state = ",".join(f"{_who(p)}={p.status}" if p.status else _who(p) for p in report.parties)
    if report.name == "DTMF":
        state += f"#{report.get('info')}/{report.get('flag')}"
    if report.name == "ExtensionStatus":
        state = f"{report.get('extension')}={report.get('status')}"
    parts = [_part(report.name, 40), _part(report.callid), _part(state, 60)]
    if not report.callid:
        when = received_at or _now()
        parts.append(when.strftime("%Y%m%d%H%M%S" if report.name == "ExtensionStatus" else "%Y%m%d%H%M"))
    parts.append(_digest(canonical_body(report)))
    return "evt:" + ":".join(parts)


def _who(party: Party) -> str:
    return party.number or party.to or party.kind


def _now() -> datetime:
    from django.utils import timezone

    return timezone.now()


# --- handler registry -----------------------------------------------------------------------------

Handler = Callable[[Report, "PbxEvent"], None]
_REGISTRY: dict[str, list[Handler]] = defaultdict(list)


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register `fn(report, event)` for a report name (e.g. in billing/pbx_handlers.py).

    Handlers run inside the transaction that marks the event processed, after the webhook answered;
    they must be idempotent (unique keys on external ids), because a failed attempt is retried.
    """

    def register(fn: Handler) -> Handler:
        registered = _REGISTRY[canonical_name(name)]
        ident = (fn.__module__, fn.__qualname__)
        # A module imported twice (autoreload, tests) must not register its handler twice.
        registered[:] = [h for h in registered if (h.__module__, h.__qualname__) != ident]
        registered.append(fn)
        return fn

    return register


def handlers_for(name: str) -> tuple[Handler, ...]:
    return tuple(_REGISTRY.get(canonical_name(name), ()))
