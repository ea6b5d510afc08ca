"""Front-desk pages. Thin: parse input with a form, call one service or selector, render.

A refused rule (RoomRuleError) becomes a form error or a message with its own words, never a 500.
Who may open which view is decided by hotelpbx.core.policy, enforced by middleware.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import replace_url

from hotelpbx.core.roles import is_housekeeping_only
from hotelpbx.core.timeutil import hotel_today, hotel_zone

from . import selectors
from .errors import RoomNotReady, RoomRuleError, StayStateError
from .forms import (
    BoardFilterForm,
    CheckInForm,
    CheckOutForm,
    DndForm,
    GuestSearchForm,
    RoomMoveForm,
    RoomStatusForm,
    SuggestionsForm,
    WalkInForm,
)
from .models import Guest, HousekeepingStatus, Room, StatusSource, Stay, StayStatus
from .rules import housekeeping_refusal
from .services import (
    HOUSEKEEPING_TRANSITIONS,
    RoomStatusTarget,
    guest_create,
    room_set_dnd,
    room_set_status,
    stay_check_in,
    stay_check_out,
    stay_depart_early,
    stay_move,
    stay_walk_in,
)


def _render(request, template: str, context: dict | None = None, *, status: int = 200) -> HttpResponse:
    """Render with dates and times in the hotel's zone (stored times are UTC)."""
    with timezone.override(hotel_zone()):
        return render(request, template, context or {}, status=status)


def _add_rule_error(form, exc: RoomRuleError) -> bool:
    """Show a refused rule on the form; True when the desk may confirm and try again."""
    form.add_error(None, exc.message)
    return isinstance(exc, RoomNotReady) and exc.confirmable


# ----------------------------------------------------------------------------------------------------
# Room board
# ----------------------------------------------------------------------------------------------------


def _board_context(request) -> dict:
    form = BoardFilterForm(request.GET or None, floors=selectors.floors(), room_types=selectors.room_types())
    filters = form.to_filters()
    rooms = selectors.board_rooms(filters)
    filtered = filters != type(filters)()
    all_rooms = selectors.board_rooms(annotate=False) if filtered else rooms
    return {
        "filter_form": form,
        "filtered": filtered,
        "floors": selectors.rooms_by_floor(rooms),
        "shown": len(rooms),
        "counts": selectors.board_counts(all_rooms),
        "refresh_seconds": settings.BOARD_REFRESH_SECONDS,
    }


@require_GET
def board(request):
    if request.htmx:
        return board_partial(request)
    return _render(request, "rooms/board.html", _board_context(request))


@require_GET
def board_partial(request):
    response = _render(request, "rooms/board.html#board-body", _board_context(request))
    if request.htmx and request.htmx.trigger == "board-filters":
        # the address bar keeps the filters, so a reload or a shared link shows the same board
        query = urlencode([(key, value) for key, value in request.GET.items() if value])
        replace_url(response, reverse("rooms:board") + (f"?{query}" if query else ""))
    return response


# ----------------------------------------------------------------------------------------------------
# Lists for today
# ----------------------------------------------------------------------------------------------------


@require_GET
def arrivals(request):
    return _render(
        request, "rooms/arrivals.html", {"stays": selectors.arrivals_today(), "today": hotel_today()}
    )


@require_GET
def departures(request):
    return _render(
        request, "rooms/departures.html", {"stays": selectors.departures_today(), "today": hotel_today()}
    )


@require_GET
def in_house(request):
    return _render(request, "rooms/in_house.html", {"stays": selectors.in_house(), "today": hotel_today()})


# ----------------------------------------------------------------------------------------------------
# Guests
# ----------------------------------------------------------------------------------------------------


@require_GET
def guest_search(request):
    form = GuestSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    guests = selectors.guest_search(query) if query else []
    return _render(request, "rooms/guest_search.html", {"form": form, "query": query, "guests": guests})


@require_GET
def guest_detail(request, pk: int):
    guest = get_object_or_404(Guest, pk=pk)
    return _render(
        request, "rooms/guest_detail.html", {"guest": guest, "stays": selectors.guest_stays(guest)}
    )


# ----------------------------------------------------------------------------------------------------
# Rooms
# ----------------------------------------------------------------------------------------------------


def _room_or_404(number: str) -> Room:
    room = selectors.room_page(number)
    if room is None:
        raise Http404(f"There is no room {number}.")
    return room


def _status_context(room: Room, *, form=None, error: str = "") -> dict:
    """What the status panel offers: the next housekeeping steps and the service actions."""
    return {
        "room": room,
        "status_form": form or RoomStatusForm(),
        "status_error": error,
        "next_housekeeping": [
            (status, RoomStatusTarget.LABELS[status])
            for status in RoomStatusTarget.HOUSEKEEPING
            if status in HOUSEKEEPING_TRANSITIONS[HousekeepingStatus(room.housekeeping_status)]
        ],
        "service_targets": [(s, RoomStatusTarget.LABELS[s]) for s in RoomStatusTarget.SERVICE],
        "today": hotel_today(),
    }


