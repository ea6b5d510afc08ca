"""Billing pages: thin views over billing.services and billing.selectors.

A refused rule (BillingError / RoomRuleError) becomes a message or a form error in its own words.
Who may open which page: PAGE_POLICY in billing/urls.py, enforced by the project's middleware.
"""

from __future__ import annotations

import csv
import datetime as dt
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hotelpbx.core.roles import Role, has_role
from hotelpbx.core.timeutil import hotel_today, hotel_zone
from rooms.errors import RoomRuleError, StayStateError
from rooms.models import Room, Stay, StayStatus

from . import selectors, services
from .charts import revenue_chart_svg
from .forms import (
    CallFilterForm,
    ChargeForm,
    CheckOutForm,
    MinibarDeskForm,
    PaymentForm,
    PeriodForm,
    RerateForm,
    TariffUploadForm,
    VoidForm,
)
from .models import CallRecord, FolioLine, Invoice, LineSource
from .tariff_documents import TariffDocumentError


def _render(request, template: str, context: dict | None = None, *, status: int = 200) -> HttpResponse:
    with timezone.override(hotel_zone()):
        return render(request, template, context or {}, status=status)


def _stay(pk: int) -> Stay:
    stay = Stay.objects.select_related("guest", "room", "room_type").filter(pk=pk).first()
    if stay is None:
        raise Http404("There is no such stay.")
    return stay


# ----------------------------------------------------------------------------------------------------
# The folio at the desk
# ----------------------------------------------------------------------------------------------------


def _folio_context(request, stay: Stay, **forms) -> dict:
    folio = services.folio_for_stay(stay)
    view = selectors.folio_view(folio)
    return {
        "stay": stay,
        "folio": folio,
        "view": view,
        "currency": settings.CURRENCY,
        "payment_form": forms.get("payment_form")
        or PaymentForm(initial={"amount": max(view.balance, 0) or None}),
        "charge_form": forms.get("charge_form") or ChargeForm(),
        "checkout_form": forms.get("checkout_form") or CheckOutForm(),
        "minibar_form": forms.get("minibar_form") or MinibarDeskForm(initial={"key": secrets.token_hex(12)}),
        "minibar_items": selectors.minibar_items(),
        "is_manager": has_role(request.user, Role.MANAGER),
        "phone_busy": bool(stay.room and (stay.room.phone_status or "").lower() == "busy"),
        "invoices": folio.invoices.order_by("-issued_at"),
    }


@require_GET
def folio_page(request, stay_pk: int):
    stay = _stay(stay_pk)
    return _render(request, "billing/folio.html", _folio_context(request, stay))


def _folio_form_result(request, stay: Stay, form_name: str, form, action) -> HttpResponse:
    if form.is_valid():
        try:
            text = action(form.cleaned_data)
        except RoomRuleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, text)
            return redirect("billing:folio", stay.pk)
    return _render(
        request, "billing/folio.html", _folio_context(request, stay, **{form_name: form}), status=400
    )


def record_payment(folio, data: dict, user) -> None:
    """A PaymentForm's cleaned data onto a folio or house account."""
    services.folio_record_payment(
        folio=folio, amount=data["amount"], method=data["method"], reference=data["reference"], by=user
    )


def post_charge(folio, data: dict, user) -> None:
    """A ChargeForm's cleaned data onto a folio or house account."""
    services.folio_post_charge(
        folio=folio,
        kind=data["kind"],
        description=data["description"],
        amount=data["amount"],
        tax_rate=data["tax_rate"],
        by=user,
    )


@require_POST
def folio_payment(request, stay_pk: int):
    stay = _stay(stay_pk)

    def act(data):
        record_payment(services.folio_for_stay(stay), data, request.user)
        return f"Payment of {data['amount']} {settings.CURRENCY} recorded."

    return _folio_form_result(request, stay, "payment_form", PaymentForm(request.POST), act)


@require_POST
def folio_charge(request, stay_pk: int):
    stay = _stay(stay_pk)

    def act(data):
        post_charge(services.folio_for_stay(stay), data, request.user)
        return f"{data['description']} posted."

    return _folio_form_result(request, stay, "charge_form", ChargeForm(request.POST), act)


@require_POST
def folio_minibar(request, stay_pk: int):
    stay = _stay(stay_pk)

    def act(data):
        if stay.room is None:
            raise services.BillingError("This stay has no room.")
        services.minibar_post(
            room=stay.room,
            counts=[services.MinibarCount(code=data["code"].strip(), quantity=data["quantity"])],
            source=LineSource.DESK,
            by=request.user,
            idempotency_key=f"desk:{data['key']}",
        )
        return "Minibar posted."

    return _folio_form_result(request, stay, "minibar_form", MinibarDeskForm(request.POST), act)


@require_POST
def folio_void(request, stay_pk: int, line_pk: int):
    stay = _stay(stay_pk)
    line = get_object_or_404(FolioLine, pk=line_pk, folio__stay=stay)
    void_with_reason(request, line, kept_on="the folio")
    return redirect("billing:folio", stay.pk)


