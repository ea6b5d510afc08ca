"""Checking guests in: a reservation at the desk, a walk-in, and the room picker both forms use."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from hotelpbx.core.timeutil import hotel_today

from .. import selectors
from ..errors import RoomRuleError
from ..forms import CheckInForm, SuggestionsForm, WalkInForm
from ..models import Guest, Stay, StayStatus
from ..services import stay_check_in, stay_walk_in
from ._shared import add_rule_error, picker_context, render_page, stay_or_404, warn_if_in_house


@require_GET
def room_suggestions(request):
    """htmx: the room picker again, for a stay (check-in, move) or a walk-in's party, type and dates,
    with the picker's own filters (floor, type, feature)."""
    form = SuggestionsForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    stay = Stay.objects.select_related("room_type").filter(pk=data.get("picker_stay") or 0).first()
    selected = data.get("room") or ""
    arrival, departure = data.get("arrival"), data.get("departure")
    if arrival and departure and departure <= arrival:  # dates half typed: one night until then
        departure = arrival + timedelta(days=1)
    if stay is not None:
        # a check-in or a move: the stay's own party and dates; a reservation being changed: the form's
        context = picker_context(
            request.GET,
            adults=data.get("adults") or stay.adults,
            room_type=data.get("room_type") or stay.room_type or getattr(stay.room, "room_type", None),
            arrival=arrival,
            departure=departure or stay.departure,
            stay=stay,
            selected=selected,
        )
    else:
        context = picker_context(
            request.GET,
            adults=data.get("adults") or 1,
            room_type=data.get("room_type"),
            arrival=arrival,
            departure=departure,
            selected=selected,
        )
    return render_page(request, "rooms/_room_choices.html", context)


@require_http_methods(["GET", "POST"])
def check_in(request, pk: int):
    stay = stay_or_404(pk)
    if stay.status != StayStatus.RESERVED:
        messages.info(request, f"This stay is already {stay.get_status_display().lower()}.")
        return redirect("rooms:stay_detail", pk=stay.pk)
    if stay.arrival > hotel_today():
        messages.info(
            request,
            f"{stay.guest.full_name} arrives on {stay.arrival:%a} {stay.arrival.day} {stay.arrival:%b}. "
            "Arrived early? Change the reservation's arrival to today, then check in.",
        )
        return redirect("rooms:reservation_edit", pk=stay.pk)
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
                    hold_override=form.cleaned_data["hold_override"],
                )
            except RoomRuleError as exc:
                confirmable = add_rule_error(form, exc)
            else:
                return _checked_in(request, stay)
    else:
        form = CheckInForm(
            initial={"room": stay.room.number if stay.room else "", "phone_class": stay.phone_class}
        )
    selected = form["room"].value() or ""
    picker = picker_context(
        request.POST if request.method == "POST" else request.GET,
        adults=stay.adults,
        room_type=stay.room_type,
        departure=stay.departure,
        stay=stay,
        selected=selected,
    )
    booked_room_problem = _booked_room_problem(stay, picker)
    if booked_room_problem and request.method == "GET" and picker["best_room"] is not None:
        # the room booked for this guest was taken: offer the best alternative instead
        picker["selected"] = picker["best_room"].number
    context = {
        "stay": stay,
        "form": form,
        "confirmable": confirmable,
        "booked_room_problem": booked_room_problem,
        "alternatives": [r for r in picker["rooms"] if not r.problem and not r.warning][:3],
        **picker,
    }
    return render_page(request, "rooms/check_in.html", context)


def _booked_room_problem(stay: Stay, picker: dict) -> str:
    """Why the room assigned to this reservation cannot take the guest now, in the desk's words."""
    if stay.room is None:
        return ""
    booked = next((r for r in [*picker["rooms"], *picker["held_rooms"]] if r.pk == stay.room_id), None)
    if booked is None:
        return ""
    if booked in picker["held_rooms"]:
        held = booked.hold_text[0].lower() + booked.hold_text[1:]
        return f"Room {booked.number}, booked for this guest, is {held}."
    if booked.problem:
        return f"Room {booked.number}, booked for this guest, cannot be used: {booked.problem}."
    return ""


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
    already_in_house: list[Stay] = []
    if request.method == "POST":
        form = WalkInForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            already_in_house = warn_if_in_house(
                form,
                selectors.in_house_stays_of(
                    data["guest"], first_name=data["first_name"], last_name=data["last_name"]
                ),
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                stay = stay_walk_in(
                    guest=data["guest"],
                    new_guest=None if data["guest"] else form.new_guest_fields(),
                    room=data["room"],
                    departure=data["departure"],
                    phone_class=data["phone_class"],
                    adults=data["adults"],
                    by=request.user,
                    confirm_not_ready=data["confirm_not_ready"],
                    hold_override=data["hold_override"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except RoomRuleError as exc:
                confirmable = add_rule_error(form, exc)
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
    cleaned = getattr(form, "cleaned_data", {})
    picker = picker_context(
        request.POST if request.method == "POST" else request.GET,
        adults=_int_or(form["adults"].value(), 1),
        room_type=cleaned.get("room_type"),
        departure=cleaned.get("departure"),
        selected=selected,
    )
    context = {
        "form": form,
        "guest_query": guest_query,
        "guest_choices": guest_choices,
        # guests found are listed open (a list box), not hidden in a drop-down the desk may not open
        "guest_list_size": min(len(guest_choices) + 1, 6) if guest_query and guest_choices else 0,
        "chosen_guest": chosen,
        "confirmable": confirmable,
        "already_in_house": already_in_house,
        **picker,
    }
    return render_page(request, "rooms/walk_in.html", context)


def _int_or(value, default: int) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default
