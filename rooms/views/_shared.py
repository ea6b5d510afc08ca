"""What the page families share: rendering in the hotel's zone, rule errors on forms, lookups or 404."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from hotelpbx.core.timeutil import hotel_zone

from .. import selectors
from ..errors import RoomNotReady, RoomRuleError
from ..models import Room, Stay


def render_page(request, template: str, context: dict | None = None, *, status: int = 200) -> HttpResponse:
    """Render with dates and times in the hotel's zone (stored times are UTC)."""
    with timezone.override(hotel_zone()):
        return render(request, template, context or {}, status=status)


def add_rule_error(form, exc: RoomRuleError) -> bool:
    """Show a refused rule on the form; True when the desk may confirm and try again."""
    form.add_error(None, exc.message)
    return isinstance(exc, RoomNotReady) and exc.confirmable


def warn_if_in_house(form, stays: list[Stay]) -> list[Stay]:
    """A guest already in house (same guest, or same name with accents and case ignored): the form
    says so and waits for the desk to confirm (its `confirm_in_house` box). Returns the stays to name
    while the warning stands, else []."""
    if not stays or form.cleaned_data.get("confirm_in_house"):
        return []
    where = ", ".join(f"{s.guest.full_name} in room {s.room.number}" for s in stays)
    form.add_error(None, f"Already in house: {where}. Check it is not the same guest, then confirm below.")
    return stays


def room_or_404(number: str) -> Room:
    room = selectors.room_page(number)
    if room is None:
        raise Http404(f"There is no room {number}.")
    return room


def stay_or_404(pk: int) -> Stay:
    stay = selectors.stay_page(pk)
    if stay is None:
        raise Http404("There is no such stay.")
    return stay


def picker_filters(data) -> selectors.PickerFilters:
    """The picker's own filters (floor, type, feature) from a query string or a form post."""
    try:
        floor = int(data.get("picker_floor") or "")
    except ValueError:
        floor = None
    return selectors.PickerFilters(
        floor=floor,
        room_type=(data.get("picker_type") or "")[:8],
        feature=(data.get("picker_feature") or "").strip()[:40],
    )


def picker_context(
    data, *, adults: int, room_type=None, arrival=None, departure=None, stay=None, selected: str = ""
) -> dict:
    """What templates/rooms/_room_choices.html needs, for one guest's party and dates."""
    filters = picker_filters(data)
    picker = selectors.room_picker(
        adults=adults,
        room_type=room_type,
        arrival=arrival,
        departure=departure,
        stay=stay,
        filters=filters,
        keep=selected,
    )
    return {
        "rooms": picker.rooms,
        "held_rooms": picker.held,
        "more": picker.more,
        "best_room": picker.best,
        "selected": selected,
        "held_selected": any(r.number == selected for r in picker.held),
        "hold_override": (data.get("hold_override") or "").strip()[:200],
        "picker_filters": filters,
        "picker_stay": getattr(stay, "pk", ""),
        "floors": selectors.floors(),
        "room_types": selectors.room_types(),
    }
