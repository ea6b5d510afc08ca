"""Report pushing: the three body formats, event order, retries, drops, reboot (API.md section 6)."""

from __future__ import annotations

import json

from emulator_helpers import SN


def _names(events, key="action"):
    return [e.get(key) for e in events]


def test_v1_102_format_internal_call_sequence(api, emu, rx):
    emu.config.extension_status_reports = False
    api.subscribe(rx, version="1.0.2")
    callid = emu.place_call(kind="internal", src="2101", dst="2102", talk_seconds=22, ring_seconds=9)
    assert emu.wait_idle(5)
    events = rx.events()
    assert _names(events) == ["ALERT", "RING", "ANSWER", "ANSWERED", "BYE", "BYE", "NewCdr"]
    assert all(e["callid"] == callid and e["sn"] == SN for e in events)
    assert events[0]["call"] == [{"ext": {"extid": "2101"}}]
    assert events[1]["call"] == [{"ext": {"extid": "2102"}}, {"ext": {"extid": "2101"}}]
    assert events[3]["call"] == [{"ext": {"extid": "2101"}}, {"ext": {"extid": "2102"}}]
    assert events[4]["call"] != events[5]["call"]  # one BYE per party
    cdr = events[-1]
    assert cdr["callfrom"] == "2101" and cdr["callto"] == "2102" and cdr["type"] == "Internal"
    assert (cdr["callduraction"], cdr["talkduraction"], cdr["status"]) == ("31", "22", "ANSWERED")
    assert cdr["timestart"] == emu.clock.now().strftime("%Y-%m-%d %H:%M:%S") or len(cdr["timestart"]) == 19
    epoch, seq = callid.split(".")
    assert epoch.isdigit() and seq.isdigit()


def test_pushed_request_headers_and_relative_url(api, emu, rx):
    api.subscribe(rx, version="1.0.2")
    emu.fail_call("2101", "NO Outbound Restriction")
    assert emu.wait_idle(5)
    request = rx.requests[0]
    assert request["path"] == "/events"
    assert request["headers"]["User-Agent"] == "WebAPI"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Accept"] == "application/json"
    body = json.loads(request["body"])
    assert body == {
        "action": "CallFailed",
        "reason": "NO Outbound Restriction",
        "callid": body["callid"],
        "call": [{"ext": {"extid": "2101"}}],
        "sn": SN,
    }


def test_absolute_url_with_urltag_1(api, emu, rx):
    api.login(port="1", url=f"127.0.0.1:{rx.port}/abs/path", urltag="1", version="1.0.2")
    emu.push_raw(b'{"x":1}')
    assert emu.wait_idle(5)
    assert rx.requests[0]["path"] == "/abs/path"
    assert rx.bodies == [b'{"x":1}']


def test_absolute_url_with_scheme_prefix(api, emu, rx):
    api.login("v2.0.0", url=f"http://127.0.0.1:{rx.port}/pbx", urltag="1", version="2.0.0")
    emu.push_raw("{}")
    assert emu.wait_idle(5)
    assert rx.requests[0]["path"] == "/pbx"


def test_legacy_format_has_duplicate_ext_keys(api, emu, rx):
    emu.config.extension_status_reports = False
    api.subscribe(rx)  # v1 login without version -> legacy format
    callid = emu.place_call(kind="internal", src="2101", dst="2102")
    assert emu.wait_idle(5)
    answer = next(b for b in rx.bodies if b'"ANSWER"' in b)
    pairs = json.loads(answer, object_pairs_hook=list)
    assert pairs == [
        ("action", "ANSWER"),
        ("callid", callid),
        ("ext", [("extid", "2102")]),
        ("ext", [("extid", "2101")]),
        ("sn", SN),
    ]
    assert b'"call"' not in b"".join(rx.bodies)


def test_legacy_outbound_ring_has_flat_outbound_party(api, emu, rx):
    emu.config.extension_status_reports = False
    api.subscribe(rx, api_version="v2.0.0")  # v2 without version -> 1.0.0 action format
    emu.place_call(kind="outbound", src="2101", dst="00331234567", trunk="SIP-Carrier")
    assert emu.wait_idle(5)
    ring = next(b for b in rx.bodies if b'"RING"' in b)
    pairs = dict(json.loads(ring, object_pairs_hook=list))
    outbound = dict(pairs["outbound"])
    assert (outbound["from"], outbound["to"], outbound["trunk"]) == ("2101", "00331234567", "SIP-Carrier")
    assert dict(pairs["ext"]) == {"extid": "2101"}
    cdr = json.loads(rx.bodies[-1])
    assert cdr["action"] == "NewCdr" and cdr["desttrunkname"] == "SIP-Carrier"


