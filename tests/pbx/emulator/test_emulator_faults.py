"""Injected faults and the configuration throttle (errno 10025)."""

from __future__ import annotations

import time
import urllib.error

import pytest
from emulator_helpers import Api, make_config

from hotelpbx.pbx.emulator import Emulator


def test_down_gives_a_connection_error_then_recovers(api, emu):
    token = api.login()
    emu.faults.update({"down": True})
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        api.post("deviceinfo/query", {}, token=token)
    assert api.control("faults", method="GET")["down"] is True  # control API still answers
    api.control("faults", {"down": False})
    assert api.post("deviceinfo/query", {}, token=token)["status"] == "Success"


def test_slow_answers(api, emu):
    token = api.login()
    api.control("faults", {"slow_seconds": 0.3})
    started = time.monotonic()
    assert api.post("deviceinfo/query", {}, token=token)["status"] == "Success"
    assert time.monotonic() - started >= 0.3
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        api.raw(api.url("deviceinfo/query", token), timeout=0.1)


def test_errno_rate_fails_calls_but_not_login(api, emu):
    token = api.login()
    emu.faults.update({"errno_rate": 1.0, "errno": "30003"})
    assert api.post("deviceinfo/query", {}, token=token) == {"status": "Failed", "errno": "30003"}
    assert api.login()
    emu.faults.update({"errno_rate": 0.0})
    assert api.post("deviceinfo/query", {}, token=token)["status"] == "Success"


def test_errno_rate_is_partial():
    emu = Emulator(make_config(random_seed=7)).start()
    try:
        api = Api(emu.url)
        token = api.login()
        emu.faults.update({"errno_rate": 0.5})
        results = [api.post("heartbeat", None, token=token)["status"] for _ in range(40)]
        assert 5 < results.count("Failed") < 35
    finally:
        emu.stop()


def test_config_changes_are_throttled_with_10025(api, emu):
    emu.config.config_rate_window = 0.5  # default 1.0 s; shorter keeps the test fast
    token = api.login()
    answers = [
        api.post("extension/update", {"extid": "2101", "dnd": "on"}, token=token)["status"] for _ in range(12)
    ]
    assert answers[:10] == ["Success"] * 10
    assert api.post("hotel/checkout", {"extid": "2101"}, token=token) == {
        "status": "Failed",
        "errno": "10025",
    }
    # reads are not throttled
    assert api.post("extension/query", {"extid": "2101"}, token=token)["status"] == "Success"
    time.sleep(emu.config.config_rate_window)
    assert api.post("extension/update", {"extid": "2101", "dnd": "off"}, token=token)["status"] == "Success"
    assert len([a for a in emu.applied if a["path"] == "extension/update"]) == 11


def test_throttle_is_configurable_over_the_faults_api(api, emu):
    token = api.login()
    assert api.control("faults", {"config_rate_limit": 2, "config_rate_window": 60})["config_rate_limit"] == 2
    body = {"extid": "2101", "wakeup": [{"time": "06:00", "type": "everyday"}]}
    assert api.post("wakeupcall/create", body, token=token)["status"] == "Success"
    assert api.post("wakeupcall/delete", {"extid": "2101"}, token=token)["status"] == "Success"
    assert api.post("wakeupcall/create", body, token=token)["errno"] == "10025"


def test_expire_tokens(api, emu):
    token = api.login()
    assert emu.expire_tokens() == 1
    assert api.post("deviceinfo/query", {}, token=token)["errno"] == "20006"


def test_unknown_fault_is_rejected(api):
    with pytest.raises(urllib.error.HTTPError) as error:
        api.control("faults", {"explode": True})
    assert error.value.code == 400
