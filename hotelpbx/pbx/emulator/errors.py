"""Yeastar errno codes (API.md section 4) and the exception handlers raise to answer with one."""

from __future__ import annotations

UNKNOWN_API = "10003"
MISSING_PARAM = "10004"
NO_SUCH_EXTENSION = "10006"
EXTENSION_CONFIG_FAILED = "10017"
WAKEUP_INVALID = "10020"
WAKEUP_NOT_FOUND = "10021"
WAKEUP_EXISTS = "10022"
PROMPT_NOT_FOUND = "10023"
TOO_FREQUENT = "10025"
CALLEE_INVALID = "10031"
OUTROUTE_NAME = "10073"
OUTROUTE_PATTERN = "10075"
OUTROUTE_STRIP = "10076"
OUTROUTE_PREPEND = "10077"
OUTROUTE_TRUNK = "10078"
OUTROUTE_EXTENSION = "10079"
ONLY_JSON = "20000"
ONLY_POST = "20001"
LOCKED_OUT = "20002"
BAD_CREDENTIALS = "20003"
NO_SUCH_TOKEN = "20004"
TOKEN_EMPTY = "20005"
TOKEN_TIMEOUT = "20006"
WRONG_PORT = "20008"
HEARTBEAT_FAILED = "20011"
RECORDING_RANDOM_INVALID = "20012"
RECORDING_NOT_FOUND = "20014"
ALLOWEDIP_WRONG = "20015"
VOICEMAIL_STATUS_WRONG = "20016"
VOICEMAIL_RANDOM_INVALID = "20017"
VOICEMAIL_NOT_FOUND = "20018"
CDR_TIME_FORMAT = "20019"
CDR_RANDOM_INVALID = "20020"
CDR_NOT_FOUND = "20021"
INTERNAL = "30001"


class ApiError(Exception):
    """Raised by a handler; the dispatcher turns it into {"status":"Failed","errno":...}."""

    def __init__(self, errno: str, detail: str = "") -> None:
        super().__init__(f"{errno} {detail}".strip())
        self.errno = errno
        self.detail = detail
