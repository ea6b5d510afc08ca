"""The PBX client against the real emulator over loopback HTTP, on API v1.1.0 and v2.0.0."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import time
from datetime import timedelta

import pytest
from django.db import connection

from hotelpbx.pbx.client import PbxClient, get_client
from hotelpbx.pbx.config import PbxConfig
from hotelpbx.pbx.emulator import Emulator
from hotelpbx.pbx.errors import (
    ERRNO_MEANINGS,
    PbxAuthError,
    PbxError,
    PbxPermanentError,
    PbxTemporaryError,
    PbxUnreachable,
    error_for,
)
from hotelpbx.pbx.models import LoginAttempt, PbxLink
from tests.concurrency import race as run_concurrently

from .conftest import EVENTS_SECRET, point_settings_at

SERIAL = "369364835218"


def logins(emu) -> list[dict]:
    return [r for r in emu.requests_log if r["path"] == "login"]


def calls_to(emu, path: str) -> list[dict]:
    return [r for r in emu.requests_log if r["path"] == path]


def new_client() -> PbxClient:
    client = PbxClient(PbxConfig.from_settings())
    client.throttle_retry_delay = 0.05
    return client


# --- login and the shared token ------------------------------------------------------------------------


def test_login_sends_md5_report_version_and_target(
    pbx_client, emulator, pbx_api_version, pbx_events_receiver
):
    result = pbx_client.login()

    assert result.first_connect and not result.after_outage and not result.reused
    [entry] = logins(emulator)
    body = entry["body"]  # the emulator masks the password in its log; it compared the MD5 itself
    assert body["username"] == "api" and body["password"] == "***" and entry["errno"] is None
    assert body["version"] == ("2.0.0" if pbx_api_version == "v2.0.0" else "1.0.2")
    assert body["urltag"] == "1" and body["port"] == str(pbx_events_receiver.port)
    # the English v1 pages name the flag `urlflag`: v1 gets both names, v2 only its documented `urltag`
    assert body.get("urlflag") == ("1" if pbx_api_version == "v1.1.0" else None)
    assert body["url"] == f"127.0.0.1:{pbx_events_receiver.port}/pbx/events/{EVENTS_SECRET}/"
    session = emulator.sessions.sessions[result.token]
    assert session.version == body["version"] and session.urltag == "1"

    link = PbxLink.get()
    assert link.token == result.token and link.connected_once and link.api_version == pbx_api_version
    assert link.serial == SERIAL and link.device_info["sn"] == SERIAL  # learned via deviceinfo/query
    assert list(LoginAttempt.objects.values_list("ok", flat=True)) == [True]


@pytest.mark.parametrize("pbx_api_version", ["v2.0.0"])
def test_a_login_answered_with_transport_tcp_raises_the_alert_on_the_pbx_page(
    pbx_client, emulator, desk_client
):
    pbx_client.login()
    assert PbxLink.get().report_transport == "HTTP"
    assert 'id="pbx-transport-alert"' not in desk_client.get("/pbx/").content.decode()

    emulator.config.report_transport = "TCP"  # someone set Report Method = TCP on the PBX
    pbx_client.login()

    assert PbxLink.get().report_transport == "TCP"
    page = desk_client.get("/pbx/").content.decode()
    assert 'id="pbx-transport-alert"' in page and "alert-danger" in page
    assert "Report Method to HTTP" in page
    emulator.config.report_transport = "HTTP"
    pbx_client.login()
    assert 'id="pbx-transport-alert"' not in desk_client.get("/pbx/").content.decode()


def test_password_is_sent_as_md5_hex_not_plain(pbx_client, emulator):
    # The emulator accepts only md5("Secret123"): a plain or differently hashed password fails with 20003.
    pbx_client.login()
    assert logins(emulator)[0]["errno"] is None
    assert hashlib.md5(b"Secret123").hexdigest() not in str(emulator.requests_log)


def test_second_client_reuses_the_shared_token(pbx_client, emulator):
    pbx_client.extension_list()
    other = new_client()
    other.extension_list()

    assert len(logins(emulator)) == 1
    assert other.last_login is None  # it never logged in
    assert len(calls_to(emulator, "extension/list") + calls_to(emulator, "extensionlist/query")) == 2


def test_expired_token_means_one_relogin_and_the_call_succeeds(pbx_client, emulator):
    pbx_client.extension_list()
    emulator.clock.advance(31 * 60)

    assert pbx_client.extension_query(["2101"])[0]["number"] == "2101"

    assert len(logins(emulator)) == 2
    assert [r["errno"] for r in calls_to(emulator, "extension/query")] == ["20006", None]
    assert pbx_client.last_login.after_outage  # the PBX forgot us: reports may have been lost


def test_token_refused_twice_raises_instead_of_looping(pbx_client, emulator):
    pbx_client.login()
    emulator.faults.update({"errno_rate": 1.0, "errno": "20004"})
    with pytest.raises(PbxAuthError) as caught:
        pbx_client.extension_list()
    assert caught.value.token_problem and caught.value.errno == "20004"
    assert len(logins(emulator)) == 2  # the first login plus exactly one re-login


def test_heartbeat_repeats_report_target_and_version(
    pbx_client, emulator, pbx_api_version, pbx_events_receiver
):
    pbx_client.login()
    pbx_client.heartbeat()

    [entry] = calls_to(emulator, "heartbeat")
    body = entry["body"]
    assert body["ipaddr"] == "127.0.0.1" and body["port"] == str(pbx_events_receiver.port)
    assert body["urltag"] == "1"
    assert body.get("urlflag") == ("1" if pbx_api_version == "v1.1.0" else None)
    if pbx_api_version == "v2.0.0":
        assert body["version"] == "2.0.0"  # without it the PBX falls back to the 1.0.0 event format
        assert emulator.sessions.sessions[PbxLink.get().token].version == "2.0.0"
    else:
        assert "version" not in body
    assert PbxLink.get().last_heartbeat_at is not None


def test_heartbeat_gives_the_pbx_an_ip_address_even_for_a_host_name(settings, pbx_client, emulator):
    settings.PBX_EVENTS_URL = "localhost:8000/pbx/events/t/"
    from hotelpbx.pbx.client import reset_clients

    reset_clients()
    client = get_client()
    client.login()
    client.heartbeat()
    assert calls_to(emulator, "heartbeat")[-1]["body"]["ipaddr"] == "127.0.0.1"


def test_logout_forgets_the_token(pbx_client, emulator):
    pbx_client.login()
    pbx_client.logout()
    assert PbxLink.get().token == ""
    assert calls_to(emulator, "logout")[0]["errno"] is None


def test_get_client_is_cached_per_settings(emulator, db, settings):
    assert get_client() is get_client()
    settings.PBX_TIMEOUT = 3.0
    assert get_client().config.timeout == 3.0


# --- typed helpers ---------------------------------------------------------------------------------------


def test_extension_update_and_query_roundtrip(pbx_client, emulator, pbx_api_version):
    pbx_client.extension_update("2101", username="Smith John", hasvoicemail="on", vmsecret="4821", dnd="on")

    [info] = pbx_client.extension_query(["2101"])
    assert info["number"] == "2101" and info["username"] == "Smith John" and info["dnd"] == "on"
    listed = {e["number"]: e for e in pbx_client.extension_list()}
    assert set(listed) == {"2101", "2102", "2103", "2104"} and listed["2101"]["username"] == "Smith John"
    assert len(pbx_client.extension_query()) == 4
    key = "number" if pbx_api_version == "v2.0.0" else "extid"
    assert emulator.applied[-1]["path"] == "extension/update" and emulator.applied[-1]["body"][key] == "2101"


def test_hotel_checkout_resets_the_extension(pbx_client, emulator):
    pbx_client.extension_update("2102", username="Guest Two")
    pbx_client.wakeup_create("2102", "06:30")

    pbx_client.hotel_checkout(["2102"])

    assert pbx_client.extension_query(["2102"])[0]["username"] == "2102"
    assert pbx_client.wakeup_query("2102") == []
    assert emulator.applied[-1]["path"] == "hotel/checkout"


@pytest.mark.parametrize("pbx_api_version", ["v2.0.0"])
def test_outroute_membership_on_v2(pbx_client, emulator):
    assert {r["name"] for r in pbx_client.outroute_query()} == {"International", "National", "Local"}

    assert pbx_client.outroute_set_members("International", add=["2101", "2102"]) == ["2101", "2102"]
    assert pbx_client.outroute_set_members("International", remove=["2101"]) == ["2102"]
    writes = len(emulator.applied)
    assert pbx_client.outroute_set_members("International", add=["2102"]) == ["2102"]
    assert len(emulator.applied) == writes  # already a member: nothing written

    route = next(r for r in emulator.state.outroutes if r["name"] == "International")
    assert route["extensions"] == "2102"
    pbx_client.hotel_checkout("2102")
    international = next(r for r in pbx_client.outroute_query() if r["name"] == "International")
    assert international["extensions"] == ""
    with pytest.raises(PbxPermanentError, match="no outbound route named"):
        pbx_client.outroute_set_members("Moon", add=["2101"])


@pytest.mark.parametrize("pbx_api_version", ["v1.1.0"])
def test_v1_reads_routes_and_an_update_the_firmware_lacks_is_errno_10003(pbx_client, emulator):
    assert {r["name"] for r in pbx_client.outroute_query()} == {"International", "National", "Local"}
    with pytest.raises(PbxPermanentError) as caught:
        pbx_client.outroute_set_members("International", add=["2101"])
    assert caught.value.errno == "10003"
    emulator.config.v1_route_update = True
    assert pbx_client.outroute_set_members("International", add=["2101"]) == ["2101"]
    assert emulator.state.outroutes[0]["extensions"] == "2101"


def test_route_queries_send_a_selector(pbx_client, emulator):
    pbx_client.outroute_query()
    pbx_client.inroute_query()
    bodies = [r["body"] for r in emulator.requests_log if r["path"] in ("outroute/query", "inroute/query")]
    assert bodies and all(body == {"id": "all"} for body in bodies)  # the login's probe asks too


def test_trunk_list_in_both_versions_passes_the_state_on_as_the_pbx_spells_it(
    pbx_client, emulator, pbx_api_version
):
    emulator.set_trunk_status("SIP-Carrier", "Failure")
    spelled = "Failure" if pbx_api_version == "v2.0.0" else "failure"  # the v1 capture is lower case
    assert pbx_client.trunk_list() == [{"name": "SIP-Carrier", "type": "SIP", "status": spelled}]


def test_wakeup_create_query_update_delete(pbx_client, emulator, pbx_api_version):
    pbx_client.wakeup_create("2103", "06:30", repeats=2, interval=10)
    [alarm] = pbx_client.wakeup_query("2103")
    assert alarm["time"] == "06:30" and alarm["repeats"] == "2" and alarm["repeatinterval"] == "10"
    assert alarm["number"] == "2103" and alarm["wakeupid"]

    pbx_client.wakeup_update("2103", alarm["wakeupid"], "07:15", repeats=3)
    [moved] = pbx_client.wakeup_query("2103")
    assert moved["time"] == "07:15" and moved["wakeupid"] == alarm["wakeupid"]
    # v1 sends the alarm as an array, v2 as an object (the emulator refuses the other shape with 10004)
    for path in ("wakeupcall/create", "wakeupcall/update"):
        sent = next(a for a in emulator.applied if a["path"] == path)
        assert isinstance(sent["body"]["wakeup"], dict if pbx_api_version == "v2.0.0" else list)

    pbx_client.wakeup_create("2103", "08:00")
    pbx_client.wakeup_delete("2103", moved["wakeupid"])
    assert [a["time"] for a in pbx_client.wakeup_query("2103")] == ["08:00"]
    pbx_client.wakeup_delete("2103")
    assert pbx_client.wakeup_query("2103") == []


@pytest.mark.parametrize("pbx_api_version", ["v2.0.0"])
@pytest.mark.parametrize("create_shape", ["object", "array"])
def test_a_v2_alarm_is_created_once_whichever_shape_the_pbx_reads(
    emulator_config, create_shape, pbx_api_version, pbx_events_receiver, settings, db
):
    # The documents disagree on v2 create's `wakeup` shape; the client must set the alarm either way.
    emu = Emulator(emulator_config.copy_with(v2_create_wakeup_shape=create_shape)).start(
        host="127.0.0.1", port=0
    )
    try:
        point_settings_at(settings, emu, pbx_api_version, pbx_events_receiver.port)
        new_client().wakeup_create("2102", "06:45", repeats=2, interval=5, prompt="wakeup_en")

        [alarm] = emu.state.alarms_of("2102")
        assert (alarm["time"], alarm["repeats"], alarm["prompt"]) == ("06:45", "2", "wakeup_en")
        creates = calls_to(emu, "wakeupcall/create")
        expected = [None] if create_shape == "object" else ["10004", None]
        assert [c["errno"] for c in creates] == expected
        assert isinstance(creates[-1]["body"]["wakeup"], dict if create_shape == "object" else list)
    finally:
        emu.stop()


def test_playprompt_returns_the_callid(pbx_client, emulator, pbx_api_version):
    callid = pbx_client.playprompt("2104", "wakeup_en")
    path = "call/playprompt" if pbx_api_version == "v2.0.0" else "extension/playprompt"
    assert callid and calls_to(emulator, path)[0]["errno"] is None


def test_cdr_download_parses_the_csv(pbx_client, emulator):
    callid = emulator.place_call(kind="outbound", src="2101", dst="00441234567", talk_seconds=42)
    now = emulator.clock.now()

    rows = pbx_client.cdr_download(now - timedelta(hours=1), now + timedelta(hours=1))

    [row] = [r for r in rows if r["callid"] == callid]
    assert row["callfrom"] == "2101" and row["callto"] == "00441234567" and row["talkduraction"] == "42"
    download = calls_to(emulator, "cdr/download")[0]
    assert download["method"] == "GET" and download["errno"] is None
    # no records in the period: the PBX's 20021 becomes an empty list
    assert pbx_client.cdr_download(now - timedelta(days=30), now - timedelta(days=29)) == []


def test_configuration_calls_are_paced_below_the_pbx_throttle(pbx_client, emulator):
    pbx_client.login()
    started = time.monotonic()
    for n in range(12):
        pbx_client.extension_update(f"210{n % 4 + 1}", username=f"Guest {n}")
    elapsed = time.monotonic() - started

    assert [r for r in emulator.requests_log if r["errno"] == "10025"] == []
    assert elapsed >= 11 / 8 - 0.05  # 8 configuration calls per second in the test settings
    assert PbxLink.get().next_config_slot is not None


# --- errors: each class, with its meaning in words --------------------------------------------------------


def test_unknown_extension_is_permanent(pbx_client, emulator):
    with pytest.raises(PbxPermanentError) as caught:
        pbx_client.extension_update("9999", username="Nobody")
    assert caught.value.errno == "10006" and caught.value.meaning == "the extension does not exist"
    assert "extension/update" in str(caught.value) and not caught.value.retryable


def test_throttling_is_temporary_after_three_retries(pbx_client, emulator):
    pbx_client.login()
    emulator.faults.update({"errno_rate": 1.0, "errno": "10025"})
    with pytest.raises(PbxTemporaryError) as caught:
        pbx_client.extension_update("2101", username="Busy")
    assert caught.value.errno == "10025" and "too frequently" in caught.value.meaning
    assert len(calls_to(emulator, "extension/update")) == 4  # the call plus 3 retries


def test_wrong_password_is_an_auth_error(pbx_client, emulator, settings):
    settings.PBX_PASSWORD = "Wrong123"
    with pytest.raises(PbxAuthError) as caught:
        new_client().login()
    assert caught.value.errno == "20003" and "wrong API username or password" in caught.value.meaning
    assert not caught.value.token_problem


def test_pbx_down_is_unreachable_and_marks_the_link_down(pbx_client, emulator):
    pbx_client.login()
    emulator.faults.update({"down": True})
    with pytest.raises(PbxUnreachable) as caught:
        pbx_client.extension_list()
    assert caught.value.retryable and caught.value.errno is None
    link = PbxLink.get()
    assert link.down_since is not None and "cannot reach the PBX" in link.last_error

    emulator.faults.update({"down": False})
    pbx_client.extension_list()
    assert PbxLink.get().down_since is None


def test_slow_pbx_hits_the_read_timeout(pbx_client, emulator, settings):
    settings.PBX_TIMEOUT = 0.3
    client = new_client()
    emulator.faults.update({"slow_seconds": 1.0})
    started = time.monotonic()
    with pytest.raises(PbxUnreachable) as caught:
        client.login()
    assert caught.value.timeout and "no answer within 0.3 s" in caught.value.meaning
    assert time.monotonic() - started < 1.0


def test_http_200_with_failed_status_is_a_failure(pbx_client, emulator):
    pbx_client.login()
    emulator.faults.update({"errno_rate": 1.0, "errno": "30003"})
    with pytest.raises(PbxTemporaryError) as caught:
        pbx_client.device_info()
    assert caught.value.errno == "30003" and "not running" in caught.value.meaning


def test_every_documented_errno_has_words_and_a_class():
    for errno, meaning in ERRNO_MEANINGS.items():
        error = error_for(errno, "x/y")
        assert isinstance(error, PbxError) and error.meaning == meaning and error.errno == errno
    assert type(error_for("20003")) is PbxAuthError and type(error_for("10025")) is PbxTemporaryError
    assert error_for("20006").token_problem and not error_for("20002").token_problem
    unknown = error_for("99999", "extension/update")
    assert type(unknown) is PbxPermanentError and unknown.meaning == "unknown error 99999"


# --- TLS ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed_cert(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("pbx_api_version", ["v2.0.0"])
def test_tls_is_verified_by_default(
    emulator, emulator_config, db, settings, self_signed_cert, pbx_api_version, pbx_events_receiver
):
    cert, key = self_signed_cert
    tls_emu = Emulator(emulator_config).start(host="127.0.0.1", port=0, certfile=str(cert), keyfile=str(key))
    try:
        point_settings_at(settings, tls_emu, pbx_api_version, pbx_events_receiver.port)
        assert tls_emu.url.startswith("https://")
        strict = new_client()
        assert strict.http.verify is True
        with pytest.raises(PbxUnreachable, match="TLS check failed"):
            strict.login()

        settings.PBX_CA_BUNDLE = str(cert)
        pinned = new_client()
        assert pinned.http.verify == str(cert)
        assert pinned.login().token

        settings.PBX_CA_BUNDLE, settings.PBX_TLS_INSECURE = "", True
        insecure = new_client()
        assert insecure.http.verify is False
        assert insecure.login(force=True).token
    finally:
        tls_emu.stop()


# --- secrets stay out of logs -------------------------------------------------------------------------------


def test_no_secret_in_logs_or_errors(pbx_client, emulator, caplog):
    caplog.set_level(logging.DEBUG)
    texts = []
    result = pbx_client.login()
    pbx_client.heartbeat()
    pbx_client.extension_update("2101", username="Smith John")
    pbx_client.wakeup_create("2101", "06:30")
    now = emulator.clock.now()
    pbx_client.cdr_download(now - timedelta(hours=1), now)
    for fault in ({"errno_rate": 1.0, "errno": "10006"}, {"errno_rate": 0.0, "down": True}):
        emulator.faults.update(fault)
        with pytest.raises(PbxError) as caught:
            pbx_client.device_info()
        texts += [str(caught.value), repr(caught.value)]
    emulator.faults.update({"down": False})
    emulator.clock.advance(31 * 60)  # re-login path too
    pbx_client.extension_list()

    # Our side only: the emulator is the PBX and keeps its own logs.
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("hotelpbx.pbx.emulator")]
    everything = "\n".join(ours + texts)
    assert any("login" in line for line in ours)  # the run did log
    secrets = [
        "Secret123",
        hashlib.md5(b"Secret123").hexdigest(),
        result.token,
        PbxLink.get().token,
        EVENTS_SECRET,
    ]
    for secret in secrets:
        assert secret not in everything


# --- many workers at once (row locks: PostgreSQL, as in CI) ---------------------------------------------


def race(n: int, action) -> list[str]:
    """Run `action` in n threads released together; each outcome is "ok" or the PbxError's class name."""

    def describe(exc: Exception) -> str:
        if not isinstance(exc, PbxError):
            raise exc
        return type(exc).__name__

    return run_concurrently(n, action, describe)


