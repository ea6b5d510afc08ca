from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("")


board = board_partial = arrivals = departures = in_house = guest_search = guest_detail = _todo
room_detail = room_status = room_dnd = walk_in = room_suggestions = stay_detail = _todo
check_in = check_out = room_move = _todo
