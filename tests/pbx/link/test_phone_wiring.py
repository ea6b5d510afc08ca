"""What the PBX receives when the front desk and housekeeping work (against the emulated PBX)."""

from datetime import timedelta

import pytest

from hotelpbx.core.timeutil import hotel_today
from hotelpbx.pbx.models import CommandStatus, PbxCommand
from rooms import services
from rooms.models import Room, ServiceState, Stay
from rooms.selectors import board_rooms
from tests.factories import GuestFactory, StayFactory

from .helpers import applied_paths, drain_all


def check_in(room, *, first="Ada", last="Lovelace", phone_class="national"):
    stay = StayFactory(
        room=room, guest=GuestFactory(first_name=first, last_name=last), phone_class=phone_class
    )
    return services.stay_check_in(stay=stay)


def route_members(emu) -> dict[str, set[str]]:
    return {r["name"]: {m for m in r["extensions"].split(",") if m} for r in emu.state.outroutes}


def test_check_in_names_the_extension_turns_voicemail_on_with_a_fresh_pin_and_dnd_off(pbx, hotel_rooms):
    room = hotel_rooms[0]
    pbx.state.extensions[room.extension]["dnd"] = "on"
    stay = check_in(room, first="Zoë", last="O'Brien")
    assert drain_all() == {room.extension: "empty"}
    ext = pbx.state.extensions[room.extension]
    assert ext["username"] == "OBrien Zoe"
    assert ext["hasvoicemail"] == "on"
    assert ext["vmsecret"] == stay.voicemail_pin
    assert ext["dnd"] == "off"


def test_check_in_on_v2_joins_the_outbound_routes_of_the_class_of_service(pbx_v2, hotel_rooms):
    national, international, internal = hotel_rooms[:3]
    check_in(national, phone_class="national")
    check_in(international, last="Curie", phone_class="international")
    check_in(internal, last="Turing", phone_class="internal")
    drain_all()
    members = route_members(pbx_v2)
    assert national.extension in members["Local"] and national.extension in members["National"]
    assert national.extension not in members["International"]
    assert all(international.extension in m for m in members.values())
    assert not any(internal.extension in m for m in members.values())


def test_check_out_sends_hotel_checkout_which_resets_the_extension(pbx_v2, hotel_rooms):
    room = hotel_rooms[0]
    stay = check_in(room)
    drain_all()
    pbx_v2.state.extensions[room.extension]["dnd"] = "on"  # the guest switched DND on at the phone
    services.stay_check_out(stay=stay)
    drain_all()
    assert applied_paths(pbx_v2, room.extension)[-2:] == ["hotel/checkout", "extension/update"]
    ext = pbx_v2.state.extensions[room.extension]
    assert ext["username"] == room.extension  # the PBX's default name
    assert ext["dnd"] == "off"  # hotel/checkout leaves DND alone; the next guest must be reachable
    assert not any(room.extension in m for m in route_members(pbx_v2).values())


def test_room_move_checks_out_the_old_extension_and_checks_in_the_new(pbx_v2, hotel_rooms):
    old, new = hotel_rooms[:2]
    stay = check_in(old, last="Hopper", first="Grace")
    drain_all()
    services.stay_move(stay=stay, to_room=new, reason="noise")
    drain_all()
    assert "hotel/checkout" in applied_paths(pbx_v2, old.extension)
    assert pbx_v2.state.extensions[new.extension]["username"] == "Hopper Grace"
    assert pbx_v2.state.extensions[old.extension]["username"] == old.extension
    assert pbx_v2.state.extensions[new.extension]["vmsecret"] == Stay.objects.get(pk=stay.pk).voicemail_pin


def test_dnd_from_the_desk_reaches_the_phone(pbx, hotel_rooms):
    room = hotel_rooms[0]
    check_in(room)
    drain_all()
    services.room_set_dnd(room=room, dnd=True)
    drain_all()
    assert pbx.state.extensions[room.extension]["dnd"] == "on"
    services.room_set_dnd(room=room, dnd=False)
    drain_all()
    assert pbx.state.extensions[room.extension]["dnd"] == "off"


