"""A room phone's set-up state in the hotel's words, from the PBX seam's sync state (room.pbx_sync)."""

import re
from dataclasses import dataclass, replace

from django.utils import timezone

from hotelpbx.pbx.selectors import LinkHealth, first_failed_commands, link_health

from . import selectors
from .models import Room

ERRNO_PREFIX = re.compile(r"^PBX refused \(\d+\):\s*")


@dataclass(frozen=True)
class PhoneWords:
    room: Room
    state: str  # in_sync, pending, failed
    text: str
    detail: str  # the technical message, for whoever fixes it
    resend_id: int | None = None  # the failed command the desk may send again

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
    # the desk reads why in words (the PBX's errno meaning), the number stays in the technical log
    reason = ERRNO_PREFIX.sub("", message).strip().rstrip(".")
    why = f"the PBX refused the change ({reason})" if reason else "the PBX refused the change"
    return PhoneWords(room, state, f"Room {room.number}'s phone could not be set up: {why}.", message)


def rooms_not_set_up(health: LinkHealth | None = None) -> list[PhoneWords]:
    """Every room whose phone is not in step with the desk, failed first (for the PBX page)."""
    rooms = list(Room.objects.order_by("floor", "number"))
    selectors.annotate_sync_state(rooms)
    troubled = [room for room in rooms if room.pbx_sync[0] != "in_sync"]
    if not troubled:
        return []
    down = (health or link_health()).down_since is not None
    resend = first_failed_commands([room.extension for room in troubled])
    words = [
        replace(describe(room, pbx_down=down), resend_id=resend.get(room.extension)) for room in troubled
    ]
    return sorted(words, key=lambda w: (w.state != "failed", w.room.floor, w.room.number))


@dataclass(frozen=True)
class LinkWords:
    """What the PBX link's state means for the hotel, in one sentence each (the PBX page's top)."""

    level: str
    sentences: list[str]


def link_in_words(health: LinkHealth, firmware=None) -> LinkWords:
    """The link's state as a desk agent needs it: can guests phone, do room changes reach the PBX."""
    sentences: list[str] = []
    if not health.enabled:
        return LinkWords("secondary", ["No PBX is configured: room phones are not set up from this desk."])
    if health.guard_tripped:
        sentences.append(
            "This app stopped logging in to the PBX after it refused the password: room phones are not "
            "set up until a manager checks the PBX user and password and resets the login."
        )
    elif health.down_since:
        since = timezone.localtime(health.down_since)
        sentences.append(
            f"The PBX is unreachable since {since:%H:%M}: room phones keep their last settings, and "
            "every change waits and is sent when the PBX is back."
        )
    if health.no_worker:
        sentences.append(
            f"Room phone changes are not being sent ({health.pending} waiting): the background worker "
            "is not running. Ask whoever runs the server to start it."
        )
    if firmware is not None and firmware.trunks_down:
        sentences.append("Guests cannot call outside the hotel: the line to the telephone company is down.")
    if health.cdr_alert:
        sentences.append("Call charges may be late or missing: the PBX's call records are not arriving.")
    if not sentences:
        if health.failed:
            sentences.append("The PBX is connected, but it refused some room phone changes (below).")
        elif health.pending:
            sentences.append(
                f"The PBX is connected; {health.pending} room phone change"
                f"{'s are' if health.pending != 1 else ' is'} on the way."
            )
        else:
            sentences.append("The PBX is connected: room phones follow the desk.")
    return LinkWords(health.level, sentences)
