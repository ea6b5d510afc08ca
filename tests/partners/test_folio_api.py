# ruff: noqa: RUF001  (guests read a multiplication sign, U+00D7, in "2 x Water")
"""A partner's PMS reads a stay's folio, posts minibar and service charges once however often it sends
them, reads the calls its guests made, and the minibar catalogue."""

from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from billing import services as billing_services
from billing.models import CallRecord, FolioLine, MinibarItem
from rooms.models import Stay
from tests.concurrency import race
from tests.factories import RoomFactory

from .conftest import ApiClient, assert_error
from .test_stays_and_rooms import reservation

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    MinibarItem.objects.create(code="1045", name="Water", price=Decimal("3.50"), tax_rate=Decimal("7"))
    MinibarItem.objects.create(code="3003", name="Old wine", price=Decimal("30"), active=False)


def stay_for(api, external_id="R-F1", check_in=True):
    stay = api.post("/api/v1/stays/", reservation(RoomFactory(), external_id=external_id)).json()
    if check_in:
        assert api.post(f"/api/v1/stays/{stay['id']}/check-in/", {}).status_code == 200
    return stay


def test_minibar_and_a_service_charge_land_on_the_folio_once_each(api, catalogue):
    stay = stay_for(api)
    assert api.get(f"/api/v1/stays/{stay['id']}/folio/").json()["balance"] == "0.00"

    minibar = {"minibar_item": "1045", "quantity": 2}
    posted = api.post(f"/api/v1/stays/{stay['id']}/postings/", minibar, **{"Idempotency-Key": "mb-1"})
    assert posted.status_code == 201, posted.content
    assert posted.json()["lines"][0]["description"] == "Minibar: 2 × Water"
    assert posted.json()["balance"] == "7.00"
    again = api.post(f"/api/v1/stays/{stay['id']}/postings/", minibar, **{"Idempotency-Key": "mb-1"})
    assert again.status_code == 201 and again.json() == posted.json()

    laundry = {"amount": "12.50", "description": "Laundry", "tax_rate": "19"}
    assert api.post(f"/api/v1/stays/{stay['id']}/postings/", laundry).status_code == 201

    folio = api.get(f"/api/v1/stays/{stay['id']}/folio/").json()
    assert folio["balance"] == "19.50" and folio["closed"] is False
    assert [(g["kind"], g["total"]) for g in folio["groups"]] == [("minibar", "7.00"), ("service", "12.50")]
    assert folio["groups"][0]["lines"][0]["source"] == "api"
    assert FolioLine.objects.count() == 2


def test_refusals_are_4xx_with_a_code_and_post_nothing(api, catalogue):
    booked = stay_for(api, check_in=False)
    refused = api.post(f"/api/v1/stays/{booked['id']}/postings/", {"amount": "5.00", "description": "Fee"})
    assert_error(refused, 409, "billing_rule")
    stay = stay_for(api, external_id="R-F2")
    assert_error(
        api.post(f"/api/v1/stays/{stay['id']}/postings/", {"minibar_item": "3003"}), 409, "billing_rule"
    )
    assert_error(api.post(f"/api/v1/stays/{stay['id']}/postings/", {"amount": "5.00"}), 400, "invalid")
    assert_error(
        api.post(f"/api/v1/stays/{stay['id']}/postings/", {"minibar_item": "1045", "amount": "1"}),
        400,
        "invalid",
    )
    assert not FolioLine.objects.exists()


def test_scopes_and_other_clients_stays(api, api_for, catalogue):
    stay = stay_for(api)
    reader = api_for(["folio:read"])
    assert_error(reader.post(f"/api/v1/stays/{stay['id']}/postings/", {"minibar_item": "1045"}), 403)
    assert_error(api_for(["stays:read"]).get(f"/api/v1/stays/{stay['id']}/folio/"), 403)
    assert_error(api_for(["stays:read"]).get("/api/v1/call-records/"), 403)
    assert_error(api_for(["stays:read"]).get("/api/v1/minibar-items/"), 403)
    other = api_for(partner="Mews")
    assert_error(other.get(f"/api/v1/stays/{stay['id']}/folio/"), 404)
    assert_error(other.post(f"/api/v1/stays/{stay['id']}/postings/", {"minibar_item": "1045"}), 404)
    assert not FolioLine.objects.exists()


def test_call_records_of_the_clients_stays_with_their_outcome(api, api_for):
    stay = stay_for(api)
    room = stay["room"]
    mine = Stay.objects.get(pk=stay["id"])
    for n, outcome in enumerate(["charged", "free"]):
        CallRecord.objects.create(
            pbx_serial="SN",
            callid=f"c{n}",
            started_at=timezone.now(),
            call_type="Outbound",
            status="ANSWERED",
            caller=mine.room.extension,
            callee="004420700",
            talk_seconds=60,
            room=mine.room,
            stay=mine,
            outcome=outcome,
            price=Decimal("0.90") if outcome == "charged" else Decimal("0"),
        )
    listed = api.get("/api/v1/call-records/", {"room": room, "outcome": "charged"}).json()
    assert [(c["callid"], c["price"], c["stay"]) for c in listed["results"]] == [("c0", "0.90", stay["id"])]
    assert len(api.get("/api/v1/call-records/", {"stay": stay["id"]}).json()["results"]) == 2
    assert api_for(partner="Mews").get("/api/v1/call-records/").json()["results"] == []


