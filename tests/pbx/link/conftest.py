"""A real emulated PBX (over loopback HTTP) with the hotel's room extensions, for link tests."""

import pytest

from hotelpbx.pbx.client import reset_clients
from hotelpbx.pbx.emulator import Emulator, EmulatorConfig
from rooms.models import HousekeepingStatus, Room
from tests.factories import RoomTypeFactory

SERIAL = "369364835218"
ROOM_NUMBERS = [f"{floor}{n:02d}" for floor in range(1, 4) for n in range(1, 41)]  # 120 rooms


def extension_of(number: str) -> str:
    return f"2{number}"


def start_emulator(**overrides) -> Emulator:
    config = EmulatorConfig(
        username="api",
        password="Secret123",
        sn=SERIAL,
        extensions=[extension_of(n) for n in ROOM_NUMBERS],
        trunks=["SIP-Carrier"],
        outbound_routes={"International": [], "National": [], "Local": []},
        **overrides,
    )
    return Emulator(config).start(host="127.0.0.1", port=0)


def point_settings_at(settings, emu: Emulator, version: str) -> None:
    settings.PBX_URL = emu.url
    settings.PBX_API_VERSION = version
    settings.PBX_USERNAME = "api"
    settings.PBX_PASSWORD = "Secret123"
    settings.PBX_EVENTS_URL = "127.0.0.1:9/pbx/events/test-token/"
    settings.PBX_EVENTS_TOKEN = "test-token"
    settings.PBX_SERIAL = ""
    settings.PBX_CONFIG_CALLS_PER_SECOND = 50.0
    settings.PBX_TIME_ZONE = "UTC"  # the emulator's clock zone
    reset_clients()


@pytest.fixture(params=["v2.0.0", "v1.1.0"])
def pbx(request, settings, db):
    """The emulated PBX, once per API version; settings point the app at it. Its v1 firmware has
    outroute/update (see pbx_v1 for firmware without it)."""
    emu = start_emulator(v1_route_update=True)
    point_settings_at(settings, emu, request.param)
    emu.version = request.param
    yield emu
    emu.stop()
    reset_clients()


def _one_version(settings, version: str):
    emu = start_emulator()
    point_settings_at(settings, emu, version)
    emu.version = version
    yield emu
    emu.stop()
    reset_clients()


@pytest.fixture
def pbx_v2(settings, db):
    yield from _one_version(settings, "v2.0.0")


@pytest.fixture
def pbx_v1(settings, db):
    yield from _one_version(settings, "v1.1.0")


@pytest.fixture
def hotel_rooms(db):
    """Rooms whose extensions exist on the emulated PBX (ready, vacant)."""
    room_type = RoomTypeFactory()
    return [
        Room.objects.create(
            number=n,
            floor=int(n[0]),
            extension=extension_of(n),
            room_type=room_type,
            housekeeping_status=HousekeepingStatus.INSPECTED,
        )
        for n in ROOM_NUMBERS
    ]
