"""A partner's PMS reserves, checks in, moves and checks out its guests over /api/v1/, and reads rooms."""

from datetime import timedelta

import pytest

from hotelpbx.core.timeutil import hotel_today
from rooms.models import HousekeepingStatus, Room, RoomStatusChange, StatusSource, Stay, StayStatus
from tests.factories import RoomFactory, StayFactory

from .conftest import assert_error

pytestmark = pytest.mark.django_db


def reservation(room=None, external_id="R-1001", **extra):
    today = hotel_today()
    body = {
        "external_id": external_id,
        "guest": {"first_name": "Ada", "last_name": "Lovelace", "language": "fr", "email": "ada@example.org"},
        "arrival": today.isoformat(),
        "departure": (today + timedelta(days=2)).isoformat(),
        "phone_class": "international",
    }
    if room is not None:
        body["room"] = getattr(room, "number", room)
    return {**body, **extra}


def test_a_guest_journey_reserve_check_in_move_check_out(api):
    first, second = RoomFactory(), RoomFactory()

    made = api.post("/api/v1/stays/", reservation(first))
    assert made.status_code == 201, made.content
    stay = made.json()
    assert stay["status"] == "reserved"
    assert stay["external_id"] == "R-1001"
    assert stay["guest"]["last_name"] == "Lovelace" and stay["guest"]["language"] == "fr"
    assert stay["room"] == first.number and stay["phone_class"] == "international"

    checked_in = api.post(f"/api/v1/stays/{stay['id']}/check-in/", {})
    assert checked_in.status_code == 200, checked_in.content
    assert checked_in.json()["status"] == "in_house"
    assert api.get(f"/api/v1/rooms/{first.number}/").json()["occupied"] is True

    moved = api.post(f"/api/v1/stays/{stay['id']}/move/", {"to_room": second.number, "reason": "noise"})
    assert moved.status_code == 200, moved.content
    assert moved.json()["room"] == second.number
    old_room = api.get(f"/api/v1/rooms/{first.number}/").json()
    assert old_room["occupied"] is False and old_room["housekeeping_status"] == "dirty"

    out = api.post(f"/api/v1/stays/{stay['id']}/check-out/")
    assert out.status_code == 200, out.content
    assert out.json()["status"] == "checked_out"
    assert Stay.objects.get(pk=stay["id"]).status == StayStatus.CHECKED_OUT


def test_a_refusal_by_the_hotel_is_a_409_with_a_code_and_changes_nothing(api):
    dirty = RoomFactory(housekeeping_status=HousekeepingStatus.DIRTY)
    stay = api.post("/api/v1/stays/", reservation(dirty)).json()

    refused = api.post(f"/api/v1/stays/{stay['id']}/check-in/", {})

    assert_error(refused, 409, "room_not_ready")
    assert Stay.objects.get(pk=stay["id"]).status == StayStatus.RESERVED

    api.post(f"/api/v1/stays/{stay['id']}/cancel/", {"reason": "no show"})
    again = api.post(f"/api/v1/stays/{stay['id']}/cancel/", {})
    assert_error(again, 409, "stay_state")


def test_reserve_by_room_type_then_check_in_to_a_room_given_at_check_in(api):
    room = RoomFactory()
    stay = api.post("/api/v1/stays/", reservation(room_type=room.room_type.code)).json()
    assert stay["room"] is None and stay["room_type"] == room.room_type.code

    checked_in = api.post(f"/api/v1/stays/{stay['id']}/check-in/", {"room": room.number})

    assert checked_in.status_code == 200 and checked_in.json()["room"] == room.number


def test_external_id_is_unique_per_client_and_finds_the_stay(api, api_for):
    RoomFactory()
    api.post("/api/v1/stays/", reservation(external_id="X-1"))

    duplicate = api.post("/api/v1/stays/", reservation(external_id="X-1"))
    assert_error(duplicate, 409, "external_id_taken")
    other_client = api_for(partner="Mews")
    assert other_client.post("/api/v1/stays/", reservation(external_id="X-1")).status_code == 201

    found = api.get("/api/v1/stays/", {"external_id": "X-1"}).json()["results"]
    assert [s["external_id"] for s in found] == ["X-1"]
    assert Stay.objects.count() == 2


