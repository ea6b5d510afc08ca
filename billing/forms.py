from decimal import Decimal

from django import forms

from rooms.forms import BootstrapForm

from .models import LineKind, PaymentMethod

MONEY_FIELD = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0.01")}


class OwnIdsForm(BootstrapForm):
    """A folio page holds several forms with an amount: each form's field ids carry its prefix."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class PaymentForm(OwnIdsForm):
    id_prefix = "payment"
    amount = forms.DecimalField(**MONEY_FIELD, label="Amount received")
    method = forms.ChoiceField(choices=PaymentMethod.choices, label="Paid by")
    reference = forms.CharField(max_length=80, required=False, label="Reference (company, receipt no.)")


class ChargeForm(OwnIdsForm):
    id_prefix = "charge"
    kind = forms.ChoiceField(
        choices=[(LineKind.SERVICE, "Service"), (LineKind.ADJUSTMENT, "Adjustment (may be negative)")]
    )
    description = forms.CharField(max_length=200)
    amount = forms.DecimalField(max_digits=10, decimal_places=2)
    tax_rate = forms.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, initial=0, label="Tax rate (%)"
    )

    def clean(self):
        data = super().clean()
        if data.get("amount") == 0:
            self.add_error("amount", "An amount of 0 changes nothing.")
        return data


class VoidForm(BootstrapForm):
    reason = forms.CharField(max_length=200, label="Why is this line voided?")


class CheckOutForm(BootstrapForm):
    override_reason = forms.CharField(
        max_length=200,
        required=False,
        label="Manager: let the guest leave with the balance, because",
    )


class MinibarDeskForm(BootstrapForm):
    code = forms.CharField(max_length=8, label="Item code")
    quantity = forms.IntegerField(min_value=1, max_value=99, initial=1)
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)


class TariffUploadForm(BootstrapForm):
    document = forms.FileField(label="Tariff document (YAML)")


class RerateForm(BootstrapForm):
    reason = forms.CharField(max_length=200, label="Why re-rate?")


class PeriodForm(BootstrapForm):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end is before the start.")
        if data.get("start") and data.get("end") and (data["end"] - data["start"]).days > 366:
            self.add_error("end", "Choose at most a year.")
        return data


class HouseAccountForm(BootstrapForm):
    name = forms.CharField(
        max_length=80,
        label="Name of the account",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Restaurant, Lost & found"}),
    )


class CallFilterForm(BootstrapForm):
    """The desk's calls list: a day and optional filters. A wrong value is named, the day falls back to
    today."""

    date = forms.DateField(required=False, label="Day")
    room = forms.CharField(max_length=16, required=False, label="Room")
    guest = forms.CharField(max_length=80, required=False, label="Guest")
    direction = forms.ChoiceField(
        required=False,
        label="Direction",
        choices=[
            ("", "All directions"),
            ("outbound", "Outgoing"),
            ("inbound", "Incoming"),
            ("internal", "Internal"),
        ],
    )
    outcome = forms.ChoiceField(
        required=False,
        label="Outcome",
        choices=[
            ("", "Any outcome"),
            ("charged", "Charged"),
            ("free", "Free"),
            ("not_charged", "Not charged"),
        ],
    )
