"""Reports from the PBX that concern rooms: status codes keyed on the room phone, and phone state."""

import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from hotelpbx.pbx.dtmf import keyed_digits, on_call_path
from hotelpbx.pbx.events import handler

from .errors import RoomRuleError
from .models import Room, StatusSource
from .services import room_set_status

log = logging.getLogger(__name__)


def _room_party(report):
    for party in report.parties:
        if party.kind == "ext" and party.number:
            room = Room.objects.filter(extension=party.number).first()
            if room is not None:
                return room, party
    return None, None


@handler("DTMF")
def room_status_from_phone(report, event) -> None:
    """A status code keyed on a room phone sets that room's status (source: phone).

    keyed_digits reads the code however the PBX reported it; on_call_path applies
    ROOM_STATUS_DTMF_CALLPATH where the PBX names call paths.
    """
    code = keyed_digits(report)
    status = settings.ROOM_STATUS_DTMF_CODES.get(code)
    if not status:
        return
    room, party = _room_party(report)
    if room is None:
        return
    if not on_call_path(report, party, settings.ROOM_STATUS_DTMF_CALLPATH):
        return
    reason = "keyed on the room phone" if status == "out_of_order" else ""
    try:
        room_set_status(room=room, status=status, source=StatusSource.PHONE, reason=reason)
    except RoomRuleError as exc:  # e.g. dirty -> inspected: the phone user hears nothing; the desk sees why
        log.info("room %s: phone code %s refused: %s", room.number, code, exc.message)


@handler("ExtensionStatus")
def phone_state_on_board(report, event) -> None:
    number = str(report.fields.get("extension") or "")
    status = str(report.fields.get("status") or "")[:16]
    if number and status:
        # reports may be processed out of order (retries, two workers): only a newer one wins
        at = event.received_at or timezone.now()
        Room.objects.filter(extension=number).filter(
            Q(phone_status_at__isnull=True) | Q(phone_status_at__lte=at)
        ).update(phone_status=status, phone_status_at=at)
