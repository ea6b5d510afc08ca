"""The digits keyed so far in a call, from its DTMF reports (API.md section 6).

v2 reports (and some v1 firmware) carry `infos`, the digit string so far. The English v1 page documents
only `info` (this digit) and `flag` (its 0-based position): there the string is put together from the
call's earlier DTMF reports, which are stored before this one is processed (the PBX sends them in order
and waits for each 200, and the webhook answers only after the row is committed).
"""

from __future__ import annotations

from .events import MalformedReport, Report, parse_report
from .models import EventStatus, PbxEvent

# More digits than any room-status code has: a longer string cannot be one.
MAX_DIGITS = 16


def _position(value: str) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() and int(text) < MAX_DIGITS else None


def keyed_digits(report: Report) -> str:
    """The digits keyed in this call up to and including this report's digit ("" when unknown)."""
    infos = report.get("infos").strip()
    if infos:
        return infos
    digit = report.get("info").strip()
    position = _position(report.get("flag"))
    if not digit or position is None:
        return ""
    if position == 0:
        return digit
    if not report.callid:
        return ""
    digits = {position: digit}
    earlier = (
        PbxEvent.objects.filter(name="DTMF", callid=report.callid)
        .exclude(status=EventStatus.REJECTED)
        .values_list("body", flat=True)
    )
    for body in earlier:
        try:
            other = parse_report(body.encode("utf-8"))
        except MalformedReport:
            continue
        other_position = _position(other.get("flag"))
        if other.sn == report.sn and other_position is not None and other_position < position:
            digits.setdefault(other_position, other.get("info").strip())
    if any(not digits.get(index) for index in range(position)):
        return ""  # a digit before this one never arrived: no code can be read
    return "".join(digits[index] for index in range(position + 1))


def on_call_path(report: Report, party, wanted: str) -> bool:
    """Whether the party keyed on the call path `wanted` ("" matches any). Only v2 reports name the
    call path; v1 parties have no `callpath`, so there every path matches."""
    if not wanted or report.format != "v2":
        return True
    return (party.callpath or "") == wanted
