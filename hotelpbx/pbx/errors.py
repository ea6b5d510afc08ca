"""What went wrong talking to the PBX, typed by what the caller should do about it.

The PBX answers HTTP 200 with {"status":"Failed","errno":"NNNNN"} and no message (API.md section 2.3),
so every errno is translated into words here: staff see the meaning, logs carry the number.

- PbxTemporaryError: try again later (busy, throttled, service restarting, unreachable).
- PbxPermanentError: the request itself is wrong; retrying the same request cannot help.
- PbxAuthError: credentials or token; the client re-logs in once on token problems.
"""

from __future__ import annotations

import re

# API.md section 4, in plain words.
ERRNO_MEANINGS: dict[str, str] = {
    "10002": "request body in an unsupported (XML) format",
    "10003": "unsupported API request (unknown endpoint or action)",
    "10004": "a required parameter is missing or empty",
    "10005": "the call id does not exist",
    "10006": "the extension does not exist",
    "10007": "the call does not exist",
    "10008": "the extension is not idle",
    "10009": "the extension does not allow being monitored",
    "10010": "monitor mode mismatch",
    "10011": "the called number does not exist",
    "10012": "the IVR does not exist",
    "10013": "the queue does not exist",
    "10014": "the ring group does not exist",
    "10015": "the call is not connected",
    "10016": "accept/refuse came too late (the 10 s window for the inbound call expired)",
    "10017": "extension configuration failed (a value was refused)",
    "10018": "IVR configuration failed",
    "10019": "queue configuration failed",
    "10020": "failed to add or modify the wake-up alarm",
    "10021": "the wake-up alarm does not exist",
    "10022": "the wake-up alarm already exists",
    "10023": "the audio prompt file does not exist",
    "10024": "the extension has no outbound call permission",
    "10025": "configuration applied too frequently (PBX throttling)",
    "10026": "the GSM module name does not exist",
    "10027": "the GSM module is busy, or no module is idle",
    "10028": "the number must not be empty",
    "10029": "failed to open the SMS file",
    "10030": "the SMS content is empty",
    "10031": "the callee number does not meet the requirements",
    "10032": "wrong password",
    "10033": "failed to save the extension's outbound-route settings",
    "10042": "trunk name is invalid",
    "10043": "trunk name is already used",
    "10044": "trunk type is invalid",
    "10045": "trunk host is invalid",
    "10046": "trunk port is invalid",
    "10047": "trunk domain is invalid",
    "10048": "trunk username is invalid",
    "10049": "trunk username is already used",
    "10050": "trunk authentication name is invalid",
    "10051": "trunk From header is invalid",
    "10052": "trunk authentication password is invalid",
    "10053": "DOD extension is missing",
    "10054": "DOD extension group is missing",
    "10055": "DOD number is invalid",
    "10056": "DOD number length is invalid",
    "10057": "DOD name is invalid",
    "10058": "DOD name length is invalid",
    "10059": "DOD format is invalid",
    "10060": "too many trunks",
    "10061": "failed to delete the trunk",
    "10062": "the trunk does not exist",
    "10063": "inbound route name is invalid",
    "10064": "inbound route name is already used",
    "10065": "inbound route DID pattern is invalid",
    "10066": "inbound route caller-ID pattern is invalid",
    "10067": "inbound route trunk is missing",
    "10068": "inbound route destination type is invalid",
    "10069": "inbound route destination is invalid",
    "10070": "too many inbound routes",
    "10071": "failed to delete the inbound route",
    "10072": "the inbound route does not exist",
    "10073": "outbound route name is invalid",
    "10074": "outbound route name is already used",
    "10075": "outbound route dial pattern or prefix is invalid",
    "10076": "outbound route strip value is invalid",
    "10077": "outbound route prepend value is invalid",
    "10078": "outbound route trunk is missing",
    "10079": "outbound route extension is missing",
    "10080": "outbound route extension group is missing",
    "10081": "too many outbound routes",
    "20000": "only JSON requests are supported",
    "20001": "only POST requests are supported",
    "20002": "login refused: this IP is locked out after repeated failed logins",
    "20003": "login failed: wrong API username or password",
    "20004": "no such token (the PBX forgot the session)",
    "20005": "the token is missing",
    "20006": "the token timed out",
    "20007": "empty data where some is needed",
    "20008": "wrong port",
    "20009": "empty request or number",
    "20010": "the request could not be passed to the PBX's internal API service",
    "20011": "heartbeat configuration failed",
    "20012": "the recording download code is invalid",
    "20013": "wrong verification code",
    "20014": "the recording file does not exist",
    "20015": "the allowed IP is wrong",
    "20016": "the voicemail status parameter is wrong",
    "20017": "the voicemail download code is invalid",
    "20018": "the voicemail file does not exist",
    "20019": "the CDR time format is wrong",
    "20020": "the CDR download code is invalid",
    "20021": "no call records in that period",
    "30001": "internal PBX error",
    "30003": "the PBX's API service is not running",
}

