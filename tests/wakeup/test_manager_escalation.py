"""An alert the desk left unacknowledged for M minutes goes to the manager: managers see it as theirs on
every page ("Unanswered for M min — sent to you"), and the manager's extension, when one is set, is rung
and connected to the room through the same dial path as the desk's (against the emulated PBX over HTTP,
API v1 and v2). What became of that call is written in words on the strip, the board and the audit log."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from hotelpbx.core.models import AuditEntry
from tests.factories import UserFactory
from tests.pbx.link.helpers import drain_all
from wakeup import dispatch, services
from wakeup.models import WakeupStatus

from .conftest import MANAGER, in_house

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2026, 6, 10, 20, 0, tzinfo=BERLIN)
DIAL_PATHS = ("call/dial", "extension/dial_extension")
SENT_TO_YOU = "Unanswered for 10 min — sent to you"


def settle(emu):
    drain_all()
    assert emu.wait_idle(15)


def dials(emu):
    return [r for r in emu.requests_log if r["path"] in DIAL_PATHS]


def never_answered(emu, traveller, wakeup):
    """Three calls, none answered: escalated after the last (at 20:20:22)."""
    emu.calls.alarm_outcomes.plan_prompt(wakeup.room.extension, ["no answer"] * 3)
    for index, minutes in enumerate((0, 5, 10)):
        traveller.move_to(wakeup.due_at + timedelta(minutes=minutes, seconds=2 + 10 * index))
        dispatch.dispatch_due()
        settle(emu)
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.ESCALATED


def minutes_after_the_alert(emu, traveller, wakeup, minutes: float):
    traveller.move_to(wakeup.alert.raised_at + timedelta(minutes=minutes))
    result = dispatch.dispatch_due()
    settle(emu)
    return result


def signed_in(client, username: str, role: str):
    Group.objects.get_or_create(name=role)  # the groups the migrations made are gone after a flush
    client.force_login(UserFactory(username=username, role=role, is_staff=role == "Manager"))
    return client


@pytest.fixture
def confirmed(pbx, rooms, settings):
    settings.WAKEUP_MANAGER_AFTER_MINUTES = 10
    settings.WAKEUP_ESCALATION_DESK_EXTENSION = ""
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10))
        settle(pbx)
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 10), clock=time(20, 10), mode="confirmed")
        yield pbx, traveller, wakeup


def test_after_m_minutes_unacknowledged_the_managers_extension_is_rung_and_connected_to_the_room(
    confirmed, settings, api_version, client
):
    emu, traveller, wakeup = confirmed
    settings.WAKEUP_ESCALATION_MANAGER_EXTENSION = MANAGER
    never_answered(emu, traveller, wakeup)
    assert minutes_after_the_alert(emu, traveller, wakeup, 9)["to_manager"] == 0
    assert dials(emu) == []  # the desk still has time

    assert minutes_after_the_alert(emu, traveller, wakeup, 10.1)["to_manager"] == 1
    [dial] = dials(emu)
    if api_version == "v2.0.0":
        assert dial["path"] == "call/dial"
        assert dial["body"] == {
            "caller": MANAGER,
            "callee": "2101",
            "dialpermission": MANAGER,
            "autoanswer": "no",
        }
    else:
        assert dial["path"] == "extension/dial_extension"
        assert dial["body"] == {"caller": MANAGER, "callee": "2101", "autoanswer": "no"}
    assert dial["errno"] is None
    with emu.lock:  # the PBX placed the call: the manager first, then the room
        assert [(c["callfrom"], c["callto"]) for c in emu.state.cdrs if c["callfrom"] == MANAGER] == [
            (MANAGER, "2101")
        ]
    minutes_after_the_alert(emu, traveller, wakeup, 15)
    assert len(dials(emu)) == 1  # once per alert

    manager = signed_in(client, "duty-manager", "Manager")
    strip = manager.get(reverse("wakeup:alerts")).content.decode()
    assert SENT_TO_YOU in strip and f"Manager extension {MANAGER} called." in strip
    board = manager.get(reverse("wakeup:board"), {"day": "2026-06-10"}).content.decode()
    assert f"Manager extension {MANAGER} called." in board
    [entry] = AuditEntry.objects.filter(action="wakeup.to_manager")
    assert entry.room_number == "101"
    assert "unanswered for 10 min: sent to the manager; calling manager extension 300" in entry.summary


def test_a_manager_call_the_pbx_refuses_is_shown_in_words(confirmed, settings, client):
    emu, traveller, wakeup = confirmed
    settings.WAKEUP_ESCALATION_MANAGER_EXTENSION = "399"  # not an extension on this PBX
    never_answered(emu, traveller, wakeup)
    minutes_after_the_alert(emu, traveller, wakeup, 10.1)

    assert [d["errno"] for d in dials(emu)] == ["10006"]
    strip = signed_in(client, "duty-manager", "Manager").get(reverse("wakeup:alerts")).content.decode()
    assert "Manager extension 399 could not be called: the extension does not exist (errno 10006)." in strip
    assert SENT_TO_YOU in strip  # the alert reaches the manager's pages either way


def test_without_a_manager_extension_nobody_is_rung_and_the_strip_says_why(confirmed, settings, client):
    emu, traveller, wakeup = confirmed
    settings.WAKEUP_ESCALATION_MANAGER_EXTENSION = ""
    never_answered(emu, traveller, wakeup)
    minutes_after_the_alert(emu, traveller, wakeup, 10.1)

    assert dials(emu) == []
    strip = signed_in(client, "duty-manager", "Manager").get(reverse("wakeup:alerts")).content.decode()
    assert SENT_TO_YOU in strip
    assert "No manager extension is set: the manager was not called." in strip
    [entry] = AuditEntry.objects.filter(action="wakeup.to_manager")
    assert "no manager extension is set, nobody called" in entry.summary


def test_an_alert_acknowledged_in_time_never_reaches_the_manager(confirmed, settings, client):
    emu, traveller, wakeup = confirmed
    settings.WAKEUP_ESCALATION_MANAGER_EXTENSION = MANAGER
    never_answered(emu, traveller, wakeup)
    desk = signed_in(client, "desk-on-duty", "Front desk")
    desk.post(reverse("wakeup:acknowledge", args=[wakeup.alert.pk]), {"action_taken": "Went up, guest awake"})

    assert minutes_after_the_alert(emu, traveller, wakeup, 30)["to_manager"] == 0
    assert dials(emu) == []
    assert not AuditEntry.objects.filter(action="wakeup.to_manager").exists()
