"""The PBX's clock: its call-record and alarm times are wall times in PBX_TIME_ZONE, and the two hours a
daylight-saving change makes odd are read by one explicit rule each (hotelpbx.pbx.pbxtime)."""

from datetime import UTC, datetime

from billing.services import pbx_time_to_utc
from hotelpbx.pbx.config import PbxConfig
from hotelpbx.pbx.pbxtime import format_pbx_wall, from_pbx_wall, parse_pbx_time, to_pbx_wall


def test_a_skipped_hour_reads_as_if_the_clock_had_already_moved(settings):
    # Europe/Berlin, 29 March 2026: 02:00 becomes 03:00, so 02:30 never shows on a wall clock
    settings.PBX_TIME_ZONE = "Europe/Berlin"
    moment = parse_pbx_time("2026-03-29 02:30:00")
    assert moment == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert moment == parse_pbx_time("2026-03-29 03:30:00")  # the same instant as 03:30 summer time
    assert to_pbx_wall(moment) == datetime(2026, 3, 29, 3, 30)  # written back as the clock showed it


def test_a_repeated_hour_reads_as_its_first_occurrence(settings):
    # Europe/Berlin, 25 October 2026: 03:00 summer time becomes 02:00 again, so 02:30 happens twice
    settings.PBX_TIME_ZONE = "Europe/Berlin"
    assert parse_pbx_time("2026-10-25 02:30:00") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    # both instants are written as the one wall time the PBX shows for them
    assert format_pbx_wall(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "2026-10-25 02:30:00"
    assert format_pbx_wall(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "2026-10-25 02:30:00"


def test_naive_times_are_already_pbx_wall_time_and_the_zone_can_be_named():
    assert to_pbx_wall(datetime(2026, 7, 1, 9, 0)) == datetime(2026, 7, 1, 9, 0)
    assert from_pbx_wall(datetime(2026, 7, 1, 9, 0), "America/New_York") == datetime(
        2026, 7, 1, 13, 0, tzinfo=UTC
    )
    assert parse_pbx_time("yesterday") is None and parse_pbx_time(None) is None


def test_billing_reads_call_times_by_the_same_rules(settings):
    settings.PBX_TIME_ZONE = "Europe/Berlin"
    assert pbx_time_to_utc("2026-03-29 02:30:00") == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert pbx_time_to_utc("2026-10-25 02:30:00") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_the_link_config_takes_the_pbx_zone_from_the_settings_not_utc(settings):
    settings.PBX_TIME_ZONE = "Asia/Tokyo"
    assert PbxConfig(url="http://pbx.example").time_zone == "Asia/Tokyo"
    assert PbxConfig.from_settings().time_zone == "Asia/Tokyo"
