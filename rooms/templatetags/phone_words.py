from django import template

from rooms import phone_words

register = template.Library()


@register.inclusion_tag("rooms/_phone_state.html")
def phone_state(room):
    """The room phone's set-up state on the stay page (and so on the check-in confirmation)."""
    return {"words": phone_words.describe(room) if room is not None else None}


@register.inclusion_tag("pbx/_hotel_words.html", takes_context=True)
def pbx_hotel_words(context):
    """The PBX page in the hotel's words first: can guests phone, which rooms' phones are not set up and
    why; the technical log follows behind a toggle."""
    health = context.get("health")
    return {
        "link": phone_words.link_in_words(health, context.get("firmware")) if health else None,
        "troubles": phone_words.rooms_not_set_up(health),
        "health": health,
        "is_manager": context.get("is_manager"),
        "csrf_token": context.get("csrf_token"),
    }
