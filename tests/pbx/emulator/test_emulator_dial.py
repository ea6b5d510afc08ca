"""Click-to-call on the emulated PBX (API.md 5.10): v1 extension/dial_extension, v2 call/dial. Required
fields are enforced, unknown extensions answer the documented errno, and a placed call is recorded."""


def v2(api, path, body, token):
    return api.post(path, body, token=token, version="v2.0.0")


def test_v1_dial_extension_rings_the_caller_then_the_callee_and_records_the_call(api, emu):
    token = api.login()
    answer = api.post(
        "extension/dial_extension", {"caller": "2101", "callee": "2102", "autoanswer": "no"}, token=token
    )
    assert answer["status"] == "Success" and answer["callid"]
    with emu.lock:
        [cdr] = [c for c in emu.state.cdrs if c["callid"] == answer["callid"]]
    assert (cdr["callfrom"], cdr["callto"], cdr["status"]) == ("2101", "2102", "ANSWERED")


def test_v1_dial_extension_wants_both_parties_and_known_extensions(api):
    token = api.login()
    assert api.post("extension/dial_extension", {"callee": "2102"}, token=token)["errno"] == "10004"
    assert api.post("extension/dial_extension", {"caller": "2101"}, token=token)["errno"] == "10004"
    unknown_caller = api.post("extension/dial_extension", {"caller": "2999", "callee": "2102"}, token=token)
    assert unknown_caller["errno"] == "10006"
    unknown_callee = api.post("extension/dial_extension", {"caller": "2101", "callee": "2999"}, token=token)
    assert unknown_callee["errno"] == "10011"


def test_v2_call_dial_takes_caller_callee_and_dial_permission(api, emu):
    token = api.login(api_version="v2.0.0")
    body = {"caller": "2101", "callee": "2103", "dialpermission": "2101", "autoanswer": "no"}
    answer = v2(api, "call/dial", body, token)
    assert answer["status"] == "Success" and answer["callid"]
    assert v2(api, "call/dial", {"caller": "2101", "callee": "2103"}, token)["status"] == "Success"
    with emu.lock:
        placed = [(c["callfrom"], c["callto"]) for c in emu.state.cdrs]
    assert placed == [("2101", "2103"), ("2101", "2103")]


def test_v2_call_dial_refuses_missing_fields_and_unknown_extensions(api, emu):
    token = api.login(api_version="v2.0.0")
    assert v2(api, "call/dial", {"callee": "2103"}, token)["errno"] == "10004"
    assert v2(api, "call/dial", {"caller": "2101"}, token)["errno"] == "10004"
    assert v2(api, "call/dial", {"caller": "2999", "callee": "2103"}, token)["errno"] == "10006"
    wrong_permission = {"caller": "2101", "callee": "2103", "dialpermission": "2999"}
    assert v2(api, "call/dial", wrong_permission, token)["errno"] == "10006"
    with emu.lock:
        assert emu.state.cdrs == []  # nothing refused was placed
