"""Connects the hotel's phone seam (rooms.phone) to the PBX outbox (hotelpbx.pbx.commands).

The hotel says what each room phone should look like; this module says it in the PBX's terms.
"""

from django.conf import settings

from hotelpbx.pbx import commands
from hotelpbx.pbx.desired import DesiredExtension, register_provider

from .models import PhoneClass, Room
from .phone import PhoneChange, PhoneState, desired_phone_state


def _routes_for(state: PhoneState) -> tuple[str, ...] | None:
    """Outbound routes for the class of service; API v1 has no route API, so none are managed there."""
    if settings.PBX_API_VERSION.startswith("v1"):
        return None
    if state.barred or not state.occupied or state.phone_class == PhoneClass.INTERNAL:
        return ()
    return tuple(settings.PBX_CLASS_ROUTES.get(state.phone_class, ()))


def to_desired(state: PhoneState) -> DesiredExtension:
    return DesiredExtension(
        number=state.extension,
        occupied=state.occupied,
        display_name=state.display_name,
        dnd=state.dnd,
        voicemail=True if state.occupied else None,
        voicemail_pin=state.voicemail_pin or None,
        routes=_routes_for(state),
    )


def _checkout_op() -> str:
    """hotel/checkout, unless on API v1 the hotel chose to keep outbound routes (see PBX_V1_CHECKOUT)."""
    if settings.PBX_API_VERSION.startswith("v1") and settings.PBX_V1_CHECKOUT == "keep_routes":
        return "extension.vacate"
    return "hotel.checkout"


def _update(extension: str, reason: str, **fields: str) -> None:
    commands.enqueue(extension, "extension.update", {"fields": fields}, reason=reason)


def phone_state_changed(room: Room, state: PhoneState, *, change: str) -> None:
    """Write the commands for one room change into the outbox (same transaction as the change)."""
    if not commands.link_enabled():
        return
    desired = to_desired(state)
    vacant_name = desired.display_name if not state.occupied else None
    if change == PhoneChange.CHECK_OUT:
        # hotel/checkout clears voicemail, bars outbound calls, deletes alarms and resets the name.
        commands.enqueue(state.extension, _checkout_op(), reason=f"check-out of room {room.number}")
        # hotel/checkout leaves DND as it was; the next guest must be reachable
        names = {"username": vacant_name} if vacant_name is not None else {}
        _update(state.extension, "check-out: DND off", dnd="off", **names)
    elif change == PhoneChange.CHECK_IN:
        # A clean slate first: if the last guest's check-out never reached the PBX, the new guest must
        # not inherit their voicemail, alarms or routes.
        commands.enqueue_sync(
            desired, reason=f"check-in to room {room.number}", checkout_first=True, checkout_op=_checkout_op()
        )
    elif change == PhoneChange.DND:
        dnd = "on" if state.dnd else "off"
        _update(state.extension, f"DND {dnd}", dnd=dnd)
    elif change == PhoneChange.SERVICE:
        if state.barred:
            commands.enqueue(
                state.extension, "hotel.checkout", reason=f"room {room.number} out of order: barred"
            )
        if desired.routes is not None:
            commands.enqueue_sync(desired, reason="service state")
        elif vacant_name is not None:
            _update(state.extension, "vacant room name", username=vacant_name)
    elif change == PhoneChange.HOUSEKEEPING and vacant_name is not None:
        _update(state.extension, "vacant room name", username=vacant_name)


def all_rooms_desired() -> list[DesiredExtension]:
    from .selectors import board_rooms

    return [to_desired(desired_phone_state(room)) for room in board_rooms(annotate=False)]


register_provider(all_rooms_desired)


def annotate_sync_state(rooms) -> None:
    """Sets `room.pbx_sync` = (state, message): in_sync / pending / failed, in one query."""
    states = commands.sync_states([room.extension for room in rooms]) if rooms else {}
    for room in rooms:
        room.pbx_sync = states.get(room.extension, ("in_sync", ""))
