import django_filters

from rooms.models import HousekeepingStatus, Room, ServiceState, Stay, StayStatus


class RoomFilter(django_filters.FilterSet):
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    floor = django_filters.NumberFilter()
    housekeeping_status = django_filters.ChoiceFilter(choices=HousekeepingStatus.choices)
    service_state = django_filters.ChoiceFilter(choices=ServiceState.choices)
    room_type = django_filters.CharFilter(field_name="room_type__code")
    dnd = django_filters.BooleanFilter()

    class Meta:
        model = Room
        fields = []


class StayFilter(django_filters.FilterSet):
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    external_id = django_filters.CharFilter(field_name="partner_link__external_id")
    status = django_filters.MultipleChoiceFilter(choices=StayStatus.choices)
    room = django_filters.CharFilter(field_name="room__number")
    arrival_from = django_filters.DateFilter(field_name="arrival", lookup_expr="gte")
    arrival_to = django_filters.DateFilter(field_name="arrival", lookup_expr="lte")
    departure_from = django_filters.DateFilter(field_name="departure", lookup_expr="gte")
    departure_to = django_filters.DateFilter(field_name="departure", lookup_expr="lte")

    class Meta:
        model = Stay
        fields = []
