"""hotel/checkout, wake-up alarms, voicemail and v2 outbound routes (API.md sections 5.4-5.7)."""

from __future__ import annotations

from datetime import datetime

from emulator_helpers import SN

V2 = "v2.0.0"


def _set_clock(emu, hour, minute):
    now = emu.clock.now()
    emu.clock.set(datetime(now.year, now.month, now.day, hour, minute, tzinfo=emu.clock.tz))


def test_checkout_side_effects_v1(api, emu, rx):
    token = api.subscribe(rx, version="1.0.2")
    api.post("extension/update", {"extid": "2101", "username": "Smith John"}, token=token)
    api.post(
        "wakeupcall/create", {"extid": "2101", "wakeup": [{"time": "06:30", "type": "onetime"}]}, token=token
    )
    emu.leave_voicemail("2101", "0612345678")
    emu.state.outroutes[0]["extensions"] = "2101,2102"
    assert emu.wait_idle(5)
    rx.clear()
    assert api.post("hotel/checkout", {"extid": "2101"}, token=token) == {"status": "Success"}
    assert emu.state.extensions["2101"]["username"] == "2101"
    assert emu.state.voicemail["2101"] == []
    assert emu.state.alarms_of("2101") == []
    assert emu.state.outroutes[0]["extensions"] == "2102"
    assert api.post("wakeupcall/query", {"extid": "2101"}, token=token) == {
        "status": "Success",
        "wakeups": [],
    }
    assert emu.wait_idle(5)
    assert rx.events() == [
        {"action": "ConfigChange", "type": "extension", "extid": "2101", "operation": "update", "sn": SN}
    ]
    assert emu.applied[-1] == {**emu.applied[-1], "path": "hotel/checkout", "body": {"extid": "2101"}}


def test_checkout_v2_comma_list_and_unknown(api, emu):
    token = api.login(V2)
    for number in ("2101", "2102"):
        api.post(
            "extension/update", {"number": number, "username": f"Guest {number}"}, token=token, version=V2
        )
    assert api.post("hotel/checkout", {"number": "2101,9999"}, token=token, version=V2)["errno"] == "10006"
    assert emu.state.extensions["2101"]["username"] == "Guest 2101"  # nothing done on error
    assert api.post("hotel/checkout", {"number": "2101,2102"}, token=token, version=V2)["status"] == "Success"
    assert [emu.state.extensions[n]["username"] for n in ("2101", "2102")] == ["2101", "2102"]
    assert api.post("hotel/checkout", {}, token=token, version=V2)["errno"] == "10004"


def test_wakeup_crud_v1(api, emu):
    token = api.login()
    body = {
        "extid": "2101,2102",
        "wakeup": [
            {"time": "06:30", "type": "onetime", "repeats": "3", "repeatinterval": "5", "prompt": "wakeup_en"}
        ],
    }
    assert api.post("wakeupcall/create", body, token=token) == {"status": "Success"}
    answer = api.post("wakeupcall/query", {"extid": "2101"}, token=token)
    assert answer == {
        "status": "Success",
        "wakeups": [
            {
                "extid": "2101",
                "wakeup": [
                    {
                        "wakeupid": "1",
                        "time": "06:30",
                        "type": "onetime",
                        "prompt": "wakeup_en",
                        "repeats": "3",
                        "repeatinterval": "5",
                    }
                ],
            }
        ],
    }
    # same extension + time again -> already exists
    assert api.post("wakeupcall/create", body, token=token)["errno"] == "10022"
    update = {
        "extid": "2101",
        "wakeupid": "1",
        "wakeup": [{"time": "07:00", "type": "onetime", "repeats": "2"}],
    }
    assert api.post("wakeupcall/update", update, token=token)["status"] == "Success"
    alarm = emu.state.alarms["1"]
    assert (alarm["time"], alarm["repeats"], alarm["prompt"]) == ("07:00", "2", "wakeup_en")
    assert api.post("wakeupcall/update", {**update, "wakeupid": "2"}, token=token)["errno"] == "10021"
    assert (
        api.post(
            "wakeupcall/update", {**update, "wakeup": [{"time": "25:00", "type": "onetime"}]}, token=token
        )["errno"]
        == "10020"
    )
    assert api.post("wakeupcall/delete", {"extid": "2101", "wakeupid": "9"}, token=token)["errno"] == "10021"
    assert (
        api.post("wakeupcall/delete", {"extid": "2101", "wakeupid": "1"}, token=token)["status"] == "Success"
    )
    assert api.post("wakeupcall/delete", {"extid": "2102"}, token=token)["status"] == "Success"
    assert emu.state.alarms == {}


