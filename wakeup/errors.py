from rooms.errors import RoomRuleError


class WakeupRuleError(RoomRuleError):
    """A wake-up the hotel's rules refuse; `message` tells the desk what to do."""

    code = "wakeup_refused"


class InvalidWakeupTransition(WakeupRuleError):
    code = "invalid_transition"
