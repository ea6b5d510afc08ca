"""A room's page: its history, its status panel (housekeeping and service) and do-not-disturb."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hotelpbx.core.roles import is_housekeeping_only
from hotelpbx.core.timeutil import hotel_today

from .. import selectors
from ..errors import RoomRuleError
from ..forms import DndForm, RoomStatusForm
from ..models import HousekeepingStatus, Room, RoomStatusTarget
from ..services import HOUSEKEEPING_TRANSITIONS, room_set_dnd, room_staff_set_status
from ._shared import render_page, room_or_404


def _status_context(room: Room, *, form=None, error: str = "") -> dict:
    """What the status panel offers: the next housekeeping steps and the service actions."""
    next_steps = HOUSEKEEPING_TRANSITIONS[HousekeepingStatus(room.housekeeping_status)]
    return {
        "room": room,
        "status_form": form or RoomStatusForm(),
        "status_error": error,
        "next_housekeeping": [
            (target.value, target.label)
            for target in RoomStatusTarget
            if target.is_housekeeping and target in next_steps
        ],
        "service_targets": [(t.value, t.label) for t in RoomStatusTarget if t.takes_out_of_service],
        "today": hotel_today(),
    }


@require_GET
def room_detail(request, number: str):
    room = room_or_404(number)
    context = _status_context(room) | {"history": selectors.room_history(room)}
    return render_page(request, "rooms/room_detail.html", context)


def _after_room_change(request, room: Room, *, form=None, error: str = "", done: str = "") -> HttpResponse:
    """htmx gets the refreshed status panel; a plain form post goes back to its page."""
    housekeeping_only = is_housekeeping_only(request.user)
    if request.htmx:
        room = selectors.room_page(room.number)
        # the status panel carries no guest data, so housekeeping may receive it as it is
        context = _status_context(room, form=form, error=error) | {"done": done}
        response = render_page(request, "rooms/_room_status.html", context)
        response["HX-Trigger"] = "room-changed"
        return response
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    if housekeeping_only:
        return redirect("rooms:housekeeping")
    return redirect("rooms:room_detail", number=room.number)


@require_http_methods(["GET", "POST"])
def room_status(request, number: str):
    room = get_object_or_404(Room, number=number)
    if request.method == "GET":
        if is_housekeeping_only(request.user):
            return redirect("rooms:housekeeping")
        return redirect("rooms:room_detail", number=number)
    form = RoomStatusForm(request.POST)
    if not form.is_valid():
        error = " ".join(e for errors in form.errors.values() for e in errors)
        return _after_room_change(request, room, form=form, error=error)
    status = form.cleaned_data["status"]
    try:
        room = room_staff_set_status(
            room=room,
            status=status,
            by=request.user,
            housekeeping=is_housekeeping_only(request.user),
            reason=form.cleaned_data["reason"],
            until=form.cleaned_data["until"],
        )
    except RoomRuleError as exc:
        return _after_room_change(request, room, form=form, error=exc.message)
    return _after_room_change(
        request, room, done=f"Room {room.number}: {RoomStatusTarget(status).label.lower()}."
    )


@require_POST
def room_dnd(request, number: str):
    room = get_object_or_404(Room, number=number)
    form = DndForm(request.POST)
    if not form.is_valid():
        return _after_room_change(request, room, error="Choose do-not-disturb on or off.")
    dnd = form.cleaned_data["dnd"]
    room = room_set_dnd(room=room, dnd=dnd, by=request.user)
    return _after_room_change(
        request, room, done=f"Room {room.number}: do not disturb {'on' if dnd else 'off'}."
    )
