"""The report webhook's path token appears in no log line, whatever the request and whoever logs it."""

import io
import logging

import pytest
from django.conf import settings as django_settings
from django.test import Client

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-path-token-0123456789"
SN = "369364835218"


@pytest.fixture(autouse=True)
def pbx_settings(settings):
    settings.PBX_EVENTS_TOKEN = TOKEN
    settings.PBX_ALLOWED_IPS = []
    settings.PBX_SERIAL = SN
    settings.PBX_REPORT_MAX_BYTES = 4096


@pytest.fixture
def console_output():
    """What the configured console handler (with its filters and formatter) would have written."""
    stream = io.StringIO()
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(console.formatter)
    for log_filter in console.filters:
        handler.addFilter(log_filter)
    logging.getLogger().addHandler(handler)
    yield stream
    logging.getLogger().removeHandler(handler)


def _requests(client: Client):
    base = f"/pbx/events/{TOKEN}"
    yield client.post(f"{base}/extra", data="{}", content_type="application/json")  # 404
    yield client.get(f"{base}/extra/deeper?x={TOKEN}")  # 404 with the token in the query too
    yield client.get(f"{base}/")  # wrong method
    yield client.put(f"{base}/", data="{}", content_type="application/json")
    yield client.post(f"{base}/", data=b"\x00not json{", content_type="application/json")  # bad body
    yield client.post(f"{base}/", data=b'{"action": "NewCdr"}', content_type="text/plain")
    yield client.post(f"{base}/", data=b"x" * 5000, content_type="application/json")  # too large
    yield client.post(f"{base}", data="{}", content_type="application/json", REMOTE_ADDR="203.0.113.9")
    yield client.post(f"/pbx/events/{TOKEN[:-1]}x/", data="{}", content_type="application/json")  # wrong


def test_no_log_line_carries_the_report_token(settings, caplog, console_output):
    settings.PBX_ALLOWED_IPS = ["192.168.5.150"]  # so the one from another address is refused too
    caplog.set_level(logging.DEBUG)  # root, and with it django.request and django.security
    client = Client(REMOTE_ADDR="192.168.5.150")
    statuses = [response.status_code for response in _requests(client)]

    # bad bodies past the token and IP checks are acknowledged (200, kept as rejected); the rest are 4xx
    assert statuses == [404, 404, 405, 405, 200, 200, 200, 403, 404], statuses
    assert any("Not Found" in r.getMessage() for r in caplog.records)  # Django did log them
    logged = "\n".join(
        [r.getMessage() + (r.exc_text or "") for r in caplog.records]
        + [caplog.text, console_output.getvalue()]
    )
    assert "/pbx/events/<token>" in logged
    assert TOKEN not in logged
    assert TOKEN[:-1] + "x" not in logged


def test_a_traceback_that_mentions_the_token_is_redacted(caplog, console_output):
    caplog.set_level(logging.DEBUG)
    try:
        raise ValueError(f"could not open /pbx/events/{TOKEN}/ ({django_settings.PBX_EVENTS_TOKEN})")
    except ValueError:
        logging.getLogger("some.library").exception("failed on %s", f"/pbx/events/{TOKEN}/")
    assert caplog.records
    assert TOKEN not in caplog.text
    assert TOKEN not in console_output.getvalue()
    assert "ValueError: could not open /pbx/events/<token>/ (<token>)" in console_output.getvalue()
