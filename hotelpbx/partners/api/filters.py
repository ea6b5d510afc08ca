import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from rooms.models import HousekeepingStatus, Room, ServiceState, Stay, StayStatus
from rooms.search import fold_terms


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
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    floor = django_filters.NumberFilter()
    housekeeping_status = django_filters.ChoiceFilter(choices=HousekeepingStatus.choices)
    service_state = django_filters.ChoiceFilter(choices=ServiceState.choices)
    room_type = django_filters.CharFilter(field_name="room_type__code")
    dnd = django_filters.BooleanFilter()

    class Meta:
        model = Room
        fields = []


class StayFilter(django_filters.FilterSet):
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    external_id = django_filters.CharFilter(field_name="partner_link__external_id")
    status = django_filters.MultipleChoiceFilter(choices=StayStatus.choices)
    room = django_filters.CharFilter(field_name="room__number")
    arrival_from = django_filters.DateFilter(field_name="arrival", lookup_expr="gte")
    arrival_to = django_filters.DateFilter(field_name="arrival", lookup_expr="lte")
    departure_from = django_filters.DateFilter(field_name="departure", lookup_expr="gte")
    departure_to = django_filters.DateFilter(field_name="departure", lookup_expr="lte")
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
