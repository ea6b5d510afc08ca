"""Which room status changes a role may make. Services enforce the hotel's rules; this is who may ask."""

from .models import Room, RoomStatusTarget, ServiceState


def housekeeping_refusal(room: Room, status: str) -> str | None:
    """Why housekeeping may not make this change, or None. "Out of service" (planned, e.g. renovation)
    is a front-desk decision both ways; housekeeping reports problems as "out of order"."""
    if status == RoomStatusTarget.OUT_OF_SERVICE:
        return "Only the front desk can take a room out of service; mark it out of order instead."
    if status == RoomStatusTarget.IN_SERVICE and room.service_state == ServiceState.OUT_OF_SERVICE:
        return "The front desk took this room out of service; only the desk can put it back."
    return None
