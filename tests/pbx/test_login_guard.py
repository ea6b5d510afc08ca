"""The login guard: never more than 2 failed logins per 10 minutes, so the PBX's 5-strike IP lock is
never reached. Runs against the real emulator; time-machine moves the app's clock (and, since it patches
time.time for every thread, the emulator's clock too; `advance` tops the emulator up if not)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections

from hotelpbx.pbx.client import PbxClient
from hotelpbx.pbx.config import PbxConfig
from hotelpbx.pbx.errors import LoginGuardTripped, PbxAuthError, PbxUnreachable
from hotelpbx.pbx.models import LoginAttempt, PbxLink
from hotelpbx.pbx.session import guard_state, reset_guard

START = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


def new_client() -> PbxClient:
    return PbxClient(PbxConfig.from_settings())


def advance(traveller, emu, seconds: float) -> None:
    """Move the app's clock and the emulator's clock by the same amount."""
    before = emu.clock.time()
    traveller.shift(timedelta(seconds=seconds))
    moved = emu.clock.time() - before
    if moved < seconds - 1:
        emu.clock.advance(seconds - moved)


def failed_logins(emu) -> list[float]:
    """PBX-clock times (epoch seconds) of the logins the emulator refused."""
    return [
        datetime.fromisoformat(r["at"]).timestamp()
        for r in emu.requests_log
        if r["path"] == "login" and r["errno"] is not None
    ]


@pytest.fixture
def alerts():
    """The alerts an operator gets: error records "PBX login guard tripped" (log shipping alerts on them)."""
    received = []

    class Collect(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.ERROR and "login guard tripped" in record.getMessage():
                received.append(record.getMessage())

    handler = Collect()
    logger = logging.getLogger("hotelpbx.pbx.session")
    logger.addHandler(handler)
    yield received
    logger.removeHandler(handler)


def test_wrong_password_never_reaches_the_pbx_ip_lock(emulator, db, settings, alerts, caplog):
    settings.PBX_PASSWORD = "Wrong1234"
    outcomes = []
    with time_machine.travel(START, tick=True) as traveller:
        for _ in range(10):  # one attempt every 6 minutes for an hour, as a retrying worker would
            try:
                new_client().extension_list()
            except LoginGuardTripped:
                outcomes.append("guard")
            except PbxAuthError as exc:
                outcomes.append(exc.errno)
            advance(traveller, emulator, 6 * 60)

    refused = failed_logins(emulator)
    assert 1 <= len(refused) <= 2
    for t in refused:  # at most 2 failed logins in any 10-minute window
        assert sum(1 for other in refused if t <= other < t + 600) <= 2
    assert "20002" not in [r["errno"] for r in emulator.requests_log]  # the PBX never locked us out
    assert emulator.sessions.blocked() == {}
    assert outcomes[:2] == ["20003", "20003"] and set(outcomes[2:]) == {"guard"}

    tripped, reason = guard_state()
    assert tripped and "failed logins" in reason
    assert PbxLink.get().guard_tripped_at is not None
    assert len(alerts) == 1  # alerted once, not on every refused attempt
    assert any(r.levelname == "ERROR" and "login guard tripped" in r.getMessage() for r in caplog.records)


def test_reset_guard_then_the_right_password_works(emulator, db, settings):
    settings.PBX_PASSWORD = "Wrong1234"
    for _ in range(3):
        with pytest.raises(PbxAuthError):
            new_client().login()
    assert guard_state()[0]
    with pytest.raises(LoginGuardTripped):  # fixing the password alone is not enough: staff reset it
        settings.PBX_PASSWORD = emulator.config.password
        new_client().login()

    reset_guard(by="night manager")

    result = new_client().login()
    assert result.token and PbxLink.get().token == result.token
    assert guard_state() == (False, "")
    assert len([r for r in emulator.requests_log if r["path"] == "login"]) == 3


def test_guard_is_shared_by_all_clients(emulator, db, settings):
    settings.PBX_PASSWORD = "Wrong1234"
    for _ in range(2):
        with pytest.raises(PbxAuthError):
            new_client().login()
    # A different client (another worker process in production) reads the same rows.
    with pytest.raises(LoginGuardTripped):
        new_client().extension_list()
    assert len(failed_logins(emulator)) == 2


def test_old_failures_outside_the_window_and_before_a_success_do_not_count(emulator, db, settings):
    with time_machine.travel(START, tick=True) as traveller:
        settings.PBX_PASSWORD = "Wrong1234"
        with pytest.raises(PbxAuthError):
            new_client().login()
        advance(traveller, emulator, 11 * 60)
        settings.PBX_PASSWORD = emulator.config.password
        new_client().login()  # one failure, then a success: the PBX's counter starts again
        advance(traveller, emulator, 60)
        settings.PBX_PASSWORD = "Wrong1234"
        with pytest.raises(PbxAuthError) as caught:
            new_client().login()
    assert not isinstance(caught.value, LoginGuardTripped)
    assert not guard_state()[0]


def test_locked_out_answer_trips_the_guard_at_once(emulator, db, settings, alerts):
    # Someone else (or an earlier run) already burned the PBX's strikes for this IP.
    emulator.config.login_max_failures = 1
    emulator.sessions.max_failures = 1
    settings.PBX_PASSWORD = "Wrong1234"
    with pytest.raises(PbxAuthError) as first:
        new_client().login()
    assert first.value.errno == "20003"
    with pytest.raises(PbxAuthError) as second:
        new_client().login()
    assert second.value.errno == "20002" and "locked out" in second.value.meaning

    with pytest.raises(LoginGuardTripped, match="20002"):
        new_client().login()
    assert len([r for r in emulator.requests_log if r["path"] == "login"]) == 2
    assert len(alerts) == 1


def test_unreachable_pbx_does_not_count_as_a_failed_login(emulator, db):
    emulator.faults.update({"down": True})
    for _ in range(4):
        with pytest.raises(PbxUnreachable):
            new_client().login()
    assert not guard_state()[0]
    assert LoginAttempt.objects.filter(ok=False).count() == 4
    assert PbxLink.get().down_since is not None

    emulator.faults.update({"down": False})
    result = new_client().login()
    assert result.after_outage and result.first_connect
    assert PbxLink.get().down_since is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_with_a_wrong_password_fail_at_most_twice(emulator, transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL property; CI runs this on PostgreSQL")
    settings.PBX_PASSWORD = "Wrong1234"
    barrier = threading.Barrier(6)
    outcomes = []

    def run():
        try:
            barrier.wait()
            new_client().extension_list()
        except PbxAuthError as exc:
            outcomes.append("guard" if isinstance(exc, LoginGuardTripped) else exc.errno)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["20003", "20003", "guard", "guard", "guard", "guard"]
    assert len(failed_logins(emulator)) == 2
