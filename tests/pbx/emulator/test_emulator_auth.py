"""Login, tokens, heartbeat, transport-level rules (API.md sections 2-3)."""

from __future__ import annotations

import re

from emulator_helpers import MD5


def test_login_v1_returns_32_hex_token(api):
    answer = api.post("login", {"username": "api", "password": MD5, "port": "1", "version": "1.0.2"})
    assert answer["status"] == "Success"
    assert re.fullmatch(r"[0-9a-f]{32}", answer["token"])
    assert "transport" not in answer


def test_login_v2_has_transport_and_port_is_optional(api):
    answer = api.post("login", {"username": "api", "password": MD5, "version": "2.0.0"}, version="v2.0.0")
    assert answer == {"status": "Success", "token": answer["token"], "transport": "HTTP"}


def test_login_v1_without_port_is_wrong_port(api):
    assert api.post("login", {"username": "api", "password": MD5}) == {"status": "Failed", "errno": "20008"}


def test_login_accepts_numeric_port(api):
    answer = api.post("login", {"username": "api", "password": MD5, "port": 1}, version="v2.0.0")
    assert answer["status"] == "Success"


def test_plain_password_is_rejected(api):
    answer = api.post("login", {"username": "api", "password": "Secret123", "port": "1"})
    assert answer == {"status": "Failed", "errno": "20003"}


def test_ip_block_after_five_failures_lasts_ten_clock_minutes(api, emu):
    bad = {"username": "api", "password": "0" * 32, "port": "1"}
    for _ in range(5):
        assert api.post("login", bad)["errno"] == "20003"
    good = {"username": "api", "password": MD5, "port": "1"}
    assert api.post("login", good) == {"status": "Failed", "errno": "20002"}
    emu.clock.advance(9 * 60)
    assert api.post("login", good)["errno"] == "20002"
    emu.clock.advance(61)
    assert api.post("login", good)["status"] == "Success"


def test_success_resets_failure_counter(api):
    bad = {"username": "api", "password": "0" * 32, "port": "1"}
    for _ in range(4):
        api.post("login", bad)
    api.login()
    for _ in range(4):
        assert api.post("login", bad)["errno"] == "20003"
    assert api.post("login", {"username": "api", "password": MD5, "port": "1"})["status"] == "Success"


def test_unblock_hook_clears_the_block(api, emu):
    for _ in range(5):
        api.post("login", {"username": "nobody", "password": MD5, "port": "1"})
    assert api.post("login", {"username": "api", "password": MD5, "port": "1"})["errno"] == "20002"
    assert api.control("unblock") == {"unblocked": ["127.0.0.1"]}
    assert api.login()


def test_missing_unknown_and_expired_token(api, emu):
    assert api.post("deviceinfo/query", {}) == {"status": "Failed", "errno": "20005"}
    assert api.post("deviceinfo/query", {}, token="f" * 32) == {"status": "Failed", "errno": "20004"}
    token = api.login()
    emu.clock.advance(30 * 60 + 1)
    assert api.post("deviceinfo/query", {}, token=token) == {"status": "Failed", "errno": "20006"}


def test_any_call_and_heartbeat_slide_the_idle_life(api, emu):
    token = api.login()
    for _ in range(3):
        emu.clock.advance(25 * 60)
        assert api.post("heartbeat", None, token=token) == {"status": "Success"}
    emu.clock.advance(29 * 60)
    assert api.post("deviceinfo/query", {}, token=token)["status"] == "Success"
    emu.clock.advance(30 * 60 + 5)
    assert api.post("heartbeat", {}, token=token)["errno"] == "20006"


def test_heartbeat_accepts_partial_bodies_and_both_flag_names(api, emu):
    token = api.login(url="old")
    assert (
        api.post("heartbeat", {"url": "10.0.0.9:9000/new", "urlflag": "1"}, token=token)["status"]
        == "Success"
    )
    session = emu.sessions.sessions[token]
    assert session.target == "http://10.0.0.9:9000/new"
    assert (
        api.post("heartbeat", {"ipaddr": "10.0.0.7", "port": 8261, "urltag": "0", "url": "ev"}, token=token)[
            "status"
        ]
        == "Success"
    )
    assert session.target == "http://10.0.0.7:8261/ev"
    assert api.post("heartbeat", {"port": "not-a-port"}, token=token) == {
        "status": "Failed",
        "errno": "20011",
    }


def test_v2_heartbeat_can_switch_report_format(api, emu):
    token = api.login("v2.0.0")
    assert emu.sessions.sessions[token].format == "legacy"
    api.post(
        "heartbeat", {"ipaddr": "127.0.0.1", "port": 1, "version": "2.0.0"}, token=token, version="v2.0.0"
    )
    assert emu.sessions.sessions[token].format == "2.0.0"


def test_logout_invalidates_token(api):
    token = api.login()
    assert api.post("logout", None, token=token) == {"status": "Success"}
    assert api.post("deviceinfo/query", {}, token=token)["errno"] == "20004"


def test_non_post_is_20001_and_non_json_is_20000(api):
    token = api.login()
    with api.raw(api.url("deviceinfo/query", token), data=None, method="GET") as response:
        assert response.status == 200
        assert response.read() == b'{"status":"Failed","errno":"20001"}'
    with api.raw(api.url("deviceinfo/query", token), data=b"{}", method="PUT") as response:
        assert b'"20001"' in response.read()
    assert api.post("deviceinfo/query", token=token, data=b"<xml/>") == {"status": "Failed", "errno": "20000"}
    assert api.post("deviceinfo/query", token=token, data=b"[1, 2]")["errno"] == "20000"


def test_empty_body_and_empty_object_are_accepted(api):
    token = api.login()
    assert api.post("deviceinfo/query", token=token, data=b"")["status"] == "Success"
    assert api.post("deviceinfo/query", token=token, data=b"{}")["status"] == "Success"


def test_unknown_paths_and_wrong_version_paths_are_10003(api):
    token = api.login()
    assert api.post("no/such", {}, token=token)["errno"] == "10003"
    assert api.post("call/dial", {}, token=token)["errno"] == "10003"  # v2 only
    assert api.post("trunk/list", {}, token=token)["errno"] == "10003"  # v2 only
    assert api.post("extensionlist/query", {}, token=token, version="v2.0.0")["errno"] == "10003"
    assert api.post("login", {}, version="v9.9.9")["errno"] == "10003"


def test_boa_headers_and_options(api):
    with api.raw(api.url("login"), data=b"{}") as response:
        headers = response.headers
        assert response.status == 200
        assert headers["Server"] == "Boa/0.94.14rc21"
        assert headers["Connection"] == "close"
        assert headers["Content-Type"] == "application/json"
        assert headers["Access-control-allow-origin"] == "*"
        assert headers["Access-control-allow-methods"] == "GET, POST, OPTIONS, PUT, DELETE"
    with api.raw(api.url("login"), data=None, method="OPTIONS") as response:
        assert response.status == 200
        assert response.headers["Access-control-allow-origin"] == "*"


def test_errno_is_a_string_and_missing_credentials_are_10004(api):
    answer = api.post("login", {"port": "1"})
    assert answer == {"status": "Failed", "errno": "10004"}


def test_requests_log_never_holds_secrets(api, emu):
    token = api.login()
    api.post("deviceinfo/query", {}, token=token)
    dump = repr(emu.requests_log)
    assert MD5 not in dump and token not in dump
    assert emu.requests_log[0]["body"]["password"] == "***"
    assert emu.requests_log[1] == {**emu.requests_log[1], "path": "deviceinfo/query", "errno": None}
