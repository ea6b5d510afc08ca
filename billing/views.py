"""Billing pages: thin views over billing.services and billing.selectors."""

from django.http import HttpResponse


def folio_page(request, stay_pk: int) -> HttpResponse:
    return HttpResponse("")
