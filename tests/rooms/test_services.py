"""The hotel's rules, as the front desk and housekeeping meet them."""

from datetime import timedelta

import pytest

from hotelpbx.core.models import AuditEntry
from hotelpbx.core.timeutil import hotel_today
from rooms import services
from rooms.errors import InvalidTransition, RoomNotAvailable, RoomNotReady, RoomRuleError, StayStateError
from rooms.models import (
    HousekeepingStatus,
    RoomMove,
    RoomStatusChange,
    ServiceState,
    StatusSource,
    Stay,
    StayStatus,
)
from rooms.phone import desired_phone_state, safe_display_name
from tests.factories import GuestFactory, RoomFactory, StayFactory, in_house_stay

pytestmark = pytest.mark.django_db


# --- check-in -------------------------------------------------------------------------------------


def test_check_in_puts_the_guest_in_house_with_a_fresh_voicemail_pin(front_desk_user):
    stay = StayFactory()
    stay = services.stay_check_in(stay=stay, by=front_desk_user)
    assert stay.status == StayStatus.IN_HOUSE
    assert stay.room.is_occupied
    assert stay.checked_in_by == front_desk_user and stay.checked_in_at is not None
    assert len(stay.voicemail_pin) == 4 and stay.voicemail_pin.isdigit()
    assert AuditEntry.objects.filter(action="stay.check_in", actor=front_desk_user).count() == 1


def test_check_in_to_an_occupied_room_is_refused():
    first = in_house_stay()
    second = StayFactory(room=first.room)
    with pytest.raises(RoomNotAvailable, match="occupied"):
        services.stay_check_in(stay=second)
    second.refresh_from_db()
    assert second.status == StayStatus.RESERVED


@pytest.mark.parametrize("state", [ServiceState.OUT_OF_ORDER, ServiceState.OUT_OF_SERVICE])
def test_check_in_to_a_room_out_of_service_is_refused(state):
    stay = StayFactory(room=RoomFactory(service_state=state, service_reason="Broken window"))
    with pytest.raises(RoomNotAvailable, match="Broken window"):
        services.stay_check_in(stay=stay)


def test_dirty_room_is_blocked_by_default(settings):
    settings.CHECKIN_ROOM_READINESS = "block_dirty"
    stay = StayFactory(room=RoomFactory(housekeeping_status=HousekeepingStatus.DIRTY))
    with pytest.raises(RoomNotReady, match="dirty") as refused:
        services.stay_check_in(stay=stay)
    assert not refused.value.confirmable


def test_clean_room_is_fine_by_default_but_not_when_inspection_is_required(settings):
    stay = StayFactory(room=RoomFactory(housekeeping_status=HousekeepingStatus.CLEAN))
    settings.CHECKIN_ROOM_READINESS = "require_inspected"
    with pytest.raises(RoomNotReady, match="only inspected rooms"):
        services.stay_check_in(stay=stay)
    settings.CHECKIN_ROOM_READINESS = "block_dirty"
    assert services.stay_check_in(stay=stay).status == StayStatus.IN_HOUSE


def test_warn_mode_asks_the_desk_to_confirm_a_room_that_is_not_ready(settings):
    settings.CHECKIN_ROOM_READINESS = "warn"
    stay = StayFactory(room=RoomFactory(housekeeping_status=HousekeepingStatus.DIRTY))
    with pytest.raises(RoomNotReady) as refused:
        services.stay_check_in(stay=stay)
    assert refused.value.confirmable
    assert services.stay_check_in(stay=stay, confirm_not_ready=True).status == StayStatus.IN_HOUSE


def test_only_a_reservation_checks_in():
    stay = in_house_stay()
    with pytest.raises(StayStateError):
        services.stay_check_in(stay=stay)


def test_database_allows_at_most_one_in_house_stay_per_room():
    from django.db import IntegrityError, transaction

    first = in_house_stay()
    with pytest.raises(IntegrityError), transaction.atomic():
        StayFactory(room=first.room, status=StayStatus.IN_HOUSE)


def test_walk_in_creates_and_checks_in(front_desk_user, room):
    guest = GuestFactory()
    stay = services.stay_walk_in(
        guest=guest, room=room, departure=hotel_today() + timedelta(days=1), by=front_desk_user
    )
    assert stay.status == StayStatus.IN_HOUSE and stay.arrival == hotel_today()


