"""Every response carries a Content Security Policy that runs only our own script files."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.factories import GuestFactory, RoomFactory, StayFactory, UserFactory, in_house_stay

pytestmark = pytest.mark.django_db

REQUIRED = {
    "script-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}


def policy(response) -> dict[str, set[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, (
        f"{response.request['PATH_INFO']} ({response.status_code}) sends no Content-Security-Policy"
    )
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = set(values)
    return directives


def assert_strict(response) -> None:
    directives = policy(response)
    where = f"{response.request['PATH_INFO']} ({response.status_code})"
    for name, values in REQUIRED.items():
        assert directives.get(name) == values, f"{where}: {name} is {directives.get(name)}"
    for source in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'wasm-unsafe-eval'", "data:", "*"):
        assert source not in directives["script-src"], f"{where}: script-src allows {source}"
    assert "script-src-attr" not in directives and "script-src-elem" not in directives


@pytest.fixture
def hotel():
    room = RoomFactory(number="101")
    reservation = StayFactory(room=RoomFactory(number="102"), guest=GuestFactory())
    staying = in_house_stay(room=room)
    return {"room": room, "reservation": reservation, "staying": staying}


def desk_pages(hotel) -> list[str]:
    reservation, staying = hotel["reservation"], hotel["staying"]
    return [
        reverse("home"),
        reverse("rooms:board"),
        reverse("rooms:board_partial"),
        reverse("rooms:arrivals"),
        reverse("rooms:departures"),
        reverse("rooms:in_house"),
        reverse("rooms:guest_search") + "?q=a",
        reverse("rooms:guest_detail", args=[staying.guest.pk]),
        reverse("rooms:room_detail", args=["101"]),
        reverse("rooms:walk_in"),
        reverse("rooms:room_suggestions"),
        reverse("rooms:stay_detail", args=[staying.pk]),
        reverse("rooms:check_in", args=[reservation.pk]),
        reverse("rooms:check_out", args=[staying.pk]),
        reverse("rooms:room_move", args=[staying.pk]),
        reverse("rooms:housekeeping"),
        reverse("rooms:housekeeping_partial"),
        reverse("pbx:status"),
        reverse("pbx:badge"),
        "/no-such-page/",  # 404
    ]


def test_every_desk_page_sends_the_policy(client, hotel):
    client.force_login(UserFactory(username="desk", role="Front desk"))
    for url in desk_pages(hotel):
        response = client.get(url)
        assert response.status_code in (200, 302, 404), (url, response.status_code)
        assert_strict(response)


def test_sign_in_error_pages_and_health_send_the_policy(client, hotel):
    for url in [reverse("login"), reverse("rooms:board"), "/no-such-page/", reverse("healthz")]:
        assert_strict(client.get(url))
    client.force_login(UserFactory(username="maid", role="Housekeeping"))
    forbidden = client.get(reverse("rooms:board"))
    assert forbidden.status_code == 403
    assert_strict(forbidden)


def test_a_server_error_page_sends_the_policy(hotel, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("rooms.selectors.arrivals_on", broken)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="desk", role="Front desk"))
    response = client.get(reverse("rooms:arrivals"))
    assert response.status_code == 500
    assert_strict(response)


def test_every_admin_list_and_form_sends_the_policy(client, hotel):
    client.force_login(UserFactory(username="boss", role="Manager", is_staff=True, is_superuser=True))
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        assert_strict(response)
