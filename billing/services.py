from datetime import datetime

from hotelpbx.pbx.pbxtime import parse_pbx_time
from rooms.models import Room
from rooms.selectors import stay_in_room_at

from .models import CallRecord

# A PBX's number can be anything; the column holds a week of seconds many times over.
MAX_SECONDS = 2**31 - 1


def pbx_time_to_utc(text: str) -> datetime | None:
    """`timestart` is PBX local time without a zone (rules for the DST hours: hotelpbx.pbx.pbxtime)."""
    return parse_pbx_time(text)


def call_record_from_cdr(*, cdr, serial: str) -> tuple[CallRecord, bool]:
    """Keep one call record per PBX call id; a repeated CDR returns the existing row."""
    started = pbx_time_to_utc(cdr.timestart or "")
    room_ext = cdr.callfrom if (cdr.type or "").lower() != "inbound" else cdr.callto
    room = Room.objects.filter(extension=room_ext).first() if room_ext else None
    stay = stay_in_room_at(room, started) if room else None
    return CallRecord.objects.get_or_create(
        pbx_serial=serial[:32],
        callid=cdr.callid[:64],
        defaults={
            "started_at": started,
            "call_type": (cdr.type or "")[:16],
            "status": (cdr.status or "")[:16],
            "caller": (cdr.callfrom or "")[:64],
            "callee": (cdr.callto or "")[:64],
            "call_seconds": min(cdr.call_seconds, MAX_SECONDS),
            "talk_seconds": min(cdr.talk_seconds, MAX_SECONDS),
            "trunk": (cdr.dst_trunk or cdr.src_trunk or "")[:64],
            "room": room,
            "stay": stay,
        },
    )
