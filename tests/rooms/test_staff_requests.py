"""What staff ask of the hotel through one service each, whichever page (or, later, the API) asks:
a walk-in (guest, stay and check-in as one), and a room status change with housekeeping's limits."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from hotelpbx.core.models import AuditEntry
from hotelpbx.core.timeutil import hotel_today
from rooms import services
from rooms.errors import NotPermitted, RoomNotReady, RoomRuleError
from rooms.models import (
    Guest,
    HousekeepingStatus,
    RoomStatusChange,
    RoomStatusTarget,
    ServiceState,
    StatusSource,
    Stay,
    StayStatus,
)
from tests.factories import GuestFactory, RoomFactory

pytestmark = pytest.mark.django_db

NEW_GUEST = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}


# --- walk-in ----------------------------------------------------------------------------------------


def test_walk_in_of_a_new_guest_creates_the_guest_the_stay_and_checks_in(front_desk_user, room):
    stay = services.stay_walk_in(
        new_guest=NEW_GUEST, room=room, departure=hotel_today() + timedelta(days=2), by=front_desk_user
    )
    guest = Guest.objects.get(last_name="Lovelace")
    assert stay.guest == guest and guest.email == "ada@example.com"
    assert stay.status == StayStatus.IN_HOUSE and stay.room == room and stay.arrival == hotel_today()
    assert stay.checked_in_by == front_desk_user and len(stay.voicemail_pin) == 4
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "guest.create",
        "stay.reserve",
        "stay.check_in",
    }


def test_walk_in_refused_at_check_in_keeps_neither_the_new_guest_nor_a_reservation(settings):
    settings.CHECKIN_ROOM_READINESS = "block_dirty"
    dirty = RoomFactory(housekeeping_status=HousekeepingStatus.DIRTY)
    with pytest.raises(RoomNotReady, match="dirty"):
        services.stay_walk_in(new_guest=NEW_GUEST, room=dirty, departure=hotel_today() + timedelta(days=1))
    assert not Guest.objects.exists()
    assert not Stay.objects.exists()
    assert not AuditEntry.objects.exists()
    dirty.refresh_from_db()
    assert not dirty.is_occupied


def test_walk_in_of_a_known_guest_refused_at_check_in_keeps_the_guest_without_a_reservation():
    guest = GuestFactory()
    out_of_order = RoomFactory(service_state=ServiceState.OUT_OF_ORDER, service_reason="Leak")
    with pytest.raises(RoomRuleError, match="Leak"):
        services.stay_walk_in(guest=guest, room=out_of_order, departure=hotel_today() + timedelta(days=1))
    assert Guest.objects.get() == guest
    assert not Stay.objects.exists()


def test_walk_in_with_invalid_guest_details_is_a_validation_error_and_creates_nothing(room):
    with pytest.raises(ValidationError) as refused:
        services.stay_walk_in(
            new_guest=NEW_GUEST | {"email": "not an address"},
            room=room,
            departure=hotel_today() + timedelta(days=1),
        )
    assert "email" in refused.value.message_dict
    assert not Guest.objects.exists() and not Stay.objects.exists()


def test_walk_in_needs_exactly_one_of_a_guest_and_new_guest_details(room):
    departure = hotel_today() + timedelta(days=1)
    with pytest.raises(ValueError):
        services.stay_walk_in(room=room, departure=departure)
    with pytest.raises(ValueError):
        services.stay_walk_in(guest=GuestFactory(), new_guest=NEW_GUEST, room=room, departure=departure)
    assert not Stay.objects.exists()


# --- room status as staff ask for it ---------------------------------------------------------------


def test_housekeeping_taking_a_room_out_of_service_is_not_permitted(housekeeping_user):
    room = RoomFactory()
    with pytest.raises(NotPermitted, match="Only the front desk can take a room out of service") as refused:
        services.room_staff_set_status(
            room=room, status="out_of_service", by=housekeeping_user, housekeeping=True, reason="Renovation"
        )
    assert refused.value.code == "not_permitted" and isinstance(refused.value, RoomRuleError)
    room.refresh_from_db()
    assert room.in_service
    assert not RoomStatusChange.objects.exists()


def test_housekeeping_putting_back_a_room_the_desk_took_out_of_service_is_not_permitted(housekeeping_user):
    room = RoomFactory(service_state=ServiceState.OUT_OF_SERVICE, service_reason="Renovation")
    with pytest.raises(NotPermitted, match="only the desk can put it back"):
        services.room_staff_set_status(
            room=room, status="in_service", by=housekeeping_user, housekeeping=True
        )
    room.refresh_from_db()
    assert room.service_state == ServiceState.OUT_OF_SERVICE


def test_housekeeping_may_report_a_room_out_of_order_and_the_change_is_from_the_tablet(housekeeping_user):
    room = RoomFactory()
    services.room_staff_set_status(
        room=room, status="out_of_order", by=housekeeping_user, housekeeping=True, reason="Plumbing"
    )
    room.refresh_from_db()
    assert room.is_out_of_order and room.service_reason == "Plumbing"
    change = RoomStatusChange.objects.get(room=room)
    assert (change.to_status, change.source, change.changed_by) == (
        "out_of_order",
        StatusSource.TABLET,
        housekeeping_user,
    )


def test_the_desk_may_take_a_room_out_of_service_and_back(front_desk_user):
    room = RoomFactory()
    services.room_staff_set_status(
        room=room, status="out_of_service", by=front_desk_user, reason="Renovation", until=hotel_today()
    )
    services.room_staff_set_status(room=room, status="in_service", by=front_desk_user)
    room.refresh_from_db()
    assert room.in_service and room.housekeeping_status == HousekeepingStatus.DIRTY
    assert list(RoomStatusChange.objects.order_by("pk").values_list("to_status", "source")) == [
        ("out_of_service", "desk"),
        ("in_service", "desk"),
    ]


def test_the_hotel_rules_still_apply_to_a_permitted_request(housekeeping_user):
    room = RoomFactory(housekeeping_status=HousekeepingStatus.DIRTY)
    with pytest.raises(RoomRuleError, match="must be cleaned before") as refused:
        services.room_staff_set_status(room=room, status="inspected", by=housekeeping_user, housekeeping=True)
    assert not isinstance(refused.value, NotPermitted)


# --- the vocabulary ---------------------------------------------------------------------------------


def test_room_status_targets_are_model_choices_with_the_words_staff_see():
    assert RoomStatusTarget.choices == [
        ("dirty", "Dirty"),
        ("clean", "Clean"),
        ("inspected", "Inspected"),
        ("out_of_order", "Out of order"),
        ("out_of_service", "Out of service"),
        ("in_service", "Back in service"),
    ]
    assert [t for t in RoomStatusTarget if t.is_housekeeping] == list(HousekeepingStatus)
    assert [t.value for t in RoomStatusTarget if t.takes_out_of_service] == [
        ServiceState.OUT_OF_ORDER,
        ServiceState.OUT_OF_SERVICE,
    ]
