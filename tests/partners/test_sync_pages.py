"""Incremental sync: cursor pages ordered by (updated_at, id) and updated_since lose and repeat nothing."""

import pytest

from rooms import services
from tests.factories import RoomFactory

from .conftest import assert_error

pytestmark = pytest.mark.django_db


def follow(api, path, params):
    """Every row of every page, following `next` as a PMS would."""
    seen, url, query = [], path, params
    while url:
        page = api.get(url, query).json()
        seen.extend(page["results"])
        url, query = page["next"], None
    return seen


def test_pages_walk_every_room_once(api):
    rooms = [RoomFactory() for _ in range(7)]

    seen = follow(api, "/api/v1/rooms/", {"limit": 3})

    assert sorted(r["number"] for r in seen) == sorted(r.number for r in rooms)
    assert len(seen) == 7


def test_changes_made_while_paging_are_seen_and_nothing_is_lost(api):
    rooms = [RoomFactory(housekeeping_status="clean") for _ in range(6)]
    first = api.get("/api/v1/rooms/", {"limit": 2}).json()
    # while the PMS reads, the desk changes an already-read room and adds a new one
    services.room_set_status(room=rooms[0], status="inspected")
    added = RoomFactory()

    rest = follow(api, first["next"], None)

    numbers = [r["number"] for r in first["results"] + rest]
    assert set(numbers) == {r.number for r in rooms} | {added.number}
    assert numbers.count(rooms[0].number) == 2  # changed after it was read: comes again, at the end
    assert rest[-1]["number"] in (rooms[0].number, added.number)


def test_updated_since_returns_only_what_changed(api):
    rooms = [RoomFactory(housekeeping_status="clean") for _ in range(3)]
    mark = api.get("/api/v1/rooms/").json()["results"][-1]["updated_at"]
    services.room_set_status(room=rooms[1], status="inspected")

    changed = api.get("/api/v1/rooms/", {"updated_since": mark}).json()["results"]

    assert rooms[1].number in [r["number"] for r in changed]
    assert rooms[0].number not in [r["number"] for r in changed]


def test_a_stay_changes_its_updated_at_on_each_action(api):
    room = RoomFactory()
    stay = api.post(
        "/api/v1/stays/",
        {
            "guest": {"last_name": "Noether"},
            "arrival": "2020-01-01",
            "departure": "2099-01-01",
            "room": room.number,
        },
    ).json()

    checked_in = api.post(f"/api/v1/stays/{stay['id']}/check-in/").json()
    room_after = api.get(f"/api/v1/rooms/{room.number}/").json()

    assert checked_in["updated_at"] > stay["updated_at"]
    since = api.get("/api/v1/stays/", {"updated_since": checked_in["updated_at"]}).json()["results"]
    assert [s["id"] for s in since] == [stay["id"]]
    assert room_after["occupied"] is True and room_after["updated_at"] >= checked_in["updated_at"][:19]


@pytest.mark.parametrize(
    "path", ["/api/v1/stays/", "/api/v1/rooms/", "/api/v1/wakeups/", "/api/v1/call-records/"]
)
def test_any_iso_offset_means_its_instant_and_a_time_outside_utc_is_a_400(api, path):
    """PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows: compared in UTC, they work."""
    RoomFactory()

    far_offset = api.get(path, {"updated_since": "2020-02-01T07:15:50-16:23"})
    before_year_1 = api.get(path, {"updated_since": "0001-01-01T00:30:00+01:00"})
    after_year_9999 = api.get(path, {"updated_since": "9999-12-31T23:30:00-01:00"})

    assert far_offset.status_code == 200, far_offset.content
    assert "updated_since" in assert_error(before_year_1, 400, "invalid")["fields"]
    assert "updated_since" in assert_error(after_year_9999, 400, "invalid")["fields"]
