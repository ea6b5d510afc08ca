"""Wake-up alarms through the outbox: `commands.set_alarm` / `remove_alarm` name an alarm by the
caller's own key; the PBX (emulated, both API versions) ends up with exactly one alarm per key, in order
with the extension's other commands."""

from hotelpbx.pbx import commands
from hotelpbx.pbx.models import CommandOp, CommandStatus, PbxAlarm, PbxCommand

from .helpers import drain_all


def alarms(emu, extension):
    return sorted((a["time"], a["type"], a.get("prompt", "")) for a in emu.state.alarms_of(extension))


def test_an_alarm_is_created_moved_and_removed_by_its_key(pbx, hotel_rooms):
    ext = hotel_rooms[0].extension
    commands.set_alarm(ext, alarm_key="booking-7", time_hhmm="06:30", prompt="wakeup_en", reason="wake-up")
    assert drain_all() == {ext: "empty"}
    assert alarms(pbx, ext) == [("06:30", "onetime", "wakeup_en")]

    commands.set_alarm(ext, alarm_key="booking-7", time_hhmm="07:15", prompt="wakeup_en", reason="moved")
    commands.set_alarm(ext, alarm_key="booking-8", time_hhmm="09:00", reason="a second one")
    drain_all()
    assert [t for t, _, _ in alarms(pbx, ext)] == ["07:15", "09:00"]  # moved, not duplicated

    commands.remove_alarm(ext, alarm_key="booking-7", reason="cancelled")
    commands.remove_alarm(ext, alarm_key="never-set", reason="nothing there")
    drain_all()
    assert [t for t, _, _ in alarms(pbx, ext)] == ["09:00"]
    assert set(PbxCommand.objects.values_list("status", flat=True)) == {CommandStatus.DONE}


def test_applying_an_alarm_twice_leaves_one_alarm(pbx, hotel_rooms):
    """A worker that died after the PBX took the alarm: the re-claimed command finds it, not a second."""
    ext = hotel_rooms[0].extension
    command = commands.set_alarm(ext, alarm_key="k", time_hhmm="06:30", reason="wake-up")
    drain_all()
    PbxCommand.objects.filter(pk=command.pk).update(status=CommandStatus.PENDING)
    PbxAlarm.objects.all().delete()  # the dead worker never wrote down which alarm it was
    drain_all()
    assert [t for t, _, _ in alarms(pbx, ext)] == ["06:30"]


def test_alarm_rows_queue_behind_a_check_out_of_the_same_extension(pbx, hotel_rooms):
    ext = hotel_rooms[0].extension
    commands.set_alarm(ext, alarm_key="k", time_hhmm="06:30", reason="wake-up")
    drain_all()
    commands.enqueue(ext, CommandOp.HOTEL_CHECKOUT, reason="check-out")  # deletes the PBX's alarms
    commands.set_alarm(ext, alarm_key="k", time_hhmm="08:00", reason="new guest")
    drain_all()
    assert [t for t, _, _ in alarms(pbx, ext)] == ["08:00"]
    ops = list(PbxCommand.objects.filter(extension=ext).order_by("seq").values_list("op", flat=True))
    assert ops == [CommandOp.ALARM_SET, CommandOp.HOTEL_CHECKOUT, CommandOp.ALARM_SET]


def test_alarm_calls_do_nothing_without_a_pbx(settings, db):
    settings.PBX_URL = ""
    assert commands.set_alarm("2101", alarm_key="k", time_hhmm="06:30", reason="x") is None
    assert commands.remove_alarm("2101", alarm_key="k", reason="x") is None
    assert not PbxCommand.objects.exists()
