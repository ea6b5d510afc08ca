"""Staff pages for the PBX link: health, failed commands with re-send, reconciliation, back-fill."""

import math

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import selectors, session, tasks
from .commands import resend_failed
from .desired import desired_for
from .models import CommandStatus, PbxCommand


def status(request):
    health = selectors.link_health()
    if request.htmx and request.GET.get("part") == "words":
        # the page polls its two parts apart: the hotel's words, and the technical log behind a toggle
        words = {"health": health, "firmware": selectors.firmware()}
        return render(request, "pbx/_words_part.html", words)
    context = {
        "health": health,
        "failed": selectors.failed_commands(),
        "open": selectors.open_commands(),
        "events": selectors.recent_events(),
        "rejected": selectors.rejected_events(),
        "jobs": selectors.recent_jobs(),
        "transport_alert": selectors.report_transport_alert(),
        "firmware": selectors.firmware(),
    }
    if request.htmx:
        return render(request, "pbx/_status_body.html", context)
    return render(request, "pbx/status.html", context)


def badge(request):
    return render(request, "pbx/_badge.html", {"health": selectors.link_health()})


@require_POST
def resend(request, pk: int):
    command = get_object_or_404(PbxCommand, pk=pk, status=CommandStatus.FAILED)
    desired = next(iter(desired_for([command.extension])), None)
    resend_failed(command, desired=desired, by=request.user)
    messages.success(
        request, f"Extension {command.extension}: its current state is being sent to the PBX again."
    )
    return redirect("pbx:status")


@require_POST
def reconcile_now(request):
    tasks.reconcile_task.delay("on demand")
    messages.info(request, "Reconciliation started: every room phone is compared with the PBX.")
    return redirect("pbx:status")


@require_POST
def backfill_now(request):
    try:
        hours = float(request.POST.get("hours") or 24)
    except ValueError:
        hours = math.nan
    if not math.isfinite(hours):
        messages.error(request, "Hours must be a number, e.g. 24.")
        return redirect("pbx:status")
    hours = min(max(hours, 0.1), 24 * 31)
    tasks.backfill_cdrs_task.delay("on demand", hours)
    messages.info(request, f"Fetching the PBX's call records of the last {hours:g} hours.")
    return redirect("pbx:status")


@require_POST
def reset_guard_now(request):
    session.reset_guard(by=request.user.get_username())
    messages.success(request, "Login guard reset: the app will try to log in to the PBX again.")
    return redirect("pbx:status")
