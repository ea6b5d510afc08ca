"""The hotel's calendar: what 'today' means at the front desk."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def hotel_zone() -> ZoneInfo:
    return ZoneInfo(settings.HOTEL_TIME_ZONE)


def hotel_now() -> dt.datetime:
    return timezone.now().astimezone(hotel_zone())


def hotel_today() -> dt.date:
    return hotel_now().date()
