"""Idempotency-Key: a PMS that retries a write after a lost answer gets the first answer, not a second
effect."""

import json

import pytest
from django.db import connection
from django.utils import timezone

from hotelpbx.partners import idempotency
from hotelpbx.partners.models import IdempotencyRecord, Partner
from rooms.models import Stay
from tests.concurrency import race
from tests.factories import RoomFactory

from .conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db

BODY = {"guest": {"last_name": "Curie"}, "arrival": "2030-03-01", "departure": "2030-03-04"}


def test_same_key_and_body_replays_the_stored_answer_once(api):
    first = api.post("/api/v1/stays/", BODY, **{"Idempotency-Key": "k-1"})
    again = api.post("/api/v1/stays/", BODY, **{"Idempotency-Key": "k-1"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Stay.objects.count() == 1


def test_same_key_with_another_body_is_422_and_changes_nothing(api):
    api.post("/api/v1/stays/", BODY, **{"Idempotency-Key": "k-2"})

    other = api.post("/api/v1/stays/", {**BODY, "departure": "2030-03-09"}, **{"Idempotency-Key": "k-2"})

    assert_error(other, 422, "idempotency_key_reused")
    assert Stay.objects.count() == 1


def test_a_refusal_is_replayed_too(api):
    room = RoomFactory(housekeeping_status="dirty")
    stay = api.post("/api/v1/stays/", {**BODY, "arrival": "2020-01-01", "room": room.number}).json()
    path = f"/api/v1/stays/{stay['id']}/check-in/"

    first = api.post(path, {}, **{"Idempotency-Key": "k-3"})
    room.housekeeping_status = "inspected"
    room.save()
    again = api.post(path, {}, **{"Idempotency-Key": "k-3"})

    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()
    assert Stay.objects.get(pk=stay["id"]).status == "reserved"
    assert api.post(path, {}, **{"Idempotency-Key": "k-4"}).status_code == 200  # a new key is a new try


def test_a_request_still_in_flight_is_409(api):
    partner = Partner.objects.get()
    # the first request under this key has begun and not yet answered
    idempotency.begin(
        partner=partner, key="k-5", method="POST", path="/api/v1/stays/", body=json.dumps(BODY).encode()
    )

    response = api.post("/api/v1/stays/", BODY, **{"Idempotency-Key": "k-5"})

    assert_error(response, 409, "idempotency_in_flight")
    assert Stay.objects.count() == 0


def test_a_request_that_died_in_flight_lets_its_key_go_after_the_lease(api, settings):
    """A worker killed mid-request leaves the key in flight. Within the lease a retry is told to wait;
    after it, the retry takes the key over and the stay is made once."""
    settings.API_IDEMPOTENCY_LEASE_SECONDS = 60
    partner = Partner.objects.get()
    body = json.dumps(BODY).encode()
    idempotency.begin(partner=partner, key="crash", method="POST", path="/api/v1/stays/", body=body)
    assert_error(
        api.post("/api/v1/stays/", BODY, **{"Idempotency-Key": "crash"}), 409, "idempotency_in_flight"
    )

    IdempotencyRecord.objects.update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    retried = api.post("/api/v1/stays/", BODY, **{"Idempotency-Key": "crash"})
    replayed = api.post("/api/v1/stays/", BODY, **{"Idempotency-Key": "crash"})

    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
    assert replayed.status_code == 201 and replayed["Idempotent-Replayed"] == "true"
    assert replayed.json() == retried.json() and Stay.objects.count() == 1
    # another body under the dead request's key is still another request
    IdempotencyRecord.objects.update(
        status_code=None, lease_until=timezone.now() - timezone.timedelta(seconds=1)
    )
    other = api.post("/api/v1/stays/", {**BODY, "departure": "2030-03-09"}, **{"Idempotency-Key": "crash"})
    assert_error(other, 422, "idempotency_key_reused")


def test_of_two_retries_of_a_dead_request_only_one_takes_the_key(db):
    partner = Partner.objects.create(name="Opera PMS")
    body = json.dumps(BODY).encode()
    begin = {"partner": partner, "key": "dead", "method": "POST", "path": "/api/v1/stays/", "body": body}
    dead = idempotency.begin(**begin)
    IdempotencyRecord.objects.update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    one, two = IdempotencyRecord.objects.get(), IdempotencyRecord.objects.get()  # both read the expired lease

    taken = [idempotency._take_over(one, timezone.now()), idempotency._take_over(two, timezone.now())]

    assert taken == [True, False]  # one compare-and-swap wins
    assert IdempotencyRecord.objects.get().lease_until == one.lease_until > timezone.now()
    # the dead request, should it wake up, no longer holds the key: its answer is not stored
    idempotency.finish(dead, status_code=201, rendered=b'{"id": 1}')
    assert IdempotencyRecord.objects.get().status_code is None


def test_keys_are_per_client(api, api_for):
    api.post("/api/v1/stays/", BODY, **{"Idempotency-Key": "shared"})
    other = api_for(partner="Mews").post("/api/v1/stays/", BODY, **{"Idempotency-Key": "shared"})

    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert Stay.objects.count() == 2


def test_a_key_is_forgotten_after_24_hours(api):
    api.post("/api/v1/stays/", BODY, **{"Idempotency-Key": "old"})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timezone.timedelta(hours=25))

    again = api.post("/api/v1/stays/", BODY, **{"Idempotency-Key": "old"})

    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Stay.objects.count() == 2


def test_an_overlong_key_is_refused(api):
    assert_error(api.post("/api/v1/stays/", BODY, **{"Idempotency-Key": "x" * 300}), 422)
    assert Stay.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_produce_one_stay(make_key):
    if connection.vendor != "postgresql":
        pytest.skip("threads writing at once need PostgreSQL (SQLite serialises whole-database writes)")
    key = make_key(["stays:write"])
    answers = []

    def post():
        answers.append(ApiClient(key).post("/api/v1/stays/", BODY, **{"Idempotency-Key": "race"}).status_code)

    outcomes = race(8, post, lambda exc: repr(exc))

    assert outcomes == ["ok"] * 8
    assert Stay.objects.count() == 1
    assert set(answers) <= {201, 409} and answers.count(201) >= 1
