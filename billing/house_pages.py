"""House accounts at the desk: charges that belong to no stay ("Restaurant", "Lost & found").

Thin views over billing.services (house_account_open, folio_post_charge, folio_record_payment,
folio_line_reverse) and billing.selectors; the same ledger rules as a guest's folio.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rooms.errors import RoomRuleError

from . import selectors, services
from .forms import ChargeForm, HouseAccountForm, PaymentForm
from .models import Folio, FolioLine
from .views import _render, post_charge, record_payment, void_with_reason


@require_http_methods(["GET", "POST"])
def house_accounts(request):
    form = HouseAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account, new = services.house_account_open(name=form.cleaned_data["name"], by=request.user)
        except RoomRuleError as exc:
            form.add_error("name", exc.message)
        else:
            if new:
                messages.success(request, f"House account {account.name} opened.")
            else:
                messages.info(request, f"House account {account.name} is already open: here it is.")
            return redirect("billing:house_account", account.pk)
    context = {"accounts": selectors.house_accounts(), "form": form, "currency": settings.CURRENCY}
    return _render(request, "billing/house_accounts.html", context, status=400 if form.errors else 200)


def _account(pk: int) -> Folio:
    account = selectors.house_account(pk)
    if account is None:
        raise Http404("There is no such house account.")
    return account


def _account_page(request, account: Folio, *, status: int = 200, **forms):
    view = selectors.folio_view(account)
    context = {
        "account": account,
        "view": view,
        "currency": settings.CURRENCY,
        "charge_form": forms.get("charge_form") or ChargeForm(),
        "payment_form": forms.get("payment_form") or PaymentForm(),
    }
    return _render(request, "billing/house_account.html", context, status=status)


@require_GET
def house_account(request, pk: int):
    return _account_page(request, _account(pk))


def _posted(request, account: Folio, form_name: str, form, action):
    if form.is_valid():
        try:
            text = action(form.cleaned_data)
        except RoomRuleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, text)
            return redirect("billing:house_account", account.pk)
    return _account_page(request, account, status=400, **{form_name: form})


@require_POST
def house_account_charge(request, pk: int):
    account = _account(pk)

    def act(data):
        post_charge(account, data, request.user)
        return f"{data['description']} posted to {account.name}."

    return _posted(request, account, "charge_form", ChargeForm(request.POST), act)


@require_POST
def house_account_payment(request, pk: int):
    account = _account(pk)

    def act(data):
        record_payment(account, data, request.user)
        return f"Payment of {data['amount']} {settings.CURRENCY} recorded on {account.name}."

    return _posted(request, account, "payment_form", PaymentForm(request.POST), act)


@require_POST
def house_account_void(request, pk: int, line_pk: int):
    account = _account(pk)
    line = get_object_or_404(FolioLine, pk=line_pk, folio=account)
    void_with_reason(request, line, kept_on="the account")
    return redirect("billing:house_account", account.pk)
