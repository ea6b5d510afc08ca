"""API v1.1.0 routes as far as the firmware goes, against the emulated PBX over HTTP.

A real S300 answers outroute/query on v1; whether it has outroute/update depends on the firmware. Where
it does, a room gets its class's routes back after every check-out; where it answers 10003, the hotel
is told which rooms cannot dial out, and nothing fails silently.
"""

import pytest

from hotelpbx.pbx.client import get_client
from hotelpbx.pbx.link import keep_alive
from hotelpbx.pbx.models import CommandStatus, PbxCommand, PbxLink, RouteGap
from hotelpbx.pbx.reconcile import reconcile_all
from rooms import services
from rooms.selectors import board_rooms

from .conftest import point_settings_at, start_emulator
from .helpers import applied_paths, drain_all
from .test_phone_wiring import check_in, route_members


@pytest.fixture(params=["update", "no_update"])
def v1_pbx(request, settings, db):
    """A v1.1.0 PBX whose firmware has outroute/update, or one that answers it with 10003."""
    emu = start_emulator(v1_route_update=request.param == "update")
    point_settings_at(settings, emu, "v1.1.0")
    emu.version, emu.firmware = "v1.1.0", request.param
    yield emu
    emu.stop()


@pytest.fixture
def v1_no_update(settings, db):
    emu = start_emulator()
    point_settings_at(settings, emu, "v1.1.0")
    yield emu
    emu.stop()


def board_state(room) -> tuple[str, str]:
    return next(r for r in board_rooms() if r.pk == room.pk).pbx_sync


def all_done() -> bool:
    return not PbxCommand.objects.exclude(status=CommandStatus.DONE).exists()


def test_v1_check_in_never_sends_hotel_checkout_by_default(v1_pbx, hotel_rooms):
    room = hotel_rooms[0]
    v1_pbx.state.outroutes[2]["extensions"] = room.extension  # the PBX admin's "Local" route
    v1_pbx.leave_voicemail(room.extension, caller="0612345678")  # left by the previous guest
    check_in(room, phone_class="local")
    drain_all()
    assert "hotel/checkout" not in [r["path"] for r in v1_pbx.requests_log]
    assert v1_pbx.state.voicemail[room.extension] == []  # the clean slate, call by call
    assert room.extension in route_members(v1_pbx)["Local"]  # the very first guest can dial out
    assert all_done()


def test_v1_check_out_check_in_cycle_gives_the_room_its_class_routes_where_outroute_update_works(
    v1_pbx, hotel_rooms
):
    room = hotel_rooms[0]
    stay = check_in(room, phone_class="national")
    drain_all()
    services.stay_check_out(stay=stay)
    drain_all()
    services.room_set_status(room=room, status="clean")
    services.room_set_status(room=room, status="inspected")
    check_in(room, last="Curie", phone_class="international")
    drain_all()
    members = route_members(v1_pbx)
    if v1_pbx.firmware == "update":
        assert all(room.extension in m for m in members.values())
        assert board_state(room) == ("in_sync", "")
        assert not RouteGap.objects.exists()
    else:  # the firmware cannot: the desk sees it on the board, with what to do
        assert not any(room.extension in m for m in members.values())
        state, message = board_state(room)
        assert state == "failed"
        assert "cannot dial out" in message and "International, Local, National" in message
        assert "10003" in message
    assert all_done()  # nothing stuck, nothing retried for ever


def test_v1_check_out_takes_the_room_out_of_its_routes_where_the_firmware_can(v1_pbx, hotel_rooms):
    room = hotel_rooms[0]
    stay = check_in(room, phone_class="national")
    drain_all()
    services.stay_check_out(stay=stay)
    drain_all()
    members = route_members(v1_pbx)
    assert not any(room.extension in m for m in members.values())
    assert "hotel/checkout" not in applied_paths(v1_pbx, room.extension)
    assert board_state(room) == ("in_sync", "")  # a vacant room without routes is what the hotel wants


