import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from rooms.models import HousekeepingStatus, Room, ServiceState, Stay, StayStatus
from rooms.search import fold_terms

UPDATED_SINCE = (
    "Rows changed at or after this instant (any ISO 8601 offset): pass the updated_at of the last row "
    "you read to sync incrementally."
)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, compared in UTC. Python reads offsets up to ±23:59 that PostgreSQL
    refuses (±15:59), and a time near year 1 or 9999 may not exist in UTC: both are a 400, not a 500."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise ValidationError(
                "Enter a date-time that exists in UTC (years 1 to 9999).", code="invalid"
            ) from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class RoomFilter(django_filters.FilterSet):
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE)
    floor = django_filters.NumberFilter(help_text="The floor number.")
    housekeeping_status = django_filters.ChoiceFilter(choices=HousekeepingStatus.choices)
    service_state = django_filters.ChoiceFilter(choices=ServiceState.choices)
    room_type = django_filters.CharFilter(
        field_name="room_type__code", help_text="A room type's code, e.g. STD."
    )
    dnd = django_filters.BooleanFilter(help_text="Do not disturb on (true) or off (false).")

    class Meta:
        model = Room
        fields = []


class StayFilter(django_filters.FilterSet):
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE)
    external_id = django_filters.CharFilter(
        field_name="partner_link__external_id", help_text="Your own reservation id, exactly."
    )
    status = django_filters.MultipleChoiceFilter(choices=StayStatus.choices)
    room = django_filters.CharFilter(field_name="room__number", help_text="A room number.")
    arrival_from = django_filters.DateFilter(
        field_name="arrival", lookup_expr="gte", help_text="Arriving on or after."
    )
    arrival_to = django_filters.DateFilter(
        field_name="arrival", lookup_expr="lte", help_text="Arriving on or before."
    )
    departure_from = django_filters.DateFilter(
        field_name="departure", lookup_expr="gte", help_text="Leaving on or after."
    )
    departure_to = django_filters.DateFilter(
        field_name="departure", lookup_expr="lte", help_text="Leaving on or before."
    )
    guest = django_filters.CharFilter(
        method="filter_guest",
        help_text="The guest's name, as the desk searches: every word, accents and case ignored "
        "('muller' finds 'Müller').",
    )

    class Meta:
        model = Stay
        fields = []

    def filter_guest(self, queryset, name, value):
        for term in fold_terms(value):  # the folded name the desk's search reads too (rooms/search.py)
            queryset = queryset.filter(guest__search_name__contains=term)
        return queryset
