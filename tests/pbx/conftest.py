"""Fixtures for tests that drive the real PBX client against the in-process Yeastar emulator.

Real HTTP over loopback, no mocks. What you get:

- `pbx_api_version`: "v1.1.0" and "v2.0.0"; every test using `emulator` runs once per version.
  Pin one with ``@pytest.mark.parametrize("pbx_api_version", ["v2.0.0"])``.
- `emulator_config`: the EmulatorConfig to start with (API user "api" / "Secret123", extensions
  2101-2104, routes Local/National/International). Override the fixture in a test module, or
  parametrize it, to change it.
- `pbx_events_receiver`: a report receiver on loopback; the PBX posts its reports there (`.requests`,
  `.bodies`, `.wait_for(...)`).
- `emulator`: the started emulator (`.url`, `.clock`, `.state`, `.applied`, `.requests_log`, `.faults`...),
  with Django `settings` pointing PBX_* at it: PBX_URL, PBX_API_VERSION, credentials, PBX_EVENTS_URL at
  the receiver, short timeouts (connect 1 s, read 2 s), 8 configuration calls per second (under the
  emulator's 10/s throttle). Stopped after the test.
- `pbx_client`: a PbxClient for those settings (needs the database: token and guard live in PbxLink).
"""

from __future__ import annotations

import pytest

from hotelpbx.pbx.client import PbxClient, reset_clients
from hotelpbx.pbx.config import PbxConfig
from hotelpbx.pbx.emulator import Emulator, EmulatorConfig
from hotelpbx.pbx.emulator.receiver import ReportReceiver

EVENTS_SECRET = "ev-secret-4f1c2a9b7d"


@pytest.fixture(params=["v1.1.0", "v2.0.0"])
def pbx_api_version(request) -> str:
    return request.param


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(
        username="api",
        password="Secret123",
        sn="369364835218",
        extensions=["2101", "2102", "2103", "2104"],
        trunks=["SIP-Carrier"],
        outbound_routes={"International": [], "National": [], "Local": []},
    )


@pytest.fixture
def pbx_events_receiver():
    with ReportReceiver() as receiver:
        yield receiver


def point_settings_at(settings, emu: Emulator, api_version: str, events_port: int) -> None:
    """PBX_* settings for `emu` (also usable for a second emulator started inside a test)."""
    settings.PBX_URL = emu.url
    settings.PBX_API_VERSION = api_version
    settings.PBX_USERNAME = emu.config.username
    settings.PBX_PASSWORD = emu.config.password
    settings.PBX_EVENTS_TOKEN = EVENTS_SECRET
    settings.PBX_EVENTS_URL = f"127.0.0.1:{events_port}/pbx/events/{EVENTS_SECRET}/"
    settings.PBX_SERIAL = ""
    settings.PBX_TIME_ZONE = emu.config.time_zone
    settings.PBX_CA_BUNDLE = ""
    settings.PBX_TLS_INSECURE = False
    settings.PBX_CONNECT_TIMEOUT = 1.0
    settings.PBX_TIMEOUT = 2.0
    settings.PBX_CONFIG_CALLS_PER_SECOND = 8.0


@pytest.fixture
def emulator(emulator_config, pbx_api_version, pbx_events_receiver, settings):
    emu = Emulator(emulator_config).start(host="127.0.0.1", port=0)
    point_settings_at(settings, emu, pbx_api_version, pbx_events_receiver.port)
    reset_clients()
    yield emu
    emu.stop()
    reset_clients()


@pytest.fixture
def pbx_client(emulator, db) -> PbxClient:
    client = PbxClient(PbxConfig.from_settings())
    client.throttle_retry_delay = 0.05  # 10025 retries without the production second of waiting
    return client