def test_v2_format_callstatus_members_and_newcdr_spellings(api, emu, rx):
    emu.config.extension_status_reports = False
    api.subscribe(rx, api_version="v2.0.0", version="2.0.0")
    callid = emu.place_call(kind="outbound", src="2101", dst="00442071234567", answer=False, ring_seconds=40)
    assert emu.wait_idle(5)
    events = rx.events()
    assert _names(events, "event") == ["CallStatus", "CallStatus", "NewCdr"]
    ring = events[0]["members"]
    assert ring[0]["ext"]["number"] == "2101" and ring[0]["ext"]["memberstatus"] == "ALERT"
    assert ring[0]["ext"]["channelid"].startswith("PJSIP/2101-")
    assert ring[1]["outbound"]["memberstatus"] == "RING" and ring[1]["outbound"]["trunkname"] == "SIP-Carrier"
    assert {m[next(iter(m))]["memberstatus"] for m in events[1]["members"]} == {"BYE"}
    cdr = events[2]
    assert (
        cdr["callid"] == callid and cdr["status"] == "NO ANSWERED" and cdr["dsttrcunkname"] == "SIP-Carrier"
    )
    assert cdr["talkduraction"] == "0" and cdr["callduraction"] == "40" and "desttrunkname" not in cdr


def test_v2_answered_call_and_extension_status(api, emu, rx):
    api.subscribe(rx, api_version="v2.0.0", version="2.0.0")
    emu.place_call(kind="internal", src="2101", dst="2102")
    assert emu.wait_idle(5)
    events = rx.events()
    statuses = [(e["extension"], e["status"]) for e in events if e["event"] == "ExtensionStatus"]
    assert statuses[0] == ("2101", "Busy") and ("2102", "Ringing") in statuses
    assert statuses[-2:] == [("2101", "Registered"), ("2102", "Registered")]  # SIP phones: never Idle
    answer = [e for e in events if e["event"] == "CallStatus"][1]
    assert [m["ext"]["memberstatus"] for m in answer["members"]] == ["ANSWERED", "ANSWER"]
    assert events[-1]["event"] == "NewCdr" and events[-1]["status"] == "ANSWERED"


def test_inbound_call_cdr(api, emu, rx):
    emu.config.extension_status_reports = False
    api.subscribe(rx, version="1.0.2")
    emu.place_call(
        kind="inbound", src="0612345678", dst="2101", did="5551000", talk_seconds=58, ring_seconds=6
    )
    assert emu.wait_idle(5)
    ring = rx.events()[1]
    assert ring["action"] == "RING"
    assert ring["call"][0] == {"ext": {"extid": "2101"}}
    assert (
        ring["call"][1]["inbound"]["from"] == "0612345678" and ring["call"][1]["inbound"]["to"] == "5551000"
    )
    cdr = rx.events()[-1]
    assert (cdr["type"], cdr["srctrunkname"], cdr["didnumber"], cdr["talkduraction"]) == (
        "Inbound",
        "SIP-Carrier",
        "5551000",
        "58",
    )


def test_busy_call(api, emu, rx):
    emu.config.extension_status_reports = False
    api.subscribe(rx, version="1.0.2")
    emu.place_call(kind="outbound", src="2101", dst="0201234567", status="BUSY", ring_seconds=3)
    assert emu.wait_idle(5)
    assert _names(rx.events()) == ["ALERT", "BYE", "BYE", "NewCdr"]
    assert rx.events()[-1]["status"] == "BUSY"


def test_failed_call_and_dnd_callee(api, emu, rx):
    emu.config.extension_status_reports = False
    api.subscribe(rx, api_version="v2.0.0", version="2.0.0")
    emu.place_call(kind="outbound", src="2101", dst="0201234567", status="FAILED")
    emu.state.extensions["2102"]["dnd"] = "on"
    emu.place_call(kind="internal", src="2101", dst="2102")
    assert emu.wait_idle(5)
    events = rx.events()
    assert [(e["event"], e.get("reason") or e.get("status")) for e in events] == [
        ("CallFailed", "Line Unreachable"),
        ("NewCdr", "FAILED"),
        ("CallFailed", "DND"),
        ("NewCdr", "BUSY"),
    ]


