import json

import pytest
from django.test import Client

from hotelpbx.partners.scopes import SCOPES
from hotelpbx.partners.services import api_key_create

ALL_SCOPES = sorted(SCOPES)


class ApiClient:
    """Django's test client speaking JSON with an API key, as a partner's PMS would."""

    def __init__(self, key: str | None, **headers):
        self.client = Client()
        self.headers = dict(headers)
        if key is not None:
            self.headers["Authorization"] = f"Api-Key {key}"

    def _send(
        self,
        method: str,
        path: str,
        body=None,
        *,
        raw: bytes | None = None,
        content_type="application/json",
        **headers,
    ):
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        send = getattr(self.client, method)
        kwargs = {"headers": {**self.headers, **headers}}
        if method in ("get", "head"):
            return send(path, body or {}, **kwargs)
        return send(path, data, content_type=content_type, **kwargs)

    def get(self, path, params=None, **headers):
        return self._send("get", path, params, **headers)

    def post(self, path, body=None, **kw):
        return self._send("post", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self._send("patch", path, body, **kw)

    def delete(self, path, body=None, **kw):
        return self._send("delete", path, body or None, **kw)

    def put(self, path, body=None, **kw):
        return self._send("put", path, body, **kw)


@pytest.fixture
def make_key(db):
    def make(scopes=ALL_SCOPES, partner: str = "Opera PMS", **kwargs) -> str:
        _, key = api_key_create(partner_name=partner, scopes=list(scopes), **kwargs)
        return key

    return make


@pytest.fixture
def api(make_key):
    """A partner with every scope."""
    return ApiClient(make_key())


@pytest.fixture
def api_for(make_key):
    def client(scopes=ALL_SCOPES, partner: str = "Opera PMS", **kwargs) -> ApiClient:
        return ApiClient(make_key(scopes, partner, **kwargs))

    return client


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "fields"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error