def void_with_reason(request, line: FolioLine, *, kept_on: str) -> None:
    """Void a folio or house-account line with the reason the form gives; the outcome as a message."""
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Say why the line is voided; the reason stays on {kept_on}.")
        return
    try:
        services.folio_line_reverse(line=line, by=request.user, reason=form.cleaned_data["reason"])
    except RoomRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Voided: {line.description}.")


@require_POST
def folio_room_nights(request, stay_pk: int):
    stay = _stay(stay_pk)
    posted = services.folio_post_room_nights(stay=stay, by=request.user)
    messages.success(request, f"{posted} room night{'s' if posted != 1 else ''} posted.")
    return redirect("billing:folio", stay.pk)


@require_POST
def folio_check_out(request, stay_pk: int):
    stay = _stay(stay_pk)
    form = CheckOutForm(request.POST)
    if stay.status != StayStatus.IN_HOUSE:
        messages.info(request, f"{stay.guest.full_name} is not in house.")
        return redirect("billing:folio", stay.pk)
    if form.is_valid():
        try:
            services.folio_check_out(
                stay=stay, by=request.user, override_reason=form.cleaned_data["override_reason"]
            )
        except StayStateError as exc:
            messages.info(request, exc.message)
            return redirect("billing:folio", stay.pk)
        except RoomRuleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{stay.guest.full_name} checked out of room {stay.room.number}.")
            return redirect("billing:folio", stay.pk)
    return _render(
        request, "billing/folio.html", _folio_context(request, stay, checkout_form=form), status=400
    )


# ----------------------------------------------------------------------------------------------------
# Invoices
# ----------------------------------------------------------------------------------------------------


@require_POST
def invoice_issue(request, stay_pk: int):
    stay = _stay(stay_pk)
    try:
        invoice = services.invoice_issue(folio=services.folio_for_stay(stay), by=request.user)
    except RoomRuleError as exc:
        messages.error(request, exc.message)
        return redirect("billing:folio", stay.pk)
    return redirect("billing:invoice", invoice.pk)


def _invoice_context(invoice: Invoice) -> dict:
    view = selectors.folio_view(invoice.folio, until_line_id=invoice.last_line_id)
    return {
        "invoice": invoice,
        "view": view,
        "stay": invoice.folio.stay,
        "currency": settings.CURRENCY,
        "hotel_name": settings.HOTEL_NAME,
        "mask_digits": settings.INVOICE_MASK_DIGITS,
    }


def _invoice(pk: int) -> Invoice:
    invoice = Invoice.objects.select_related("folio__stay__guest", "folio__stay__room").filter(pk=pk).first()
    if invoice is None:
        raise Http404("There is no such invoice.")
    return invoice


@require_GET
def invoice_page(request, pk: int):
    return _render(request, "billing/invoice.html", _invoice_context(_invoice(pk)))


