"""Forms for the front-desk pages. They parse and check input; the hotel's rules stay in services."""

from datetime import timedelta

from django import forms

from hotelpbx.core.timeutil import hotel_today

from .models import (
    NOTES_MAX,
    Guest,
    HousekeepingStatus,
    Language,
    PhoneClass,
    Room,
    RoomStatusTarget,
    RoomType,
)
from .selectors import BoardFilters

MAX_ADULTS = 8


class BootstrapForm(forms.Form):
    """Gives every widget its Bootstrap class, so templates render fields with one include."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if "form-" in widget.attrs.get("class", ""):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class RoomNumberField(forms.CharField):
    """A room typed or picked by its number; cleans to the Room."""

    default_error_messages = {"unknown": "There is no room %(number)s."}

    def clean(self, value):
        number = super().clean(value)
        if not number:
            return None
        room = Room.objects.select_related("room_type").filter(number=number.strip()).first()
        if room is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"number": number}
            )
        return room


class BoardFilterForm(forms.Form):
    floor = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    occupancy = forms.ChoiceField(
        required=False, choices=[("", "Any occupancy"), ("vacant", "Vacant"), ("occupied", "Occupied")]
    )
    housekeeping = forms.ChoiceField(
        required=False, choices=[("", "Any housekeeping"), *HousekeepingStatus.choices]
    )
    service = forms.ChoiceField(
        required=False, choices=[("", "Any service state"), ("out", "Out of order/service")]
    )
    room_type = forms.ChoiceField(required=False)
    departing = forms.BooleanField(required=False, label="Departing today")
    q = forms.CharField(required=False, max_length=80, label="Search")

    def __init__(self, *args, floors=(), room_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["floor"].choices = [("", "All floors")] + [(f, f"Floor {f}") for f in floors]
        self.fields["room_type"].choices = [("", "All types")] + [(t.code, t.code) for t in room_types]

    def to_filters(self) -> BoardFilters:
        """The filters the user asked for; anything invalid is simply ignored (it is only a view)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return BoardFilters(
            floor=data.get("floor"),
            occupancy=data.get("occupancy", ""),
            housekeeping=data.get("housekeeping", ""),
            service=data.get("service", ""),
            room_type=data.get("room_type", ""),
            departing=bool(data.get("departing")),
            query=data.get("q", "").strip(),
        )


def guest_form_fields() -> dict[str, forms.Field]:
    """A new guest's fields, the same on the walk-in and the new reservation (templates/rooms/
    _guest_fields.html shows them); fresh instances for each form."""
    return {
        "first_name": forms.CharField(max_length=80, required=False),
        "last_name": forms.CharField(max_length=80, required=False),
        "language": forms.ChoiceField(
            choices=Language.choices, initial=Language.EN, help_text="Language of phone prompts."
        ),
        "vip": forms.BooleanField(required=False, label="VIP"),
        "email": forms.EmailField(required=False),
        "phone": forms.CharField(max_length=32, required=False),
        "document_number": forms.CharField(max_length=40, required=False, label="Document number"),
    }


GUEST_FIELDS = tuple(guest_form_fields())


def confirm_in_house_field() -> forms.BooleanField:
    return forms.BooleanField(
        required=False, label="This is a different guest, or a second room for the same guest"
    )


class CheckInForm(BootstrapForm):
    room = RoomNumberField(max_length=8, error_messages={"required": "Choose a room for this guest."})
    phone_class = forms.ChoiceField(choices=PhoneClass.choices, label="Phone calls allowed", required=False)
    confirm_not_ready = forms.BooleanField(required=False, label="The room is not ready: check in anyway")
    hold_override = forms.CharField(max_length=200, required=False, label="Reason to take a held room")


class WalkInForm(BootstrapForm):
    guest = forms.ModelChoiceField(
        queryset=Guest.objects.all(), required=False, label="Existing guest", empty_label="New guest"
    )
    departure = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    adults = forms.IntegerField(min_value=1, max_value=MAX_ADULTS, initial=1)
    room_type = forms.ModelChoiceField(
        queryset=RoomType.objects.all(), required=False, empty_label="Any type", label="Room type"
    )
    phone_class = forms.ChoiceField(
        choices=PhoneClass.choices, initial=PhoneClass.NATIONAL, label="Phone calls allowed"
    )
    room = RoomNumberField(max_length=8, error_messages={"required": "Choose a room for this guest."})
    confirm_not_ready = forms.BooleanField(required=False, label="The room is not ready: check in anyway")
    hold_override = forms.CharField(max_length=200, required=False, label="Reason to take a held room")
    confirm_in_house = confirm_in_house_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(guest_form_fields())
        self.style_widgets()
        tomorrow = hotel_today() + timedelta(days=1)
        self.fields["departure"].initial = tomorrow
        self.fields["departure"].widget.attrs["min"] = tomorrow.isoformat()

    def clean_departure(self):
        departure = self.cleaned_data["departure"]
        if departure <= hotel_today():
            raise forms.ValidationError("A walk-in departs tomorrow at the earliest.")
        return departure

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("guest") and not (cleaned.get("last_name") or "").strip():
            self.add_error("last_name", "Pick an existing guest or give the new guest's last name.")
        return cleaned

    def new_guest_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in GUEST_FIELDS}


