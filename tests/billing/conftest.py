import json
from datetime import datetime

import pytest

from billing.services import tariff_import
from hotelpbx.pbx.ingest import store_report
from hotelpbx.pbx.processing import process_event

SN = "369364835218"

STANDARD_TARIFF = """\
tariff: Standard 2027
currency: EUR
valid_from: 2020-01-01
tax_rate: 19
strip: ["9"]
free: ["0800", "116"]
barred: ["0900"]
rules:
  - {name: International mobile, prefix: "0044", initial_seconds: 120, initial_charge: "0.20",
     unit_seconds: 60, unit_charge: "0.30"}
  - {name: International, prefix: "00", unit_seconds: 60, unit_charge: "0.90", surcharge: "0.50"}
  - {name: National, prefix: "0", unit_seconds: 60, unit_charge: "0.09", markup_percent: 10, grace_seconds: 5}
"""


@pytest.fixture
def standard_tariff(db):
    return tariff_import(text=STANDARD_TARIFF)


@pytest.fixture(autouse=True)
def _pbx_and_hotel_in_one_zone(settings):
    settings.PBX_TIME_ZONE = settings.HOTEL_TIME_ZONE = "Europe/Berlin"
    settings.CHECKOUT_CALL_WAIT_SECONDS = 0


def pbx_time(moment: datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M:%S")


def send_cdr(
    callid: str,
    *,
    at: datetime | str,
    src: str,
    dst: str = "00442071234567",
    talk: int = 190,
    status: str = "ANSWERED",
    kind: str = "Outbound",
) -> str:
    """A NewCdr as the PBX sends it, stored and processed as the webhook and its worker would."""
    body = {
        "action": "NewCdr",
        "callid": callid,
        "timestart": at if isinstance(at, str) else pbx_time(at),
        "callfrom": src,
        "callto": dst,
        "callduraction": str(talk + 7),
        "talkduraction": str(talk),
        "status": status,
        "type": kind,
        "desttrunkname": "SIP-Carrier",
        "sn": SN,
    }
    event, _ = store_report(raw=json.dumps(body).encode(), source_ip="127.0.0.1")
    return process_event(event.pk)