def needs_row_locks():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL property; CI runs this on PostgreSQL")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pbx_api_version", ["v2.0.0"])
def test_concurrent_workers_log_in_once(emulator, transactional_db):
    needs_row_locks()
    assert race(6, lambda: new_client().extension_list()) == ["ok"] * 6
    assert len(logins(emulator)) == 1
    assert len(calls_to(emulator, "extension/list")) == 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pbx_api_version", ["v2.0.0"])
def test_concurrent_configuration_calls_share_one_pace(emulator, transactional_db):
    needs_row_locks()
    new_client().login()
    started = time.monotonic()

    def three_updates():
        client = new_client()
        for n in range(3):
            client.extension_update("2101", username=f"Group {n}")

    assert race(6, three_updates) == ["ok"] * 6
    assert time.monotonic() - started >= 17 / 8 - 0.05  # 18 calls at 8 per second, across all threads
    assert [r for r in emulator.requests_log if r["errno"] == "10025"] == []


# --- settings ---------------------------------------------------------------------------------------------


def test_config_from_settings_reads_the_report_target(settings):
    settings.PBX_URL = "https://192.168.5.150:8088/api/v2.0.0/"
    settings.PBX_EVENTS_URL = "http://10.0.0.5:8000/pbx/events/abc/"
    settings.PBX_PASSWORD = "Pw-Secret-9"
    config = PbxConfig.from_settings()
    assert config.url == "https://192.168.5.150:8088" and config.api_base.endswith(":8088/api/v2.0.0")
    assert config.events_url == "10.0.0.5:8000/pbx/events/abc/"  # no scheme: urltag=1 wants host:port/path
    assert (config.events_host, config.events_port) == ("10.0.0.5", 8000)
    assert "abc" not in repr(config) and "Pw-Secret-9" not in repr(config)

    settings.PBX_EVENTS_URL = "10.0.0.5/pbx/events/abc/"
    assert PbxConfig.from_settings().events_port == 8260  # the PBX's default report port


def test_config_refuses_an_unknown_api_version(settings):
    settings.PBX_API_VERSION = "v3"
    with pytest.raises(PbxPermanentError, match="PBX_API_VERSION"):
        PbxConfig.from_settings()