class CheckOutForm(BootstrapForm):
    reason = forms.CharField(
        max_length=200,
        required=False,
        label="Reason for leaving early",
        widget=forms.TextInput(attrs={"placeholder": "e.g. family emergency, flight changed"}),
    )

    def __init__(self, *args, early: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.early = early
        if early:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = (
                "The guest leaves before the booked date: say why."
            )


class RoomMoveForm(BootstrapForm):
    room = RoomNumberField(
        max_length=8, label="New room", error_messages={"required": "Choose the new room."}
    )
    reason = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. noise, air conditioning broken, upgrade"}),
    )
    confirm_not_ready = forms.BooleanField(required=False, label="The room is not ready: move anyway")
    hold_override = forms.CharField(max_length=200, required=False, label="Reason to take a held room")


class RoomStatusForm(BootstrapForm):
    status = forms.ChoiceField(choices=RoomStatusTarget.choices)
    reason = forms.CharField(max_length=200, required=False)
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DndForm(forms.Form):
    dnd = forms.TypedChoiceField(choices=[("on", "On"), ("off", "Off")], coerce=lambda v: v == "on")


class GuestSearchForm(BootstrapForm):
    q = forms.CharField(required=False, max_length=80, label="Name, email, phone or document")


class SuggestionsForm(forms.Form):
    """Query string of the htmx room picker."""

    adults = forms.IntegerField(required=False, min_value=1, max_value=MAX_ADULTS)
    room_type = forms.ModelChoiceField(queryset=RoomType.objects.all(), required=False)
    room = forms.CharField(required=False, max_length=8)
    arrival = forms.DateField(required=False)
    departure = forms.DateField(required=False)
    picker_stay = forms.IntegerField(required=False, min_value=1)


class ReservationForm(BootstrapForm):
    """A reservation's stay fields; a new reservation also names its guest (an existing one or new)."""

    arrival = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    departure = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    adults = forms.IntegerField(min_value=1, max_value=MAX_ADULTS, initial=1)
    room_type = forms.ModelChoiceField(
        queryset=RoomType.objects.all(), required=False, empty_label="Any type", label="Room type"
    )
    room = RoomNumberField(max_length=8, required=False, label="Room (optional)")
    phone_class = forms.ChoiceField(
        choices=PhoneClass.choices, initial=PhoneClass.NATIONAL, label="Phone calls allowed"
    )
    eta = forms.TimeField(
        required=False, label="Expected arrival time", widget=forms.TimeInput(attrs={"type": "time"})
    )
    notes = forms.CharField(
        required=False,
        max_length=NOTES_MAX,
        label="Notes and requests",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    hold_override = forms.CharField(max_length=200, required=False, label="Reason to take a held room")
    overbook_reason = forms.CharField(
        max_length=200, required=False, label="Reason to overbook (only if the type is full)"
    )
    confirm_in_house = confirm_in_house_field()

    STAY_FIELDS = ("arrival", "departure", "adults", "room_type", "room", "phone_class", "eta", "notes")

    def __init__(self, *args, new_guest: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_guest = new_guest
        if new_guest:
            self.fields["guest"] = forms.ModelChoiceField(
                queryset=Guest.objects.all(), required=False, widget=forms.HiddenInput
            )
            self.fields.update(guest_form_fields())
            self.style_widgets()
        self.fields["arrival"].initial = hotel_today()
        self.fields["departure"].initial = hotel_today() + timedelta(days=1)

    def clean(self):
        cleaned = super().clean()
        arrival, departure = cleaned.get("arrival"), cleaned.get("departure")
        if arrival and departure and departure <= arrival:
            self.add_error("departure", "The departure date must be after the arrival date.")
        if self.new_guest and not cleaned.get("guest") and not (cleaned.get("last_name") or "").strip():
            self.add_error("last_name", "Give the guest's last name.")
        return cleaned

    def stay_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.STAY_FIELDS}

    def new_guest_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in GUEST_FIELDS}


class DepartureForm(BootstrapForm):
    departure = forms.DateField(label="New departure date", widget=forms.DateInput(attrs={"type": "date"}))
    hold_override = forms.CharField(max_length=200, required=False, label="Reason to take a held room")
    overbook_reason = forms.CharField(
        max_length=200, required=False, label="Reason to overbook (only if the type is full)"
    )


class CancelForm(BootstrapForm):
    reason = forms.CharField(max_length=200, label="Reason for cancelling")
