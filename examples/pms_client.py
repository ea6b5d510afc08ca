"""A small PMS client of the hotelpbx partner API, written from /api/schema/ and docs/api.md only.

It walks one guest's journey (reserve -> check in -> wake-up -> check out), receives the webhooks on a
small HTTP server of its own and verifies their Standard Webhooks signatures:

    python examples/pms_client.py --base-url http://127.0.0.1:8000 --key "$KEY" --room 101 \
        --listen 127.0.0.1:9260

The key needs the scopes stays:read, stays:write, wakeups:read, wakeups:write and webhooks:manage.
"""

import argparse
import json
import queue
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class PmsClient:
    def __init__(self, base_url: str, key: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Api-Key {key}"

    def call(self, method: str, path: str, body: dict | None = None, *, expect: int = 200) -> dict:
        headers = {"Idempotency-Key": str(uuid.uuid4())} if method != "GET" else {}
        response = self.session.request(method, self.base_url + path, json=body, headers=headers, timeout=15)
        if response.status_code != expect:
            error = response.json().get("error", {}) if response.content else {}
            raise RuntimeError(
                f"{method} {path}: {response.status_code} {error.get('code')}: {error.get('message')}"
            )
        return response.json() if response.content else {}


class WebhookInbox:
    """Receives deliveries, verifies each signature, and queues the verified payloads."""

    def __init__(self, listen: str):
        host, port = listen.rsplit(":", 1)
        self.verified: queue.Queue = queue.Queue()
        self.rejected: list[str] = []
        self.secret = ""
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    inbox.verified.put(Webhook(inbox.secret).verify(body, dict(self.headers)))
                    self.send_response(204)
                except WebhookVerificationError as exc:
                    inbox.rejected.append(str(exc))
                    self.send_response(400)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, int(port)), Handler)
        self.url = f"http://{host}:{self.server.server_port}/hotelpbx"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, event_type: str, timeout: float = 30.0) -> dict:
        while True:
            payload = self.verified.get(timeout=timeout)
            if payload["type"] == event_type:
                return payload

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def journey(client: PmsClient, inbox: WebhookInbox, *, room: str, reservation_id: str) -> list[str]:
    """One guest from reservation to departure; returns what happened, in order."""
    log = []
    endpoint = client.call(
        "POST",
        "/api/v1/webhooks/",
        {
            "url": inbox.url,
            "event_types": ["stay.checked_in", "stay.changed", "stay.checked_out", "wakeup.cancelled"],
        },
        expect=201,
    )
    inbox.secret = endpoint["secret"]
    today = datetime.now(UTC).date()
    stay = client.call(
        "POST",
        "/api/v1/stays/",
        {
            "external_id": reservation_id,
            "guest": {"first_name": "Grace", "last_name": "Hopper", "language": "en"},
            "arrival": (today - timedelta(days=1)).isoformat(),
            "departure": (today + timedelta(days=2)).isoformat(),
            "room": room,
            "phone_class": "national",
        },
        expect=201,
    )
    log.append(f"reserved stay {stay['id']} ({reservation_id})")
    found = client.call("GET", f"/api/v1/stays/?external_id={reservation_id}")["results"]
    assert [s["id"] for s in found] == [stay["id"]], found
    checked_in = client.call("POST", f"/api/v1/stays/{stay['id']}/check-in/", {})
    log.append(f"checked in to room {checked_in['room']}")
    hook = inbox.wait_for("stay.checked_in")
    log.append(f"webhook {hook['type']} verified for {hook['data']['external_id']}")
    # the guest stays a night longer and wants to call abroad (FIAS guest change)
    departure = (today + timedelta(days=3)).isoformat()
    changed = client.call(
        "PATCH", f"/api/v1/stays/{stay['id']}/", {"departure": departure, "phone_class": "international"}
    )
    log.append(f"stay extended to {changed['departure']}, phone {changed['phone_class']}")
    hook = inbox.wait_for("stay.changed")
    log.append(f"webhook {hook['type']} verified: {', '.join(hook['data']['changed'])}")
    # the departure morning, in the hotel's local time: a day or more ahead in any time zone
    wake_day = (today + timedelta(days=2)).isoformat()
    wakeup = client.call(
        "POST", "/api/v1/wakeups/", {"stay": stay["id"], "date": wake_day, "time": "06:30"}, expect=201
    )
    log.append(f"wake-up {wakeup['id']} requested for {wakeup['local_date']} {wakeup['local_time']}")
    moved = client.call("PATCH", f"/api/v1/wakeups/{wakeup['id']}/", {"date": wake_day, "time": "07:15"})
    log.append(f"wake-up moved to {moved['local_time']}, {moved['status']}")
    client.call("DELETE", f"/api/v1/wakeups/{wakeup['id']}/")
    hook = inbox.wait_for("wakeup.cancelled")
    log.append(f"webhook {hook['type']} verified for wake-up {hook['data']['wakeup_id']}")
    client.call("POST", f"/api/v1/stays/{stay['id']}/check-out/", {})
    log.append("checked out")
    hook = inbox.wait_for("stay.checked_out")
    log.append(f"webhook {hook['type']} verified for {hook['data']['external_id']}")
    client.call("DELETE", f"/api/v1/webhooks/{endpoint['id']}/", expect=204)
    return log


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--room", required=True, help="A vacant, ready room number.")
    parser.add_argument("--listen", default="127.0.0.1:9260", help="host:port for the webhook receiver")
    parser.add_argument("--reservation-id", default=f"PMS-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    inbox = WebhookInbox(args.listen)
    try:
        for line in journey(
            PmsClient(args.base_url, args.key), inbox, room=args.room, reservation_id=args.reservation_id
        ):
            print(line)
    finally:
        inbox.close()
    if inbox.rejected:
        print(f"rejected deliveries: {inbox.rejected}", file=sys.stderr)
        return 1
    print(json.dumps({"ok": True}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
