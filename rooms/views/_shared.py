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


def suggested_rooms(*, adults: int, room_type=None, keep: Room | None = None) -> list[Room]:
    """Rooms that fit, ready first; the room already chosen stays in the list even if it ranks low."""
    rooms = selectors.room_suggestions(adults=adults, room_type=room_type)
    if keep is not None and all(r.pk != keep.pk for r in rooms):
        rooms = [keep, *rooms]
    return rooms
