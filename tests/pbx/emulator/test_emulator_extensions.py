"""deviceinfo, extension list/query/update in both API versions (API.md sections 5.1-5.4)."""

from __future__ import annotations

import hashlib

import pytest


def test_deviceinfo(api, emu):
    token = api.login()
    info = api.post("deviceinfo/query", {}, token=token)["deviceinfo"]
    assert info["sn"] == "369364835218"
    assert info["extensionstatus"] == "3/3"
    assert info["systemtime"].endswith(" UTC")  # a zero offset prints plain UTC
    emu.clock.advance(3 * 3600 + 25 * 60 + 4)
    assert api.post("deviceinfo/query", {}, token=api.login())["deviceinfo"]["uptime"] == "03:25:04"


def test_extension_list_keys_per_version(api):
    v1 = api.post("extensionlist/query", None, token=api.login())["extlist"]
    assert v1[0] == {
        "extnumber": "2101",
        "status": "Registered",
        "type": "SIP",
        "username": "2101",
        "agentid": "",
    }
    v2 = api.post("extension/list", None, token=api.login("v2.0.0"), version="v2.0.0")["extlist"]
    assert [e["number"] for e in v2] == ["2101", "2102", "2103"]


def test_v1_update_then_query_roundtrip(api):
    token = api.login()
    body = {"extid": "2101", "username": "Smith John", "hasvoicemail": "on", "vmsecret": "4821", "dnd": "off"}
    assert api.post("extension/update", body, token=token) == {"status": "Success"}
    infos = api.post("extension/query", {"extid": "2101,2102"}, token=token)["extinfos"]
    assert [i["extnumber"] for i in infos] == ["2101", "2102"]
    assert (infos[0]["username"], infos[0]["vmsecret"], infos[0]["hasvoicemail"]) == (
        "Smith John",
        "4821",
        "on",
    )
    assert infos[1]["username"] == "2102"  # untouched
    assert "number" not in infos[0]
    assert len(api.post("extension/query", {}, token=token)["extinfos"]) == 3


def test_v2_update_then_query_roundtrip(api, emu):
    token = api.login("v2.0.0")
    answer = api.post(
        "extension/update",
        {"number": "2102", "username": "Dupont Marie", "dnd": "on", "callrestriction": "on"},
        token=token,
        version="v2.0.0",
    )
    assert answer == {"status": "Success"}
    infos = api.post("extension/query", {"number": "all"}, token=token, version="v2.0.0")["extinfos"]
    room = next(i for i in infos if i["number"] == "2102")
    assert (room["username"], room["dnd"], room["callrestriction"]) == ("Dupont Marie", "on", "on")
    assert "extnumber" not in room
    assert emu.applied[-1]["path"] == "extension/update" and emu.applied[-1]["version"] == "v2.0.0"
    assert emu.applied[-1]["body"]["username"] == "Dupont Marie"


def test_only_listed_fields_change(api, emu):
    token = api.login()
    before = dict(emu.state.extensions["2101"])
    api.post("extension/update", {"extid": "2101", "email": "guest@example.org"}, token=token)
    after = emu.state.extensions["2101"]
    assert {k for k in after if after[k] != before[k]} == {"email"}


@pytest.mark.parametrize(
    ("version", "field", "value"),
    [
        ("v1.1.0", "username", "x" * 32),
        ("v2.0.0", "username", "Smith.John"),
        ("v2.0.0", "username", "O'Brien"),
        ("v2.0.0", "username", "a`b"),
        ("v1.1.0", "vmsecret", "12ab"),
        ("v1.1.0", "dnd", "yes"),
        ("v2.0.0", "callrestriction", "1"),
        ("v2.0.0", "hasvoicemail", "true"),
        ("v1.1.0", "ringtimeout", "45"),
        ("v1.1.0", "maxregistrations", "9"),
        ("v2.0.0", "loginpassword", "short"),
    ],
)
def test_invalid_values_are_10017_and_change_nothing(api, emu, version, field, value):
    token = api.login(version)
    key = "number" if version == "v2.0.0" else "extid"
    before = dict(emu.state.extensions["2101"])
    answer = api.post(
        "extension/update", {key: "2101", "username": "Ok Name", field: value}, token=token, version=version
    )
    assert answer == {"status": "Failed", "errno": "10017"}
    assert emu.state.extensions["2101"] == before


def test_v1_allows_dots_in_username_and_31_chars(api, emu):
    token = api.login()
    name = "Mr. J. Smith-" + "x" * 18
    assert len(name) == 31
    assert (
        api.post("extension/update", {"extid": "2101", "username": name}, token=token)["status"] == "Success"
    )


def test_update_unknown_or_missing_extension(api):
    token = api.login()
    assert api.post("extension/update", {"extid": "9999", "dnd": "on"}, token=token)["errno"] == "10006"
    assert api.post("extension/update", {"dnd": "on"}, token=token)["errno"] == "10004"
    v2 = api.login("v2.0.0")
    # v2 names the extension "number"; a v1-style "extid" is a missing parameter there.
    assert (
        api.post("extension/update", {"extid": "2101", "dnd": "on"}, token=v2, version="v2.0.0")["errno"]
        == "10004"
    )
    assert (
        api.post("extension/query", {"number": "2101,9999"}, token=v2, version="v2.0.0")["errno"] == "10006"
    )


def test_login_password_is_returned_as_md5(api):
    token = api.login()
    api.post("extension/update", {"extid": "2101", "loginpassword": "guest123"}, token=token)
    info = api.post("extension/query", {"extid": "2101"}, token=token)["extinfos"][0]
    assert info["loginpassword"] == hashlib.md5(b"guest123").hexdigest()
