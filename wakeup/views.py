"""The wake-up board, the desk's alert strip and the daily report: thin views over services/selectors."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from hotelpbx.core.roles import Role, has_role
from hotelpbx.core.timeutil import hotel_today
from rooms.views._shared import render_page

from . import selectors, services
from .errors import WakeupRuleError
from .forms import AcknowledgeForm, ChangeForm, WakeupForm


def _day(request):
    from django.utils.dateparse import parse_date

    return parse_date(request.GET.get("day") or "") or hotel_today()


def _board_context(request, form=None) -> dict:
    day = _day(request)
    return {
        "day": day,
        "wakeups": selectors.board(day),
        "counts": selectors.compliance(day),
        "form": form or WakeupForm(initial={"day": hotel_today()}),
        "refresh_seconds": settings.BOARD_REFRESH_SECONDS,
    }


@require_GET
def board(request):
    if request.htmx:
        return board_partial(request)
    return render_page(request, "wakeup/board.html", _board_context(request))


@require_GET
def board_partial(request):
    return render_page(request, "wakeup/board.html#wakeup-body", _board_context(request))


@require_POST
def create(request):
    form = WakeupForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        stay = selectors.stay_for_room(data["room"].strip())
        if stay is None:
            form.add_error("room", f"Nobody is in house in room {data['room']}.")
        else:
            try:
                rows = services.wakeup_set(
                    stay=stay,
                    day=data["day"],
                    clock=data["clock"],
                    recurrence=data["recurrence"],
                    weekdays=tuple(data["weekdays"] or ()),
                    attempts=data["attempts"],
                    interval_minutes=data["interval_minutes"],
                    mode=data["mode"] or None,
                    by=request.user,
                )
            except WakeupRuleError as exc:
                form.add_error(None, exc.message)
            else:
                note = " ".join(sorted({r.note for r in rows if r.note}))
                days = f"{len(rows)} day{'s' if len(rows) > 1 else ''}"
                messages.success(
                    request,
                    f"Wake-up set for room {stay.room.number} ({days})." + (f" {note}" if note else ""),
                )
                return redirect("wakeup:board")
    return render_page(request, "wakeup/board.html", _board_context(request, form), status=400)


def _wakeup_or_404(pk: int):
    wakeup = selectors.wakeup_page(pk)
    if wakeup is None:
        raise Http404("There is no such wake-up.")
    return wakeup


@require_POST
def change(request, pk: int):
    wakeup = _wakeup_or_404(pk)
    form = ChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a date and a time, 1 to 3 attempts and 1 to 60 minutes between them.")
        return redirect("wakeup:board")
    try:
        services.wakeup_change(
            wakeup=wakeup,
            day=form.cleaned_data["day"],
            clock=form.cleaned_data["clock"],
            attempts=form.cleaned_data["attempts"],
            interval_minutes=form.cleaned_data["interval_minutes"],
            by=request.user,
        )
    except WakeupRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Wake-up for room {wakeup.room.number} changed.")
    return redirect("wakeup:board")


@require_POST
def cancel(request, pk: int):
    wakeup = _wakeup_or_404(pk)
    try:
        services.wakeup_cancel(wakeup=wakeup, by=request.user, reason=request.POST.get("reason", "")[:200])
    except WakeupRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Wake-up for room {wakeup.room.number} cancelled.")
    return redirect("wakeup:board")


@require_POST
def cancel_all(request, pk: int):
    """Every day not yet rung of a repeated wake-up (its PBX alarm is deleted)."""
    from . import repeats

    wakeup = _wakeup_or_404(pk)
    if wakeup.series is None:
        messages.error(request, "This wake-up is not repeated: cancel it alone.")
        return redirect("wakeup:board")
    try:
        if wakeup.repeat_id:
            cancelled = repeats.cancel_all(wakeup=wakeup, by=request.user)
        else:  # confirmed mode: the days are rung by the app, nothing on the PBX
            cancelled = 0
            for day in selectors.open_days_of(wakeup.series):
                services.wakeup_cancel(wakeup=day, by=request.user, reason="repeated wake-up cancelled")
                cancelled += 1
    except WakeupRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Repeated wake-up for room {wakeup.room.number} cancelled ({cancelled} days)."
        )
    return redirect("wakeup:board")


def _alerts_context(request, *, form=None, failed_pk=None, error="") -> dict:
    is_manager_view = has_role(request.user, Role.MANAGER)
    return {
        "alerts": selectors.open_alerts(),
        "ack_form": form or AcknowledgeForm(),
        "failed_pk": failed_pk,
        "ack_error": error,
        "is_manager_view": is_manager_view,
        "manager_after_minutes": settings.WAKEUP_MANAGER_AFTER_MINUTES,
        "refresh_seconds": 15,
    }


@require_GET
def alerts(request):
    return render_page(request, "wakeup/_alerts.html", _alerts_context(request))


@require_POST
def acknowledge(request, pk: int):
    alert = selectors.alert_page(pk)
    if alert is None:
        raise Http404("There is no such alert.")
    form = AcknowledgeForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.alert_acknowledge(
                alert=alert, by=request.user, action_taken=form.cleaned_data["action_taken"]
            )
        except WakeupRuleError as exc:
            error = exc.message
    else:
        error = "Write what was done for the guest."
    if request.htmx:
        context = _alerts_context(
            request, form=form if error else None, failed_pk=pk if error else None, error=error
        )
        return render_page(request, "wakeup/_alerts.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Alert acknowledged.")
    return redirect("wakeup:board")


@require_GET
def stay_panel(request, pk: int):
    """The wake-ups of one stay, for its page and its room's page (loaded there by htmx)."""
    from datetime import timedelta

    stay = selectors.stay_page(pk)
    if stay is None:
        raise Http404("There is no such stay.")
    context = {
        "stay": stay,
        "groups": selectors.stay_wakeup_groups(stay),
        "tomorrow": hotel_today() + timedelta(days=1),
    }
    return render_page(request, "wakeup/_stay_panel.html", context)


@require_GET
def report(request):
    from datetime import timedelta

    day = _day(request)
    days = [day - timedelta(days=n) for n in range(7)]
    return render_page(request, "wakeup/report.html", {"rows": [(d, selectors.compliance(d)) for d in days]})
