"""The one seam between the hotel and the PBX: what a room's phone extension should be, and when.

Services call `phone_sync(room, change=...)` in the same transaction as the hotel change. This module
says *what* the phone should be (a `DesiredExtension`: name, voicemail PIN, DND, barred, class of
service) and which kind of change happened; the PBX link (`hotelpbx.pbx.commands`) decides *how* the
configured PBX is told, and writes that into its outbox. It also answers the link's question "what
should these extensions be?" (reconciliation, re-sends) for one room or several.
"""

import re
import unicodedata

from anyascii import anyascii
from django.conf import settings

from hotelpbx.pbx import commands
from hotelpbx.pbx.desired import DesiredExtension, register_provider

from .models import HousekeepingStatus, PhoneClass, Room, ServiceState
from .selectors import rooms_with_stay

# Characters the PBX refuses in an extension's display name.
_FORBIDDEN = re.compile(r"[!%.@:;&\"'\\<>$`]")
DISPLAY_NAME_MAX = 31

_VACANT_CODES = {
    HousekeepingStatus.DIRTY: "VD",
    HousekeepingStatus.CLEAN: "VC",
    HousekeepingStatus.INSPECTED: "VI",
}


def _without_control_characters(text: str) -> str:
    """Line breaks and tabs become spaces; escapes, format and private-use characters go."""
    text = re.sub(r"\s+", " ", text)
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))


def safe_display_name(text: str) -> str:
    """The guest's name as the PBX accepts it: printable ASCII (other scripts transliterated, so
    `Łódź` is `Lodz` and `محمد` is `mhmd`), no forbidden characters, at most 31 chars."""
    ascii_name = anyascii(_without_control_characters(text))
    cleaned = _FORBIDDEN.sub("", _without_control_characters(ascii_name))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    return cleaned[:DISPLAY_NAME_MAX].rstrip()


def desired_phone_state(room: Room) -> DesiredExtension:
    stay = room.current_stay()
    barred = room.service_state == ServiceState.OUT_OF_ORDER
    if stay is not None:
        guest = stay.guest
        name = safe_display_name(f"{guest.last_name} {guest.first_name}")
        return DesiredExtension(
            number=room.extension,
            occupied=True,
            display_name=name or room.number,
            dnd=room.dnd,
            barred=barred,
            voicemail_pin=stay.voicemail_pin,
            call_class=PhoneClass.INTERNAL if barred else stay.phone_class,
        )
    display = None
    if settings.PBX_VACANT_NAME_SHOWS_STATUS:
        code = "OOO" if barred else _VACANT_CODES.get(room.housekeeping_status, "V")
        display = f"{room.number} {code}"
    return DesiredExtension(
        number=room.extension,
        occupied=False,
        display_name=display,
        dnd=room.dnd,
        barred=barred,
        call_class=PhoneClass.INTERNAL,
    )


class PhoneChange:
    """Why a room's phone must change."""

    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    DND = "dnd"
    SERVICE = "service"
    HOUSEKEEPING = "housekeeping"
    GUEST = "guest"  # the in-house guest's name or class of phone service changed


def phone_sync(room: Room, *, change: str) -> None:
    """Hand the room's desired phone state to the PBX link (outbox rows, same transaction)."""
    desired = desired_phone_state(room)
    if change == PhoneChange.CHECK_OUT:
        commands.checkout(desired, reason=f"check-out of room {room.number}")
    elif change == PhoneChange.CHECK_IN:
        commands.check_in(desired, reason=f"check-in to room {room.number}")
    elif change == PhoneChange.DND:
        commands.set_dnd(desired.number, on=desired.dnd, reason=f"DND {'on' if desired.dnd else 'off'}")
    elif change == PhoneChange.SERVICE:
        barred = f"room {room.number} out of order: barred" if desired.barred else "service state"
        commands.set_service(desired, reason=barred)
    elif change == PhoneChange.GUEST and desired.occupied:
        commands.sync(desired, reason=f"guest details of room {room.number}")
    elif change == PhoneChange.HOUSEKEEPING and not desired.occupied and desired.display_name is not None:
        commands.set_display_name(desired.number, name=desired.display_name, reason="vacant room name")


def desired_phones(extensions: list[str] | None) -> list[DesiredExtension]:
    """What these room phones should be (every room's with None): the link's provider."""
    return [desired_phone_state(room) for room in rooms_with_stay(extensions)]


register_provider(desired_phones)
