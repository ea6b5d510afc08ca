"""Who may call what: a missing, wrong, expired or revoked key is 401; a missing scope 403. The scope of
every operation comes from one table."""

import io
from datetime import date, time, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from billing.models import CallRecord, FolioLine
from hotelpbx.partners.models import PartnerKey
from hotelpbx.partners.scopes import SCOPES
from rooms.models import Stay
from tests.factories import RoomFactory
from wakeup.models import WakeupCall
from wakeup.services import wakeup_set

from .conftest import ALL_SCOPES, ApiClient, assert_error

pytestmark = pytest.mark.django_db

# (method, path, scope): every operation of /api/v1/ and the scope it needs
OPERATIONS = [
    ("get", "/api/v1/rooms/", "rooms:read"),
    ("get", "/api/v1/rooms/{room}/", "rooms:read"),
    ("patch", "/api/v1/rooms/{room}/", "rooms:write"),
    ("get", "/api/v1/stays/", "stays:read"),
    ("post", "/api/v1/stays/", "stays:write"),
    ("get", "/api/v1/stays/{stay}/", "stays:read"),
    ("post", "/api/v1/stays/{stay}/check-in/", "stays:write"),
    ("post", "/api/v1/stays/{stay}/check-out/", "stays:write"),
    ("post", "/api/v1/stays/{stay}/move/", "stays:write"),
    ("post", "/api/v1/stays/{stay}/cancel/", "stays:write"),
    ("get", "/api/v1/pbx/status/", "pbx:read"),
    ("get", "/api/v1/webhooks/", "webhooks:manage"),
    ("post", "/api/v1/webhooks/", "webhooks:manage"),
    ("get", "/api/v1/wakeups/", "wakeups:read"),
    ("post", "/api/v1/wakeups/", "wakeups:write"),
    ("get", "/api/v1/wakeups/{wakeup}/", "wakeups:read"),
    ("patch", "/api/v1/wakeups/{wakeup}/", "wakeups:write"),
    ("delete", "/api/v1/wakeups/{wakeup}/", "wakeups:write"),
    ("get", "/api/v1/stays/{stay}/folio/", "folio:read"),
    ("post", "/api/v1/stays/{stay}/postings/", "postings:write"),
    ("get", "/api/v1/stays/{stay}/postings/", "folio:read"),
    ("get", "/api/v1/call-records/", "folio:read"),
    ("get", "/api/v1/call-records/{call_record}/", "folio:read"),
    ("get", "/api/v1/minibar-items/", "folio:read"),
]


@pytest.fixture
def targets(make_key):
    room = RoomFactory()
    owner = ApiClient(make_key(partner="Opera PMS"))
    stay = owner.post(
        "/api/v1/stays/",
        {
            "guest": {"last_name": "Owner"},
            "arrival": "2030-01-01",
            "departure": "2030-01-03",
            "room": room.number,
        },
    ).json()
    [wakeup] = wakeup_set(stay=Stay.objects.get(pk=stay["id"]), day=date(2030, 1, 2), clock=time(7, 0))
    call = CallRecord.objects.create(
        pbx_serial="SN", callid="c-1", call_type="Outbound", room=room, stay_id=stay["id"], outcome="free"
    )
    return {"room": room.number, "stay": stay["id"], "wakeup": wakeup.pk, "call_record": call.pk}


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
def test_every_operation_needs_a_key_and_exactly_its_scope(make_key, targets, method, path, scope):
    url = path.format(**targets)
    before = Stay.objects.count(), list(Stay.objects.values_list("status", flat=True)), wakeup_states()

    assert_error(getattr(ApiClient(None), method)(url, {}), 401, "not_authenticated")
    without = ApiClient(make_key([s for s in ALL_SCOPES if s != scope], partner="Opera PMS"))
    error = assert_error(getattr(without, method)(url, {}), 403, "permission_denied")
    assert scope in error["message"]
    assert (
        Stay.objects.count(),
        list(Stay.objects.values_list("status", flat=True)),
        wakeup_states(),
    ) == before

    with_scope = ApiClient(make_key([scope], partner="Opera PMS"))
    assert getattr(with_scope, method)(url, {}).status_code not in (401, 403)


def wakeup_states():
    return list(WakeupCall.objects.values_list("status", "due_at")), FolioLine.objects.count()


def test_the_table_covers_every_scope():
    assert {scope for _, _, scope in OPERATIONS} == set(SCOPES)


@pytest.mark.parametrize(
    "authorization",
    ["Api-Key nope.nothing", "Api-Key ", "Bearer abc", "Api-Key", "Basic dXNlcjpwYXNz"],
)
def test_a_wrong_or_malformed_key_is_401(db, authorization):
    client = ApiClient(None, Authorization=authorization)
    assert_error(client.get("/api/v1/rooms/"), 401)


def test_a_revoked_key_is_401(make_key):
    key = make_key(["rooms:read"])
    assert ApiClient(key).get("/api/v1/rooms/").status_code == 200
    row = PartnerKey.objects.get(prefix=key.split(".")[0])
    row.revoked = True
    row.save()

    assert_error(ApiClient(key).get("/api/v1/rooms/"), 401, "authentication_failed")


def test_an_expired_key_is_401(make_key):
    key = make_key(["rooms:read"], expires_at=timezone.now() - timedelta(seconds=1))

    error = assert_error(ApiClient(key).get("/api/v1/rooms/"), 401, "authentication_failed")
    assert "expired" in error["message"]


def test_create_api_key_prints_a_working_key_once_and_stores_it_hashed(db):
    out, err = io.StringIO(), io.StringIO()

    call_command("create_api_key", "Mews", "--scopes", "rooms:read,pbx:read", stdout=out, stderr=err)

    key = out.getvalue().strip()
    row = PartnerKey.objects.get(partner__name="Mews")
    assert row.scopes == ["pbx:read", "rooms:read"]
    assert key not in row.hashed_key and key not in row.id
    assert ApiClient(key).get("/api/v1/pbx/status/").status_code == 200
    assert_error(ApiClient(key).get("/api/v1/stays/"), 403)


def test_create_api_key_refuses_unknown_scopes(db):
    with pytest.raises(CommandError, match="rooms:destroy"):
        call_command("create_api_key", "Mews", "--scopes", "rooms:read,rooms:destroy")
    assert not PartnerKey.objects.exists()
