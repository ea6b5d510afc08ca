"""The room board: every room by floor, filtered, refreshed by htmx."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import condition, require_GET
from django_htmx.http import replace_url

from .. import selectors
from ..board_etag import board_etag
from ..forms import BoardFilterForm
from ._shared import render_page


def _board_context(request) -> dict:
    form = BoardFilterForm(request.GET or None, floors=selectors.floors(), room_types=selectors.room_types())
    filters = form.to_filters()
    board = selectors.board_tiles(filters)
    return {
        "filter_form": form,
        "filtered": filters != type(filters)(),
        "floors": board.floors,
        "shown": board.shown,
        "counts": board.counts,
        "refresh_seconds": settings.BOARD_REFRESH_SECONDS,
    }


@require_GET
@gzip_page
def board(request):
    if request.htmx:
        return board_partial(request)
    return render_page(request, "rooms/board.html", _board_context(request))


@require_GET
@gzip_page
@condition(etag_func=lambda request: board_etag(request))
def board_partial(request):
    response = render_page(request, "rooms/board.html#board-body", _board_context(request))
    if request.htmx and request.htmx.trigger == "board-filters":
        # the address bar keeps the filters, so a reload or a shared link shows the same board
        query = urlencode([(key, value) for key, value in request.GET.items() if value])
        replace_url(response, reverse("rooms:board") + (f"?{query}" if query else ""))
    return response