def test_outroute_update_answering_10003_is_remembered_and_not_tried_for_every_room(
    v1_no_update, hotel_rooms
):
    get_client().login()
    assert PbxLink.get().capabilities["outroute/update"] is False  # the login's probe found out
    PbxLink.objects.filter(pk=1).update(capabilities={})  # as if the probe had not run
    for room in hotel_rooms[:3]:
        check_in(room, last=f"G{room.number}", phone_class="local")
    drain_all()
    updates = [r for r in v1_no_update.requests_log if r["path"] == "outroute/update"]
    assert len(updates) == 2  # the probe, then the first room; the others know
    assert PbxLink.get().capabilities["outroute/update"] is False
    assert sorted(RouteGap.objects.values_list("extension", flat=True)) == [
        r.extension for r in hotel_rooms[:3]
    ]
    assert all_done()


def test_v1_out_of_order_bars_by_dnd_not_by_check_out(v1_pbx, hotel_rooms):
    room = hotel_rooms[0]
    v1_pbx.state.outroutes[2]["extensions"] = room.extension
    services.room_set_status(room=room, status="out_of_order", reason="Leak")
    drain_all()
    assert "hotel/checkout" not in [r["path"] for r in v1_pbx.requests_log]
    assert v1_pbx.state.extensions[room.extension]["dnd"] == "on"
    services.room_set_status(room=room, status="in_service")
    drain_all()
    assert v1_pbx.state.extensions[room.extension]["dnd"] == "off"
    assert all_done()


def test_v1_reconciliation_reports_route_drift_it_cannot_repair(v1_no_update, hotel_rooms):
    room, other = hotel_rooms[:2]
    check_in(room, phone_class="international")
    check_in(other, last="Other", phone_class="local")
    v1_no_update.state.outroutes[2]["extensions"] = other.extension  # the admin put it in "Local"
    drain_all()
    RouteGap.objects.all().delete()  # reconciliation finds the gaps again on its own
    before = PbxCommand.objects.count()

    job = reconcile_all(trigger="test")

    assert job.drift == 1 and job.repaired == 0
    assert job.detail == {"cannot_repair": {room.extension: "not in International, Local, National"}}
    assert PbxCommand.objects.count() == before  # no repair that would fail anyway
    assert list(RouteGap.objects.values_list("extension", flat=True)) == [room.extension]
    assert board_state(room)[0] == "failed" and board_state(other) == ("in_sync", "")


def test_pbx_page_shows_the_capabilities_and_the_rooms_that_cannot_dial_out(v1_pbx, hotel_rooms, desk_client):
    room = hotel_rooms[0]
    check_in(room, phone_class="local")
    drain_all()
    page = desk_client.get("/pbx/").content.decode()
    assert "Read outbound route members (outroute/query): yes" in page
    assert "Read inbound routes (inroute/query): yes" in page
    assert "Trunk list (trunklist/query, trunk/list): yes" in page
    if v1_pbx.firmware == "update":
        assert "Change outbound route members (outroute/update): yes" in page
        assert 'id="route-gaps"' not in page
    else:
        assert "Change outbound route members (outroute/update): no (errno 10003)" in page
        assert 'id="route-gaps"' in page
        row = f'<tr data-extension="{room.extension}"><td>{room.extension}</td>'
        assert row + '<td class="text-danger">Local</td>' in page
        assert "1 room phone cannot dial out" in page


@pytest.mark.parametrize("version", ["v1.1.0", "v2.0.0"])
def test_pbx_page_shows_a_dead_trunk_read_with_the_heartbeat(settings, db, version, desk_client):
    emu = start_emulator()
    try:
        point_settings_at(settings, emu, version)
        settings.PBX_HEARTBEAT_SECONDS = 0
        keep_alive()  # logs in: the probe reads the trunks
        page = desk_client.get("/pbx/").content.decode()
        assert 'data-trunk="SIP-Carrier"><span class="badge text-bg-success">' in page
        assert "not registered" not in page

        emu.set_trunk_status("SIP-Carrier", "Failure")
        assert keep_alive() == "heartbeat"
        page = desk_client.get("/pbx/").content.decode()
        spelled = "failure" if version == "v1.1.0" else "Failure"
        assert f'<span class="badge text-bg-danger">{spelled}</span> SIP-Carrier' in page
        assert "SIP-Carrier: not registered. Guests cannot call out" in page
    finally:
        emu.stop()
