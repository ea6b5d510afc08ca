"""What a room's phone extension should look like, derived from the room and its stay.

This is the one seam between the hotel and the PBX: services call `phone_sync(...)` in the same
transaction as the hotel change, and the PBX link turns the desired state into outbox commands.
"""

import re
import unicodedata
from dataclasses import dataclass

from anyascii import anyascii
from django.conf import settings

from .models import HousekeepingStatus, PhoneClass, Room, ServiceState

# Characters the PBX refuses in an extension's display name (API v2 extension/update `username`).
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


@dataclass(frozen=True)
class PhoneState:
    extension: str
    occupied: bool
    display_name: str | None  # None: leave the PBX's default name
    dnd: bool
    phone_class: str  # PhoneClass value; "internal" when vacant or barred
    barred: bool  # out of order: no outbound calls at all
    voicemail_pin: str


def desired_phone_state(room: Room) -> PhoneState:
    stay = room.current_stay()
    barred = room.service_state == ServiceState.OUT_OF_ORDER
    if stay is not None:
        guest = stay.guest
        name = safe_display_name(f"{guest.last_name} {guest.first_name}")
        return PhoneState(
            extension=room.extension,
            occupied=True,
            display_name=name or room.number,
            dnd=room.dnd,
            phone_class=PhoneClass.INTERNAL if barred else stay.phone_class,
            barred=barred,
            voicemail_pin=stay.voicemail_pin,
        )
    display = None
    if getattr(settings, "PBX_VACANT_NAME_SHOWS_STATUS", False):
        code = "OOO" if barred else _VACANT_CODES.get(room.housekeeping_status, "V")
        display = f"{room.number} {code}"
    return PhoneState(
        extension=room.extension,
        occupied=False,
        display_name=display,
        dnd=room.dnd,
        phone_class=PhoneClass.INTERNAL,
        barred=barred,
        voicemail_pin="",
    )


class PhoneChange:
    """Why a room's phone must change; the PBX link decides which commands that takes."""

    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    DND = "dnd"
    SERVICE = "service"
    HOUSEKEEPING = "housekeeping"


def phone_sync(room: Room, *, change: str) -> None:
    """Hand the room's desired phone state to the PBX link (an outbox row, same transaction)."""
    from . import pbx_link

    pbx_link.phone_state_changed(room, desired_phone_state(room), change=change)
