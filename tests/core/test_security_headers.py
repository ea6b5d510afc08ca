"""What the browser receives: no guest secret in a cookie, no guest page in a cache, browser features
off, HSTS behind TLS."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import RoomFactory, StayFactory

pytestmark = pytest.mark.django_db

PERMISSIONS_OFF = ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()")


def test_the_voicemail_pin_of_a_check_in_travels_in_no_cookie(desk_client, room_type):
    reservation = StayFactory(room=RoomFactory(room_type=room_type))
    response = desk_client.post(
        reverse("rooms:check_in", args=[reservation.pk]), {"room": reservation.room.number}
    )
    assert response.status_code == 302
    reservation.refresh_from_db()
    pin = reservation.voicemail_pin
    assert pin

    assert "messages" not in response.cookies
    for morsel in response.cookies.values():
        assert pin not in morsel.value

    landing = desk_client.get(response["Location"])
    assert "messages" not in landing.cookies
    assert pin in landing.content.decode()  # the desk still sees it, once, on the page


def test_every_signed_in_page_is_kept_out_of_caches(desk_client, room_type):
    stay = StayFactory(room=RoomFactory(room_type=room_type))
    for url in (
        reverse("rooms:board"),
        reverse("rooms:arrivals"),
        reverse("rooms:stay_detail", args=[stay.pk]),
        reverse("rooms:guest_detail", args=[stay.guest.pk]),
    ):
        response = desk_client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_every_page_turns_off_browser_features_it_does_not_use(client, desk_client):
    for response in (
        Client().get("/login/"),
        Client().get("/healthz"),
        desk_client.get(reverse("rooms:board")),
        desk_client.get("/no-such-page/"),
        desk_client.get("/admin/"),  # refused to the desk: 403
    ):
        policy = response["Permissions-Policy"]
        for feature in PERMISSIONS_OFF:
            assert feature in policy


def test_hsts_is_sent_behind_a_tls_proxy_and_plain_http_is_redirected(settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    browser = Client()  # built after the settings: the security middleware reads them once

    through_proxy = browser.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert through_proxy.status_code == 200
    assert through_proxy["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

    plain = browser.get("/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    assert "Strict-Transport-Security" not in plain
    assert "camera=()" in plain["Permissions-Policy"]  # the redirect too


def test_the_pbx_reports_and_health_probes_are_not_redirected_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.PBX_EVENTS_TOKEN = "a-long-events-token-for-this-test"
    probe = Client()
    assert probe.get("/healthz").status_code == 200
    report = probe.post(
        "/pbx/events/a-long-events-token-for-this-test/", data="{}", content_type="application/json"
    )
    assert report.status_code != 301
