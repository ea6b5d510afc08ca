"""Connects rooms.phone to the PBX outbox (hotelpbx.pbx). Filled in by the Yeastar link."""


def phone_state_changed(room, state, *, change: str) -> None:
    return None


def annotate_sync_state(rooms) -> None:
    """Sets `room.pbx_sync` on each room: (state, message) with state in_sync / pending / failed."""
    for room in rooms:
        room.pbx_sync = ("in_sync", "")
