"""A partner's PMS asks for an every-day wake-up: one wake-up per day (one `series`), one time for all."""

from datetime import timedelta

import pytest

from hotelpbx.core.timeutil import hotel_today
from wakeup.models import RepeatedAlarm, WakeupCall

from .test_wakeups_api import in_house_stay

pytestmark = pytest.mark.django_db


def test_an_every_day_wake_up_is_one_series_moved_for_all_days_and_cleared_day_by_day(api, settings):
    settings.WAKEUP_MODE = "alarm"
    stay = in_house_stay(api, external_id="R-W9")
    first_day = (hotel_today() + timedelta(days=1)).isoformat()
    made = api.post(
        "/api/v1/wakeups/", {"stay": stay["id"], "date": first_day, "time": "06:30", "recurrence": "daily"}
    )
    assert made.status_code == 201, made.content
    series = made.json()["series"]
    days = api.get("/api/v1/wakeups/", {"series": series}).json()["results"]
    assert len(days) == 2 and {d["local_time"] for d in days} == {"06:30"}  # tomorrow, departure day
    assert RepeatedAlarm.objects.get().recurrence == "daily"

    moved = api.patch(f"/api/v1/wakeups/{days[0]['id']}/", {"date": first_day, "time": "07:00"})
    assert moved.status_code == 200, moved.content
    days = api.get("/api/v1/wakeups/", {"series": series}).json()["results"]
    assert {d["local_time"] for d in days} == {"07:00"}  # one PBX alarm: one time for every day

    other_day = (hotel_today() + timedelta(days=2)).isoformat()
    refused = api.patch(f"/api/v1/wakeups/{days[0]['id']}/", {"date": other_day, "time": "07:00"})
    assert refused.status_code in (400, 409, 422) and "all its days" in refused.content.decode()

    cleared = api.delete(f"/api/v1/wakeups/{days[0]['id']}/")
    assert cleared.json()["status"] == "cancelled"
    assert WakeupCall.objects.filter(series=series).exclude(status="cancelled").count() == len(days) - 1
