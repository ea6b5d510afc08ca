"""The PBX keeps reflecting the hotel (reconciliation), and no call record is lost (back-fill)."""

import json

import pytest
from django.utils import timezone

from billing.models import CallRecord
from hotelpbx.pbx.backfill import backfill_gap, check_cdr_flow
from hotelpbx.pbx.models import EventStatus, JobStatus, LinkJob, PbxCommand, PbxEvent, PbxLink
from hotelpbx.pbx.processing import process_event
from hotelpbx.pbx.reconcile import reconcile_all
from rooms import services
from tests.factories import GuestFactory, StayFactory
from tests.rooms.board_html import tile

from .helpers import drain_all


def check_in(room, last="Lovelace"):
    return services.stay_check_in(
        stay=StayFactory(room=room, guest=GuestFactory(first_name="Ada", last_name=last))
    )


def test_reconciliation_finds_and_repairs_what_was_changed_on_the_pbx(pbx, hotel_rooms):
    guest_room, vacant_room = hotel_rooms[:2]
    check_in(guest_room)
    drain_all()
    # someone edits the PBX by hand: the guest's name and voicemail are gone, a vacant phone got DND
    pbx.state.extensions[guest_room.extension].update({"username": "Reception", "hasvoicemail": "off"})
    pbx.state.extensions[vacant_room.extension]["dnd"] = "on"
    job = reconcile_all(trigger="on demand")
    assert job.status == JobStatus.DONE
    assert (job.total, job.done, job.drift, job.repaired) == (len(hotel_rooms), len(hotel_rooms), 2, 2)
    assert PbxCommand.objects.filter(reason__startswith="reconcile").exists()
    drain_all()
    assert pbx.state.extensions[guest_room.extension]["username"] == "Lovelace Ada"
    assert pbx.state.extensions[guest_room.extension]["hasvoicemail"] == "on"
    assert pbx.state.extensions[vacant_room.extension]["dnd"] == "off"
    assert reconcile_all(trigger="again").drift == 0


def test_a_room_whose_extension_is_gone_from_the_pbx_is_shown_failed_not_only_logged(
    pbx, hotel_rooms, desk_client
):
    room = hotel_rooms[1]  # vacant: no check-in would ever tell
    del pbx.state.extensions[room.extension]  # deleted on the PBX by hand

    job = reconcile_all(trigger="hourly")
    drain_all()

    assert job.drift == 1
    failed = PbxCommand.objects.get(extension=room.extension, status="failed")
    assert "does not exist" in failed.last_error
    page = desk_client.get("/pbx/").content.decode()
    assert f"Room {room.number}" in page and "does not exist" in page
    assert "failed" in tile(desk_client.get("/board/").content.decode(), room.number).marks
    # the next run does not pile up more failing commands; "try again" stays the desk's choice
    sent = PbxCommand.objects.filter(extension=room.extension).count()
    reconcile_all(trigger="hourly")
    drain_all()
    assert PbxCommand.objects.filter(extension=room.extension).count() == sent


def test_reconciliation_repairs_route_membership_on_v2(pbx_v2, hotel_rooms):
    room = hotel_rooms[0]
    pbx_v2.state.outroutes[0]["extensions"] = room.extension  # a vacant room may dial abroad: wrong
    job = reconcile_all(trigger="hourly")
    assert job.drift == 1
    drain_all()
    assert room.extension not in pbx_v2.state.outroutes[0]["extensions"]


def test_reconciliation_failure_is_shown_on_its_job(pbx, hotel_rooms):
    pbx.faults.update({"down": True})
    job = reconcile_all(trigger="on demand")
    assert job.status == JobStatus.FAILED and job.error


def test_first_connect_triggers_reconciliation(pbx, hotel_rooms, django_capture_on_commit_callbacks):
    from hotelpbx.pbx.client import get_client

    with django_capture_on_commit_callbacks() as callbacks:
        get_client().login()
    assert callbacks, "a first login schedules reconciliation and a sweep after commit"