def test_wakeup_crud_v2_object_form_and_validation(api, emu):
    token = api.login(V2)
    create = {
        "number": "2103",
        "wakeup": {"time": "6:45", "type": "custom", "weekdays": "1,3,5", "repeats": "1"},
    }
    assert api.post("wakeupcall/create", create, token=token, version=V2)["status"] == "Success"
    assert (
        api.post(
            "wakeupcall/create",
            {"number": "2103", "wakeup": {"time": "07:00", "type": "everyday"}},
            token=token,
            version=V2,
        )["errno"]
        == "10004"
    )  # v2: repeats required
    bad = [
        {"time": "07:00", "type": "weekly", "repeats": "1"},
        {"time": "07:00", "type": "custom", "repeats": "1"},
        {"time": "07:00", "type": "onetime", "repeats": "4"},
    ]
    for alarm in bad:
        assert (
            api.post("wakeupcall/create", {"number": "2103", "wakeup": alarm}, token=token, version=V2)[
                "errno"
            ]
            == "10020"
        )
    assert (
        api.post(
            "wakeupcall/create", {"number": "9999", "wakeup": create["wakeup"]}, token=token, version=V2
        )["errno"]
        == "10006"
    )
    answer = api.post("wakeupcall/query", {"number": "all"}, token=token, version=V2)
    assert answer["wakeups"][0]["number"] == "2103"
    assert answer["wakeups"][0]["wakeup"][0] == {
        "wakeupid": "1",
        "time": "06:45",
        "type": "custom",
        "weekdays": "1,3,5",
        "prompt": "macroform-cold_day",
        "repeats": "1",
        "repeatinterval": "5",
    }
    update = {
        "number": "2103",
        "wakeupid": "1",
        "wakeup": {"time": "07:15", "type": "everyday", "repeats": "2"},
    }
    assert api.post("wakeupcall/update", update, token=token, version=V2)["status"] == "Success"
    assert "weekdays" not in emu.state.alarms["1"]
    assert (
        api.post("wakeupcall/delete", {"number": "all", "wakeupid": "all"}, token=token, version=V2)["status"]
        == "Success"
    )
    assert api.post("wakeupcall/query", {"number": "2103"}, token=token, version=V2) == {"status": "Success"}


def test_wakeup_ids_come_from_a_pbx_wide_counter(api, emu):
    token = api.login()
    for ext, time in (("2101", "06:00"), ("2102", "06:00"), ("2101", "06:10")):
        api.post(
            "wakeupcall/create", {"extid": ext, "wakeup": [{"time": time, "type": "everyday"}]}, token=token
        )
    assert [(a["wakeupid"], a["ext"]) for a in emu.state.alarms.values()] == [
        ("1", "2101"),
        ("2", "2102"),
        ("3", "2101"),
    ]


def test_alarm_rings_when_the_clock_passes_its_time(api, emu, rx):
    emu.config.extension_status_reports = False
    _set_clock(emu, 6, 0)
    token = api.subscribe(rx, version="1.0.2")
    api.post(
        "wakeupcall/create", {"extid": "2101", "wakeup": [{"time": "06:30", "type": "onetime"}]}, token=token
    )
    api.post(
        "wakeupcall/create", {"extid": "2102", "wakeup": [{"time": "06:30", "type": "everyday"}]}, token=token
    )
    assert emu.tick() == []
    emu.clock.advance(29 * 60)
    assert emu.tick() == []
    api.post("heartbeat", None, token=token)  # else the token dies before the alarm and no report flows
    emu.clock.advance(61)
    callids = emu.tick()
    assert len(callids) == 2
    assert emu.wait_idle(5)
    events = rx.events()
    assert [e["action"] for e in events if e.get("callid") == callids[0]] == [
        "RING",
        "ANSWER",
        "BYE",
        "NewCdr",
    ]
    cdr = next(e for e in events if e["action"] == "NewCdr" and e["callto"] == "2101")
    assert cdr["type"] == "Internal" and cdr["status"] == "ANSWERED"
    assert emu.state.alarms_of("2101") == []  # onetime removed
    assert len(emu.state.alarms_of("2102")) == 1  # everyday stays, rescheduled for tomorrow
    assert emu.tick() == []


