import re

from django.views.debug import SafeExceptionReporterFilter


class HotelExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, plus PBX_EVENTS_URL: its path is the report webhook's secret."""

    hidden_settings = re.compile("API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|EVENTS_URL", flags=re.I)