def test_departure_must_follow_arrival(guest):
    with pytest.raises(RoomRuleError, match="after the arrival"):
        services.stay_reserve(guest=guest, arrival=hotel_today(), departure=hotel_today())


# --- check-out, early departure, move ----------------------------------------------------------------


def test_check_out_leaves_the_room_vacant_and_dirty(front_desk_user):
    stay = in_house_stay(departure=hotel_today() + timedelta(days=0, weeks=0) + timedelta(days=2))
    stay = services.stay_check_out(stay=stay, by=front_desk_user)
    stay.room.refresh_from_db()
    assert stay.status == StayStatus.CHECKED_OUT and stay.checked_out_by == front_desk_user
    assert not stay.room.is_occupied
    assert stay.room.housekeeping_status == HousekeepingStatus.DIRTY
    assert RoomStatusChange.objects.filter(
        room=stay.room, to_status="dirty", reason="guest departed"
    ).exists()


def test_check_out_happens_exactly_once():
    stay = in_house_stay()
    services.stay_check_out(stay=stay)
    with pytest.raises(StayStateError, match="already checked out"):
        services.stay_check_out(stay=stay)
    assert AuditEntry.objects.filter(action="stay.check_out").count() == 1


def test_early_departure_needs_a_reason_and_is_recorded():
    stay = in_house_stay(
        arrival=hotel_today() - timedelta(days=1), departure=hotel_today() + timedelta(days=3)
    )
    with pytest.raises(RoomRuleError, match="reason"):
        services.stay_depart_early(stay=stay, reason=" ")
    stay = services.stay_depart_early(stay=stay, reason="Family emergency")
    assert stay.early_departure and stay.departure == hotel_today()
    assert "Family emergency" in stay.notes


def test_early_departure_on_the_arrival_day_keeps_one_night():
    stay = in_house_stay(arrival=hotel_today(), departure=hotel_today() + timedelta(days=3))
    stay = services.stay_depart_early(stay=stay, reason="Plans changed")
    assert stay.departure == hotel_today() + timedelta(days=1)


def test_room_move_keeps_history_and_frees_the_old_room(front_desk_user):
    stay = in_house_stay()
    old_room = stay.room
    new_room = RoomFactory()
    services.stay_move(stay=stay, to_room=new_room, by=front_desk_user, reason="Noise")
    old_room.refresh_from_db()
    assert Stay.objects.get(pk=stay.pk).room == new_room
    assert not old_room.is_occupied and old_room.housekeeping_status == HousekeepingStatus.DIRTY
    move = RoomMove.objects.get(stay=stay)
    assert (move.from_room, move.to_room, move.reason, move.moved_by) == (
        old_room,
        new_room,
        "Noise",
        front_desk_user,
    )


def test_room_move_to_an_occupied_room_is_refused():
    stay, other = in_house_stay(), in_house_stay()
    with pytest.raises(RoomNotAvailable):
        services.stay_move(stay=stay, to_room=other.room)


def test_cancelled_reservation_cannot_check_in():
    stay = services.stay_cancel(stay=StayFactory(), reason="No show")
    with pytest.raises(StayStateError):
        services.stay_check_in(stay=stay)


# --- room status --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target"),
    [("dirty", "clean"), ("clean", "inspected"), ("clean", "dirty"), ("inspected", "dirty")],
)
def test_valid_housekeeping_transitions_are_recorded(housekeeping_user, start, target):
    room = RoomFactory(housekeeping_status=start)
    services.room_set_status(room=room, status=target, by=housekeeping_user, source=StatusSource.TABLET)
    room.refresh_from_db()
    assert room.housekeeping_status == target
    change = RoomStatusChange.objects.get(room=room)
    assert (change.from_status, change.to_status, change.changed_by, change.source) == (
        start,
        target,
        housekeeping_user,
        "tablet",
    )


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        ("dirty", "inspected", "must be cleaned before"),
        ("dirty", "dirty", "already dirty"),
        ("inspected", "clean", "already inspected"),
        ("clean", "clean", "already clean"),
    ],
)
def test_invalid_housekeeping_transitions_are_refused(start, target, message):
    room = RoomFactory(housekeeping_status=start)
    with pytest.raises(InvalidTransition, match=message):
        services.room_set_status(room=room, status=target)
    room.refresh_from_db()
    assert room.housekeeping_status == start
    assert not RoomStatusChange.objects.filter(room=room).exists()