# Conditions that pass on their own: busy, throttled, or the PBX's API service restarting.
TEMPORARY_ERRNOS = frozenset({"10008", "10025", "10027", "20010", "20011", "30001", "30003"})
TOKEN_ERRNOS = frozenset({"20004", "20005", "20006"})
# Only these reach the PBX's failed-login counter (5 strikes lock the IP for 10 minutes).
CREDENTIAL_ERRNOS = frozenset({"20002", "20003"})
AUTH_ERRNOS = CREDENTIAL_ERRNOS | TOKEN_ERRNOS

_SECRET_QUERY = re.compile(r"((?:token|random)=)[^&\s'\"]+", re.IGNORECASE)


def redact(text: str) -> str:
    """Hide `token=` and `random=` values in URLs and messages (requests puts URLs in its errors)."""
    return _SECRET_QUERY.sub(r"\1***", text)


def meaning_of(errno: str | None) -> str:
    if errno is None:
        return "no error number"
    return ERRNO_MEANINGS.get(errno, f"unknown error {errno}")


class PbxError(Exception):
    """A PBX call failed. `errno` is the PBX's code (None for transport problems)."""

    def __init__(self, meaning: str, *, errno: str | None = None, path: str = "") -> None:
        self.errno = errno
        self.meaning = meaning
        self.path = path
        super().__init__(redact(self._text()))

    def _text(self) -> str:
        where = f"{self.path}: " if self.path else ""
        code = f"errno {self.errno}: " if self.errno else ""
        return f"{where}{code}{self.meaning}"

    @property
    def retryable(self) -> bool:
        return isinstance(self, PbxTemporaryError)


class PbxTemporaryError(PbxError):
    """Try the same request again later."""


class PbxUnreachable(PbxTemporaryError):
    """No usable answer: connection refused or reset, timeout, TLS failure, HTTP 5xx."""

    def __init__(self, meaning: str, *, path: str = "", timeout: bool = False) -> None:
        self.timeout = timeout
        super().__init__(meaning, path=path)


class PbxPermanentError(PbxError):
    """The request is wrong for the PBX (unknown extension, bad value...): do not retry it unchanged."""


class PbxNotConfigured(PbxPermanentError):
    """The link is disabled or misconfigured in settings (e.g. PBX_URL is empty)."""


class PbxAuthError(PbxError):
    """Credentials refused, IP locked, or the token is missing/unknown/expired."""

    @property
    def token_problem(self) -> bool:
        """True when logging in again fixes it (20004/20005/20006); False for credential failures."""
        return self.errno in TOKEN_ERRNOS


class LoginGuardTripped(PbxAuthError):
    """The app refuses to try another login: too many failed logins (protects the PBX's IP lock).

    Cleared by staff with `hotelpbx.pbx.session.reset_guard()` once the API password is fixed.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"login guard tripped: {reason}. Check the API username and password (PBX_USERNAME, "
            "PBX_PASSWORD), then reset the guard",
            path="login",
        )


def error_for(errno: str | None, path: str = "") -> PbxError:
    """The typed exception for a Failed answer; unknown codes are permanent (never retry blindly)."""
    errno = str(errno).strip() if errno is not None else None
    meaning = meaning_of(errno)
    if errno in AUTH_ERRNOS:
        return PbxAuthError(meaning, errno=errno, path=path)
    if errno in TEMPORARY_ERRNOS:
        return PbxTemporaryError(meaning, errno=errno, path=path)
    return PbxPermanentError(meaning, errno=errno, path=path)
