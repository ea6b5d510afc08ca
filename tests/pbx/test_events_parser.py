"""The report parser reads every body the PBX documents (tests/pbx/samples, copied from shared/yeastar)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hotelpbx.pbx import events
from hotelpbx.pbx.events import MalformedReport, Party, dedupe_key, parse_report

SAMPLES = Path(__file__).parent / "samples"
SN = "369364835218"
T0 = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def numbers(report):
    return [(p.kind, p.number or p.to) for p in report.parties]


EXPECTED = {
    # file: (name, format, callid, parties as (kind, number or called number))
    "legacy_ANSWER_duplicate_ext.txt": (
        "ANSWER",
        "legacy",
        "1700000900.91",
        [("ext", "2102"), ("ext", "2101")],
    ),
    "legacy_RING_outbound.txt": (
        "RING",
        "legacy",
        "1700000950.95",
        [("outbound", "900331234567"), ("ext", "2101")],
    ),
    "v1_ALERT.json": ("ALERT", "v1", "1700000100.11", [("ext", "2101")]),
    "v1_ANSWER.json": ("ANSWER", "v1", "1700000100.11", [("ext", "2102"), ("ext", "2101")]),
    "v1_ANSWERED.json": ("ANSWERED", "v1", "1700000100.11", [("ext", "2101"), ("ext", "2102")]),
    "v1_BYE_1.json": ("BYE", "v1", "1700000100.11", [("ext", "2101"), ("ext", "2102")]),
    "v1_BYE_2.json": ("BYE", "v1", "1700000100.11", [("ext", "2102"), ("ext", "2101")]),
    "v1_BootUp.json": ("BootUp", "v1", "", []),
    "v1_CallFailed.json": ("CallFailed", "v1", "1700000600.61", [("ext", "2101")]),
    "v1_ConfigChange.json": ("ConfigChange", "v1", "", []),
    "v1_DTMF.json": ("DTMF", "v1", "1700000700.71", [("ext", "2101")]),
    "v1_ExtensionStatus.json": ("ExtensionStatus", "v1", "", []),
    "v1_NewCdr_emergency.json": ("NewCdr", "v1", "1700000500.51", []),
    "v1_NewCdr_inbound.json": ("NewCdr", "v1", "1700000400.41", []),
    "v1_NewCdr_internal.json": ("NewCdr", "v1", "1700000100.11", []),
    "v1_NewCdr_outbound_answered.json": ("NewCdr", "v1", "1700000200.21", []),
    "v1_NewCdr_outbound_busy.json": ("NewCdr", "v1", "1700000310.32", []),
    "v1_NewCdr_outbound_noanswer.json": ("NewCdr", "v1", "1700000300.31", []),
    "v1_PlayPromptEnd.json": ("PlayPromptEnd", "v1", "1700000800.81", [("ext", "2101")]),
    "v1_RING.json": ("RING", "v1", "1700000100.11", [("ext", "2102"), ("ext", "2101")]),
    "v1_RING_outbound.json": (
        "RING",
        "v1",
        "1700000200.21",
        [("outbound", "900442071234567"), ("ext", "2101")],
    ),
    "v2_BootUp.json": ("BootUp", "v2", "", []),
    "v2_CallFailed.json": ("CallFailed", "v2", "1700001400.141", [("ext", "2101")]),
    "v2_CallStatus_outbound_answered.json": (
        "CallStatus",
        "v2",
        "1700001100.111",
        [("ext", "2101"), ("outbound", "900492111222333")],
    ),
    "v2_CallStatus_ring.json": ("CallStatus", "v2", "1700001000.101", [("ext", "2101"), ("ext", "2102")]),
    "v2_DTMF.json": ("DTMF", "v2", "1700001300.131", [("ext", "2101")]),
    "v2_ExtensionStatus.json": ("ExtensionStatus", "v2", "", []),
    "v2_NewCdr_noanswered.json": ("NewCdr", "v2", "1700001200.121", []),
    "v2_NewCdr_outbound_answered.json": ("NewCdr", "v2", "1700001100.111", []),
}


def test_every_sample_is_covered():
    on_disk = {p.name for p in SAMPLES.iterdir() if p.suffix in {".json", ".txt"}}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_sample_parses(filename):
    name, fmt, callid, parties = EXPECTED[filename]
    report = parse_report(sample(filename))
    assert (report.name, report.format, report.callid, report.sn) == (name, fmt, callid, SN)
    assert numbers(report) == parties
    assert report.fields["sn"] == SN


def test_legacy_duplicate_ext_keeps_both_parties_in_order():
    report = parse_report(sample("legacy_ANSWER_duplicate_ext.txt"))
    assert report.parties == (Party(kind="ext", number="2102"), Party(kind="ext", number="2101"))
    assert report.raw["ext"] == [{"extid": "2102"}, {"extid": "2101"}]  # nothing lost in raw either


def test_v1_outbound_party_fields():
    outbound = parse_report(sample("v1_RING_outbound.json")).parties[0]
    assert outbound == Party(
        kind="outbound", from_="2101", to="900442071234567", trunk="SIP-Carrier", id="1700000200.22"
    )


def test_v2_member_fields():
    report = parse_report(sample("v2_CallStatus_outbound_answered.json"))
    ext, outbound = report.parties
    assert (ext.number, ext.status, ext.channelid, ext.callpath) == (
        "2101",
        "ANSWERED",
        "PJSIP/2101-00000020",
        "",
    )
    assert (outbound.from_, outbound.to, outbound.trunk, outbound.status) == (
        "2101",
        "900492111222333",
        "SIP-Carrier",
        "ANSWER",
    )
    assert parse_report(sample("v2_DTMF.json")).parties[0].callpath == "6500"


def test_report_fields():
    failed = parse_report(sample("v2_CallFailed.json"))
    assert failed.get("reason") == "User Busy"
    status = parse_report(sample("v1_ExtensionStatus.json"))
    assert (status.get("extension"), status.get("status")) == ("2101", "Busy")
    change = parse_report(sample("v1_ConfigChange.json"))
    assert (change.get("type"), change.get("extid"), change.get("operation")) == (
        "extension",
        "2101",
        "update",
    )
    assert parse_report(sample("v1_PlayPromptEnd.json")).get("prompt") == "wakeup_en"


def test_numbers_sent_as_numbers_read_as_strings():
    assert parse_report(sample("v2_DTMF.json")).fields["flag"] == "0"  # v2 sends flag as a number
    report = parse_report(
        b'{"event":"NewCdr","callid":1700.5,"callduraction":95,"talkduraction":81.0,"sn":12}'
    )
    assert (report.callid, report.sn) == ("1700.5", "12")
    assert (report.cdr().call_seconds, report.cdr().talk_seconds) == (95, 81)


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        (
            "v1_NewCdr_outbound_answered.json",
            dict(
                callfrom="2101",
                callto="900442071234567",
                call_seconds=207,
                talk_seconds=190,
                dst_trunk="SIP-Carrier",
                src_trunk="",
                status="ANSWERED",
                type="Outbound",
                recording="20260302093000-1700000200.21-2101-900442071234567-Outbound.wav",
            ),
        ),
        (
            "v1_NewCdr_inbound.json",
            dict(
                callfrom="0612345678",
                callto="2101",
                src_trunk="SIP-Carrier",
                dst_trunk="",
                didnumber="5551000",
                type="Inbound",
                talk_seconds=58,
            ),
        ),
        ("v1_NewCdr_outbound_noanswer.json", dict(status="NO ANSWER", talk_seconds=0, call_seconds=45)),
        ("v1_NewCdr_outbound_busy.json", dict(status="BUSY")),
        ("v2_NewCdr_noanswered.json", dict(status="NO ANSWER", dst_trunk="SIP-Carrier", call_seconds=40)),
        (
            "v2_NewCdr_outbound_answered.json",
            dict(
                dst_trunk="SIP-Carrier",
                talk_seconds=61,
                call_seconds=75,
                timestart="2026-03-02 12:00:00",
            ),
        ),
    ],
)
def test_cdr_fields(filename, expected):
    cdr = parse_report(sample(filename)).cdr()
    assert {key: getattr(cdr, key) for key in expected} == expected
    assert cdr.sn == SN


def test_cdrid_is_accepted_for_callid():
    report = parse_report(b'{"action":"NewCdr","cdrid":"1631582700.280","sn":"1"}')
    assert report.callid == report.cdr().callid == "1631582700.280"


def test_missing_fields_are_fine():
    cdr = parse_report(b'{"action":"NewCdr"}').cdr()
    assert (cdr.callid, cdr.callfrom, cdr.talk_seconds, cdr.status, cdr.dst_trunk) == ("", "", 0, "", "")


@pytest.mark.parametrize("value", ["", "abc", "-5", "NaN", "1e999", None, "[]", "12.9"])
def test_bad_durations_are_zero_never_an_error(value):
    body = json.dumps({"action": "NewCdr", "talkduraction": value, "callduraction": {"x": 1}})
    cdr = parse_report(body.encode()).cdr()
    assert cdr.talk_seconds == (12 if value == "12.9" else 0)
    assert cdr.call_seconds == 0


def test_unknown_keys_are_kept():
    report = parse_report(
        b'{"event":"CallStatus","callid":"1.2","future":"x","nested":{"a":[1,2]},"members":[]}'
    )
    assert report.fields["future"] == "x"
    assert report.raw["nested"] == {"a": [1, 2]}


def test_transfer_spellings_are_one_name():
    assert parse_report(b'{"action":"Tranfer","callid":"1"}').name == "Transfer"
    assert parse_report(b'{"event":"Transfer","callid":"1"}').name == "Transfer"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"not json", "not JSON"),
        (b'{"action":"NewCdr","callid":"1"', "not JSON"),  # truncated
        (b'[{"action":"NewCdr"}]', "list"),
        (b'"NewCdr"', "str"),
        (b"null", "NoneType"),
        (b'{"callid":"1","sn":"2"}', "neither"),
        (b'{"action":"","event":"  "}', "neither"),
        (b'{"action":{"x":1}}', "neither"),
        (b"\xff\xfe{}", "UTF-8"),
        (b"[" * 100000 + b"]" * 100000, "JSON"),
        (b'{"action":"X","callid":"1","deep":' + b"[" * 600 + b"]" * 600 + b"}", "nested deeper"),
    ],
)
def test_malformed_bodies_raise_malformed_report_only(body, reason):
    with pytest.raises(MalformedReport) as caught:
        parse_report(body)
    assert reason in caught.value.reason


# --- dedupe keys -------------------------------------------------------------------------------------


def key(filename_or_body, at=T0):
    body = sample(filename_or_body) if isinstance(filename_or_body, str) else filename_or_body
    return dedupe_key(parse_report(body), received_at=at)


def test_cdr_key_is_one_per_call_per_pbx():
    assert (
        key("v1_NewCdr_outbound_answered.json")
        == f"cdr:{SN}:1700000200.21:2101:900442071234567:20260302093000"
    )
    # the same call re-sent with other spacing, key order, or numbers as numbers: the same record
    body = json.loads(sample("v1_NewCdr_outbound_answered.json"))
    body["callduraction"] = 207
    assert (
        key(json.dumps(dict(reversed(body.items())), indent=2).encode())
        == f"cdr:{SN}:1700000200.21:2101:900442071234567:20260302093000"
    )


def test_exact_retry_collapses_distinct_state_changes_do_not():
    assert key("v1_BYE_1.json") == key("v1_BYE_1.json", at=T0 + timedelta(hours=3))
    assert key("v1_BYE_1.json") != key("v1_BYE_2.json")  # two BYEs per call, by design
    assert key("v1_RING.json") != key("v1_ANSWER.json")  # same parties, another state
    reformatted = json.dumps(json.loads(sample("v2_DTMF.json")) | {"flag": "0"}, indent=1).encode()
    assert key(reformatted) == key("v2_DTMF.json")
    next_digit = json.dumps(json.loads(sample("v2_DTMF.json")) | {"flag": 1, "info": "5"}).encode()
    assert key(next_digit) != key("v2_DTMF.json")
    ring = json.loads(sample("v2_CallStatus_ring.json"))
    ring["members"][1]["ext"]["memberstatus"] = "ANSWER"
    assert key(json.dumps(ring).encode()) != key("v2_CallStatus_ring.json")


def test_reports_without_callid_are_new_each_minute():
    assert key("v1_BootUp.json") == key("v1_BootUp.json", at=T0 + timedelta(seconds=30))
    assert key("v1_BootUp.json") != key("v1_BootUp.json", at=T0 + timedelta(days=1))
    assert key("v2_ExtensionStatus.json") != key("v2_ExtensionStatus.json", at=T0 + timedelta(minutes=5))


def test_keys_fit_the_column_whatever_the_input():
    huge = json.dumps(
        {"event": "X" * 500, "callid": "1:2|" * 300, "members": [{"ext": {"number": "9" * 400}}]}
    )
    assert len(key(huge.encode())) <= 200
    cdr = json.dumps({"action": "NewCdr", "callid": "c" * 300, "sn": "s:1"})
    assert len(key(cdr.encode())) <= 200


# --- handler registry --------------------------------------------------------------------------------


def test_handler_registry(monkeypatch):
    monkeypatch.setattr(events, "_REGISTRY", type(events._REGISTRY)(list))

    @events.handler("Tranfer")
    def on_transfer(report, event):
        pass

    events.handler("Tranfer")(on_transfer)  # registering again (a re-import) does not run it twice
    assert events.handlers_for("Transfer") == (on_transfer,)
    assert events.handlers_for("NewCdr") == ()


# --- what the emulator sends (make run, link tests) parses the same way ------------------------------


def test_emulator_bodies_in_every_format_parse():
    from hotelpbx.pbx.emulator import reports as emu
    from hotelpbx.pbx.emulator.sessions import FORMAT_102, FORMAT_200, LEGACY

    room = emu.Party("ext", number="2101", channelid="PJSIP/2101-00000010")
    line = emu.Party(
        "outbound", src="2101", dst="900441234567", trunk="SIP-Carrier", leg_id="1.2", channelid="c"
    )
    answer = emu.Report(
        {"action": "ANSWER", "callid": "1.1", "call": [line.v1(), room.v1()], "sn": SN},
        {
            "event": "CallStatus",
            "callid": "1.1",
            "members": [room.v2("ANSWERED"), line.v2("ANSWER")],
            "sn": SN,
        },
    )
    expected = {LEGACY: "legacy", FORMAT_102: "v1", FORMAT_200: "v2"}
    for fmt, name in expected.items():
        report = parse_report(emu.render(answer, fmt))
        assert (report.format, report.callid, report.sn) == (name, "1.1", SN)
        assert {(p.kind, p.number or p.to, p.trunk) for p in report.parties} == {
            ("ext", "2101", ""),
            ("outbound", "900441234567", "SIP-Carrier"),
        }
    status = parse_report(emu.render(emu.extension_status(SN, "2101", "Idle"), FORMAT_200))
    assert (status.name, status.get("extension"), status.get("status")) == ("ExtensionStatus", "2101", "Idle")
