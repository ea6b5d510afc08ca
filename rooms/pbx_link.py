"""Connects rooms.phone to the PBX outbox (hotelpbx.pbx). Filled in by the Yeastar link."""


def phone_state_changed(room, state, *, change: str) -> None:
    return None
