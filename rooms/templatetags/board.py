from django import template

from rooms.board_tiles import render_tiles

register = template.Library()


@register.filter
def room_tiles(rooms):
    return render_tiles(rooms)
