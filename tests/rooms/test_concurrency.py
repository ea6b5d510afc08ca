"""Two desks press check-out at the same moment: exactly one wins (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from hotelpbx.core.models import AuditEntry
from rooms import services
from rooms.errors import RoomRuleError
from rooms.models import Stay, StayStatus
from tests.concurrency import race
from tests.factories import RoomFactory, StayFactory, in_house_stay


def _race(n, action):
    def describe(exc: Exception) -> str:
        if not isinstance(exc, RoomRuleError):
            raise exc
        return f"refused: {exc.message}"

    return race(n, action, describe)


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_out_has_exactly_one_winner():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL property; CI runs this on PostgreSQL")
    stay = in_house_stay()
    outcomes = _race(6, lambda: services.stay_check_out(stay=Stay.objects.get(pk=stay.pk)))
    assert outcomes.count("ok") == 1
    assert all("already checked out" in o for o in outcomes if o != "ok")
    assert Stay.objects.get(pk=stay.pk).status == StayStatus.CHECKED_OUT
    assert AuditEntry.objects.filter(action="stay.check_out").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_in_of_two_guests_into_one_room_has_one_winner():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL property; CI runs this on PostgreSQL")
    room = RoomFactory()
    stays = [StayFactory(room=room) for _ in range(4)]
    it = iter(stays)
    lock = threading.Lock()

    def check_in_next():
        with lock:
            stay = next(it)
        # every reservation holds the room for its guest: the desks override, and the row lock decides
        services.stay_check_in(stay=stay, hold_override="two desks race for the room")

    outcomes = _race(4, check_in_next)
    assert outcomes.count("ok") == 1
    assert Stay.objects.filter(room=room, status=StayStatus.IN_HOUSE).count() == 1
