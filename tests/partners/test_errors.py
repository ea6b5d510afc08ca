"""Every 4xx has one JSON shape, and bad input never yields a 5xx."""

import datetime as dt

import pytest
import time_machine

from rooms.models import Stay

from .conftest import assert_error

pytestmark = pytest.mark.django_db


def test_unknown_api_paths_are_json_404(api):
    assert_error(api.get("/api/v1/nothing-here/"), 404, "not_found")
    assert_error(api.get("/api/v2/rooms/"), 404, "not_found")
    assert_error(api.get("/api/v1/rooms/9999/"), 404, "not_found")
    assert_error(api.get("/api/v1/stays/abc/"), 404, "not_found")


def test_wrong_method_is_405(api):
    assert_error(api.delete("/api/v1/stays/"), 405, "method_not_allowed")
    assert_error(api.put("/api/v1/rooms/", {}), 405, "method_not_allowed")


def test_wrong_media_type_is_415(api):
    response = api.post("/api/v1/stays/", raw=b"<stay/>", content_type="application/xml")
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[]",
        b"null",
        b'"text"',
        b"\xff\xfe",
        b'{"guest": "x"}',
        b'{"guest": {"last_name": []}}',
    ],
)
def test_malformed_bodies_are_400_and_change_nothing(api, raw):
    response = api.post("/api/v1/stays/", raw=raw)
    assert_error(response, 400)
    assert Stay.objects.count() == 0


@pytest.mark.parametrize("with_key", [False, True])
def test_an_oversized_body_is_413_and_changes_nothing(api, settings, with_key):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = {
        "guest": {"last_name": "Big"},
        "arrival": "2030-01-01",
        "departure": "2030-01-02",
        "padding": "x" * 20_000,  # an unknown field: ignored if it were small
    }
    headers = {"Idempotency-Key": "big"} if with_key else {}

    response = api.post("/api/v1/stays/", body, **headers)

    assert_error(response, 413, "too_large")
    assert Stay.objects.count() == 0


def test_throttled_requests_get_429_in_the_same_shape(api_for, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    client = api_for(["rooms:read"])
    # the budget is per key and per clock minute: all of this within one minute
    with time_machine.travel(dt.datetime(2030, 1, 1, 12, 0, 10, tzinfo=dt.UTC), tick=False):
        answers = [client.get("/api/v1/rooms/").status_code for _ in range(3)]

        assert answers == [200, 200, 200]
        refused = client.get("/api/v1/rooms/")
        assert_error(refused, 429, "throttled")
        assert refused["Retry-After"] == "50"
        other = api_for(["rooms:read"], partner="Mews")
        assert other.get("/api/v1/rooms/").status_code == 200  # per key, not one budget for all
    with time_machine.travel(dt.datetime(2030, 1, 1, 12, 1, 0, tzinfo=dt.UTC), tick=False):
        assert client.get("/api/v1/rooms/").status_code == 200  # a new minute, a new budget


def test_the_staff_session_does_not_open_the_api(desk_client):
    response = desk_client.get("/api/v1/rooms/")
    assert_error(response, 401)


def test_api_answers_carry_the_security_headers(api):
    response = api.get("/api/v1/rooms/")
    assert "Content-Security-Policy" in response
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_bad_cursor_is_a_400_naming_it(api):
    error = assert_error(api.get("/api/v1/stays/", {"cursor": "not-a-cursor"}), 400, "invalid")
    assert "cursor" in error["fields"]


def test_a_reservation_sent_again_without_a_key_hears_its_external_id_is_taken(api):
    """Even when its room is now held by the first copy: the PMS learns the reservation exists."""
    from tests.factories import RoomFactory

    room = RoomFactory()
    body = {
        "external_id": "R-77",
        "guest": {"last_name": "Noether"},
        "arrival": "2030-03-01",
        "departure": "2030-03-04",
        "room": room.number,
    }
    assert api.post("/api/v1/stays/", body).status_code == 201

    again = api.post("/api/v1/stays/", body)

    assert "?external_id=" in assert_error(again, 409, "external_id_taken")["message"]
    assert Stay.objects.count() == 1


def test_client_text_echoed_in_an_error_is_cleaned_and_the_answer_kept_for_its_key(api):
    """A field name or a refused choice with a NUL or a lone surrogate: still a 400 naming it, and its
    answer kept under the Idempotency-Key (PostgreSQL's jsonb takes neither character)."""
    raw = b'{"no\\u0000pe\\ud800": 1, "event_types": ["x\\u0000"], "url": "https://example.org/h"}'

    first = api.post("/api/v1/webhooks/", raw=raw, **{"Idempotency-Key": "echo"})
    again = api.post("/api/v1/webhooks/", raw=raw, **{"Idempotency-Key": "echo"})

    error = assert_error(first, 400, "invalid")
    assert "no\ufffdpe\ufffd" in error["fields"]
    assert again.status_code == 400 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"


def test_a_room_or_room_type_no_row_can_have_is_a_400_not_a_query(api):
    from tests.factories import RoomFactory

    room = RoomFactory(number="101")
    body = {"guest": {"last_name": "Nul"}, "arrival": "2030-03-01", "departure": "2030-03-04"}

    for bad in ({"room_type": "S\u0000"}, {"room": "1\u00000"}, {"room": ["101"]}):
        assert "does not exist" in str(
            assert_error(api.post("/api/v1/stays/", {**body, **bad}), 400)["fields"]
        )
    assert_error(api.get("/api/v1/rooms/1%000/"), 404, "not_found")
    as_number = api.post("/api/v1/stays/", {**body, "room": 101})
    assert as_number.status_code == 201 and as_number.json()["room"] == room.number
    assert Stay.objects.count() == 1
