"""Who may open which page: the role x page matrix, generated from hotelpbx.core.policy.POLICY.

Every view in the policy table is tried by every role (and by a user with no role, and anonymously):
anonymous -> the login page; a role in the table -> anything but 403; any other role -> 403.
A view that another app registers later joins the matrix by itself.
"""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from hotelpbx.core.policy import POLICY
from hotelpbx.core.timeutil import hotel_today
from tests.factories import GuestFactory, RoomFactory, StayFactory, in_house_stay


def _url_parameters(resolver=None, namespace: str = "") -> dict[str, dict]:
    """Every named URL -> its path converters ({kwarg name: converter}), namespaces included."""
    resolver = resolver or get_resolver()
    found: dict[str, dict] = {}
    for entry in resolver.url_patterns:
        converters = dict(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            inner_ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for name, inner in _url_parameters(entry, inner_ns).items():
                found.setdefault(name, {**converters, **inner})
        elif isinstance(entry, URLPattern) and entry.name:
            found.setdefault(f"{namespace}{entry.name}", converters)
    return found


URL_PARAMETERS = _url_parameters()  # also imports every view module, so apps have registered their pages
POLICY_VIEWS = sorted(POLICY)
ROLES = ["front_desk", "housekeeping", "manager", None]

# Real objects for the rooms pages, so an allowed role reaches the page itself (not a 404).
SAMPLE_KWARGS = {
    "rooms:guest_detail": lambda s: {"pk": s["stay"].guest.pk},
    "rooms:stay_detail": lambda s: {"pk": s["stay"].pk},
    "rooms:check_out": lambda s: {"pk": s["stay"].pk},
    "rooms:room_move": lambda s: {"pk": s["stay"].pk},
    "rooms:check_in": lambda s: {"pk": s["reservation"].pk},
}


def _kwargs_for(view_name: str, samples: dict) -> dict:
    if view_name in SAMPLE_KWARGS:
        return SAMPLE_KWARGS[view_name](samples)
    kwargs = {}
    for name, converter in URL_PARAMETERS[view_name].items():
        if name == "number":
            kwargs[name] = samples["stay"].room.number
        elif isinstance(converter, IntConverter):
            kwargs[name] = 999_999  # another app's object: a 404 still proves the door was open
        else:
            kwargs[name] = "sample"
    return kwargs


@pytest.fixture
def samples(db, room_type):
    stay = in_house_stay(room=RoomFactory(room_type=room_type), guest=GuestFactory(last_name="Secretname"))
    reservation = StayFactory(room=RoomFactory(room_type=room_type))
    return {"stay": stay, "reservation": reservation}


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlparse(response["Location"]).path == reverse("login")


def test_every_policy_view_has_a_url():
    missing = [name for name in POLICY_VIEWS if name not in URL_PARAMETERS]
    assert not missing, f"in POLICY but not in the URLconf: {missing}"


@pytest.mark.parametrize("view_name", [v for v in POLICY_VIEWS if v in URL_PARAMETERS])
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "no_role")
def test_role_page_matrix(client, user_with_role, samples, view_name, role):
    url = reverse(view_name, kwargs=_kwargs_for(view_name, samples))
    client.force_login(user_with_role(role))
    response = client.get(url)
    if role in POLICY[view_name]:
        assert response.status_code != 403, f"{role} refused on {view_name}"
        assert not _is_login_redirect(response)
    else:
        assert response.status_code == 403, (
            f"{role or 'no role'} let into {view_name} ({response.status_code})"
        )


@pytest.mark.parametrize("view_name", [v for v in POLICY_VIEWS if v in URL_PARAMETERS])
def test_anonymous_is_sent_to_login(client, samples, view_name):
    url = reverse(view_name, kwargs=_kwargs_for(view_name, samples))
    for method in (client.get, client.post):
        response = method(url)
        assert _is_login_redirect(response), f"{view_name}: {response.status_code}"
        assert "next=" in response["Location"]


def test_health_endpoints_need_no_sign_in(client, db):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code in (200, 503)  # 503 without a beat heartbeat, but never a login redirect
    assert "status" in ready.json()


def test_login_page_renders_for_anonymous(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


@pytest.mark.parametrize(
    "view_name",
    [
        "rooms:guest_search",
        "rooms:guest_detail",
        "rooms:stay_detail",
        "rooms:check_in",
        "rooms:check_out",
        "rooms:walk_in",
        "rooms:room_detail",
        "rooms:room_move",
        "rooms:board",
        "rooms:room_dnd",
    ],
)
def test_housekeeping_cannot_open_guest_pages(housekeeping_client, samples, view_name):
    url = reverse(view_name, kwargs=_kwargs_for(view_name, samples))
    response = housekeeping_client.get(url)
    assert response.status_code == 403
    assert "Secretname" not in response.content.decode()
    assert housekeeping_client.post(url).status_code == 403


def test_housekeeping_navbar_hides_desk_links(housekeeping_client, samples):
    response = housekeeping_client.get(reverse("rooms:board"))  # the 403 page has the navbar too
    text = response.content.decode()
    assert reverse("rooms:housekeeping") in text
    for name in (
        "rooms:arrivals",
        "rooms:departures",
        "rooms:in_house",
        "rooms:guest_search",
        "rooms:walk_in",
    ):
        assert f'href="{reverse(name)}"' not in text


def test_housekeeping_may_post_room_status_but_sees_no_guest(housekeeping_client, samples, housekeeping_user):
    room = samples["stay"].room
    url = reverse("rooms:room_status", args=[room.number])
    fragment = housekeeping_client.post(url, {"status": "dirty"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert "Secretname" not in text
    assert reverse("rooms:room_dnd", args=[room.number]) not in text
    room.refresh_from_db()
    assert room.housekeeping_status == "dirty"
    assert room.status_changes.get().source == "tablet"

    plain = housekeeping_client.post(url, {"status": "clean"})
    assert plain.status_code == 302 and plain["Location"] == reverse("rooms:housekeeping")
    assert housekeeping_client.get(url)["Location"] == reverse("rooms:housekeeping")


def test_desk_room_status_get_goes_to_the_room_page(desk_client, samples):
    number = samples["stay"].room.number
    response = desk_client.get(reverse("rooms:room_status", args=[number]))
    assert response["Location"] == reverse("rooms:room_detail", args=[number])


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "no_role")
def test_only_managers_get_the_admin(client, user_with_role, role):
    client.force_login(user_with_role(role))
    response = client.get("/admin/")
    if role == "manager":
        assert response.status_code == 200
        assert b"Site administration" in response.content
    else:
        assert response.status_code == 403


def test_admin_link_only_for_managers(client, user_with_role, samples):
    client.force_login(user_with_role("manager"))
    assert 'href="/admin/"' in client.get(reverse("rooms:board")).content.decode()
    client.force_login(user_with_role("front_desk"))
    assert 'href="/admin/"' not in client.get(reverse("rooms:board")).content.decode()


def test_voicemail_pin_is_shown_to_the_desk(desk_client, samples):
    stay = samples["stay"]
    assert (
        stay.voicemail_pin in desk_client.get(reverse("rooms:stay_detail", args=[stay.pk])).content.decode()
    )


def test_stale_departure_does_not_break_access(desk_client, room):
    """A guest who should have left yesterday is still reachable (overdue departures happen)."""
    stay = in_house_stay(
        room=room, arrival=hotel_today() - timedelta(days=3), departure=hotel_today() - timedelta(days=1)
    )
    assert desk_client.get(reverse("rooms:check_out", args=[stay.pk])).status_code == 200
