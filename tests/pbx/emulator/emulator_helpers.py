"""Helpers for the Yeastar emulator tests: a tiny PBX API client and the emulator config they use.

A module with a unique name (not conftest) so test files can import it without clashing with other
conftest.py files of the project.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from typing import Any

from hotelpbx.pbx.emulator import EmulatorConfig

PASSWORD = "Secret123"
MD5 = hashlib.md5(PASSWORD.encode()).hexdigest()
SN = "369364835218"


class Api:
    """Minimal PBX API client: POST JSON, return the parsed envelope."""

    def __init__(self, base: str) -> None:
        self.base = base

    def url(self, path: str, token: str | None = None, version: str = "v1.1.0") -> str:
        return f"{self.base}/api/{version}/{path}" + (f"?token={token}" if token else "")

    def raw(self, url: str, data: bytes | None = b"{}", method: str = "POST", timeout: float = 5.0):
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json; charset=utf-8")
        return urllib.request.urlopen(request, timeout=timeout)

    def post(
        self,
        path: str,
        body: Any = None,
        token: str | None = None,
        version: str = "v1.1.0",
        data: bytes | None = None,
    ) -> dict[str, Any]:
        payload = data if data is not None else (b"" if body is None else json.dumps(body).encode())
        with self.raw(self.url(path, token, version), payload) as response:
            assert response.status == 200
            return json.loads(response.read())

    def get(self, path: str, query: str, version: str = "v1.1.0") -> tuple[str, bytes]:
        with self.raw(f"{self.base}/api/{version}/{path}?{query}", data=None, method="GET") as response:
            return response.headers.get("Content-Type"), response.read()

    def login(self, api_version: str = "v1.1.0", **extra: Any) -> str:
        """Log in; `extra` are login body fields (e.g. version="1.0.2", port=..., url=...)."""
        # Port 1 on loopback refuses connections: reports of sessions that did not ask for a receiver
        # must not reach whatever else listens on this machine (e.g. a dev app on 8260).
        body = {"username": "api", "password": MD5, "port": "1", **extra}
        answer = self.post("login", body, version=api_version)
        assert answer["status"] == "Success", answer
        return answer["token"]

    def subscribe(self, rx: Any, api_version: str = "v1.1.0", version: str | None = None) -> str:
        """Log in with reports going to the ReportReceiver `rx` (relative url "events")."""
        extra = {"port": str(rx.port), "url": "events", "urltag": "0"}
        if version is not None:
            extra["version"] = version
        return self.login(api_version, **extra)

    def control(self, path: str, body: Any = None, method: str = "POST") -> Any:
        data = None if method == "GET" else json.dumps(body or {}).encode()
        with self.raw(f"{self.base}/_emulator/{path}", data=data, method=method) as response:
            return json.loads(response.read())


def make_config(**overrides: Any) -> EmulatorConfig:
    values: dict[str, Any] = {
        "username": "api",
        "password": PASSWORD,
        "sn": SN,
        "extensions": ["2101", "2102", "2103"],
        "trunks": ["SIP-Carrier"],
        "outbound_routes": {"International": [], "National": [], "Local": []},
        "report_retry_interval": 0.05,
        "report_max_attempts": 5,
        "api_call_report_delay": 0.0,
    }
    values.update(overrides)
    return EmulatorConfig(**values)
