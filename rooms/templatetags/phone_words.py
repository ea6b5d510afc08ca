from django import template

from rooms import phone_words

register = template.Library()


@register.inclusion_tag("rooms/_phone_state.html")
def phone_state(room):
    """The room phone's set-up state on the stay page (and so on the check-in confirmation)."""
    return {"words": phone_words.describe(room) if room is not None else None}


@register.inclusion_tag("pbx/_hotel_words.html")
def pbx_hotel_words():
    """The PBX page in the hotel's words first: which rooms' phones are not set up, and why."""
    return {"troubles": phone_words.rooms_not_set_up()}