@require_GET
def room_detail(request, number: str):
    room = _room_or_404(number)
    context = _status_context(room) | {"history": selectors.room_history(room)}
    return _render(request, "rooms/room_detail.html", context)


def _after_room_change(request, room: Room, *, form=None, error: str = "", done: str = "") -> HttpResponse:
    """htmx gets the refreshed status panel; a plain form post goes back to its page."""
    housekeeping_only = is_housekeeping_only(request.user)
    if request.htmx:
        room = selectors.room_page(room.number)
        # the status panel carries no guest data, so housekeeping may receive it as it is
        context = _status_context(room, form=form, error=error) | {"done": done}
        response = _render(request, "rooms/_room_status.html", context)
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
    housekeeping = is_housekeeping_only(request.user)
    if housekeeping and (refusal := housekeeping_refusal(room, status)):
        return _after_room_change(request, room, form=form, error=refusal)
    source = StatusSource.TABLET if housekeeping else StatusSource.DESK
    try:
        room = room_set_status(
            room=room,
            status=status,
            by=request.user,
            source=source,
            reason=form.cleaned_data["reason"],
            until=form.cleaned_data["until"],
        )
    except RoomRuleError as exc:
        return _after_room_change(request, room, form=form, error=exc.message)
    return _after_room_change(
        request, room, done=f"Room {room.number}: {RoomStatusTarget.LABELS[status].lower()}."
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


# ----------------------------------------------------------------------------------------------------
# Stays: check-in, walk-in, check-out, move
# ----------------------------------------------------------------------------------------------------


def _stay_or_404(pk: int) -> Stay:
    stay = selectors.stay_page(pk)
    if stay is None:
        raise Http404("There is no such stay.")
    return stay


@require_GET
def stay_detail(request, pk: int):
    stay = _stay_or_404(pk)
    return _render(request, "rooms/stay_detail.html", {"stay": stay, "today": hotel_today()})


def _suggested_rooms(*, adults: int, room_type=None, keep: Room | None = None) -> list[Room]:
    """Rooms that fit, ready first; the room already chosen stays in the list even if it ranks low."""
    rooms = selectors.room_suggestions(adults=adults, room_type=room_type)
    if keep is not None and all(r.pk != keep.pk for r in rooms):
        rooms = [keep, *rooms]
    return rooms


@require_GET
def room_suggestions(request):
    """htmx: the room picker for the walk-in form, for the party size and room type asked for."""
    form = SuggestionsForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    rooms = _suggested_rooms(adults=data.get("adults") or 1, room_type=data.get("room_type"))
    return _render(request, "rooms/_room_choices.html", {"rooms": rooms, "selected": data.get("room", "")})


@require_http_methods(["GET", "POST"])
def check_in(request, pk: int):
    stay = _stay_or_404(pk)
    if stay.status != StayStatus.RESERVED:
        messages.info(request, f"This stay is already {stay.get_status_display().lower()}.")
        return redirect("rooms:stay_detail", pk=stay.pk)
    confirmable = False
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                stay = stay_check_in(
                    stay=stay,
                    room=form.cleaned_data["room"],
                    by=request.user,
                    confirm_not_ready=form.cleaned_data["confirm_not_ready"],
                    phone_class=form.cleaned_data["phone_class"] or None,
                )
            except RoomRuleError as exc:
                confirmable = _add_rule_error(form, exc)
            else:
                return _checked_in(request, stay)
    else:
        form = CheckInForm(
            initial={"room": stay.room.number if stay.room else "", "phone_class": stay.phone_class}
        )
    selected = form["room"].value() or ""
    keep = stay.room if stay.room and stay.room.number == selected else None
    rooms = _suggested_rooms(adults=stay.adults, room_type=stay.room_type, keep=keep)
    context = {"stay": stay, "form": form, "rooms": rooms, "selected": selected, "confirmable": confirmable}
    return _render(request, "rooms/check_in.html", context)


def _checked_in(request, stay: Stay):
    """Where both check-in forms land: the stay page, with the PIN the desk gives the guest."""
    messages.success(
        request,
        f"{stay.guest.full_name} is checked in to room {stay.room.number}. "
        f"Voicemail PIN: {stay.voicemail_pin}",
    )
    return redirect("rooms:stay_detail", pk=stay.pk)


@require_http_methods(["GET", "POST"])
def walk_in(request):
    confirmable = False
    if request.method == "POST":
        form = WalkInForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                # a new guest is only kept when the check-in succeeds
                with transaction.atomic():
                    guest = data["guest"] or guest_create(by=request.user, **form.new_guest_fields())
                    stay = stay_walk_in(
                        guest=guest,
                        room=data["room"],
                        departure=data["departure"],
                        phone_class=data["phone_class"],
                        adults=data["adults"],
                        by=request.user,
                        confirm_not_ready=data["confirm_not_ready"],
                    )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except RoomRuleError as exc:
                confirmable = _add_rule_error(form, exc)
            else:
                return _checked_in(request, stay)
    else:
        form = WalkInForm(
            initial={"guest": request.GET.get("guest") or None, "room": request.GET.get("room", "")}
        )
    guest_query = request.GET.get("guest_q", "").strip()
    guest_choices = list(selectors.guest_search(guest_query, limit=25)) if guest_query else []
    chosen = str(form["guest"].value() or "")
    if chosen.isdigit() and all(str(g.pk) != chosen for g in guest_choices):
        guest_choices = list(Guest.objects.filter(pk=chosen)) + guest_choices
    selected = form["room"].value() or ""
    room_type = getattr(form, "cleaned_data", {}).get("room_type")
    rooms = _suggested_rooms(
        adults=_int_or(form["adults"].value(), 1),
        room_type=room_type,
        keep=Room.objects.select_related("room_type").filter(number=selected).first() if selected else None,
    )
    context = {
        "form": form,
        "guest_query": guest_query,
        "guest_choices": guest_choices,
        "chosen_guest": chosen,
        "rooms": rooms,
        "selected": selected,
        "confirmable": confirmable,
    }
    return _render(request, "rooms/walk_in.html", context)


def _int_or(value, default: int) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


@require_http_methods(["GET", "POST"])
def check_out(request, pk: int):
    stay = _stay_or_404(pk)
    if stay.status != StayStatus.IN_HOUSE:
        return _already_left(request, stay)
    early = stay.departure > hotel_today()
    if request.method == "POST":
        form = CheckOutForm(request.POST, early=early)
        if form.is_valid():
            try:
                if early:
                    stay = stay_depart_early(stay=stay, reason=form.cleaned_data["reason"], by=request.user)
                else:
                    stay = stay_check_out(stay=stay, by=request.user)
            except StayStateError:
                # another desk (or a double click) was faster
                return _already_left(request, _stay_or_404(pk))
            except RoomRuleError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{stay.guest.full_name} checked out of room {stay.room.number}.")
                return redirect("rooms:departures")
    else:
        form = CheckOutForm(early=early)
    context = {
        "stay": stay,
        "form": form,
        "early": early,
        "today": hotel_today(),
        "nights_stayed": _nights(stay),
    }
    return _render(request, "rooms/check_out.html", context)


def _nights(stay: Stay) -> int:
    return max(1, (min(hotel_today(), stay.departure) - stay.arrival).days)


def _already_left(request, stay: Stay) -> HttpResponse:
    if stay.status == StayStatus.CHECKED_OUT:
        text = f"{stay.guest.full_name} is already checked out"
        if stay.checked_out_at:
            text += f" (at {timezone.localtime(stay.checked_out_at, hotel_zone()):%H:%M}"
            if stay.checked_out_by:
                text += f" by {stay.checked_out_by.get_full_name() or stay.checked_out_by.username}"
            text += ")"
        messages.info(request, text + ". Nothing more to do.")
    else:
        messages.info(request, f"This stay is {stay.get_status_display().lower()}; it cannot be checked out.")
    return redirect("rooms:stay_detail", pk=stay.pk)


@require_http_methods(["GET", "POST"])
def room_move(request, pk: int):
    stay = _stay_or_404(pk)
    if stay.status != StayStatus.IN_HOUSE:
        messages.info(request, "Only an in-house guest can be moved to another room.")
        return redirect("rooms:stay_detail", pk=stay.pk)
    confirmable = False
    if request.method == "POST":
        form = RoomMoveForm(request.POST)
        if form.is_valid():
            old_number = stay.room.number
            try:
                stay = stay_move(
                    stay=stay,
                    to_room=form.cleaned_data["room"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    confirm_not_ready=form.cleaned_data["confirm_not_ready"],
                )
            except RoomRuleError as exc:
                confirmable = _add_rule_error(form, exc)
            else:
                messages.success(
                    request,
                    f"{stay.guest.full_name} moved from room {old_number} to room {stay.room.number}.",
                )
                return redirect("rooms:stay_detail", pk=stay.pk)
    else:
        form = RoomMoveForm()
    rooms = _suggested_rooms(adults=stay.adults, room_type=stay.room_type or stay.room.room_type)
    context = {
        "stay": stay,
        "form": form,
        "rooms": rooms,
        "selected": form["room"].value() or "",
        "confirmable": confirmable,
    }
    return _render(request, "rooms/room_move.html", context)
