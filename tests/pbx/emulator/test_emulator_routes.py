"""Routes and trunks as a real S300 answers them on v1.1.0 (captured, firmware 30.14.0.127) and as v2
documents them; whether v1 has outroute/update is a firmware switch."""

from __future__ import annotations

import pytest

from hotelpbx.pbx.emulator.__main__ import build_parser, config_from_args

V1, V2 = "v1.1.0", "v2.0.0"
ROUTE_FIELDS = {"id", "name", "prefix", "strip", "prepend", "trunks", "extensions", "extensionsgroup"}


@pytest.mark.parametrize("version", [V1, V2])
def test_outroute_query_needs_a_selector_in_both_versions(api, version):
    token = api.login(version)
    assert api.post("outroute/query", {}, token=token, version=version)["errno"] == "10004"
    assert api.post("outroute/query", None, token=token, version=version)["errno"] == "10004"
    for selector in ({"id": "all"}, {"name": "all"}):
        answer = api.post("outroute/query", selector, token=token, version=version)
        assert answer["status"] == "Success"
        assert [r["name"] for r in answer["outroutes"]] == ["International", "National", "Local"]
        assert set(answer["outroutes"][0]) == ROUTE_FIELDS
    only = api.post("outroute/query", {"name": "Local"}, token=token, version=version)["outroutes"]
    assert [r["name"] for r in only] == ["Local"]


@pytest.mark.parametrize("version", [V1, V2])
def test_inroute_query_answers_with_the_captured_fields(api, version):
    token = api.login(version)
    assert api.post("inroute/query", {}, token=token, version=version)["errno"] == "10004"
    routes = api.post("inroute/query", {"name": "all"}, token=token, version=version)["inroutes"]
    assert routes and set(routes[0]) == {"id", "name", "did", "caller_id", "trunks", "desttype", "dest"}
    assert routes[0]["trunks"] == "SIP-Carrier"


def test_v1_trunk_list_spells_the_state_in_lower_case_and_follows_the_trunk(api, emu):
    token = api.login(V1)
    answer = api.post("trunklist/query", None, token=token, version=V1)  # no body, as real clients send
    assert answer == {
        "status": "Success",
        "trunklist": [{"trunkname": "SIP-Carrier", "status": "registered", "type": "SIP"}],
    }
    assert api.control("trunk", {"name": "SIP-Carrier", "status": "Failure"})["status"] == "Failure"
    trunk = api.post("trunklist/query", {}, token=token, version=V1)["trunklist"][0]
    assert trunk["status"] == "failure"


def test_v2_trunk_list_uses_the_documented_spelling(api, emu):
    token = api.login(V2)
    emu.set_trunk_status("SIP-Carrier", "Unmonitored")
    trunks = api.post("trunk/list", {}, token=token, version=V2)["trunklist"]
    assert trunks == [{"trunkname": "SIP-Carrier", "status": "Unmonitored", "type": "SIP"}]
    assert api.post("trunklist/query", {}, token=token, version=V2)["errno"] == "10003"


def test_unknown_trunk_or_empty_state_is_a_clear_control_error(api):
    with pytest.raises(Exception) as refused:
        api.control("trunk", {"name": "Nope", "status": "Failure"})
    assert refused.value.code == 400


def test_v1_outroute_update_is_10003_unless_the_firmware_switch_is_on(api, emu):
    token = api.login(V1)
    body = {"id": "1", "extensions": "2101"}
    assert api.post("outroute/update", body, token=token, version=V1)["errno"] == "10003"
    assert emu.state.outroutes[0]["extensions"] == ""

    assert api.control("firmware", {"v1_route_update": True}) == {"v1_route_update": True}
    assert api.post("outroute/update", body, token=token, version=V1)["status"] == "Success"
    assert emu.state.outroutes[0]["extensions"] == "2101"
    assert emu.applied[-1]["path"] == "outroute/update"

    emu.config.v1_route_update = False  # the in-process switch
    assert (
        api.post("outroute/update", {"id": "1", "extensions": ""}, token=token, version=V1)["errno"]
        == "10003"
    )
    assert api.control("firmware", method="GET") == {"v1_route_update": False}


def test_v1_hotel_checkout_takes_the_extension_out_of_every_outbound_route(api, emu):
    for route in emu.state.outroutes:
        route["extensions"] = "2101,2102"
    token = api.login(V1)
    assert api.post("hotel/checkout", {"extid": "2101"}, token=token, version=V1)["status"] == "Success"
    assert {r["extensions"] for r in emu.state.outroutes} == {"2102"}


def test_command_line_switch_turns_v1_route_update_on():
    def switch(*argv: str) -> bool:
        return config_from_args(build_parser().parse_args(list(argv))).v1_route_update

    assert (switch(), switch("--v1-route-update", "on"), switch("--v1-route-update", "off")) == (
        False,
        True,
        False,
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--v1-route-update", "maybe"])
