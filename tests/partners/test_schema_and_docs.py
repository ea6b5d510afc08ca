"""The OpenAPI schema is the contract: served at /api/schema/, browsable at /api/docs/ from our own
files, and the live API keeps to it (schemathesis, bounded)."""

import os
import re

import hypothesis
import jsonschema
import pytest
import requests
import schemathesis
from django.contrib.staticfiles import finders
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import RoomFactory

pytestmark = pytest.mark.django_db

# What the answers must be: never a 5xx; documented statuses, content types, bodies. (Whether a generated
# body is accepted is not checked: the schema cannot say every rule, e.g. no NUL in a name.)
# bounded in CI; SCHEMATHESIS_EXAMPLES=50 SCHEMATHESIS_RANDOM=1 explores further by hand
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_schema_is_openapi_3_1_with_every_operation_its_scope_and_errors(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert client.get("/api/v1/schema/", {"format": "json"}).json() == schema
    assert schema["components"]["securitySchemes"]["ApiKey"]["in"] == "header"
    operations = [(m, p, op) for p, item in schema["paths"].items() for m, op in item.items()]
    assert len(operations) >= 15
    for method, path, operation in operations:
        if path == "/api/v1/ping/":
            assert "No key needed" in operation["description"] and "security" not in operation
            continue
        assert re.search(r"Scope: `[a-z]+:[a-z]+`", operation.get("description", "")), (method, path)
        assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
        if method != "get":
            assert {"400", "409", "422"} <= set(operation["responses"]), (method, path)
            headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
            assert "Idempotency-Key" in headers, (method, path)
    write = schema["paths"]["/api/v1/stays/"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in write["parameters"]]
    change = schema["paths"]["/api/v1/stays/{id}/"]["patch"]
    assert "409" in change["responses"] and "examples" in change["requestBody"]["content"]["application/json"]
    bodies = {k: v for k, v in schema["components"]["schemas"].items() if k.endswith("Request")}
    assert bodies and all(body["additionalProperties"] is False for body in bodies.values())
    answers = {k: v for k, v in schema["components"]["schemas"].items() if not k.endswith("Request")}
    assert [k for k, v in answers.items() if "request body" in v.get("description", "")] == []


def test_the_docs_pages_load_only_local_files_under_the_csp(client):
    for page in ("/api/docs/", "/api/docs/redoc/"):
        response = client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert not re.search(r"""(src|href)=["']https?://""", html), page
        assert "<script>" not in html  # no inline script: the CSP would block it
        assets = re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", html)
        assert assets
        for asset in assets:
            assert finders.find(asset), asset  # shipped by drf-spectacular-sidecar, collected with the rest


@pytest.mark.django_db(transaction=True)
def test_the_live_api_keeps_to_its_schema(live_server, make_key, settings):
    """Bounded: a few generated requests per operation, with a key holding every scope; no 5xx, and
    status codes, content types and bodies as the schema says."""
    settings.API_THROTTLE_RATE = "100000/minute"
    RoomFactory(number="101", floor=1, extension="2101")
    key = make_key()
    auth = {"Authorization": f"Api-Key {key}"}
    stay = requests.post(
        f"{live_server.url}/api/v1/stays/",
        json={
            "guest": {"last_name": "Curie"},
            "arrival": "2030-03-01",
            "departure": "2030-03-04",
            "room": "101",
        },
        headers=auth,
        timeout=10,
    ).json()
    # every other case of an operation on one stay or room aims at a real one (else all would be 404s)
    real = {"/api/v1/stays/{id}/": {"id": stay["id"]}, "/api/v1/rooms/{number}/": {"number": "101"}}
    raw = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(raw)
    checked, statuses, aimed = 0, [], []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=not os.environ.get("SCHEMATHESIS_RANDOM"),
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.headers = {**(case.headers or {}), **auth}
            target = next(
                (ids for prefix, ids in real.items() if case.operation.path.startswith(prefix)), None
            )
            if target and len(statuses) % 2 == 0:
                case.path_parameters = {**case.path_parameters, **target}
                aimed.append((case.method, case.operation.path))
            statuses.append(case.call_and_validate(base_url=live_server.url, checks=CHECKS).status_code)

        run()
        checked += 1
    assert checked >= 15
    assert not [s for s in statuses if s >= 500]
    assert sum(1 for s in statuses if s < 300) >= 10  # the key opened the API: not all refusals
    assert ("PATCH", "/api/v1/stays/{id}/") in aimed  # the stay change was tried on a real stay
    print(f"schemathesis: {checked} operations, {len(statuses)} requests, statuses {sorted(set(statuses))}")


def test_every_webhook_event_is_described_in_the_schema_and_in_docs_api_md(client):
    from pathlib import Path

    from django.conf import settings

    from hotelpbx.partners.webhooks import EVENT_TYPES

    schema = client.get("/api/schema/", {"format": "json"}).json()
    endpoint = schema["components"]["schemas"]["WebhookEndpoint"]["properties"]["event_types"]
    docs = (Path(settings.BASE_DIR) / "docs" / "api.md").read_text()
    for event, text in EVENT_TYPES.items():
        assert f"`{event}`: {text}" in endpoint["description"]
        assert f"`{event}`" in docs, f"{event} is not in docs/api.md's list of events"


def test_every_query_parameter_says_what_it_does(client):
    """A client written from the schema alone must know what `updated_since` or `arrival_to` mean."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    silent = [
        f"{method.upper()} {path} ?{parameter['name']}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and not parameter.get("description", "").strip()
    ]
    assert silent == []


def test_every_request_body_has_examples_that_fit_its_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    checked = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            assert body.get("examples"), f"{method.upper()} {path} has no example"
            validator = jsonschema.Draft202012Validator(
                {**body["schema"], "components": schema["components"]},
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            )
            for name, example in body["examples"].items():
                errors = [e.message for e in validator.iter_errors(example["value"])]
                assert errors == [], f"{method.upper()} {path} example {name}: {errors}"
                checked += 1
    assert checked >= 15
