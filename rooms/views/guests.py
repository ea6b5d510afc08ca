"""Guests: search and a guest's page with their stays."""

from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .. import selectors
from ..forms import GuestSearchForm
from ..models import Guest
from ._shared import render_page


@require_GET
def guest_search(request):
    form = GuestSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    guests = selectors.guest_search(query) if query else []
    return render_page(request, "rooms/guest_search.html", {"form": form, "query": query, "guests": guests})


@require_GET
def guest_detail(request, pk: int):
    guest = get_object_or_404(Guest, pk=pk)
    return render_page(
        request, "rooms/guest_detail.html", {"guest": guest, "stays": selectors.guest_stays(guest)}
    )