@require_GET
def invoice_pdf(request, pk: int):
    from .invoice_pdf import render_invoice_pdf

    invoice = _invoice(pk)
    with timezone.override(hotel_zone()):
        pdf = render_invoice_pdf(_invoice_context(invoice), base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="invoice-{invoice.label}.pdf"'
    return response


# ----------------------------------------------------------------------------------------------------
# Minibar on the housekeeping tablet
# ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def minibar_tablet(request, number: str):
    room = get_object_or_404(Room, number=number)
    items = list(selectors.minibar_items())
    errors: list[str] = []
    if request.method == "POST":
        key = (request.POST.get("key") or "").strip()[:64]
        counts = []
        for item in items:
            raw = (request.POST.get(f"qty_{item.code}") or "0").strip() or "0"
            if not raw.isdigit() or int(raw) > 99:
                errors.append(f"{item.name}: {raw[:6]!r} is not a count from 0 to 99.")
                continue
            counts.append(services.MinibarCount(code=item.code, quantity=int(raw)))
        if not errors:
            try:
                lines = services.minibar_post(
                    room=room,
                    counts=counts,
                    source=LineSource.TABLET,
                    by=request.user,
                    idempotency_key=f"tablet:{key}",
                )
            except RoomRuleError as exc:
                errors.append(exc.message)
            else:
                total = sum(line.quantity for line in lines)
                messages.success(
                    request, f"Room {room.number}: {total} minibar item{'s' if total != 1 else ''} posted."
                )
                return redirect("billing:minibar_tablet", room.number)
    for item in items:  # what was typed stays on the page when something was refused
        item.entered = (request.POST.get(f"qty_{item.code}") or "0")[:6] if errors else "0"
    context = {"room": room, "items": items, "key": secrets.token_hex(12), "errors": errors}
    return _render(request, "billing/minibar_tablet.html", context, status=400 if errors else 200)


# ----------------------------------------------------------------------------------------------------
# Manager pages
# ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def tariffs(request):
    form = TariffUploadForm()
    errors: list[str] = []
    if request.method == "POST":
        form = TariffUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["document"]
            try:
                text = upload.read(2 * 1024 * 1024 + 1).decode("utf-8")
                version = services.tariff_import(text=text, by=request.user)
            except UnicodeDecodeError:
                errors = ["line 1: the file is not UTF-8 text"]
            except TariffDocumentError as exc:
                errors = exc.errors
            else:
                when = f"{version.valid_from:%d %b %Y}"
                messages.success(
                    request, f"Imported {version.name} version {version.version}, valid from {when}."
                )
                return redirect("billing:tariffs")
    context = {"form": form, "errors": errors, "versions": selectors.tariff_versions()}
    return _render(request, "billing/tariffs.html", context, status=400 if errors or form.errors else 200)


@require_GET
def tariff_export(request, name: str, version: int):
    try:
        text = services.tariff_export(name, version)
    except RoomRuleError as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    safe = "".join(ch if ch.isalnum() else "-" for ch in name)
    response["Content-Disposition"] = f'attachment; filename="{safe}-v{version}.yaml"'
    return response


@require_GET
def late_charges(request):
    return _render(request, "billing/late_charges.html", {"folios": selectors.late_charge_folios()})


CALLS_PER_PAGE = 50


@require_GET
def calls(request):
    """The hotel's calls of a day at the desk, filtered; a wrong filter is named and ignored."""
    form = CallFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data  # the valid filters; a wrong one is named on the page and left out
    day = data.get("date") or hotel_today()
    filters = selectors.CallFilters(
        day=day,
        room=(data.get("room") or "").strip(),
        guest=data.get("guest") or "",
        direction=data.get("direction") or "",
        outcome=data.get("outcome") or "",
    )
    page = Paginator(selectors.calls_of_day(filters), CALLS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _render(
        request,
        "billing/calls.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "day": day,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "is_today": day == hotel_today(),
            "zone": settings.HOTEL_TIME_ZONE,
            "currency": settings.CURRENCY,
        },
    )


@require_GET
def uncharged_calls(request):
    return _render(
        request,
        "billing/uncharged_calls.html",
        {"calls": selectors.uncharged_calls(), "rerate_form": RerateForm()},
    )


@require_POST
def call_rerate(request, pk: int):
    record = get_object_or_404(CallRecord, pk=pk)
    form = RerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the call is re-rated.")
    else:
        try:
            record = services.call_rerate(record=record, by=request.user, reason=form.cleaned_data["reason"])
        except RoomRuleError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"Call to {record.callee} re-rated: {record.reason_label}, {record.price}."
            )
    return redirect(request.POST.get("next") if _safe_next(request) else "billing:uncharged_calls")


def _safe_next(request) -> bool:
    target = request.POST.get("next") or ""
    return target.startswith("/") and not target.startswith("//")


def _period(request) -> tuple[PeriodForm, selectors.Period]:
    form = PeriodForm(request.GET or None)
    today = hotel_today()
    start, end = today - dt.timedelta(days=29), today
    if form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
        if end < start or (end - start).days > 366:
            start, end = today - dt.timedelta(days=29), today
    return form, selectors.Period(start=start, end=end)


REPORTS = {
    "by_day": ("Call revenue by day", selectors.call_revenue_by_day, ["day", "calls", "revenue"]),
    "by_room": ("Call revenue by room", selectors.call_revenue_by_room, ["room", "calls", "revenue"]),
    "by_rule": (
        "Call revenue by destination rule",
        selectors.call_revenue_by_rule,
        ["rule", "calls", "revenue"],
    ),
    "minibar": ("Minibar sales", selectors.minibar_sales, ["code", "item", "quantity", "revenue"]),
    "uncharged": ("Uncharged calls by reason", selectors.uncharged_by_reason, ["reason", "calls"]),
}


@require_GET
def reports(request):
    form, period = _period(request)
    tables = {key: (title, fn(period), columns) for key, (title, fn, columns) in REPORTS.items()}
    context = {
        "form": form,
        "period": period,
        "tables": tables,
        "chart": revenue_chart_svg(tables["by_day"][1], currency=settings.CURRENCY),
        "query": request.GET.urlencode(),
    }
    return _render(request, "billing/reports.html", context)


@require_GET
def report_csv(request, report: str):
    if report not in REPORTS and report != "late":
        raise Http404("There is no such report.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    if report == "late":
        writer.writerow(
            ["room", "guest", "checked_out", "posted_at", "description", "amount", "open_balance"]
        )
        for folio in selectors.late_charge_folios():
            for line in folio.late_lines:
                writer.writerow(
                    [
                        folio.stay.room.number if folio.stay.room else "",
                        folio.stay.guest.full_name,
                        timezone.localtime(folio.stay.checked_out_at, hotel_zone()).isoformat()
                        if folio.stay.checked_out_at
                        else "",
                        timezone.localtime(line.posted_at, hotel_zone()).isoformat(),
                        line.description,
                        line.amount,
                        folio.open_balance,
                    ]
                )
        name = "late-charges"
    else:
        _title, fn, columns = REPORTS[report]
        _, period = _period(request)
        writer.writerow(columns)
        for row in fn(period):
            writer.writerow([row[c] for c in columns])
        name = f"{report}-{period.start}-{period.end}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