def test_dtmf_digits_accumulate(api, emu, rx):
    api.subscribe(rx, api_version="v2.0.0", version="2.0.0")
    emu.press_dtmf(ext="2101", digits="12", callpath="6500")
    assert emu.wait_idle(5)
    dtmf = [e for e in rx.events() if e["event"] == "DTMF"]
    assert [(e["info"], e["flag"], e["infos"]) for e in dtmf] == [("1", 0, "1"), ("2", 1, "12")]
    assert dtmf[0]["members"][0]["ext"]["callpath"] == "6500"


def test_reports_need_a_live_session(api, emu, rx):
    emu.place_call(kind="internal", src="2101", dst="2102")
    assert emu.wait_idle(1) and rx.requests == []
    token = api.subscribe(rx, version="1.0.2")
    emu.clock.advance(31 * 60)
    emu.fail_call("2101", "DND")
    assert emu.wait_idle(1) and rx.requests == []
    assert api.post("deviceinfo/query", {}, token=token)["errno"] == "20006"
    assert len(emu.state.cdrs) == 1  # the CDR store has the call even though nobody was told


def test_retry_until_200_keeps_order(api, emu, rx):
    rx.statuses = [500, 503, 500]
    api.subscribe(rx, version="1.0.2")
    emu.fail_call("2101", "DND")
    emu.fail_call("2102", "DND")
    assert emu.wait_idle(5)
    assert [r["status"] for r in rx.requests] == [500, 503, 500, 200, 200]
    assert [json.loads(b)["call"][0]["ext"]["extid"] for b in rx.bodies] == ["2101", "2102"]
    assert emu.reports_log[0]["attempts"] == 4 and emu.reports_log[0]["outcome"] == "delivered"


def test_retry_gives_up_after_max_attempts(api, emu, rx):
    rx.statuses = [500] * 10
    api.subscribe(rx, version="1.0.2")
    emu.fail_call("2101", "DND")
    assert emu.wait_idle(5)
    assert len(rx.requests) == emu.config.report_max_attempts
    assert emu.reports_log[0]["outcome"] == "given_up"


def test_drop_reports_by_count_and_switch(api, emu, rx):
    api.subscribe(rx, version="1.0.2")
    emu.faults.update({"drop_reports_count": 2})
    for reason in ("DND", "User busy", "Line unreachable"):
        emu.fail_call("2101", reason)
    assert emu.wait_idle(5)
    assert [e["reason"] for e in rx.events()] == ["Line unreachable"]
    emu.faults.update({"drop_reports": True})
    emu.fail_call("2101", "DND")
    assert emu.wait_idle(5) and len(rx.bodies) == 1
    assert [r["outcome"] for r in emu.reports_log].count("dropped") == 3


def test_reboot_pushes_bootup_then_tokens_are_gone(api, emu, rx):
    token = api.subscribe(rx, api_version="v2.0.0", version="2.0.0")
    emu.reboot()
    assert emu.wait_idle(5)
    assert rx.events() == [{"event": "BootUp", "sn": SN}]
    assert api.post("deviceinfo/query", {}, token=token, version="v2.0.0")["errno"] == "20004"
    emu.fail_call("2101", "DND")
    assert emu.wait_idle(2) and len(rx.bodies) == 1  # nobody logged in any more


def test_single_subscriber_latest_login_wins(api, emu, rx):
    from hotelpbx.pbx.emulator.receiver import ReportReceiver

    with ReportReceiver() as second:
        first_token = api.subscribe(rx, version="1.0.2")
        api.subscribe(second, version="1.0.2")
        emu.fail_call("2101", "DND")
        assert emu.wait_idle(5)
        assert rx.bodies == [] and len(second.bodies) == 1
        assert api.post("deviceinfo/query", {}, token=first_token)["status"] == "Success"
        emu.config.single_subscriber = False
        emu.fail_call("2101", "DND")
        assert emu.wait_idle(5)
        assert len(rx.bodies) == 1 and len(second.bodies) == 2