def test_guest_search_ignores_accents_and_case_like_the_desk(api, api_for):
    RoomFactory()
    for external_id, first, last in [
        ("M-1", "Anna", "Müller"),
        ("M-2", "Jan", "MULLER"),
        ("L-1", "Ewa", "Łódź"),
    ]:
        body = reservation(external_id=external_id)
        body["guest"] = {"first_name": first, "last_name": last}
        assert api.post("/api/v1/stays/", body).status_code == 201
    api_for(partner="Mews").post("/api/v1/stays/", reservation(external_id="M-9"))

    def found(query):
        return sorted(s["external_id"] for s in api.get("/api/v1/stays/", {"guest": query}).json()["results"])

    assert found("muller") == ["M-1", "M-2"]
    assert found("anna müller") == ["M-1"]
    assert found("LODZ") == ["L-1"]
    assert found("lovelace") == []  # the other client's guest stays invisible


def test_one_client_never_sees_or_changes_another_clients_stays(api, api_for):
    room = RoomFactory()
    mine = api.post("/api/v1/stays/", reservation(room)).json()
    other = api_for(partner="Cloudbeds")
    desk_stay = StayFactory()  # made at the desk: belongs to no partner

    assert other.get("/api/v1/stays/").json()["results"] == []
    assert_error(other.get(f"/api/v1/stays/{mine['id']}/"), 404, "not_found")
    assert_error(other.post(f"/api/v1/stays/{mine['id']}/check-in/", {}), 404, "not_found")
    assert_error(api.get(f"/api/v1/stays/{desk_stay.pk}/"), 404)
    assert Stay.objects.get(pk=mine["id"]).status == StayStatus.RESERVED


def test_bad_input_names_the_fields_and_creates_nothing(api):
    body = reservation(arrival="2026-02-30", guest={"first_name": "No surname"}, room="9999")

    error = assert_error(api.post("/api/v1/stays/", body), 400, "invalid")

    assert set(error["fields"]) >= {"arrival", "guest", "room"}
    assert Stay.objects.count() == 0


def test_departure_before_arrival_is_refused(api):
    today = hotel_today()
    body = reservation(departure=(today - timedelta(days=1)).isoformat())

    assert_error(api.post("/api/v1/stays/", body), 409, "rule_violation")
    assert Stay.objects.count() == 0


def test_room_status_and_dnd_through_patch_are_recorded_as_from_the_api(api):
    room = RoomFactory(housekeeping_status=HousekeepingStatus.CLEAN)

    changed = api.patch(f"/api/v1/rooms/{room.number}/", {"status": "inspected", "dnd": True})

    assert changed.status_code == 200, changed.content
    assert changed.json()["housekeeping_status"] == "inspected" and changed.json()["dnd"] is True
    assert RoomStatusChange.objects.get(room=room).source == StatusSource.API
    out = api.patch(f"/api/v1/rooms/{room.number}/", {"status": "out_of_order"})
    assert_error(out, 409, "rule_violation")  # a reason is required
    assert Room.objects.get(pk=room.pk).service_state == "none"


def test_rooms_list_filters_and_shows_pbx_sync_state(api):
    RoomFactory(housekeeping_status=HousekeepingStatus.DIRTY)
    RoomFactory(housekeeping_status=HousekeepingStatus.INSPECTED)

    dirty = api.get("/api/v1/rooms/", {"housekeeping_status": "dirty"}).json()["results"]

    assert [r["housekeeping_status"] for r in dirty] == ["dirty"]
    assert dirty[0]["pbx_sync"] == {"state": "in_sync", "message": ""}
    assert_error(api.get("/api/v1/rooms/", {"housekeeping_status": "sparkling"}), 400, "invalid")
    assert_error(api.get("/api/v1/rooms/", {"updated_since": "yesterday"}), 400, "invalid")


def test_a_room_reads_the_same_as_drfs_generic_rendering_of_its_fields(api):
    """The room shape is built directly for speed; it must stay what the declared fields say."""
    from datetime import date

    from rest_framework import serializers as drf

    from hotelpbx.partners import selectors
    from hotelpbx.partners.api.serializers import RoomOutSerializer

    RoomFactory(service_reason="leak", service_until=date(2030, 1, 2), dnd=True)
    (room,) = selectors.api_rooms()
    room.pbx_sync = ("failed", "PBX refused")
    fast = RoomOutSerializer(room).data

    generic = drf.ModelSerializer.to_representation(RoomOutSerializer(), room)

    assert fast == dict(generic)
    assert list(fast) == RoomOutSerializer.Meta.fields
