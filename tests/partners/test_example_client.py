"""examples/pms_client.py, a client written from the schema and docs/api.md, walks a guest's journey
against the live server with a key made by create_api_key, and verifies the webhooks it receives."""

import importlib.util
import io
import threading

import pytest
from django.conf import settings
from django.core.management import call_command

from hotelpbx.partners import webhooks
from tests.factories import RoomFactory

from .receiver import PORTS


def load_example():
    spec = importlib.util.spec_from_file_location(
        "pms_client", settings.BASE_DIR / "examples" / "pms_client.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_the_example_client_walks_a_guest_journey(live_server, capsys):
    room = RoomFactory()
    out = io.StringIO()
    call_command(
        "create_api_key",
        "Example PMS",
        "--scopes",
        "stays:read,stays:write,wakeups:read,wakeups:write,webhooks:manage",
        stdout=out,
        stderr=io.StringIO(),
    )
    stop = threading.Event()

    def beat():  # what beat does every few seconds in production
        while not stop.is_set():
            webhooks.send_due()
            stop.wait(0.2)

    sender = threading.Thread(target=beat)
    sender.start()
    try:
        code = load_example().main(
            [
                "--base-url",
                live_server.url,
                "--key",
                out.getvalue().strip(),
                "--room",
                room.number,
                "--listen",
                f"127.0.0.1:{PORTS[-1]}",
                "--reservation-id",
                "PMS-1",
            ]
        )
    finally:
        stop.set()
        sender.join(10)
        from django.db import connections

        connections.close_all()

    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "webhook stay.checked_in verified for PMS-1" in printed
    assert "webhook stay.changed verified: departure, phone_class" in printed
    assert "wake-up moved to 07:15, scheduled" in printed
    assert "webhook wakeup.cancelled verified for wake-up" in printed
    assert "webhook stay.checked_out verified for PMS-1" in printed
