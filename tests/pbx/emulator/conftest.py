"""Fixtures for the Yeastar emulator tests: a started emulator, a report receiver, a tiny API client.

Everything runs over real HTTP on loopback; no Django, no database.
"""

from __future__ import annotations

import pytest
from emulator_helpers import Api, make_config

from hotelpbx.pbx.emulator import Emulator
from hotelpbx.pbx.emulator.receiver import ReportReceiver


@pytest.fixture
def emu():
    emulator = Emulator(make_config()).start(host="127.0.0.1", port=0)
    yield emulator
    emulator.stop()


@pytest.fixture
def api(emu) -> Api:
    return Api(emu.url)


@pytest.fixture
def rx():
    with ReportReceiver() as receiver:
        yield receiver