def test_out_of_order_room_is_barred_and_can_show_its_status_as_name(settings, pbx_v2, hotel_rooms):
    settings.PBX_VACANT_NAME_SHOWS_STATUS = True
    room = hotel_rooms[0]
    pbx_v2.state.outroutes[2]["extensions"] = room.extension  # left over in "Local"
    services.room_set_status(room=room, status="out_of_order", reason="Leak")
    drain_all()
    assert "hotel/checkout" in applied_paths(pbx_v2, room.extension)
    assert not any(room.extension in m for m in route_members(pbx_v2).values())
    assert pbx_v2.state.extensions[room.extension]["username"] == f"{room.number} OOO"


def test_vacant_room_name_follows_housekeeping_when_enabled(settings, pbx, hotel_rooms):
    settings.PBX_VACANT_NAME_SHOWS_STATUS = True
    room = hotel_rooms[0]
    services.room_set_status(room=room, status="dirty")
    drain_all()
    assert pbx.state.extensions[room.extension]["username"] == f"{room.number} VD"


def test_commands_of_one_extension_are_applied_in_the_order_they_were_made(pbx, hotel_rooms):
    room = hotel_rooms[0]
    stay = check_in(room)
    services.room_set_dnd(room=room, dnd=True)
    services.room_set_dnd(room=room, dnd=False)
    services.stay_check_out(stay=stay)
    drain_all()
    sent = [
        op for op in pbx.applied if room.extension in str(op["body"].get("number") or op["body"].get("extid"))
    ]
    dnd_values = [
        op["body"]["dnd"] for op in sent if op["path"] == "extension/update" and "dnd" in op["body"]
    ]
    assert dnd_values == ["off", "on", "off", "off"]  # check-in, DND on, DND off, check-out
    if pbx.version == "v2.0.0":
        assert [op["path"] for op in sent][-2:] == ["hotel/checkout", "extension/update"]
    else:  # v1: the same clean-up call by call, so the routes can be given back
        assert "hotel/checkout" not in [op["path"] for op in sent]
        assert [op["path"] for op in sent][-2:] == ["extension/update", "extension/update"]
    assert set(PbxCommand.objects.filter(extension=room.extension).values_list("status", flat=True)) == {
        CommandStatus.DONE
    }


def test_a_failing_head_blocks_only_its_own_extension(pbx, hotel_rooms):
    blocked, free = hotel_rooms[:2]
    check_in(blocked)
    pbx.faults.update({"errno_rate": 1.0, "errno": "30003"})  # the API service is not running
    assert drain_all()[blocked.extension] == "retry_later"
    pbx.faults.update({"errno_rate": 0.0})
    check_in(free, last="Free")
    outcomes = drain_all()
    assert outcomes[blocked.extension] == "waiting"  # its head waits for its backoff
    assert outcomes[free.extension] == "empty"
    assert pbx.state.extensions[free.extension]["username"] == "Free Ada"
    head = PbxCommand.objects.filter(extension=blocked.extension).order_by("seq").first()
    assert head.status == CommandStatus.PENDING and head.attempts == 1
    assert "not running" in head.last_error


def test_a_command_the_pbx_refuses_is_failed_with_its_meaning_on_the_board_and_can_be_resent(
    pbx, hotel_rooms, desk_client
):
    room = hotel_rooms[0]
    del pbx.state.extensions[room.extension]  # someone deleted the extension on the PBX
    check_in(room)
    drain_all()
    failed = PbxCommand.objects.filter(extension=room.extension, status=CommandStatus.FAILED)
    assert failed.exists() and failed.first().last_errno == "10006"
    state, message = next(r for r in board_rooms() if r.pk == room.pk).pbx_sync
    assert state == "failed" and "extension does not exist" in message.lower()
    page = desk_client.get("/pbx/")
    assert "errno 10006" in page.content.decode()
    # the extension is back; staff re-send from the PBX page
    pbx.state.extensions[room.extension] = {
        "number": room.extension,
        "username": room.extension,
        "dnd": "off",
    }
    desk_client.post(f"/pbx/commands/{failed.first().pk}/resend/")
    drain_all()
    assert pbx.state.extensions[room.extension]["username"] == "Lovelace Ada"
    assert next(r for r in board_rooms() if r.pk == room.pk).pbx_sync[0] == "in_sync"


def test_board_shows_pending_until_the_pbx_has_the_change(pbx, hotel_rooms):
    room = hotel_rooms[0]
    check_in(room)
    assert next(r for r in board_rooms() if r.pk == room.pk).pbx_sync[0] == "pending"
    drain_all()
    assert next(r for r in board_rooms() if r.pk == room.pk).pbx_sync[0] == "in_sync"


