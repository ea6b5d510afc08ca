"""Escalation reaches a person: besides the alert on the desk pages, an escalated wake-up can ring the
front desk's extension and connect it to the room (dial API through the outbox, against the emulated PBX
over HTTP, API v1 and v2), and the alert says in words whether that call was placed. (The manager after
M minutes: test_pages and test_dispatch; work missed while beat was down: test_dispatch.)"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from hotelpbx.pbx.models import PbxCommand
from tests.factories import UserFactory
from tests.pbx.link.helpers import drain_all
from wakeup import dispatch, services
from wakeup.models import WakeupStatus

from .conftest import DESK, in_house

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2026, 6, 10, 20, 0, tzinfo=BERLIN)
DIAL_PATHS = ("call/dial", "extension/dial_extension")


def settle(emu):
    drain_all()
    assert emu.wait_idle(15)


def dials(emu):
    return [r for r in emu.requests_log if r["path"] in DIAL_PATHS]


def never_answered(emu, traveller, wakeup):
    """Three calls, none answered: escalated after the last."""
    emu.calls.alarm_outcomes.plan_prompt(wakeup.room.extension, ["no answer"] * 3)
    for index, minutes in enumerate((0, 5, 10)):
        traveller.move_to(wakeup.due_at + timedelta(minutes=minutes, seconds=2 + 10 * index))
        dispatch.dispatch_due()
        settle(emu)
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.ESCALATED


@pytest.fixture
def desk_client(client):
    """A desk user (the groups the migrations made are gone after an earlier test's flush)."""
    Group.objects.get_or_create(name="Front desk")
    client.force_login(UserFactory(username="desk-escalation", role="Front desk"))
    return client


@pytest.fixture
def confirmed(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10))
        settle(pbx)
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 10), clock=time(20, 10), mode="confirmed")
        yield pbx, traveller, wakeup


def test_an_escalated_wake_up_rings_the_desk_then_connects_it_to_the_room(
    confirmed, settings, api_version, desk_client
):
    emu, traveller, wakeup = confirmed
    settings.WAKEUP_ESCALATION_DESK_EXTENSION = DESK
    never_answered(emu, traveller, wakeup)

    [dial] = dials(emu)
    if api_version == "v2.0.0":
        assert dial["path"] == "call/dial"
        assert dial["body"] == {"caller": DESK, "callee": "2101", "dialpermission": DESK, "autoanswer": "no"}
    else:
        assert dial["path"] == "extension/dial_extension"
        assert dial["body"] == {"caller": DESK, "callee": "2101", "autoanswer": "no"}
    assert dial["errno"] is None
    with emu.lock:  # the PBX placed the call: desk first, then the room
        assert [(c["callfrom"], c["callto"]) for c in emu.state.cdrs if c["callfrom"] == DESK] == [
            (DESK, "2101")
        ]

    page = desk_client.get(reverse("wakeup:alerts")).content.decode()
    assert f"Desk extension {DESK} called." in page
    board = desk_client.get(reverse("wakeup:board"), {"day": "2026-06-10"}).content.decode()
    assert f"Desk extension {DESK} called." in board


def test_a_desk_call_the_pbx_refuses_is_shown_in_words(confirmed, settings, desk_client):
    emu, traveller, wakeup = confirmed
    settings.WAKEUP_ESCALATION_DESK_EXTENSION = "299"  # not an extension on this PBX
    never_answered(emu, traveller, wakeup)

    assert [d["errno"] for d in dials(emu)] == ["10006"]
    page = desk_client.get(reverse("wakeup:alerts")).content.decode()
    assert "Desk extension 299 could not be called:" in page
    assert "the extension does not exist (errno 10006)" in page
    assert "Not confirmed after 3 call(s)" in page  # the alert itself is there either way


def test_without_a_desk_extension_nobody_is_dialled(confirmed, settings, desk_client):
    emu, traveller, wakeup = confirmed
    settings.WAKEUP_ESCALATION_DESK_EXTENSION = ""
    never_answered(emu, traveller, wakeup)

    assert dials(emu) == []
    assert not PbxCommand.objects.filter(op="desk.dial").exists()
    assert "Desk extension" not in desk_client.get(reverse("wakeup:alerts")).content.decode()
