"""What happened to rooms and stays, for whoever listens (e.g. outgoing partner webhooks).

Services send these inside the transaction of the change, after it is written, so a receiver that
writes rows (a webhook delivery) commits or rolls back with the change itself. Rooms import no listener.
"""

from django.dispatch import Signal

# sender: the Stay model; kwargs: stay (and, where the service knows them, room, by)
stay_checked_in = Signal()
stay_checked_out = Signal()  # also room, by
stay_cancelled = Signal()
# kwargs: stay, from_room, to_room, by
stay_moved = Signal()
# kwargs: stay, before (arrival, departure), by: a reservation's or an in-house stay's dates changed
stay_dates_changed = Signal()
# kwargs: stay, changed (the names of what changed: dates, room, room_type, phone_class, guest, notes...)
stay_changed = Signal()
# sender: the Room model; kwargs: room, from_status, to_status, field ("housekeeping", "service", "dnd")
room_status_changed = Signal()
