class RoomRuleError(Exception):
    """A hotel rule refused a change. `message` says what to do; `code` is stable for the API.
    `api_message` is the message without remedies only the desk has (a reason to override)."""

    code = "rule_violation"

    def __init__(self, message: str, *, code: str | None = None, api_message: str = ""):
        super().__init__(message)
        self.message = message
        self.api_message = api_message or message
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InvalidTransition(RoomRuleError):
    code = "invalid_transition"


class RoomNotAvailable(RoomRuleError):
    code = "room_not_available"


class RoomNotReady(RoomRuleError):
    """The room is in service and vacant but not ready; in 'warn' mode the desk may confirm."""

    code = "room_not_ready"

    def __init__(self, message: str, *, confirmable: bool = False):
        super().__init__(message)
        self.confirmable = confirmable


class NotPermitted(RoomRuleError):
    """The hotel allows the change, but not to this role (e.g. housekeeping taking a room out of service)."""

    code = "not_permitted"


class StayStateError(RoomRuleError):
    code = "stay_state"


class RoomHeld(RoomRuleError):
    """The room is kept for another reservation; the desk may take it anyway by giving a reason."""

    code = "room_held"

    def __init__(self, message: str, *, held_for=None, api_message: str = ""):
        super().__init__(message, api_message=api_message)
        self.held_for = held_for


class Overbooked(RoomRuleError):
    """Every room of the type is taken on some night; the desk may overbook by giving a reason."""

    code = "overbooked"
