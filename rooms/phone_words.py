"""A room phone's set-up state in the hotel's words, from the PBX seam's sync state (room.pbx_sync)."""

from dataclasses import dataclass

from hotelpbx.pbx.selectors import link_health

from . import selectors
from .models import Room


@dataclass(frozen=True)
class PhoneWords:
    room: Room
    state: str  # in_sync, pending, failed
    text: str
    detail: str  # the technical message, for whoever fixes it

    @property
    def level(self) -> str:
        return {"in_sync": "success", "pending": "warning", "failed": "danger"}[self.state]


def describe(room: Room, *, pbx_down: bool | None = None) -> PhoneWords:
    """'Room 112's phone is not set up yet: the PBX is unreachable' and the like."""
    if not hasattr(room, "pbx_sync"):
        selectors.annotate_sync_state([room])
    state, message = room.pbx_sync
    if state == "in_sync":
        return PhoneWords(room, state, f"Room {room.number}'s phone is set up.", "")
    if state == "pending":
        if pbx_down is None:
            pbx_down = link_health().down_since is not None
        why = "waiting for the PBX"
        if pbx_down:
            why = "the PBX is unreachable; it is set up when the PBX is back"
        return PhoneWords(room, state, f"Room {room.number}'s phone is not set up yet: {why}.", message)
    return PhoneWords(
        room, state, f"Room {room.number}'s phone could not be set up: the PBX refused the change.", message
    )


def rooms_not_set_up() -> list[PhoneWords]:
    """Every room whose phone is not in step with the desk, failed first (for the PBX page)."""
    rooms = list(Room.objects.order_by("floor", "number"))
    selectors.annotate_sync_state(rooms)
    troubled = [room for room in rooms if room.pbx_sync[0] != "in_sync"]
    if not troubled:
        return []
    down = link_health().down_since is not None
    words = [describe(room, pbx_down=down) for room in troubled]
    return sorted(words, key=lambda w: (w.state != "failed", w.room.floor, w.room.number))