def test_ring_alarm_hook_unanswered_repeats(api, emu, rx):
    emu.config.extension_status_reports = False
    token = api.subscribe(rx, api_version=V2, version="2.0.0")
    api.post(
        "wakeupcall/create",
        {
            "number": "2101",
            "wakeup": {"time": "06:30", "type": "onetime", "repeats": "3", "repeatinterval": "5"},
        },
        token=token,
        version=V2,
    )
    callids = emu.ring_alarm(ext="2101", wakeupid="1", answer=False)
    assert len(callids) == 3
    assert emu.wait_idle(5)
    cdrs = [e for e in rx.events() if e["event"] == "NewCdr"]
    assert [c["status"] for c in cdrs] == ["NO ANSWERED"] * 3
    assert emu.state.alarms == {}


def test_voicemail_query_and_delete(api, emu):
    token = api.login()
    emu.leave_voicemail("2101", "0612345678", 42)
    emu.place_call(kind="inbound", src="0687654321", dst="2101", status="VOICEMAIL", talk_seconds=12)
    box = api.post("voicemail/query", {"extid": "2101"}, token=token)["voicemails"][0]
    assert box["extid"] == "2101"
    assert [m["messagefrom"] for m in box["voicemail"]] == ["0612345678", "0687654321"]
    assert (
        box["voicemail"][0]["voicemailstatus"] == "unread" and box["voicemail"][0]["voicemaillength"] == "42"
    )
    first = box["voicemail"][0]["voicemailfile"]
    delete = {"extid": "2101", "voicemailfile": first, "voicemailstatus": "unread"}
    assert api.post("voicemail/delete", delete, token=token)["status"] == "Success"
    assert api.post("voicemail/delete", delete, token=token)["errno"] == "20018"
    assert api.post("voicemail/delete", {**delete, "voicemailstatus": "new"}, token=token)["errno"] == "20016"
    assert (
        api.post(
            "voicemail/delete",
            {"extid": "2101", "voicemailfile": "all", "voicemailstatus": "all"},
            token=token,
        )["status"]
        == "Success"
    )
    assert emu.state.voicemail["2101"] == []


def test_outroute_query_and_update_v2(api, emu):
    token = api.login(V2)
    routes = api.post("outroute/query", {"id": "all"}, token=token, version=V2)["outroutes"]
    assert [r["name"] for r in routes] == ["International", "National", "Local"]
    assert set(routes[0]) == {
        "id",
        "name",
        "prefix",
        "strip",
        "prepend",
        "trunks",
        "extensions",
        "extensionsgroup",
    }
    intl = routes[0]["id"]
    assert (
        api.post("outroute/update", {"id": intl, "extensions": "2101,2102"}, token=token, version=V2)[
            "status"
        ]
        == "Success"
    )
    # replace, not append
    assert (
        api.post("outroute/update", {"id": intl, "extensions": "2102"}, token=token, version=V2)["status"]
        == "Success"
    )
    assert (
        api.post("outroute/query", {"id": intl}, token=token, version=V2)["outroutes"][0]["extensions"]
        == "2102"
    )
    assert (
        api.post("outroute/update", {"id": intl, "extensions": "2102,9999"}, token=token, version=V2)["errno"]
        == "10079"
    )
    assert (
        api.post("outroute/update", {"id": intl, "trunks": "Nope"}, token=token, version=V2)["errno"]
        == "10078"
    )
    assert api.post("outroute/update", {"extensions": "2101"}, token=token, version=V2)["errno"] == "10004"
    assert emu.applied[-1]["path"] == "outroute/update"


