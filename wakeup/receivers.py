"""Wake-ups follow their stay: moved with a room move or a reservation's new room, ended by check-out or
a cancelled reservation, repeated ones end with the stay's (new) departure (inside that transaction)."""

from . import services


def follow_move(sender, *, stay, from_room, to_room, by=None, **kwargs) -> None:
    services.follow_move(stay=stay, to_room=to_room, by=by)


def end_with_stay(sender, *, stay, room, by=None, **kwargs) -> None:
    services.end_with_stay(stay=stay, by=by)


def end_with_cancelled_stay(sender, *, stay, by=None, **kwargs) -> None:
    services.end_with_stay(stay=stay, by=by, reason="reservation cancelled")


def follow_room(sender, *, stay, changed=None, **kwargs) -> None:
    """A reservation's room changed, or the guest was checked in to another room than reserved."""
    if changed is None or "room" in changed:
        services.follow_room(stay=stay)


def follow_dates(sender, *, stay, **kwargs) -> None:
    services.follow_dates(stay=stay)