def test_back_fill_fetches_the_calls_whose_reports_were_lost(pbx, hotel_rooms):
    room = hotel_rooms[0]
    stay = check_in(room)
    drain_all()
    pbx.faults.update({"drop_reports": True})
    callids = [pbx.place_call(kind="outbound", src=room.extension, dst="00442071234567") for _ in range(3)]
    PbxLink.objects.filter(pk=1).update(last_cdr_at=timezone.now() - timezone.timedelta(hours=1))
    job = backfill_gap(trigger="test")
    assert job.status == JobStatus.DONE and job.total >= 3 and job.added >= 3
    events = PbxEvent.objects.filter(source="backfill", name="NewCdr")
    assert set(callids) <= set(events.values_list("callid", flat=True))
    for event in events:
        process_event(event.pk)
    records = CallRecord.objects.filter(callid__in=callids)
    assert records.count() == 3 and {r.stay_id for r in records} == {stay.pk}
    # a second run finds nothing new: the dedupe key is the PBX serial + call id
    again = backfill_gap(trigger="again", hours=2)
    assert again.added == 0
    assert CallRecord.objects.filter(callid__in=callids).count() == 3


def test_cdr_silence_while_rooms_are_occupied_raises_the_alert(
    pbx, hotel_rooms, django_capture_on_commit_callbacks
):
    check_in(hotel_rooms[0])
    PbxLink.objects.filter(pk=1).update(last_cdr_at=timezone.now() - timezone.timedelta(hours=9))
    assert check_cdr_flow() == "alert"
    link = PbxLink.get()
    assert "no call record" in link.cdr_alert
    PbxLink.objects.filter(pk=1).update(last_cdr_at=timezone.now())
    assert check_cdr_flow() == "ok"
    assert PbxLink.get().cdr_alert == ""


def test_no_alert_when_nobody_is_in_house(pbx, hotel_rooms):
    PbxLink.objects.filter(pk=1).update(last_cdr_at=None)
    assert check_cdr_flow() == "ok"


# --- reports that drive the link and the rooms -----------------------------------------------------


def _store_and_process(body: dict) -> PbxEvent:
    from hotelpbx.pbx.ingest import store_report

    event, _ = store_report(raw=json.dumps(body).encode(), source_ip="127.0.0.1")
    process_event(event.pk)
    event.refresh_from_db()
    return event


def test_boot_up_forgets_the_token_and_reconciles(pbx, hotel_rooms, django_capture_on_commit_callbacks):
    PbxLink.objects.filter(pk=1).update(token="f" * 32)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = _store_and_process({"action": "BootUp", "sn": "369364835218"})
    assert event.status == EventStatus.PROCESSED
    assert PbxLink.get().token == ""
    assert callbacks


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (
            {
                "action": "DTMF",
                "callid": "1.1",
                "call": [{"ext": {"extid": "2101"}}],
                "info": "2",
                "flag": "1",
                "infos": "12",
                "sn": "369364835218",
            },
            "clean",
        ),
        (
            {
                "event": "DTMF",
                "callid": "1.2",
                "members": [{"ext": {"number": "2101", "memberstatus": "ANSWERED", "callpath": ""}}],
                "info": "1",
                "flag": 1,
                "infos": "11",
                "sn": "369364835218",
            },
            "dirty",
        ),
    ],
)
def test_a_status_code_keyed_on_the_room_phone_sets_the_room_status(pbx, hotel_rooms, body, status):
    room = hotel_rooms[0]
    if status == "clean":
        room.housekeeping_status = "dirty"
        room.save()
    _store_and_process(body)
    room.refresh_from_db()
    assert room.housekeeping_status == status
    assert room.status_changes.first().source == "phone"


def test_unknown_phone_codes_change_nothing(pbx, hotel_rooms):
    room = hotel_rooms[0]
    _store_and_process(
        {
            "action": "DTMF",
            "callid": "1.3",
            "call": [{"ext": {"extid": room.extension}}],
            "info": "7",
            "flag": "0",
            "infos": "7",
            "sn": "369364835218",
        }
    )
    room.refresh_from_db()
    assert room.housekeeping_status == "inspected" and not room.status_changes.exists()


