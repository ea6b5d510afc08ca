"""cdr/get_random + GET cdr/download, recording download (API.md sections 5.8-5.9)."""

from __future__ import annotations

import csv
import io
import urllib.parse

V2 = "v2.0.0"


def _day(emu):
    day = emu.clock.now().strftime("%Y-%m-%d")
    return f"{day} 00:00:00", f"{day} 23:59:59"


def _download_query(key, value, start, end, token, random):
    return urllib.parse.urlencode(
        {key: value, "starttime": start, "endtime": end, "token": token, "random": random}
    )


def test_cdr_random_is_single_use_and_csv_has_newcdr_columns(api, emu):
    emu.clock.set(emu.clock.now().replace(hour=10, minute=0))
    emu.place_call(kind="outbound", src="2101", dst="00442071234567", talk_seconds=61, ring_seconds=5)
    emu.place_call(kind="internal", src="2102", dst="2103", answer=False)
    token = api.login()
    start, end = _day(emu)
    answer = api.post("cdr/get_random", {"extid": "all", "starttime": start, "endtime": end}, token=token)
    assert answer["status"] == "Success" and len(answer["random"]) == 32
    assert (answer["extid"], answer["starttime"], answer["endtime"]) == ("all", start, end)
    query = _download_query("extid", "all", start, end, token, answer["random"])
    content_type, data = api.get("cdr/download", query)
    assert content_type.startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert list(rows[0]) == [
        "callid",
        "timestart",
        "callfrom",
        "callto",
        "srctrunkname",
        "desttrunkname",
        "callduraction",
        "talkduraction",
        "status",
        "type",
        "pincode",
        "recording",
        "didnumber",
        "agentringtime",
        "sn",
    ]
    assert [(r["callfrom"], r["callto"], r["status"], r["talkduraction"]) for r in rows] == [
        ("2101", "00442071234567", "ANSWERED", "61"),
        ("2102", "2103", "NO ANSWER", "0"),
    ]
    # second use of the same random
    _, again = api.get("cdr/download", query)
    assert again == b'{"status":"Failed","errno":"20020"}'


def test_cdr_random_expires_after_30_clock_seconds(api, emu):
    emu.place_call(kind="internal", src="2101", dst="2102")
    token = api.login(V2)
    start, end = _day(emu)
    random = api.post(
        "cdr/get_random", {"number": "2101", "starttime": start, "endtime": end}, token=token, version=V2
    )["random"]
    emu.clock.advance(31)
    _, data = api.get(
        "cdr/download", _download_query("number", "2101", start, end, token, random), version=V2
    )
    assert data == b'{"status":"Failed","errno":"20020"}'


def test_cdr_v2_csv_uses_v2_spellings_and_filters_by_extension(api, emu):
    emu.place_call(kind="outbound", src="2101", dst="0201234567", answer=False)
    emu.place_call(kind="outbound", src="2102", dst="0201234567")
    token = api.login(V2)
    start, end = _day(emu)
    random = api.post(
        "cdr/get_random", {"number": "2101", "starttime": start, "endtime": end}, token=token, version=V2
    )["random"]
    _, data = api.get(
        "cdr/download", _download_query("number", "2101", start, end, token, random), version=V2
    )
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) == 1 and rows[0]["status"] == "NO ANSWERED" and rows[0]["dsttrcunkname"] == "SIP-Carrier"


def test_cdr_errors(api, emu):
    token = api.login()
    start, end = _day(emu)
    assert (
        api.post("cdr/get_random", {"extid": "all", "starttime": "2026/01/01", "endtime": end}, token=token)[
            "errno"
        ]
        == "20019"
    )
    assert api.post("cdr/get_random", {"extid": "all", "starttime": start}, token=token)["errno"] == "10004"
    # no records in range
    assert (
        api.post("cdr/get_random", {"extid": "all", "starttime": start, "endtime": end}, token=token)["errno"]
        == "20021"
    )
    _, data = api.get("cdr/download", _download_query("extid", "all", start, end, token, "0" * 32))
    assert data == b'{"status":"Failed","errno":"20020"}'
    _, data = api.get("cdr/download", _download_query("extid", "all", start, end, "", "0" * 32))
    assert data == b'{"status":"Failed","errno":"20005"}'


def test_cdr_allowedip_is_enforced(api, emu):
    emu.place_call(kind="internal", src="2101", dst="2102")
    token = api.login()
    start, end = _day(emu)
    random = api.post(
        "cdr/get_random",
        {"extid": "all", "starttime": start, "endtime": end, "allowedip": "192.0.2.10"},
        token=token,
    )["random"]
    _, data = api.get("cdr/download", _download_query("extid", "all", start, end, token, random))
    assert data == b'{"status":"Failed","errno":"20015"}'


def test_recording_download(api, emu):
    emu.place_call(kind="outbound", src="2101", dst="00442071234567", recording=True)
    name = emu.state.cdrs[-1]["recording"]
    assert name.endswith("-2101-00442071234567-Outbound.wav")
    token = api.login()
    answer = api.post("recording/get_random", {"recording": name}, token=token)
    assert answer["recording"] == name
    content_type, data = api.get(
        "recording/download",
        urllib.parse.urlencode({"recording": name, "random": answer["random"], "token": token}),
    )
    assert content_type == "audio/x-wav" and data.startswith(b"RIFF")
    assert api.post("recording/get_random", {"recording": "nope.wav"}, token=token)["errno"] == "20014"
