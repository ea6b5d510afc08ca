"""Stays: today's arrivals, departures and guests in house, a stay's page, check-out and room moves."""

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from hotelpbx.core.timeutil import hotel_today, hotel_zone

from .. import selectors
from ..errors import RoomRuleError, StayStateError
from ..forms import CheckOutForm, RoomMoveForm
from ..models import Stay, StayStatus
from ..services import stay_check_out, stay_depart_early, stay_move
from ._shared import add_rule_error, picker_context, render_page, stay_or_404

# ----------------------------------------------------------------------------------------------------
# Lists for today
# ----------------------------------------------------------------------------------------------------


def _day_context(request) -> dict:
    """The day a list shows (`?date=`, today by default) and its neighbours for the date navigation."""
    from .reservations import parse_day

    today = hotel_today()
    day = parse_day(request.GET.get("date"), today)
    return {
        "day": day,
        "today": today,
        "is_today": day == today,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
    }


@require_GET
def arrivals(request):
    context = _day_context(request)
    context["stays"] = selectors.arrivals_on(context["day"])
    return render_page(request, "rooms/arrivals.html", context)


@require_GET
def departures(request):
    context = _day_context(request)
    context["stays"] = selectors.departures_on(context["day"])
    return render_page(request, "rooms/departures.html", context)


@require_GET
def in_house(request):
    query = request.GET.get("q", "").strip()[:80]
    stays = selectors.in_house(query=query)
    context = {"stays": stays, "today": hotel_today(), "query": query}
    return render_page(request, "rooms/in_house.html", context)


# ----------------------------------------------------------------------------------------------------
# One stay: its page, check-out, move
# ----------------------------------------------------------------------------------------------------


@require_GET
def stay_detail(request, pk: int):
    stay = stay_or_404(pk)
    return render_page(request, "rooms/stay_detail.html", {"stay": stay, "today": hotel_today()})


@require_http_methods(["GET", "POST"])
def check_out(request, pk: int):
    stay = stay_or_404(pk)
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
                return _already_left(request, stay_or_404(pk))
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
    return render_page(request, "rooms/check_out.html", context)


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
    stay = stay_or_404(pk)
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
                    hold_override=form.cleaned_data["hold_override"],
                )
            except RoomRuleError as exc:
                confirmable = add_rule_error(form, exc)
            else:
                messages.success(
                    request,
                    f"{stay.guest.full_name} moved from room {old_number} to room {stay.room.number}.",
                )
                return redirect("rooms:stay_detail", pk=stay.pk)
    else:
        form = RoomMoveForm()
    picker = picker_context(
        request.POST if request.method == "POST" else request.GET,
        adults=stay.adults,
        room_type=stay.room_type or stay.room.room_type,
        departure=stay.departure,
        stay=stay,
        selected=form["room"].value() or "",
    )
    context = {"stay": stay, "form": form, "confirmable": confirmable, **picker}
    return render_page(request, "rooms/room_move.html", context)
