"""Where Yeastar's documents are stricter than a lenient emulator would be, the emulator follows them;
where the emulator had to choose, the choice is close to hardware or configurable."""

from __future__ import annotations

import json
import time

import pytest
from emulator_helpers import MD5, Api, make_config

from hotelpbx.pbx.emulator import Emulator
from hotelpbx.pbx.emulator.__main__ import build_parser, config_from_args
from hotelpbx.pbx.emulator.receiver import ReportReceiver

V2 = "v2.0.0"


@pytest.fixture
def start():
    started = []

    def run(**overrides) -> tuple[Emulator, Api]:
        emu = Emulator(make_config(**overrides)).start(host="127.0.0.1", port=0)
        started.append(emu)
        return emu, Api(emu.url)

    yield run
    for emu in started:
        emu.stop()


# --- urltag / urlflag -------------------------------------------------------------------------------


def test_v1_takes_urlflag_or_urltag_on_login_and_heartbeat_v2_only_urltag(api, emu):
    token = api.login(url="10.0.0.9:8260/events", urlflag="1")
    assert emu.sessions.sessions[token].target == "http://10.0.0.9:8260/events"
    api.post("heartbeat", {"url": "events", "urlflag": "0"}, token=token)
    assert emu.sessions.sessions[token].urltag == "0"
    api.post("heartbeat", {"url": "10.0.0.9:8260/events", "urltag": "1"}, token=token)
    assert emu.sessions.sessions[token].urltag == "1"

    v2 = api.login(V2, url="10.0.0.9:8260/events", urlflag="1")
    assert emu.sessions.sessions[v2].urltag == "0"  # v2 documents urltag only
    api.post("heartbeat", {"urltag": "1"}, token=v2, version=V2)
    api.post("heartbeat", {"urlflag": "0"}, token=v2, version=V2)
    assert emu.sessions.sessions[v2].urltag == "1"


# --- tokens: 20004 once dropped ---------------------------------------------------------------------


def test_a_dropped_token_answers_20004_an_expired_one_20006(start):
    emu, api = start(login_replaces_token=True)
    first = api.login()
    second = api.login()
    assert api.post("deviceinfo/query", {}, token=first) == {"status": "Failed", "errno": "20004"}
    assert api.post("deviceinfo/query", {}, token=second)["status"] == "Success"
    api.post("logout", None, token=second)
    assert api.post("heartbeat", None, token=second)["errno"] == "20004"
    third = api.login()
    emu.clock.advance(31 * 60)
    assert api.post("deviceinfo/query", {}, token=third)["errno"] == "20006"


def test_by_default_an_older_token_stays_valid_after_a_newer_login(api):
    first = api.login()
    api.login()
    assert api.post("deviceinfo/query", {}, token=first)["status"] == "Success"


# --- transport ----------------------------------------------------------------------------------------


def test_report_method_tcp_is_echoed_and_no_report_reaches_a_v2_session_over_http(start, rx):
    emu, api = start(report_transport="TCP")
    with ReportReceiver() as v1_rx:
        answer = api.post("login", {"username": "api", "password": MD5, "version": "2.0.0"}, version=V2)
        assert answer["transport"] == "TCP"
        emu.config.single_subscriber = False
        api.subscribe(rx, api_version=V2, version="2.0.0")
        api.subscribe(v1_rx, version="1.0.2")
        emu.fail_call("2101", "DND")
        assert emu.wait_idle(5)
        assert rx.bodies == []  # v2 reports go over the TCP channel, not to the HTTP target
        assert [json.loads(b)["action"] for b in v1_rx.bodies] == ["CallFailed"]  # v1 always gets HTTP


def test_transport_is_http_by_default_and_a_command_line_option(api):
    assert api.post("login", {"username": "api", "password": MD5}, version=V2)["transport"] == "HTTP"
    args = build_parser().parse_args(["--report-transport", "tcp", "--login-replaces-token"])
    config = config_from_args(args)
    assert config.report_transport == "TCP" and config.login_replaces_token


# --- ExtensionStatus Idle ----------------------------------------------------------------------------


def test_idle_only_for_analog_extensions(start, rx):
    emu, api = start(extension_fields={"2102": {"type": "FXS"}})
    api.subscribe(rx, version="1.0.2")
    emu.place_call(kind="internal", src="2101", dst="2102")
    assert emu.wait_idle(5)
    statuses = [(e["extension"], e["status"]) for e in rx.events() if e["action"] == "ExtensionStatus"]
    assert statuses[-2:] == [("2101", "Registered"), ("2102", "Idle")]
    assert ("2101", "Idle") not in statuses


# --- wakeupcall ---------------------------------------------------------------------------------------


