"""A partner's PMS requests, moves and clears its guests' wake-up calls over /api/v1/wakeups/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hotelpbx.core.timeutil import hotel_today
from tests.factories import RoomFactory
from wakeup.models import WakeupAttempt, WakeupCall

from .conftest import assert_error
from .test_stays_and_rooms import reservation

pytestmark = pytest.mark.django_db


def in_house_stay(api, external_id="R-W1"):
    stay = api.post("/api/v1/stays/", reservation(RoomFactory(), external_id=external_id)).json()
    assert api.post(f"/api/v1/stays/{stay['id']}/check-in/", {}).status_code == 200
    return stay


def tomorrow() -> str:
    return (hotel_today() + timedelta(days=1)).isoformat()


def test_a_wake_up_is_requested_read_moved_and_cleared(api):
    stay = in_house_stay(api)

    made = api.post("/api/v1/wakeups/", {"stay": stay["id"], "date": tomorrow(), "time": "06:30"})
    assert made.status_code == 201, made.content
    wakeup = made.json()
    assert wakeup["status"] == "scheduled" and wakeup["source"] == "api"
    assert wakeup["room"] == stay["room"] and wakeup["stay"] == stay["id"]
    assert (wakeup["local_date"], wakeup["local_time"]) == (tomorrow(), "06:30")
    assert wakeup["attempts"] == [] and wakeup["attempts_allowed"] >= 1

    listed = api.get("/api/v1/wakeups/", {"room": stay["room"], "status": "scheduled"}).json()
    assert [w["id"] for w in listed["results"]] == [wakeup["id"]]

    moved = api.patch(f"/api/v1/wakeups/{wakeup['id']}/", {"date": tomorrow(), "time": "07:15"})
    assert moved.status_code == 200, moved.content
    assert moved.json()["local_time"] == "07:15"

    cleared = api.delete(f"/api/v1/wakeups/{wakeup['id']}/")
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["status"] == "cancelled"
    assert WakeupCall.objects.get(pk=wakeup["id"]).status == "cancelled"


def test_attempts_show_what_the_pbx_said(api):
    stay = in_house_stay(api)
    wakeup = api.post("/api/v1/wakeups/", {"stay": stay["id"], "date": tomorrow(), "time": "06:30"}).json()
    WakeupAttempt.objects.create(
        wakeup_id=wakeup["id"], callid="c-1", at=timezone.now(), result="no_answer", detail="NO ANSWER"
    )
    got = api.get(f"/api/v1/wakeups/{wakeup['id']}/").json()
    assert got["attempts"][0]["result"] == "no_answer" and got["attempts"][0]["detail"] == "NO ANSWER"


def test_a_time_in_the_past_is_refused_with_a_code_and_nothing_is_set(api):
    stay = in_house_stay(api)
    yesterday = (hotel_today() - timedelta(days=1)).isoformat()
    refused = api.post("/api/v1/wakeups/", {"stay": stay["id"], "date": yesterday, "time": "06:30"})
    assert_error(refused, 409, "wakeup_refused")
    assert not WakeupCall.objects.exists()


def test_a_wake_up_that_was_cleared_cannot_be_moved(api):
    stay = in_house_stay(api)
    wakeup = api.post("/api/v1/wakeups/", {"stay": stay["id"], "date": tomorrow(), "time": "06:30"}).json()
    api.delete(f"/api/v1/wakeups/{wakeup['id']}/")
    assert_error(
        api.patch(f"/api/v1/wakeups/{wakeup['id']}/", {"date": tomorrow(), "time": "07:00"}),
        409,
        "wakeup_refused",
    )


def test_scopes_read_and_write_are_separate(api, api_for):
    stay = in_house_stay(api)
    reader = api_for(["wakeups:read", "stays:read"])
    assert_error(
        reader.post("/api/v1/wakeups/", {"stay": stay["id"], "date": tomorrow(), "time": "06:30"}), 403
    )
    assert_error(api_for(["stays:read"]).get("/api/v1/wakeups/"), 403)
    assert reader.get("/api/v1/wakeups/").status_code == 200


def test_one_client_never_sees_or_touches_another_clients_wake_ups(api, api_for):
    stay = in_house_stay(api)
    wakeup = api.post("/api/v1/wakeups/", {"stay": stay["id"], "date": tomorrow(), "time": "06:30"}).json()
    other = api_for(partner="Mews")
    assert other.get("/api/v1/wakeups/").json()["results"] == []
    assert_error(other.get(f"/api/v1/wakeups/{wakeup['id']}/"), 404)
    assert_error(other.delete(f"/api/v1/wakeups/{wakeup['id']}/"), 404)
    refused = other.post("/api/v1/wakeups/", {"stay": stay["id"], "date": tomorrow(), "time": "06:30"})
    assert_error(refused, 400, "invalid")
    assert WakeupCall.objects.get(pk=wakeup["id"]).status == "scheduled"


def test_a_wake_up_on_a_reservation_follows_the_room_the_pms_changes_to(api):
    first, second = RoomFactory(), RoomFactory()
    stay = api.post("/api/v1/stays/", reservation(first, external_id="R-W2")).json()
    wakeup = api.post("/api/v1/wakeups/", {"stay": stay["id"], "date": tomorrow(), "time": "06:30"}).json()
    assert wakeup["room"] == first.number

    changed = api.patch(f"/api/v1/stays/{stay['id']}/", {"room": second.number})
    assert changed.status_code == 200, changed.content

    got = api.get(f"/api/v1/wakeups/{wakeup['id']}/").json()
    assert (got["room"], got["status"], got["local_time"]) == (second.number, "scheduled", "06:30")


def test_attempts_and_interval_of_a_repeated_wake_up_change_for_every_day(api):
    stay = in_house_stay(api)
    first = api.post(
        "/api/v1/wakeups/",
        {"stay": stay["id"], "date": tomorrow(), "time": "06:30", "recurrence": "daily", "attempts": 3},
    ).json()

    changed = api.patch(f"/api/v1/wakeups/{first['id']}/", {"attempts": 2, "interval_minutes": 10})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["attempts_allowed"], changed.json()["interval_minutes"]) == (2, 10)
    assert changed.json()["local_time"] == "06:30"

    days = api.get("/api/v1/wakeups/", {"series": first["series"]}).json()["results"]
    assert {(d["attempts_allowed"], d["interval_minutes"]) for d in days} == {(2, 10)}
    assert_error(api.patch(f"/api/v1/wakeups/{first['id']}/", {"attempts": 4}), 400)
    assert_error(api.patch(f"/api/v1/wakeups/{first['id']}/", {}), 400)


def test_moving_a_wake_up_onto_the_time_of_another_in_the_room_is_refused_with_409(api):
    stay = in_house_stay(api)
    api.post("/api/v1/wakeups/", {"stay": stay["id"], "date": tomorrow(), "time": "06:30"})
    later = api.post("/api/v1/wakeups/", {"stay": stay["id"], "date": tomorrow(), "time": "07:00"}).json()

    refused = api.patch(f"/api/v1/wakeups/{later['id']}/", {"date": tomorrow(), "time": "06:30"})
    error = assert_error(refused, 409, "wakeup_refused")
    assert "already has a wake-up at 06:30" in error["message"]
    assert api.get(f"/api/v1/wakeups/{later['id']}/").json()["local_time"] == "07:00"
