"""Idle sign-out per role, login throttling, and the health endpoints."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from hotelpbx.core.models import SchedulerHeartbeat
from hotelpbx.core.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db

POLL = {"HTTP_X_HOTEL_POLL": "1", "HTTP_HX_REQUEST": "true"}


def test_a_housekeeping_tablet_left_on_its_self_refreshing_page_signs_out(settings, housekeeping_client):
    settings.HOUSEKEEPING_SESSION_IDLE_SECONDS = 15 * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert housekeeping_client.get("/housekeeping/").status_code == 200
        for _ in range(3):  # the page keeps polling: that is not activity
            clock.shift(timedelta(minutes=6))
            response = housekeeping_client.get("/housekeeping/partial/", **POLL)
        assert response.status_code == 204 and response["HX-Redirect"] == "/login/"
        assert housekeeping_client.get("/housekeeping/").status_code == 302


def test_a_tablet_in_use_stays_signed_in(settings, housekeeping_client):
    settings.HOUSEKEEPING_SESSION_IDLE_SECONDS = 15 * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(4):
            clock.shift(timedelta(minutes=10))
            assert housekeeping_client.get("/housekeeping/").status_code == 200


def test_the_front_desk_has_a_longer_idle_time_than_tablets(settings, desk_client):
    settings.HOUSEKEEPING_SESSION_IDLE_SECONDS = 15 * 60
    settings.STAFF_SESSION_IDLE_SECONDS = 8 * 3600
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert desk_client.get("/board/").status_code == 200
        clock.shift(timedelta(hours=2))
        assert desk_client.get("/board/").status_code == 200
        clock.shift(timedelta(hours=9))
        response = desk_client.get("/board/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_login_is_throttled_after_repeated_failures(settings, client, front_desk_user):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/login/", {"username": "desk", "password": "wrong"})
    response = client.post("/login/", {"username": "desk", "password": "correct-horse-battery"})
    assert response.status_code in (403, 429)
    assert "too many failed sign-in attempts" in response.content.decode()


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from django.conf import settings as django_settings

    from hotelpbx import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert django_settings.TIME_ZONE == "UTC" and django_settings.USE_TZ


def test_healthz_is_public_and_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_a_missing_scheduler_and_then_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok" and "celery beat" in body["checks"]["scheduler"]
    beat_heartbeat()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"


def test_readyz_calls_a_stale_heartbeat_stale(client, settings):
    SchedulerHeartbeat.objects.create(name="beat", beat_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/readyz")
    assert response.status_code == 503 and "old" in response.json()["checks"]["scheduler"]


def test_a_user_without_a_role_is_told_so_and_can_sign_out(client, user_with_role):
    client.force_login(user_with_role(None))
    response = client.get("/")
    assert response.status_code == 403
    assert "no role yet" in response.content.decode()
    assert client.post("/logout/").status_code == 302


@pytest.mark.parametrize(
    ("role", "landing"),
    [("front_desk", "/board/"), ("manager", "/board/"), ("housekeeping", "/housekeeping/")],
)
def test_each_role_lands_where_its_work_is(client, user_with_role, role, landing):
    client.force_login(user_with_role(role))
    assert client.get("/")["Location"] == landing


def test_a_report_host_missing_from_allowed_hosts_is_flagged(settings):
    from hotelpbx.pbx.checks import pbx_events_host_allowed

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.PBX_EVENTS_URL = "10.0.0.5:8000/pbx/events/t/"
    warnings = pbx_events_host_allowed(None)
    assert warnings and "10.0.0.5" in warnings[0].msg
    settings.PBX_EVENTS_URL = "127.0.0.1:8000/pbx/events/t/"
    assert pbx_events_host_allowed(None) == []


def test_a_pbx_without_a_report_url_is_flagged(settings):
    from hotelpbx.pbx.checks import pbx_events_host_allowed

    settings.PBX_URL, settings.PBX_EVENTS_URL = "https://192.0.2.10:8088", ""
    assert [w.id for w in pbx_events_host_allowed(None)] == ["hotel.W002"]
