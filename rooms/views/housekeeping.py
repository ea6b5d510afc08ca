"""The housekeeping tablet: rooms by floor, one tap to change a room's status.

Thin views: parse the tap, call `services.room_staff_set_status` (as housekeeping), render the card again.
With htmx a tap answers with the one updated card (HTTP 200, success or the rule's message inline:
htmx 2 does not swap 4xx answers); without JavaScript the same form POSTs and redirects back.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from hotelpbx.core.timeutil import hotel_now

from .. import selectors
from ..errors import RoomRuleError
from ..models import Room, RoomStatusTarget
from ..rules import is_housekeeping_supervisor
from ..services import room_assign_housekeeper, room_staff_set_status

# How often the tablet's room list refreshes itself (settings.HOUSEKEEPING_REFRESH_SECONDS may override).
DEFAULT_REFRESH_SECONDS = 30

# One button each; the order is the order of the work.
STATUS_BUTTONS = [(t.value, t.label) for t in RoomStatusTarget if t.is_housekeeping]

OUT_OF_ORDER_REASONS = [
    "Plumbing",
    "Electrical",
    "Heating / air conditioning",
    "Broken furniture",
    "Needs deep clean",
    "Pest control",
]

# What a tablet may ask for: housekeeping states, out of order (with a reason) and back in service.
TABLET_TARGETS = [
    *STATUS_BUTTONS,
    (RoomStatusTarget.OUT_OF_ORDER.value, RoomStatusTarget.OUT_OF_ORDER.label),
    (RoomStatusTarget.IN_SERVICE.value, RoomStatusTarget.IN_SERVICE.label),
]


class StatusTapForm(forms.Form):
    status = forms.ChoiceField(choices=TABLET_TARGETS, error_messages={"invalid_choice": "Choose a status."})
    reason_preset = forms.ChoiceField(
        choices=[("", "None"), *((r, r) for r in OUT_OF_ORDER_REASONS)], required=False
    )
    reason_text = forms.CharField(max_length=150, required=False, strip=True)

    def reason(self) -> str:
        """The preset and the free text together, e.g. 'Plumbing: shower drain blocked'."""
        preset = self.cleaned_data.get("reason_preset") or ""
        text = self.cleaned_data.get("reason_text") or ""
        return ": ".join(part for part in (preset, text) if part)


def _floor_param(raw: str | None) -> int | None:
    """`?floor=3` picks a floor; missing, 'all' or anything else shows every floor."""
    try:
        return int(raw) if raw not in (None, "", "all") else None
    except ValueError:
        return None


def _list_context(floor: int | None, user=None) -> dict:
    rooms = selectors.housekeeping_rooms(floor=floor, user=user)
    supervisor = is_housekeeping_supervisor(user)
    return {
        "rooms": rooms,
        "mine_count": sum(1 for r in rooms if r.mine),
        "supervisor": supervisor,
        "housekeepers": selectors.housekeepers() if supervisor else [],
        "floor": floor,
        "status_buttons": STATUS_BUTTONS,
        "ooo_reasons": OUT_OF_ORDER_REASONS,
        "updated_at": hotel_now().strftime("%H:%M"),
        "counts": {
            "departing": sum(1 for r in rooms if r.departing_today),
            "dirty": sum(1 for r in rooms if r.housekeeping_status == RoomStatusTarget.DIRTY),
            "total": len(rooms),
        },
    }


def _page_url(floor: int | None, number: str | None = None) -> str:
    url = reverse("rooms:housekeeping")
    if floor is not None:
        url += f"?floor={floor}"
    return url + (f"#room-{number}" if number else "")


@require_GET
def housekeeping(request: HttpRequest) -> HttpResponse:
    floor = _floor_param(request.GET.get("floor"))
    context = _list_context(floor, request.user)
    context.update(
        floors=selectors.floors(),
        refresh_seconds=getattr(settings, "HOUSEKEEPING_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS),
        idle_seconds=settings.HOUSEKEEPING_SESSION_IDLE_SECONDS,
    )
    return render(request, "rooms/housekeeping.html", context)


@require_GET
def housekeeping_partial(request: HttpRequest) -> HttpResponse:
    """The room list alone, for the tablet's periodic refresh."""
    floor = _floor_param(request.GET.get("floor"))
    return render(request, "rooms/_housekeeping_list.html", _list_context(floor, request.user))


def _card_room(room: Room, user=None) -> Room:
    """The room again with what the card shows (stay, flags, assignment), read as the list reads it."""
    candidates = selectors.housekeeping_rooms(floor=room.floor, user=user)
    return next(r for r in candidates if r.number == room.number)


@require_POST
def set_status(request: HttpRequest, number: str) -> HttpResponse:
    room = get_object_or_404(Room, number=number)
    floor = _floor_param(request.POST.get("floor"))
    form = StatusTapForm(request.POST)
    flash = error = ""
    if not form.is_valid():
        error = " ".join(e for errors in form.errors.values() for e in errors)
    else:
        status = form.cleaned_data["status"]
        try:
            room_staff_set_status(
                room=room, status=status, by=request.user, housekeeping=True, reason=form.reason()
            )
        except RoomRuleError as exc:
            error = exc.message
        else:
            flash = f"Room {room.number}: {RoomStatusTarget(status).label.lower()}."

    if not request.htmx:
        if error:
            messages.error(request, f"Room {room.number}: {error}")
        else:
            messages.success(request, flash)
        return redirect(_page_url(floor, room.number))

    # After a change the floor's counts changed too: the answer carries them out of band.
    base = _list_context(floor, request.user)
    context = {key: base[key] for key in ("floor", "supervisor", "housekeepers")} if error else base
    if not error:
        context["oob_summary"] = True
    context.update(
        {
            "room": _card_room(room, request.user),
            "status_buttons": STATUS_BUTTONS,
            "ooo_reasons": OUT_OF_ORDER_REASONS,
            "flash": flash,
            "error": error,
            # Keep the reason form open with what was typed, so a refused attempt is one tap from a retry.
            "ooo_open": bool(error) and request.POST.get("status") == RoomStatusTarget.OUT_OF_ORDER,
            "reason_text": request.POST.get("reason_text", "")[:150],
        }
    )
    return render(request, "rooms/_housekeeping_card.html", context)


@require_POST
def assign(request: HttpRequest, number: str) -> HttpResponse:
    """A supervisor gives a room to a housekeeper for today (or to nobody)."""
    room = get_object_or_404(Room, number=number)
    floor = _floor_param(request.POST.get("floor"))
    raw = request.POST.get("housekeeper", "")
    housekeeper = next((u for u in selectors.housekeepers() if str(u.pk) == raw), None)
    flash = error = ""
    if raw and housekeeper is None:
        error = "Choose a housekeeper from the list."
    else:
        try:
            room_assign_housekeeper(room=room, housekeeper=housekeeper, by=request.user)
        except RoomRuleError as exc:
            error = exc.message
        else:
            who = (housekeeper.get_full_name() or housekeeper.username) if housekeeper else "nobody"
            flash = f"Room {room.number}: assigned to {who}."
    if not request.htmx:
        if error:
            messages.error(request, f"Room {room.number}: {error}")
        else:
            messages.success(request, flash)
        return redirect(_page_url(floor, room.number))
    context = _list_context(floor, request.user)
    context.update(
        {
            "room": _card_room(room, request.user),
            "status_buttons": STATUS_BUTTONS,
            "ooo_reasons": OUT_OF_ORDER_REASONS,
            "flash": flash,
            "error": error,
        }
    )
    return render(request, "rooms/_housekeeping_card.html", context)
