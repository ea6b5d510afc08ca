from django import forms

from .models import Recurrence, WakeupMode

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class WakeupForm(forms.Form):
    room = forms.CharField(max_length=8, label="Room")
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    clock = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    recurrence = forms.ChoiceField(choices=Recurrence.choices, initial=Recurrence.ONCE, label="Repeat")
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    attempts = forms.IntegerField(min_value=1, max_value=3, required=False, label="Attempts")
    interval_minutes = forms.IntegerField(min_value=1, max_value=60, required=False, label="Every (min)")
    # empty: the hotel's setting (WAKEUP_MODE); a guest may be given the other mode (e.g. a VIP)
    mode = forms.ChoiceField(
        choices=[("", "Hotel default"), *WakeupMode.choices], required=False, label="How"
    )


class ChangeForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    clock = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    attempts = forms.IntegerField(min_value=1, max_value=3, required=False, label="Attempts")
    interval_minutes = forms.IntegerField(min_value=1, max_value=60, required=False, label="Every (min)")


class AcknowledgeForm(forms.Form):
    action_taken = forms.CharField(
        max_length=2000, label="What was done", widget=forms.Textarea(attrs={"rows": 2})
    )
