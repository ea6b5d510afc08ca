"""Minibar keyed on the room phone: PREFIX, item code, "*", quantity, "#" (e.g. *7 1045 * 2 #).

The PBX sends one DTMF report per key with the digits so far (`infos`; a lone `info` when that is all
it sends). Each finished sequence ("#") in the digits posts once, keyed by PBX, call and sequence, so a
report sent again or the same sequence keyed twice in one call posts nothing more.
"""

import logging
import re

from django.conf import settings

from rooms.models import Room

from .models import LineSource
from .services import BillingError, MinibarCount, minibar_post

log = logging.getLogger(__name__)


def keyed_digits(report) -> str:
    return (report.get("infos") or report.get("info") or "").strip()


def _room_of(report) -> Room | None:
    for party in report.parties:
        if party.kind == "ext" and party.number:
            room = Room.objects.filter(extension=party.number).first()
            if room is not None:
                return room
    number = report.get("extension") or report.get("callfrom")
    return Room.objects.filter(extension=number).first() if number else None


def minibar_sequences(digits: str, prefix: str) -> list[tuple[str, int]]:
    if not prefix:
        return []
    pattern = re.compile(re.escape(prefix) + r"(\d{1,8})\*(\d{1,2})$")
    found = []
    for segment in digits.split("#")[:-1]:  # only sequences closed by "#"
        match = pattern.search(segment)
        if match:
            found.append((match.group(1), int(match.group(2))))
    return found


def minibar_from_keys(report, *, serial: str) -> int:
    digits = keyed_digits(report)
    sequences = minibar_sequences(digits, settings.MINIBAR_DTMF_PREFIX)
    if not sequences:
        return 0
    room = _room_of(report)
    if room is None:
        log.info("minibar keyed on extension that is no room: %s", digits)
        return 0
    posted = 0
    for code, quantity in sequences:
        key = f"phone:{serial}:{report.callid}:{code}*{quantity}"
        try:
            minibar_post(
                room=room,
                counts=[MinibarCount(code=code, quantity=quantity)],
                source=LineSource.ROOM_PHONE,
                idempotency_key=key,
            )
            posted += 1
        except BillingError as exc:  # an unknown code: the caller hears nothing; the log says why
            log.info("room %s: minibar %s*%s refused: %s", room.number, code, quantity, exc.message)
    return posted