def test_extension_status_shows_the_phone_state(pbx, hotel_rooms):
    room = hotel_rooms[0]
    _store_and_process(
        {"event": "ExtensionStatus", "extension": room.extension, "status": "Busy", "sn": "369364835218"}
    )
    room.refresh_from_db()
    assert room.phone_status == "Busy" and room.phone_status_at is not None


def test_jobs_show_on_the_pbx_page(pbx, hotel_rooms, desk_client):
    reconcile_all(trigger="on demand")
    page = desk_client.get("/pbx/").content.decode()
    assert "Reconciliation" in page and f"{len(hotel_rooms)}/{len(hotel_rooms)}" in page
    assert LinkJob.objects.count() == 1


def test_the_board_shows_a_busy_room_phone(pbx, hotel_rooms, desk_client):
    room = hotel_rooms[0]
    _store_and_process(
        {"event": "ExtensionStatus", "extension": room.extension, "status": "Busy", "sn": "369364835218"}
    )
    busy = tile(desk_client.get("/board/").content.decode(), room.number)
    assert "busy" in busy.marks and "phone busy" in busy.label


def test_fields_the_pbx_does_not_report_or_masks_are_not_drift(pbx, hotel_rooms):
    room = hotel_rooms[0]
    check_in(room)
    drain_all()
    ext = pbx.state.extensions[room.extension]
    del ext["hasvoicemail"]  # a PBX whose extension/query leaves the field out
    ext["vmsecret"] = "****"  # ... or masks the PIN
    assert reconcile_all(trigger="test").drift == 0


def test_a_class_route_missing_on_the_pbx_fails_the_command_with_its_reason(settings, pbx_v2, hotel_rooms):
    settings.PBX_CLASS_ROUTES = {"international": ["Local", "Satellite"]}
    room = hotel_rooms[0]
    services.stay_check_in(stay=StayFactory(room=room, phone_class="international"))
    drain_all()
    failed = PbxCommand.objects.get(extension=room.extension, op="outroute.members")
    assert failed.status == "failed" and "no outbound route named Satellite" in failed.last_error


def test_an_older_phone_state_processed_late_does_not_overwrite_a_newer_one(pbx, hotel_rooms):
    from hotelpbx.pbx.ingest import store_report

    room = hotel_rooms[0]
    busy, _ = store_report(
        raw=json.dumps(
            {"event": "ExtensionStatus", "extension": room.extension, "status": "Busy", "sn": "369364835218"}
        ).encode(),
        source_ip="127.0.0.1",
    )
    idle = _store_and_process(
        {"event": "ExtensionStatus", "extension": room.extension, "status": "Idle", "sn": "369364835218"}
    )
    PbxEvent.objects.filter(pk=busy.pk).update(received_at=idle.received_at - timezone.timedelta(seconds=5))
    process_event(busy.pk)  # the Busy report's handler runs late (a retry)
    room.refresh_from_db()
    assert room.phone_status == "Idle"


def test_a_cdr_export_without_a_call_id_column_is_a_failed_run_showing_its_header(
    pbx, hotel_rooms, desk_client
):
    pbx.config.cdr_csv_headings = {"callid": "Call Reference", "timestart": "Started"}
    pbx.place_call(kind="outbound", src=hotel_rooms[0].extension, dst="00442071234567")

    job = backfill_gap(trigger="test", hours=2)

    assert job.status == JobStatus.FAILED and job.added == 0 and job.total == 1
    assert job.error.startswith("the call-record CSV has no call id column; its header is: Call Reference,")
    assert job.detail["header"][:2] == ["Call Reference", "Started"]
    assert not PbxEvent.objects.filter(source="backfill").exists()
    page = desk_client.get("/pbx/").content.decode()
    assert "Failed" in page and "its header is: Call Reference, Started, callfrom" in page
