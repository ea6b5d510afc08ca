"""A verified key is remembered for a minute (no database query for it on the next requests), and
whatever happens to its row takes effect on the very next request."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from hotelpbx.partners import keycache
from hotelpbx.partners.models import Partner, PartnerKey
from hotelpbx.partners.services import api_key_revoke

from .conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def key_queries(call) -> int:
    seen = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = call()
    assert response.status_code == 200, response.content
    return sum("partners_partnerkey" in sql for sql in seen)


def row(key: str) -> PartnerKey:
    return PartnerKey.objects.get(prefix=key.split(".")[0])


def test_a_key_seen_a_moment_ago_is_not_looked_up_again(make_key):
    client = ApiClient(make_key(["rooms:read"]))

    assert key_queries(lambda: client.get("/api/v1/rooms/")) == 1
    assert key_queries(lambda: client.get("/api/v1/rooms/")) == 0


def test_revoking_a_remembered_key_shuts_it_out_at_once(make_key):
    key = make_key(["rooms:read"])
    client = ApiClient(key)
    client.get("/api/v1/rooms/")

    api_key_revoke(key=row(key))

    assert_error(client.get("/api/v1/rooms/"), 401, "authentication_failed")


def test_a_scope_taken_away_or_a_key_deleted_counts_at_once(make_key):
    key = make_key(["rooms:read", "stays:read"])
    client = ApiClient(key)
    assert client.get("/api/v1/stays/").status_code == 200

    changed = row(key)
    changed.scopes = ["rooms:read"]
    changed.save()
    assert_error(client.get("/api/v1/stays/"), 403, "permission_denied")

    Partner.objects.all().delete()  # the partner and, with it, its keys
    assert_error(client.get("/api/v1/rooms/"), 401)


def test_a_remembered_key_still_expires_on_time(make_key):
    key = make_key(["rooms:read"], expires_at=timezone.now() + timedelta(hours=1))
    client = ApiClient(key)
    assert client.get("/api/v1/rooms/").status_code == 200

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert "expired" in assert_error(client.get("/api/v1/rooms/"), 401)["message"]


def test_a_request_that_read_the_key_before_its_revocation_cannot_put_it_back(make_key):
    key = make_key(["rooms:read"])
    stale = PartnerKey.objects.get_from_key(key)  # read just before the revocation ...

    api_key_revoke(key=row(key))
    keycache.remember(keycache.fingerprint(key), stale)  # ... remembered just after it

    assert_error(ApiClient(key).get("/api/v1/rooms/"), 401, "authentication_failed")
