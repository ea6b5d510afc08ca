"""The /_emulator/ control API and the command-line entry point."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest
from emulator_helpers import MD5, SN, Api

from hotelpbx.pbx.emulator.__main__ import build_parser, config_from_args
from hotelpbx.pbx.emulator.config import parse_extension_ranges
from hotelpbx.pbx.emulator.traffic import TrafficGenerator

REPO = Path(__file__).resolve().parents[3]


def test_control_call_dtmf_fail_and_alarm(api, emu, rx):
    emu.config.extension_status_reports = False
    api.subscribe(rx, version="1.0.2")
    callid = api.control(
        "call", {"kind": "outbound", "src": "2101", "dst": "00442071234567", "talk_seconds": 61}
    )["callid"]
    api.control("dtmf", {"ext": "2101", "digits": "12", "callpath": "6500"})
    api.control("call/fail", {"ext": "2102", "reason": "User busy"})
    api.control("alarm/ring", {"ext": "2103", "answer": True})
    assert api.control("wait_idle", {"timeout": 5}) == {"idle": True}
    actions = [e["action"] for e in rx.events()]
    assert actions.count("NewCdr") == 3 and "DTMF" in actions and "CallFailed" in actions
    assert rx.events()[6]["callid"] == callid and rx.events()[6]["talkduraction"] == "61"
    assert len(api.control("reports", method="GET")) == len(rx.bodies)


def test_control_state_applied_requests_and_reset(api, emu):
    token = api.login()
    api.post("extension/update", {"extid": "2101", "username": "Guest"}, token=token)
    state = api.control("state", method="GET")
    assert state["extensions"]["2101"]["username"] == "Guest"
    assert state["sessions"][0]["format"] == "legacy" and "token" not in state["sessions"][0]
    assert token not in repr(state)
    applied = api.control("applied", method="GET")
    assert applied == [
        {
            "path": "extension/update",
            "version": "v1.1.0",
            "body": {"extid": "2101", "username": "Guest"},
            "at": applied[0]["at"],
        }
    ]
    assert [r["path"] for r in api.control("requests", method="GET")] == ["login", "extension/update"]
    api.control("reset")
    assert api.control("applied", method="GET") == [] and api.control("requests", method="GET") == []


def test_control_clock_tokens_reboot_and_drop(api, emu, rx):
    token = api.subscribe(rx, api_version="v2.0.0", version="2.0.0")
    before = emu.clock.now()
    now = api.control("clock/advance", {"seconds": 600})["now"]
    assert now > before.isoformat()
    assert api.post("heartbeat", None, token=token, version="v2.0.0")["status"] == "Success"
    assert api.control("tokens/expire") == {"expired": 1}
    assert api.post("heartbeat", None, token=token, version="v2.0.0")["errno"] == "20006"
    token = api.subscribe(rx, api_version="v2.0.0", version="2.0.0")
    assert api.control("reports/drop", {"count": 1}) == {"drop_reports": False, "drop_reports_count": 1}
    api.control("push", {"body": {"hello": 1}})
    api.control("reboot")
    api.control("wait_idle")
    assert rx.events() == [{"event": "BootUp", "sn": SN}]
    assert api.post("heartbeat", None, token=token, version="v2.0.0")["errno"] == "20004"
    api.control("reports/drop", {"enabled": True})
    assert api.control("faults", method="GET")["drop_reports"] is True


def test_control_clock_advance_rings_due_alarms(api, emu):
    token = api.login()
    now = emu.clock.now()
    target = (now.replace(second=0, microsecond=0)).strftime("%H:%M")
    api.post(
        "wakeupcall/create", {"extid": "2101", "wakeup": [{"time": target, "type": "onetime"}]}, token=token
    )
    answer = api.control("clock/advance", {"seconds": 24 * 3600})
    assert len(answer["alarm_callids"]) == 1
    assert emu.state.alarms == {}


def test_logs_keep_only_the_newest_entries(api, emu):
    emu.config.max_log_entries = 3
    emu.pusher.max_log_entries = 3
    token = api.login()
    for _ in range(5):
        api.post("heartbeat", None, token=token)
    assert len(emu.requests_log) == 3 and all(r["path"] == "heartbeat" for r in emu.requests_log)
    for _ in range(5):
        emu.push_raw("{}")
    assert emu.wait_idle(10) and len(emu.reports_log) == 3


def test_control_errors(api):
    with pytest.raises(urllib.error.HTTPError) as error:
        api.control("nope")
    assert error.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as error:
        api.control("call", {"kind": "outbound", "src": "9999", "dst": "0123"})
    assert error.value.code == 400


def test_extension_ranges_and_cli_config(tmp_path):
    assert parse_extension_ranges("2101-2103,3101") == ["2101", "2102", "2103", "3101"]
    state = tmp_path / "state.json"
    state.write_text('{"extensions": {"101": {"username": "Lobby"}, "102": {}}, "sn": "1234"}')
    config = config_from_args(
        build_parser().parse_args(["--extensions", str(state), "--password", "Xy12abcd"])
    )
    assert config.extensions == ["101", "102"] and config.sn == "1234" and config.password == "Xy12abcd"
    assert config.extension_fields["101"] == {"username": "Lobby"}


def test_traffic_generator_prefers_occupied_rooms(emu):
    emu.state.extensions["2102"]["username"] = "Guest"
    traffic = TrafficGenerator(emu, seed=3)
    assert traffic.rooms() == ["2102"]
    for _ in range(30):
        traffic.place_one()
    cdrs = emu.state.cdrs
    assert len(cdrs) == 30
    assert all("2102" in (c["callfrom"], c["callto"]) for c in cdrs)
    outbound = [c for c in cdrs if c["type"] == "Outbound"]
    assert outbound and all(c["callto"].isdigit() for c in outbound)
    assert any(c["callto"].startswith("00") for c in outbound)
    assert {c["status"] for c in cdrs} >= {"ANSWERED"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_module_runs_as_a_server(tmp_path):
    port = _free_port()
    env = {**os.environ, "EMULATOR_PASSWORD": "Other123", "PYTHONPATH": str(REPO)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hotelpbx.pbx.emulator",
            "--port",
            str(port),
            "--extensions",
            "2101-2105",
            "--log-level",
            "WARNING",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        api = Api(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = api.post("login", {"username": "api", "password": MD5, "port": "1"})
                break
            except (ConnectionError, urllib.error.URLError):
                assert time.monotonic() < deadline, process.stderr.read1().decode() if process.stderr else ""
                time.sleep(0.1)
        assert answer == {"status": "Failed", "errno": "20003"}  # the env var changed the password
        token = api.login(password=hashlib.md5(b"Other123").hexdigest())
        extlist = api.post("extensionlist/query", None, token=token)["extlist"]
        assert [e["extnumber"] for e in extlist] == ["2101", "2102", "2103", "2104", "2105"]
    finally:
        process.terminate()
        process.wait(timeout=5)
    assert process.returncode == 0
