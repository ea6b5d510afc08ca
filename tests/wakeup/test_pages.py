"""The desk's wake-up board, the alert strip on every desk page, and the daily report."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from rooms.models import StayStatus
from tests.factories import GuestFactory, StayFactory
from wakeup import dispatch, services
from wakeup.models import WakeupCall, WakeupStatus

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def berlin(settings):
    settings.HOTEL_TIME_ZONE = settings.PBX_TIME_ZONE = "Europe/Berlin"
    settings.PBX_URL = "http://127.0.0.1:9"


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 6, 11, 5, 0, tzinfo=BERLIN), tick=False) as traveller:
        yield traveller


def guest_in(room_number: str, name: str, language="fr"):
    from tests.factories import RoomFactory

    return StayFactory(
        room=RoomFactory(number=room_number, floor=int(room_number[0])),
        arrival=date(2026, 6, 10),
        departure=date(2026, 6, 13),
        status=StayStatus.IN_HOUSE,
        guest=GuestFactory(last_name=name, first_name="", language=language),
    )


def test_the_desk_sets_a_wake_up_from_the_quick_form(desk_client, front_desk_user, clock):
    guest_in("301", "Dupont")
    response = desk_client.post(
        reverse("wakeup:create"),
        {"room": "301", "day": "2026-06-11", "clock": "06:45", "recurrence": "once", "attempts": "2"},
    )
    assert response.status_code == 302
    wakeup = WakeupCall.objects.get()
    assert (wakeup.due_at, wakeup.attempts_allowed, wakeup.set_by) == (
        datetime(2026, 6, 11, 6, 45, tzinfo=BERLIN),
        2,
        front_desk_user,
    )
    page = desk_client.get(reverse("wakeup:board")).content.decode()
    assert "06:45" in page and "Dupont" in page and "FR" in page and "Scheduled" in page


def test_the_desk_can_ask_for_a_confirmed_wake_up_for_one_guest(desk_client, clock, settings):
    settings.WAKEUP_MODE = "alarm"
    guest_in("301", "Dupont")
    page = desk_client.get(reverse("wakeup:board")).content.decode()
    assert 'name="mode"' in page and "Confirmed by a key" in page

    form = {"room": "301", "day": "2026-06-11", "clock": "06:45", "recurrence": "once"}
    assert desk_client.post(reverse("wakeup:create"), {**form, "mode": "confirmed"}).status_code == 302
    assert desk_client.post(reverse("wakeup:create"), {**form, "clock": "07:15"}).status_code == 302
    assert list(WakeupCall.objects.values_list("mode", flat=True)) == ["confirmed", "alarm"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"room": "301", "day": "2026-06-11", "clock": "04:00"}, "already passed"),
        ({"room": "301", "day": "2026-06-11", "clock": "05:01"}, "at least 2 minutes ahead"),
        ({"room": "301", "day": "2026-06-20", "clock": "07:00"}, "outside the stay"),
        ({"room": "999", "day": "2026-06-11", "clock": "07:00"}, "Nobody is in house in room 999"),
        ({"room": "301", "day": "11/06/2026", "clock": "7 o'clock"}, "Enter a valid"),
    ],
)
def test_bad_wake_ups_get_a_clear_error_and_nothing_is_stored(desk_client, clock, fields, message):
    guest_in("301", "Dupont")
    response = desk_client.post(reverse("wakeup:create"), {"recurrence": "once", **fields})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WakeupCall.objects.exists()


def test_failed_wake_ups_are_on_top_of_the_board_and_the_alert_is_on_every_desk_page(desk_client, clock):
    early = services.wakeup_set(stay=guest_in("301", "Dupont"), day=date(2026, 6, 11), clock=time(5, 10))[0]
    services.wakeup_set(stay=guest_in("302", "Martin"), day=date(2026, 6, 11), clock=time(5, 5))
    clock.move_to(datetime(2026, 6, 11, 5, 11, tzinfo=BERLIN))  # 05:10 was never sent: scheduler down
    WakeupCall.objects.filter(pk=early.pk).update(next_action_at=datetime(2026, 6, 11, 5, 11, tzinfo=BERLIN))
    WakeupCall.objects.exclude(pk=early.pk).update(next_action_at=None)
    dispatch.dispatch_due()

    board = desk_client.get(reverse("wakeup:board_partial"), HTTP_HX_REQUEST="true").content.decode()
    assert board.index("Dupont") < board.index("Martin")  # the failed one first, though it is later
    assert "Escalated to the desk" in board

    strip = desk_client.get(reverse("wakeup:alerts")).content.decode()
    assert "Wake-up room 301" in strip and 'data-open-alerts="1"' in strip
    room_board = desk_client.get(reverse("rooms:board")).content.decode()
    assert reverse("wakeup:alerts") in room_board  # every desk page loads the strip


def test_an_alert_is_acknowledged_by_a_named_person_who_says_what_was_done(
    desk_client, front_desk_user, clock
):
    wakeup = services.wakeup_set(stay=guest_in("301", "Dupont"), day=date(2026, 6, 11), clock=time(5, 10))[0]
    clock.move_to(datetime(2026, 6, 11, 5, 11, tzinfo=BERLIN))
    dispatch.dispatch_due()
    alert = WakeupCall.objects.get(pk=wakeup.pk).alert
    url = reverse("wakeup:acknowledge", args=[alert.pk])

    refused = desk_client.post(url, {"action_taken": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "Write what was done" in refused.content.decode()

    done = desk_client.post(url, {"action_taken": "Called room 301, guest awake"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and "Wake-up room 301" not in done.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by == front_desk_user and alert.action_taken == "Called room 301, guest awake"
    assert WakeupCall.objects.get(pk=wakeup.pk).status == WakeupStatus.HANDLED
    board = desk_client.get(reverse("wakeup:board")).content.decode()
    assert "Handled by desk: Called room 301, guest awake" in board


def test_an_alert_nobody_acknowledged_for_m_minutes_is_shown_as_sent_to_the_manager(
    client, front_desk_user, manager_user, clock, settings
):
    settings.WAKEUP_MANAGER_AFTER_MINUTES = 10
    client.force_login(manager_user)
    services.wakeup_set(stay=guest_in("301", "Dupont"), day=date(2026, 6, 11), clock=time(5, 10))
    clock.move_to(datetime(2026, 6, 11, 5, 11, tzinfo=BERLIN))
    dispatch.dispatch_due()  # missed (the scheduler was down): escalated
    clock.shift(9 * 60)
    dispatch.dispatch_due()
    strip = client.get(reverse("wakeup:alerts")).content.decode()
    assert "Wake-up room 301" in strip and "sent to you" not in strip  # the desk's, for now

    clock.shift(61)
    dispatch.dispatch_due()
    strip = client.get(reverse("wakeup:alerts")).content.decode()
    assert "Wake-up room 301" in strip and "Unanswered for 10 min — sent to you" in strip
    assert "wakeup-alert-manager" in strip  # dark, set apart from the desk's red alerts
    desk = Client()  # the front desk, on its own terminal
    desk.force_login(front_desk_user)
    desk_strip = desk.get(reverse("wakeup:alerts")).content.decode()
    assert "Sent to the manager" in desk_strip and "sent to you" not in desk_strip


def test_a_manager_gets_the_alert_strip_with_its_sound_on_manager_only_pages(
    client, manager_user, clock, settings
):
    client.force_login(manager_user)
    alerts_url = reverse("wakeup:alerts")
    for page in ("billing:tariffs", "billing:reports", "wakeup:board", "rooms:board", "admin:index"):
        html = client.get(reverse(page)).content.decode()
        assert f'hx-get="{alerts_url}"' in html, page  # the strip loads on every page a manager opens
    services.wakeup_set(stay=guest_in("301", "Dupont"), day=date(2026, 6, 11), clock=time(5, 10))
    clock.move_to(datetime(2026, 6, 11, 5, 11, tzinfo=BERLIN))
    dispatch.dispatch_due()
    strip = client.get(alerts_url).content.decode()
    assert 'x-data="wakeupAlarm"' in strip and 'data-open-alerts="1"' in strip  # it beeps while open


def test_change_and_cancel_from_the_board(desk_client, clock):
    wakeup = services.wakeup_set(stay=guest_in("301", "Dupont"), day=date(2026, 6, 11), clock=time(7, 0))[0]
    desk_client.post(reverse("wakeup:change", args=[wakeup.pk]), {"day": "2026-06-11", "clock": "06:15"})
    wakeup.refresh_from_db()
    assert wakeup.due_at == datetime(2026, 6, 11, 6, 15, tzinfo=BERLIN)
    desk_client.post(reverse("wakeup:cancel", args=[wakeup.pk]))
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.CANCELLED
    again = desk_client.post(reverse("wakeup:cancel", args=[wakeup.pk]), follow=True)
    assert "has not rung yet" in again.content.decode()


def test_the_compliance_report_counts_the_day(desk_client, clock):
    stay = guest_in("301", "Dupont")
    answered, failed, _ = (
        services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(h, 0))[0] for h in (6, 7, 8)
    )
    WakeupCall.objects.filter(pk=answered.pk).update(status=WakeupStatus.ANSWERED)
    failed_row = WakeupCall.objects.get(pk=failed.pk)
    failed_row.status = WakeupStatus.NO_ANSWER
    services.escalate(failed_row, "Not answered after 3 call(s)")
    page = desk_client.get(reverse("wakeup:report") + "?day=2026-06-11").content.decode()
    assert "Thu 11 Jun" in page
    row = page[page.index("Thu 11 Jun") :].split("</tr>")[0]
    assert [c.split("<")[0] for c in row.split("<td>")[1:]] == ["3", "1", "0", "1", "1", "0", "0"]


def test_housekeeping_cannot_open_the_wake_up_board(housekeeping_client):
    assert housekeeping_client.get(reverse("wakeup:board")).status_code == 403


def test_the_stay_and_room_pages_show_the_stays_wake_ups_and_set_one(desk_client, clock):
    stay = guest_in("301", "Dupont")
    services.wakeup_set(stay=stay, day=date(2026, 6, 12), clock=time(6, 30))
    panel_url = reverse("wakeup:stay_panel", args=[stay.pk])
    assert panel_url in desk_client.get(reverse("rooms:stay_detail", args=[stay.pk])).content.decode()
    assert panel_url in desk_client.get(reverse("rooms:room_detail", args=["301"])).content.decode()

    panel = desk_client.get(panel_url).content.decode()
    assert "Fri 12 Jun 06:30" in panel and "Scheduled" in panel and 'name="room" value="301"' in panel

    desk_client.post(
        reverse("wakeup:create"), {"room": "301", "recurrence": "once", "day": "2026-06-11", "clock": "07:00"}
    )
    assert "Thu 11 Jun 07:00" in desk_client.get(panel_url).content.decode()


def test_a_repeated_wake_up_shows_its_next_day_and_each_days_result(desk_client, clock):
    from wakeup.models import AttemptResult, Recurrence, WakeupAttempt

    stay = guest_in("301", "Dupont")
    thursday, friday, saturday = services.wakeup_set(
        stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY
    )
    WakeupCall.objects.filter(pk=thursday.pk).update(status=WakeupStatus.ANSWERED)
    WakeupAttempt.objects.create(
        wakeup=thursday,
        callid="1749616200.1",
        at=datetime(2026, 6, 11, 6, 30, tzinfo=BERLIN),
        result=AttemptResult.ANSWERED,
    )
    clock.move_to(datetime(2026, 6, 11, 9, 0, tzinfo=BERLIN))

    panel = desk_client.get(reverse("wakeup:stay_panel", args=[stay.pk])).content.decode()
    assert "Every day of the stay" in panel and "next: Fri 12 Jun 06:30" in panel
    days = panel[panel.index("wakeup-day") :]
    assert "Thu 11 Jun 06:30" in days and "Answered" in days and "06:30 answered" in days
    assert "Sat 13 Jun 06:30" in days and "PBX alarm: Not on the PBX" in panel

    board = desk_client.get(reverse("wakeup:board") + "?day=2026-06-12").content.decode()
    assert "Every day of the stay · day 2 of 3" in board and "Cancel all days" in board

    desk_client.post(reverse("wakeup:cancel_all", args=[friday.pk]))
    statuses = dict(WakeupCall.objects.filter(stay=stay).values_list("pk", "status"))
    assert statuses == {
        thursday.pk: WakeupStatus.ANSWERED,
        friday.pk: WakeupStatus.CANCELLED,
        saturday.pk: WakeupStatus.CANCELLED,
    }
    panel = desk_client.get(reverse("wakeup:stay_panel", args=[stay.pk])).content.decode()
    assert "no day left" in panel and "PBX alarm: Removed" in panel


def test_a_wake_up_is_changed_from_the_stays_panel(desk_client, clock):
    stay = guest_in("301", "Dupont")
    [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 12), clock=time(6, 30))
    panel_url = reverse("wakeup:stay_panel", args=[stay.pk])
    assert reverse("wakeup:change", args=[wakeup.pk]) in desk_client.get(panel_url).content.decode()

    desk_client.post(reverse("wakeup:change", args=[wakeup.pk]), {"day": "2026-06-12", "clock": "07:10"})
    assert "Fri 12 Jun 07:10" in desk_client.get(panel_url).content.decode()


def test_an_at_risk_warning_for_a_wake_up_that_was_then_answered_is_not_counted_as_escalated(clock):
    from wakeup import selectors

    [wakeup] = services.wakeup_set(stay=guest_in("301", "Dupont"), day=date(2026, 6, 11), clock=time(6, 0))
    services.raise_alert(wakeup, "At risk: not yet confirmed on the PBX. Check the PBX link.")
    WakeupCall.objects.filter(pk=wakeup.pk).update(status=WakeupStatus.ANSWERED)

    counts = selectors.compliance(date(2026, 6, 11))
    assert (counts["set"], counts["answered"], counts["failed"], counts["escalated"]) == (1, 1, 0, 0)


def test_the_board_changes_attempts_and_interval_and_refuses_a_clashing_time(desk_client, clock):
    stay = guest_in("301", "Dupont")
    services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30))
    later = services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(7, 0))[0]
    change = reverse("wakeup:change", args=[later.pk])

    desk_client.post(
        change, {"day": "2026-06-11", "clock": "07:00", "attempts": "1", "interval_minutes": "10"}
    )
    later.refresh_from_db()
    assert (later.attempts_allowed, later.interval_minutes) == (1, 10)
    board = desk_client.get(reverse("wakeup:board")).content.decode()
    assert f'id="attempts-{later.pk}" min="1" max="3" value="1"' in board

    refused = desk_client.post(change, {"day": "2026-06-11", "clock": "06:30"}, follow=True)
    assert "Room 301 already has a wake-up at 06:30 on 11 Jun" in refused.content.decode()
    later.refresh_from_db()
    assert later.due_at == datetime(2026, 6, 11, 7, 0, tzinfo=BERLIN)