def test_outbound_permission_enforced_when_configured(api, emu, rx):
    emu.config.enforce_outbound_permission = True
    token = api.subscribe(rx, api_version=V2, version="2.0.0")
    emu.place_call(kind="outbound", src="2101", dst="00442071234567")
    assert emu.wait_idle(5)
    assert rx.events()[0]["event"] == "CallFailed"
    assert rx.events()[0]["reason"] == "NO Outbound Restriction"
    assert rx.events()[-1]["status"] == "FAILED"
    rx.clear()
    api.post("outroute/update", {"id": "1", "extensions": "2101"}, token=token, version=V2)
    emu.place_call(kind="outbound", src="2101", dst="00442071234567")
    assert emu.wait_idle(5)
    assert rx.events()[-1]["status"] == "ANSWERED"


def test_custom_alarms_take_only_comma_separated_days_0_to_6_on_both_versions(api, emu):
    emu.config.config_rate_limit = 1000  # many refused calls in a row; the limit is tested elsewhere
    for version, key, shape in (("v1.1.0", "extid", list), (V2, "number", dict)):
        token = api.login(version) if version == V2 else api.login()

        def create(alarm, token=token, version=version, key=key, shape=shape):
            body = {key: "2101", "wakeup": [alarm] if shape is list else alarm}
            return api.post("wakeupcall/create", body, token=token, version=version)

        base = {"time": "06:30", "type": "custom", "repeats": "1"}
        for weekdays in ("135", "1;3", "1, 3", "7", "1,1", "", "mon", ["1", "3"], None):
            answer = create({**base, "weekdays": weekdays})
            assert answer["errno"] == "10020", (version, weekdays)
        assert create(base)["errno"] == "10020"  # custom without its days
        assert create({**base, "weekdays": "5,1,3"}) == {"status": "Success"}
        [alarm] = emu.state.alarms_of("2101")
        assert alarm["weekdays"] == "1,3,5"
        # an everyday alarm has no days; extra ones are not kept
        assert create({"time": "07:00", "type": "everyday", "repeats": "2", "weekdays": "1"})["status"] == (
            "Success"
        )
        assert "weekdays" not in emu.state.alarms_of("2101")[1]
        update = {key: "2101", "wakeupid": alarm["wakeupid"]}
        switch = {"time": "06:30", "type": "onetime", "repeats": "1"}
        body = {**update, "wakeup": [switch] if shape is list else switch}
        assert api.post("wakeupcall/update", body, token=token, version=version)["status"] == "Success"
        back = {"type": "custom", "repeats": "1"}  # to custom again, without its days
        body = {**update, "wakeup": [back] if shape is list else back}
        assert api.post("wakeupcall/update", body, token=token, version=version)["errno"] == "10020"
        api.post("wakeupcall/delete", {key: "2101"}, token=token, version=version)
        assert emu.state.alarms_of("2101") == []


def test_repeated_alarms_ring_on_each_matching_day(api, emu, rx):
    emu.config.extension_status_reports = False
    # Wednesday 10 June 2026, 06:00 on the PBX's clock
    emu.clock.set(datetime(2026, 6, 10, 6, 0, tzinfo=emu.clock.tz))
    token = api.subscribe(rx, api_version=V2, version="2.0.0")
    api.post(
        "wakeupcall/create",
        {"number": "2101", "wakeup": {"time": "06:30", "type": "everyday", "repeats": "1"}},
        token=token,
        version=V2,
    )
    api.post(  # Thursday and Saturday (0 = Sunday)
        "wakeupcall/create",
        {"number": "2102", "wakeup": {"time": "06:30", "type": "custom", "weekdays": "4,6", "repeats": "1"}},
        token=token,
        version=V2,
    )
    for _ in range(5 * 72):  # Wednesday 06:00 to Monday 06:00, 20 minutes at a time
        emu.clock.advance(20 * 60)
        api.post("heartbeat", None, token=token)  # else the token dies and no report flows
        emu.tick()
    assert emu.wait_idle(5)
    rung: dict[str, list[int]] = {"2101": [], "2102": []}
    for cdr in [e for e in rx.events() if e.get("event") == "NewCdr"]:
        rung[cdr["callto"]].append(int(cdr["timestart"][8:10]))
    assert rung == {"2101": [10, 11, 12, 13, 14], "2102": [11, 13]}
    assert len(emu.state.alarms) == 2  # repeated alarms stay until deleted
