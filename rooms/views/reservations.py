"""Reservations beyond today: make, change and cancel them, extend or shorten a stay, and the
rooms x days availability timeline they can be made from."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hotelpbx.core.timeutil import hotel_today

from .. import selectors
from ..errors import Overbooked, RoomRuleError
from ..forms import CancelForm, DepartureForm, ReservationForm
from ..models import Guest, Room, StayStatus
from ..services import (
    guest_create,
    room_set_notes,
    stay_cancel,
    stay_change_departure,
    stay_reserve,
    stay_set_notes,
    stay_update_reservation,
)
from ._shared import picker_context, render_page, stay_or_404, warn_if_in_house

TIMELINE_DAYS = 14


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def parse_day(raw: str | None, default: date | None = None) -> date:
    """`?date=2026-12-03`; anything else is today (it is only a view)."""
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        return default or hotel_today()


def _picker_for(form, data, stay=None) -> dict:
    cleaned = getattr(form, "cleaned_data", {}) or {}
    arrival = cleaned.get("arrival") or parse_day(data.get("arrival"), hotel_today())
    departure = cleaned.get("departure") or arrival + timedelta(days=1)
    adults = cleaned.get("adults") or getattr(stay, "adults", 1)
    return picker_context(
        data,
        adults=adults,
        room_type=cleaned.get("room_type") or getattr(stay, "room_type", None),
        arrival=arrival,
        departure=departure if departure > arrival else arrival + timedelta(days=1),
        stay=stay,
        selected=str(form["room"].value() or ""),
    )


@require_http_methods(["GET", "POST"])
def reservation_new(request):
    overbooked = False
    already_in_house: list = []
    if request.method == "POST":
        form = ReservationForm(request.POST, new_guest=True)
        if form.is_valid():
            data = form.cleaned_data
            already_in_house = warn_if_in_house(
                form,
                selectors.in_house_stays_of(
                    data["guest"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    arrival=data["arrival"],
                    departure=data["departure"],
                ),
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():  # a refused reservation leaves no new guest behind
                    guest = data["guest"] or guest_create(by=request.user, **form.new_guest_fields())
                    stay = stay_reserve(
                        guest=guest,
                        by=request.user,
                        hold_override=data["hold_override"],
                        overbook_reason=data["overbook_reason"],
                        **form.stay_fields(),
                    )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except RoomRuleError as exc:
                form.add_error(None, exc.message)
                overbooked = isinstance(exc, Overbooked)
            else:
                messages.success(
                    request,
                    f"Reservation made for {guest.full_name}: {_day(stay.arrival)} to {_day(stay.departure)}",
                )
                return redirect("rooms:stay_detail", pk=stay.pk)
    else:
        initial = {}
        if request.GET.get("arrival"):
            arrival = parse_day(request.GET.get("arrival"))
            initial.update(arrival=arrival, departure=arrival + timedelta(days=1))
        if request.GET.get("room"):
            initial["room"] = request.GET["room"]
        if (guest_id := request.GET.get("guest", "")).isdigit():
            initial["guest"] = guest_id
        form = ReservationForm(initial=initial, new_guest=True)
    guest = None
    if str(form["guest"].value() or "").isdigit():
        guest = Guest.objects.filter(pk=form["guest"].value()).first()
    context = {
        "form": form,
        "guest": guest,
        "overbooked": overbooked,
        "stay": None,
        "already_in_house": already_in_house,
    }
    context.update(_picker_for(form, request.POST if request.method == "POST" else request.GET))
    return render_page(request, "rooms/reservation_form.html", context)


@require_http_methods(["GET", "POST"])
def reservation_edit(request, pk: int):
    stay = stay_or_404(pk)
    if stay.status != StayStatus.RESERVED:
        messages.info(
            request, f"This stay is {stay.get_status_display().lower()}; only a reservation is changed here."
        )
        return redirect("rooms:stay_detail", pk=stay.pk)
    overbooked = False
    already_in_house: list = []
    if request.method == "POST":
        form = ReservationForm(request.POST)
        if form.is_valid() and _dates_changed(stay, form.cleaned_data):
            already_in_house = warn_if_in_house(
                form,
                selectors.in_house_stays_of(
                    stay.guest, arrival=form.cleaned_data["arrival"], departure=form.cleaned_data["departure"]
                ),
            )
        if form.is_valid():
            try:
                stay = stay_update_reservation(
                    stay=stay,
                    by=request.user,
                    hold_override=form.cleaned_data["hold_override"],
                    overbook_reason=form.cleaned_data["overbook_reason"],
                    **form.stay_fields(),
                )
            except RoomRuleError as exc:
                form.add_error(None, exc.message)
                overbooked = isinstance(exc, Overbooked)
            else:
                messages.success(request, f"Reservation of {stay.guest.full_name} changed.")
                return redirect("rooms:stay_detail", pk=stay.pk)
    else:
        form = ReservationForm(
            initial={
                "arrival": stay.arrival,
                "departure": stay.departure,
                "adults": stay.adults,
                "room_type": stay.room_type,
                "room": stay.room.number if stay.room else "",
                "phone_class": stay.phone_class,
                "eta": stay.eta,
                "notes": stay.notes,
            }
        )
    context = {
        "form": form,
        "stay": stay,
        "guest": stay.guest,
        "overbooked": overbooked,
        "already_in_house": already_in_house,
    }
    context.update(_picker_for(form, request.POST if request.method == "POST" else request.GET, stay=stay))
    return render_page(request, "rooms/reservation_form.html", context)


def _dates_changed(stay, data: dict) -> bool:
    """A change of dates is looked at again for the guest being in house then; a change of notes is not."""
    return (data["arrival"], data["departure"]) != (stay.arrival, stay.departure)


@require_http_methods(["GET", "POST"])
def reservation_cancel(request, pk: int):
    stay = stay_or_404(pk)
    if stay.status != StayStatus.RESERVED:
        messages.info(request, f"This stay is {stay.get_status_display().lower()}; it cannot be cancelled.")
        return redirect("rooms:stay_detail", pk=stay.pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stay_cancel(stay=stay, reason=form.cleaned_data["reason"], by=request.user)
        except RoomRuleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Reservation of {stay.guest.full_name} cancelled.")
            return redirect("rooms:stay_detail", pk=stay.pk)
    return render_page(request, "rooms/reservation_cancel.html", {"stay": stay, "form": form})


@require_http_methods(["GET", "POST"])
def change_departure(request, pk: int):
    """Extend or shorten a stay (in house or reserved)."""
    stay = stay_or_404(pk)
    if stay.status not in (StayStatus.RESERVED, StayStatus.IN_HOUSE):
        messages.info(request, f"This stay is {stay.get_status_display().lower()}; its dates are final.")
        return redirect("rooms:stay_detail", pk=stay.pk)
    overbooked = False
    form = DepartureForm(request.POST or None, initial={"departure": stay.departure})
    if request.method == "POST" and form.is_valid():
        try:
            changed = stay_change_departure(stay=stay, by=request.user, **form.cleaned_data)
        except RoomRuleError as exc:
            form.add_error(None, exc.message)
            overbooked = isinstance(exc, Overbooked)
        else:
            verb = "extended" if changed.departure > stay.departure else "shortened"
            messages.success(
                request,
                f"Stay {verb}: {changed.guest.full_name} now leaves on "
                f"{changed.departure:%a} {changed.departure.day} {changed.departure:%b %Y}.",
            )
            return redirect("rooms:stay_detail", pk=stay.pk)
    context = {"stay": stay, "form": form, "overbooked": overbooked, "today": hotel_today()}
    return render_page(request, "rooms/change_departure.html", context)


@require_GET
def timeline(request):
    start = parse_day(request.GET.get("date"))
    try:
        floor = int(request.GET.get("floor") or "")
    except ValueError:
        floor = None
    data = selectors.availability_timeline(start, TIMELINE_DAYS, floor=floor)
    context = {
        **data,
        "today": hotel_today(),
        "floor": floor,
        "floors": selectors.floors(),
        "previous": start - timedelta(days=7),
        "next": start + timedelta(days=7),
        "new_url": reverse("rooms:reservation_new"),
    }
    return render_page(request, "rooms/timeline.html", context)


# ----------------------------------------------------------------------------------------------------
# Desk paperwork: notes and the registration card
# ----------------------------------------------------------------------------------------------------


@require_POST
def stay_notes(request, pk: int):
    stay = stay_or_404(pk)
    try:
        stay_set_notes(stay=stay, notes=request.POST.get("notes", ""), by=request.user)
    except RoomRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Notes saved.")
    return redirect("rooms:stay_detail", pk=stay.pk)


@require_POST
def room_notes(request, number: str):
    room = get_object_or_404(Room, number=number)
    try:
        room_set_notes(room=room, notes=request.POST.get("notes", ""), by=request.user)
    except RoomRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Notes saved.")
    return redirect("rooms:room_detail", number=room.number)


@require_GET
def registration_card(request, pk: int):
    stay = stay_or_404(pk)
    room_type = stay.room.room_type if stay.room else stay.room_type
    rate = room_type.rack_rate if room_type else None
    total = rate * stay.nights if rate is not None else None
    return render_page(request, "rooms/registration_card.html", {"stay": stay, "rate": rate, "total": total})
