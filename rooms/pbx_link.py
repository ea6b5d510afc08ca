"""Connects the hotel's phone seam (rooms.phone) to the PBX outbox (hotelpbx.pbx.commands).

The hotel says what each room phone should look like; this module says it in the PBX's terms.
"""

from django.conf import settings

from hotelpbx.pbx import commands, route_gaps
from hotelpbx.pbx.desired import DesiredExtension, register_provider

from .models import PhoneClass, Room
from .phone import PhoneChange, PhoneState, desired_phone_state


def _v1() -> bool:
    return settings.PBX_API_VERSION.startswith("v1")


def _routes_for(state: PhoneState) -> tuple[str, ...]:
    """Outbound routes for the class of service (API v1 too: where its firmware cannot change them, the
    link reports the rooms whose routes differ)."""
    if state.barred or not state.occupied or state.phone_class == PhoneClass.INTERNAL:
        return ()
    return tuple(settings.PBX_CLASS_ROUTES.get(state.phone_class, ()))


def to_desired(state: PhoneState) -> DesiredExtension:
    return DesiredExtension(
        number=state.extension,
        occupied=state.occupied,
        display_name=state.display_name,
        # API v1 bars an out-of-order room by DND: hotel/checkout would take it out of the outbound
        # routes, which v1 firmware may not be able to undo.
        dnd=state.dnd or (state.barred and _v1()),
        voicemail=True if state.occupied else None,
        voicemail_pin=state.voicemail_pin or None,
        routes=_routes_for(state),
    )


def _checkout_op() -> str:
    """hotel/checkout, except on API v1 where by default (PBX_V1_CHECKOUT=keep_routes) the same clean-up
    goes call by call and the outbound routes stay: v1 hotel/checkout also empties them."""
    if _v1() and settings.PBX_V1_CHECKOUT != "hotel_checkout":
        return "extension.vacate"
    return "hotel.checkout"


def _routes(desired: DesiredExtension, reason: str) -> None:
    managed = sorted({r for routes in settings.PBX_CLASS_ROUTES.values() for r in routes})
    commands.enqueue(
        desired.number,
        "outroute.members",
        {"routes": sorted(desired.routes or ()), "managed": managed},
        reason=reason,
    )


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
        if _v1():  # v2's hotel/checkout already left the routes
            _routes(desired, f"check-out of room {room.number}")
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
        if state.barred and not _v1():
            commands.enqueue(
                state.extension, "hotel.checkout", reason=f"room {room.number} out of order: barred"
            )
        commands.enqueue_sync(desired, reason="service state")
    elif change == PhoneChange.HOUSEKEEPING and vacant_name is not None:
        _update(state.extension, "vacant room name", username=vacant_name)


def all_rooms_desired() -> list[DesiredExtension]:
    from .selectors import board_rooms

    return [to_desired(desired_phone_state(room)) for room in board_rooms(annotate=False)]


register_provider(all_rooms_desired)


def annotate_sync_state(rooms) -> None:
    """Sets `room.pbx_sync` = (state, message): in_sync / pending / failed (a failed command, or a room
    left without its outbound routes by firmware that cannot change them), in two queries."""
    extensions = [room.extension for room in rooms]
    states = commands.sync_states(extensions) if rooms else {}
    no_routes = route_gaps.missing_routes(extensions) if rooms else {}
    for room in rooms:
        state = states.get(room.extension)
        if state is None and room.extension in no_routes:
            state = ("failed", no_routes[room.extension])
        room.pbx_sync = state or ("in_sync", "")