def test_playprompt_returns_callid_then_playpromptend(api, emu, rx):
    emu.config.extension_status_reports = False
    token = api.subscribe(rx, version="1.0.2")
    answer = api.post(
        "extension/playprompt", {"extid": "2101", "prompt": "wakeup_en", "autoanswer": "no"}, token=token
    )
    assert answer["status"] == "Success"
    assert emu.wait_idle(5)
    end = next(e for e in rx.events() if e["action"] == "PlayPromptEnd")
    assert end == {
        "action": "PlayPromptEnd",
        "callid": answer["callid"],
        "ext": {"extid": "2101"},
        "prompt": "wakeup_en",
        "sn": SN,
    }


def test_v2_playprompt_fails_with_dnd(api, emu, rx):
    token = api.subscribe(rx, api_version="v2.0.0", version="2.0.0")
    assert (
        api.post("extension/update", {"number": "2102", "dnd": "on"}, token=token, version="v2.0.0")["status"]
        == "Success"
    )
    answer = api.post(
        "call/playprompt",
        {"number": "2102", "prompt": "wakeup_en", "count": "2"},
        token=token,
        version="v2.0.0",
    )
    assert emu.wait_idle(5)
    failed = next(e for e in rx.events() if e["event"] == "CallFailed")
    assert failed["callid"] == answer["callid"] and failed["reason"] == "DND"
    assert failed["members"][0]["ext"]["number"] == "2102"
    assert (
        api.post("call/playprompt", {"number": "2102", "prompt": "1234"}, token=token, version="v2.0.0")[
            "errno"
        ]
        == "10023"
    )


def test_config_change_report_on_update(api, emu, rx):
    token = api.subscribe(rx, version="1.0.2")
    api.post("extension/update", {"extid": "2101", "username": "Smith John"}, token=token)
    assert emu.wait_idle(5)
    assert rx.events() == [
        {"action": "ConfigChange", "type": "extension", "extid": "2101", "operation": "update", "sn": SN}
    ]


def test_report_renewal_is_configurable(api, emu, rx):
    emu.config.report_renews_token = True
    token = api.subscribe(rx, version="1.0.2")
    emu.clock.advance(20 * 60)
    emu.fail_call("2101", "DND")
    assert emu.wait_idle(5)
    emu.clock.advance(20 * 60)
    assert api.post("deviceinfo/query", {}, token=token)["status"] == "Success"


def test_a_guest_who_hangs_up_mid_prompt_is_answered_and_ended_without_playpromptend(api, emu, rx):
    emu.config.extension_status_reports = False
    emu.calls.alarm_outcomes.plan_prompt("2101", ["hang up"])
    token = api.subscribe(rx, version="1.0.2")
    answer = api.post(
        "extension/playprompt", {"extid": "2101", "prompt": "wakeup_en", "autoanswer": "no"}, token=token
    )
    assert emu.wait_idle(5)
    mine = [e for e in rx.events() if e.get("callid") == answer["callid"]]
    assert [e["action"] for e in mine] == ["RING", "ANSWER", "BYE", "NewCdr"]
    record = mine[-1]
    assert (record["status"], record["callfrom"], record["callto"]) == ("ANSWERED", "2101", "2101")
    assert 0 < int(record["talkduraction"]) < int(record["callduraction"])  # hung up after a few seconds


def test_v2_hang_up_mid_prompt_reports_callstatus_and_an_answered_cdr_only(api, emu, rx):
    emu.config.extension_status_reports = False
    emu.calls.alarm_outcomes.plan_prompt("2102", ["hang up"])
    token = api.subscribe(rx, api_version="v2.0.0", version="2.0.0")
    answer = api.post(
        "call/playprompt", {"number": "2102", "prompt": "wakeup_en"}, token=token, version="v2.0.0"
    )
    assert emu.wait_idle(5)
    mine = [e for e in rx.events() if e.get("callid") == answer["callid"]]
    assert [e["event"] for e in mine] == ["CallStatus", "CallStatus", "CallStatus", "NewCdr"]
    assert [e["members"][0]["ext"]["memberstatus"] for e in mine[:3]] == ["RING", "ANSWER", "BYE"]
    assert mine[-1]["status"] == "ANSWERED"
