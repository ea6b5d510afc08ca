"""What happened to a stay, for apps that follow it (rooms imports none of them).

Sent inside the transaction of the change, after the room phones' commands were written, so what a
receiver writes (and sends to the PBX outbox) commits with the change and comes after it.
"""

from django.dispatch import Signal

# stay, from_room, to_room, by
stay_moved = Signal()
# stay, room, by
stay_checked_out = Signal()
