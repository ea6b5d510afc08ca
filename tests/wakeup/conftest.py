"""A hotel in Berlin and an emulated PBX (real HTTP over loopback) that pushes its reports to the app's
webhook on a live server; the PBX's clock and the app's move together under time_machine."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from hotelpbx.celery import app as celery_app
from hotelpbx.pbx.client import reset_clients
from hotelpbx.pbx.emulator import Emulator, EmulatorConfig
from rooms.models import HousekeepingStatus, Room, StayStatus
from tests.factories import GuestFactory, RoomTypeFactory, StayFactory

TOKEN = "wakeup-reports-0123456789abcdef"
ROOMS = ["101", "102", "103"]
DESK = "200"  # the front desk's phone on the emulated PBX
MANAGER = "300"  # the duty manager's phone


@pytest.fixture
def eager():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture(params=["v2.0.0", "v1.1.0"])
def api_version(request):
    return request.param


@pytest.fixture
def hotel_settings(settings):
    settings.HOTEL_TIME_ZONE = "Europe/Berlin"
    settings.PBX_TIME_ZONE = "Europe/Berlin"
    settings.WAKEUP_PROMPTS = {"de": "wakeup_de", "en": "wakeup_en"}
    return settings


@pytest.fixture
def pbx(hotel_settings, live_server, eager, api_version):
    """The emulated PBX, logged into by the app; its reports reach the app's webhook."""
    settings = hotel_settings
    emu = Emulator(
        EmulatorConfig(
            username="api",
            password="Secret123",
            sn="369364835218",
            extensions=[*(f"2{n}" for n in ROOMS), DESK, MANAGER],
            time_zone="Europe/Berlin",
            extension_status_reports=False,
            config_change_reports=False,
            outbound_routes={"International": [], "National": [], "Local": []},
        )
    ).start(host="127.0.0.1", port=0)
    settings.PBX_URL = emu.url
    settings.PBX_API_VERSION = api_version
    settings.PBX_USERNAME, settings.PBX_PASSWORD = "api", "Secret123"
    settings.PBX_EVENTS_TOKEN = TOKEN
    settings.PBX_EVENTS_URL = live_server.url.removeprefix("http://") + reverse("pbx:events", args=[TOKEN])
    settings.PBX_ALLOWED_IPS = []
    settings.PBX_SERIAL = "369364835218"
    settings.PBX_CONFIG_CALLS_PER_SECOND = 50.0
    settings.PBX_V1_CHECKOUT = "hotel_checkout"
    reset_clients()
    yield emu
    emu.stop()
    reset_clients()


@pytest.fixture
def rooms(db):
    room_type = RoomTypeFactory()
    return {
        n: Room.objects.create(
            number=n,
            floor=1,
            extension=f"2{n}",
            room_type=room_type,
            housekeeping_status=HousekeepingStatus.INSPECTED,
        )
        for n in ROOMS
    }


def in_house(room, arrival: date, nights: int = 3, language: str = "de"):
    from rooms.services import stay_check_in

    stay = StayFactory(
        room=room,
        arrival=arrival,
        departure=arrival + timedelta(days=nights),
        status=StayStatus.RESERVED,
        guest=GuestFactory(language=language, last_name="Meyer"),
    )
    return stay_check_in(stay=stay)