def test_out_of_order_needs_a_reason_and_a_vacant_room():
    room = RoomFactory()
    with pytest.raises(RoomRuleError, match="reason"):
        services.room_set_status(room=room, status="out_of_order")
    occupied = in_house_stay().room
    with pytest.raises(InvalidTransition, match="occupied"):
        services.room_set_status(room=occupied, status="out_of_order", reason="Leak")
    services.room_set_status(room=room, status="out_of_order", reason="Leak", until=hotel_today())
    room.refresh_from_db()
    assert room.is_out_of_order and room.service_reason == "Leak"


def test_out_of_order_until_date_cannot_be_in_the_past():
    with pytest.raises(RoomRuleError, match="past"):
        services.room_set_status(
            room=RoomFactory(), status="out_of_order", reason="Leak", until=hotel_today() - timedelta(days=1)
        )


def test_back_in_service_leaves_a_room_to_clean():
    room = RoomFactory(service_state=ServiceState.OUT_OF_ORDER, service_reason="Paint")
    services.room_set_status(room=room, status="in_service")
    room.refresh_from_db()
    assert (
        room.in_service and room.housekeeping_status == HousekeepingStatus.DIRTY and room.service_reason == ""
    )
    with pytest.raises(InvalidTransition, match="already in service"):
        services.room_set_status(room=room, status="in_service")


def test_unknown_status_is_refused(room):
    with pytest.raises(InvalidTransition, match="Unknown"):
        services.room_set_status(room=room, status="sparkling")


def test_nightly_job_turns_occupied_rooms_dirty_and_leaves_vacant_ones():
    occupied = in_house_stay().room
    vacant = RoomFactory(housekeeping_status=HousekeepingStatus.INSPECTED)
    assert services.rooms_mark_occupied_dirty() == 1
    occupied.refresh_from_db()
    vacant.refresh_from_db()
    assert occupied.housekeeping_status == HousekeepingStatus.DIRTY
    assert vacant.housekeeping_status == HousekeepingStatus.INSPECTED
    assert RoomStatusChange.objects.get(room=occupied).source == StatusSource.SYSTEM
    assert services.rooms_mark_occupied_dirty() == 0


def test_dnd_is_audited_and_cleared_at_check_out(front_desk_user):
    stay = in_house_stay()
    services.room_set_dnd(room=stay.room, dnd=True, by=front_desk_user)
    assert AuditEntry.objects.filter(action="room.dnd", actor=front_desk_user).exists()
    services.stay_check_out(stay=stay)
    stay.room.refresh_from_db()
    assert stay.room.dnd is False


# --- the phone seam ------------------------------------------------------------------------------------


def test_phone_state_of_an_occupied_room_carries_the_guest_and_class():
    stay = in_house_stay(guest=GuestFactory(first_name="Zoë", last_name="D'Arcy-Müller"), phone_class="local")
    state = desired_phone_state(stay.room)
    assert state.occupied and state.display_name == "DArcy-Muller Zoe"
    assert state.call_class == "local" and state.voicemail_pin == stay.voicemail_pin and not state.dnd


def test_phone_state_of_a_vacant_room_is_internal_only(room):
    state = desired_phone_state(room)
    assert not state.occupied and state.call_class == "internal" and state.display_name is None


def test_vacant_display_name_can_show_housekeeping_status(settings):
    settings.PBX_VACANT_NAME_SHOWS_STATUS = True
    room = RoomFactory(number="101", housekeeping_status=HousekeepingStatus.DIRTY)
    assert desired_phone_state(room).display_name == "101 VD"


def test_safe_display_name_drops_forbidden_characters_and_fits_31():
    assert safe_display_name('O\'Brien "Jack" <x> $5 a@b.c; d:e & f!%`') == "OBrien Jack x 5 abc de f"
    assert len(safe_display_name("W" * 80)) == 31