def test_wakeup_has_the_documented_shape_array_on_v1_object_on_v2(api, emu):
    alarm = {"time": "06:30", "type": "onetime", "repeats": "2"}
    v1 = api.login()
    assert api.post("wakeupcall/create", {"extid": "2101", "wakeup": alarm}, token=v1)["errno"] == "10004"
    assert (
        api.post("wakeupcall/create", {"extid": "2101", "wakeup": [alarm]}, token=v1)["status"] == "Success"
    )
    v2 = api.login(V2)
    create = {"number": "2102", "wakeup": [alarm]}
    assert api.post("wakeupcall/create", create, token=v2, version=V2)["errno"] == "10004"
    assert (
        api.post("wakeupcall/create", {**create, "wakeup": alarm}, token=v2, version=V2)["status"]
        == "Success"
    )
    wakeupid = next(a["wakeupid"] for a in emu.state.alarms_of("2102"))
    update = {"number": "2102", "wakeupid": wakeupid, "wakeup": [{**alarm, "time": "07:00"}]}
    assert api.post("wakeupcall/update", update, token=v2, version=V2)["errno"] == "10004"
    update["wakeup"] = {**alarm, "time": "07:00"}
    assert api.post("wakeupcall/update", update, token=v2, version=V2)["status"] == "Success"
    assert [a["time"] for a in emu.state.alarms_of("2102")] == ["07:00"]


def test_delete_by_time_the_2017_form_deletes_only_that_alarm(api, emu):
    token = api.login()
    for at in ("06:30", "07:00", "07:30"):
        api.post(
            "wakeupcall/create", {"extid": "2101", "wakeup": [{"time": at, "type": "everyday"}]}, token=token
        )
    assert (
        api.post("wakeupcall/delete", {"extid": "2101", "time": "07:00"}, token=token)["status"] == "Success"
    )
    assert [a["time"] for a in emu.state.alarms_of("2101")] == ["06:30", "07:30"]
    assert api.post("wakeupcall/delete", {"extid": "2101", "time": "09:00"}, token=token)["errno"] == "10021"
    assert len(emu.state.alarms_of("2101")) == 2


# --- deviceinfo and the answer's JSON ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "label"), [("UTC", "UTC"), ("Asia/Shanghai", "UTC+8"), ("Etc/GMT+8", "UTC-8")]
)
def test_systemtime_names_the_zone_like_the_sample(start, zone, label):
    _emu, api = start(time_zone=zone)
    systemtime = api.post("deviceinfo/query", {}, token=api.login())["deviceinfo"]["systemtime"]
    date, clock, suffix = systemtime.split(" ")
    assert (len(date), len(clock), suffix) == (10, 8, label)


def test_answers_are_compact_json_like_the_pbx(api):
    with api.raw(
        api.url("login"), json.dumps({"username": "api", "password": "x", "port": "1"}).encode()
    ) as r:
        assert r.read() == b'{"status":"Failed","errno":"20003"}'
    token = api.login()
    with api.raw(api.url("deviceinfo/query", token)) as response:
        body = response.read()
    assert b'{"status":"Success","deviceinfo":{"' in body and b", " not in body and b'": ' not in body


# --- report retries --------------------------------------------------------------------------------------


def test_retry_count_and_interval_are_command_line_options():
    args = build_parser().parse_args(["--report-retry-interval", "0.2", "--report-max-attempts", "3"])
    config = config_from_args(args)
    assert (config.report_retry_interval, config.report_max_attempts) == (0.2, 3)


def test_a_refused_report_holds_back_later_ones_only_for_its_retries(start, rx):
    emu, api = start(report_retry_interval=0.2, report_max_attempts=3)
    rx.statuses = [400, 400, 400]  # a receiver that refuses the first report every time
    api.subscribe(rx, version="1.0.2")
    started = time.monotonic()
    emu.fail_call("2101", "DND")
    emu.fail_call("2102", "DND")
    assert emu.wait_idle(5)
    elapsed = time.monotonic() - started
    log = emu.reports_log
    assert [(r["event"], r["attempts"], r["outcome"]) for r in log] == [
        ("CallFailed", 3, "given_up"),
        ("CallFailed", 1, "delivered"),
    ]
    assert json.loads(rx.bodies[-1])["call"][0]["ext"]["extid"] == "2102"
    assert 0.4 <= elapsed < 2.0  # (3 - 1) x 0.2 s of retries, then the next report goes at once


# --- cdr/get_random for a period without calls --------------------------------------------------------


def test_a_period_without_calls_is_20021_or_an_empty_csv_as_configured(start):
    period = {"extid": "all", "starttime": "2020-01-01 00:00:00", "endtime": "2020-01-02 00:00:00"}
    _emu, api = start()
    assert api.post("cdr/get_random", period, token=api.login())["errno"] == "20021"
    _emu, api = start(cdr_empty_period="empty_csv")
    token = api.login()
    random = api.post("cdr/get_random", period, token=token)["random"]
    period_query = "extid=all&starttime=2020-01-01%2000:00:00&endtime=2020-01-02%2000:00:00"
    query = f"{period_query}&token={token}&random={random}"
    content_type, body = api.get("cdr/download", query)
    assert content_type.startswith("text/csv") and body.decode().count("\r\n") == 1
    assert body.decode().startswith("callid,")
