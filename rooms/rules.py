"""Which room status changes a role may make. Services enforce the hotel's rules; this is who may ask."""

from django.conf import settings

from hotelpbx.core.roles import Role, has_role

from .models import Room, RoomStatusTarget, ServiceState


def is_housekeeping_supervisor(user) -> bool:
    """Who assigns rooms to housekeepers (and may inspect when inspection is for supervisors): a user with
    the rooms.supervise_housekeeping permission, a manager or the front desk."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.has_perm("rooms.supervise_housekeeping") or has_role(user, Role.MANAGER, Role.FRONT_DESK)


def inspection_refusal(status: str, *, supervisor: bool) -> str | None:
    """HOUSEKEEPING_INSPECTION=supervisor: only a supervisor marks a room inspected."""
    if (
        status == RoomStatusTarget.INSPECTED
        and settings.HOUSEKEEPING_INSPECTION == "supervisor"
        and not supervisor
    ):
        return "Only a housekeeping supervisor may mark a room inspected here; mark it clean and ask them."
    return None


def housekeeping_refusal(room: Room, status: str) -> str | None:
    """Why housekeeping may not make this change, or None. "Out of service" (planned, e.g. renovation)
    is a front-desk decision both ways; housekeeping reports problems as "out of order"."""
    if status == RoomStatusTarget.OUT_OF_SERVICE:
        return "Only the front desk can take a room out of service; mark it out of order instead."
    if status == RoomStatusTarget.IN_SERVICE and room.service_state == ServiceState.OUT_OF_SERVICE:
        return "The front desk took this room out of service; only the desk can put it back."
    return None