def test_applying_a_command_twice_leaves_the_pbx_as_once(pbx_v2, hotel_rooms):
    from hotelpbx.pbx.client import get_client
    from hotelpbx.pbx.commands import apply_command

    room = hotel_rooms[0]
    check_in(room, phone_class="international")
    drain_all()
    before = pbx_v2.snapshot()
    for command in PbxCommand.objects.filter(extension=room.extension):
        apply_command(command, get_client())
    after = pbx_v2.snapshot()
    assert after["extensions"] == before["extensions"] and after["outroutes"] == before["outroutes"]


@pytest.mark.slow
def test_group_check_in_of_40_rooms_never_meets_errno_10025(settings, pbx_v2, hotel_rooms):
    settings.PBX_CONFIG_CALLS_PER_SECOND = 8.0  # below the PBX's auto-apply limit (10 per second here)
    today = hotel_today()
    for room in hotel_rooms[:40]:
        stay = StayFactory(room=room, arrival=today, departure=today + timedelta(days=2), phone_class="local")
        services.stay_check_in(stay=stay)
    drain_all()
    assert not [r for r in pbx_v2.requests_log if r.get("errno") == "10025"]
    assert PbxCommand.objects.exclude(status=CommandStatus.DONE).count() == 0
    assert all(pbx_v2.state.extensions[r.extension]["hasvoicemail"] == "on" for r in hotel_rooms[:40])


def test_nothing_is_queued_when_no_pbx_is_configured(settings, hotel_rooms):
    settings.PBX_URL = ""
    check_in(hotel_rooms[0])
    assert not PbxCommand.objects.exists()
    assert Room.objects.get(pk=hotel_rooms[0].pk).service_state == ServiceState.IN_SERVICE


def test_the_queue_carries_command_ids_only_and_the_sweeper_finds_every_extension_head(
    pbx, hotel_rooms, django_capture_on_commit_callbacks
):
    from hotelpbx.pbx.commands import heads_to_drive

    with django_capture_on_commit_callbacks() as callbacks:
        check_in(hotel_rooms[0])
        check_in(hotel_rooms[1], last="Curie")
    assert callbacks  # each new command schedules a drain by its row id after commit
    heads = heads_to_drive()
    firsts = [
        PbxCommand.objects.filter(extension=room.extension).order_by("seq").first().pk
        for room in hotel_rooms[:2]
    ]
    assert sorted(heads) == sorted(firsts)


def test_check_in_starts_from_a_clean_extension_even_if_the_last_check_out_never_arrived(pbx, hotel_rooms):
    room = hotel_rooms[0]
    pbx.leave_voicemail(room.extension, caller="0612345678")  # for the previous guest
    check_in(room)
    drain_all()
    first = "hotel/checkout" if pbx.version == "v2.0.0" else "voicemail/delete"
    assert applied_paths(pbx, room.extension)[0] == first
    assert pbx.state.voicemail[room.extension] == []


def test_on_v1_check_out_can_keep_the_rooms_outbound_routes(settings, pbx_v1, hotel_rooms):
    settings.PBX_V1_CHECKOUT = "keep_routes"
    room = hotel_rooms[0]
    pbx_v1.state.outroutes[2]["extensions"] = room.extension  # the PBX admin's "Local" route
    stay = check_in(room)
    drain_all()
    pbx_v1.leave_voicemail(room.extension, caller="0612345678")
    services.stay_check_out(stay=stay)
    drain_all()
    assert "hotel/checkout" not in applied_paths(pbx_v1, room.extension)
    assert pbx_v1.state.voicemail[room.extension] == []
    assert pbx_v1.state.extensions[room.extension]["username"] == room.extension
    assert room.extension in pbx_v1.state.outroutes[2]["extensions"]  # the next guest can still dial out


def test_v1_with_hotel_checkout_is_warned_about_at_start_up(settings):
    from hotelpbx.pbx.checks import pbx_v1_checkout_mode

    settings.PBX_URL, settings.PBX_API_VERSION, settings.PBX_V1_CHECKOUT = (
        "http://pbx",
        "v1.1.0",
        "hotel_checkout",
    )
    assert [w.id for w in pbx_v1_checkout_mode(None)] == ["hotel.W003"]
    settings.PBX_V1_CHECKOUT = "keep_routes"
    assert pbx_v1_checkout_mode(None) == []