def test_the_minibar_catalogue_lists_active_items(api, catalogue):
    items = api.get("/api/v1/minibar-items/").json()
    assert items == [{"code": "1045", "name": "Water", "price": "3.50", "tax_rate": "7.00", "active": True}]


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_of_a_posting_post_one_charge(make_key, catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("threads writing at once need PostgreSQL (SQLite serialises whole-database writes)")
    owner = ApiClient(make_key())
    stay = stay_for(owner)
    key = make_key(["postings:write"])
    answers = []

    def post():
        client = ApiClient(key)
        body = {"minibar_item": "1045", "quantity": 1}
        answers.append(client.post(f"/api/v1/stays/{stay['id']}/postings/", body, **{"Idempotency-Key": "r"}))

    outcomes = race(8, post, lambda exc: repr(exc))

    assert outcomes == ["ok"] * 8
    assert FolioLine.objects.count() == 1
    assert {a.status_code for a in answers} <= {201, 409} and any(a.status_code == 201 for a in answers)


def test_a_re_rated_call_comes_back_in_an_incremental_sync(api, manager_user):
    """Call records are paged by (updated_at, id), like stays and rooms: a call re-rated after the PMS
    read it comes again, with its new outcome, to a PMS asking for what changed since its last read."""
    from billing.services import call_rerate

    stay = stay_for(api)
    mine = Stay.objects.get(pk=stay["id"])
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        records = []
        for n in range(3):
            records.append(
                CallRecord.objects.create(
                    pbx_serial="SN",
                    callid=f"r{n}",
                    started_at=timezone.now(),
                    call_type="Outbound",
                    caller=mine.room.extension,
                    callee="004420700",
                    talk_seconds=60,
                    room=mine.room,
                    stay=mine,
                    outcome="charged",
                    price=Decimal("0.90"),
                )
            )
            clock.shift(1)
        first_read = api.get("/api/v1/call-records/", {"limit": 2}).json()
        second_read = api.get(first_read["next"]).json()
        seen = first_read["results"] + second_read["results"]
        assert [c["callid"] for c in seen] == ["r0", "r1", "r2"] and second_read["next"] is None
        last_seen = seen[-1]["updated_at"]

        clock.shift(60)
        call_rerate(record=records[0], by=manager_user, reason="tariff corrected")

        changed = api.get("/api/v1/call-records/", {"updated_since": last_seen}).json()["results"]
    assert [c["callid"] for c in changed] == ["r2", "r0"]  # r2 again (>=), then the re-rated call last
    assert changed[-1]["outcome"] != "charged" or changed[-1]["price"] != "0.90"
    assert changed[-1]["updated_at"] > last_seen


def test_a_stays_postings_are_listed_in_order_with_where_each_came_from(
    api, api_for, catalogue, front_desk_user
):
    stay = stay_for(api)
    empty = api.get(f"/api/v1/stays/{stay['id']}/postings/").json()
    assert empty == {"stay": stay["id"], "balance": "0.00", "results": []}
    api.post(f"/api/v1/stays/{stay['id']}/postings/", {"minibar_item": "1045", "quantity": 1})
    laundry = api.post(f"/api/v1/stays/{stay['id']}/postings/", {"amount": "12.50", "description": "Laundry"})
    billing_services.folio_line_reverse(
        line=FolioLine.objects.get(pk=laundry.json()["lines"][0]["id"]), by=front_desk_user, reason="not ours"
    )

    listed = api.get(f"/api/v1/stays/{stay['id']}/postings/").json()
    assert listed["balance"] == "3.50"
    assert [(p["description"], p["amount"], p["source"]) for p in listed["results"]] == [
        ("Minibar: 1 × Water", "3.50", "api"),
        ("Laundry", "12.50", "api"),
        ("Void: Laundry", "-12.50", "desk"),
    ]
    assert listed["results"][2]["reverses"] == listed["results"][1]["id"]
    assert_error(api_for(partner="Mews").get(f"/api/v1/stays/{stay['id']}/postings/"), 404)


def test_the_desk_reads_which_api_client_posted_a_charge(api, catalogue, desk_client):
    stay = stay_for(api)
    api.post(f"/api/v1/stays/{stay['id']}/postings/", {"minibar_item": "1045", "quantity": 1})
    api.post(f"/api/v1/stays/{stay['id']}/postings/", {"amount": "12.50", "description": "Laundry"})

    folio = desk_client.get(reverse("billing:folio", args=[stay["id"]])).content.decode()
    assert folio.count("API · Opera PMS") == 2
