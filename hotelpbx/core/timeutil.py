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


class HotelTimeZoneMiddleware:
    """One clock: every page, the admin included, shows times in the hotel's zone (stored times are UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.activate(hotel_zone())
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
