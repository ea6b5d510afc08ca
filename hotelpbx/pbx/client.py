"""The one HTTP client for the Yeastar S-Series API, v1.1.0 and v2.0.0 (see /work/shared/yeastar/API.md).

Nothing else in the project speaks HTTP to the PBX. Every call has a (connect, read) timeout, HTTP 200 with
"status":"Failed" is a failure, and errors are typed (errors.py). The token, the login guard and the
pacing of configuration calls are shared by all processes through the database (session.py).

Secrets never reach logs or exception texts: not the password, its MD5, the token, nor the events URL
(it carries the events secret). Logs carry paths and errnos only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import ipaddress
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import requests

from . import capabilities, pbxtime
from .config import PbxConfig
from .errors import (
    PbxAuthError,
    PbxError,
    PbxNotConfigured,
    PbxPermanentError,
    PbxTemporaryError,
    PbxUnreachable,
    error_for,
    redact,
)
from .session import LoginResult, SharedSession, logged_in

log = logging.getLogger("hotelpbx.pbx.client")
T = TypeVar("T")

THROTTLED = "10025"
UNSUPPORTED = "10003"  # no such endpoint on this firmware
MISSING_PARAM = "10004"
NO_RECORDS = "20021"
THROTTLE_RETRIES = 3
_insecure_warned = False


class _RedactTokens(logging.Filter):
    """urllib3 logs full request URLs at DEBUG, and ours carry ?token=...: hide it there too."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = redact(text)
        if clean != text:
            record.msg, record.args = clean, ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactTokens())


def _join(numbers: str | Iterable[str]) -> str:
    """The API's list form: one comma-separated string ("all" passes through)."""
    if isinstance(numbers, str):
        return numbers
    return ",".join(str(n) for n in numbers)


def _split(value: Any) -> list[str]:
    """A comma-separated list as the docs show it; a JSON list is taken too (the shape is undocumented)."""
    if isinstance(value, (list, tuple)):
        return [str(part).strip() for part in value if str(part).strip()]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _as_ip(host: str) -> str:
    """heartbeat's `ipaddr` is documented as an IP address: resolve a host name, keep it if that fails."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        return socket.gethostbyname(host)
    except OSError:
        return host


def route_members(route: dict[str, Any]) -> set[str]:
    return set(_split(route.get("extensions")))


def _with_number(item: dict[str, Any]) -> dict[str, Any]:
    """Give an extension dict the v2 key `number` whatever the version called it (extnumber, extid)."""
    if "number" not in item:
        for key in ("extnumber", "extid"):
            if key in item:
                return {"number": item[key], **item}
    return item


class PbxClient:
    """Talks to one PBX. Cheap to create; use get_client() for the per-process instance."""

    def __init__(self, config: PbxConfig, session: SharedSession | None = None) -> None:
        if not config.enabled:
            raise PbxNotConfigured("the PBX link is disabled: PBX_URL is empty")
        self.config = config
        self.session = session or SharedSession(config)
        self.last_login: LoginResult | None = None
        self.throttle_retry_delay = 1.0  # seconds before retrying a 10025 (tests shorten it)
        self.http = requests.Session()
        self.http.verify = config.verify
        # The PBX closes every connection (Connection: close); a pooled socket would be a dead one.
        self.http.headers.update({"Content-Type": "application/json; charset=utf-8", "Connection": "close"})
        self.http.trust_env = False  # a proxy from the environment must not see tokens or reach the LAN PBX
        if config.tls_insecure:
            _warn_insecure()

    # --- transport ------
    def _url(self, path: str) -> str:
        return f"{self.config.api_base}/{path}"

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        timeout = (self.config.connect_timeout, self.config.timeout)
        try:
            if method == "GET":
                response = self.http.get(self._url(path), params=params, timeout=timeout)
            else:
                data = json.dumps(body or {}, ensure_ascii=False).encode("utf-8")
                response = self.http.post(self._url(path), params=params, data=data, timeout=timeout)
        except requests.Timeout:
            raise PbxUnreachable(
                f"no answer within {self.config.timeout:g} s", path=path, timeout=True
            ) from None
        except requests.exceptions.SSLError as exc:
            raise PbxUnreachable(
                f"TLS check failed ({redact(str(exc))[:150]}); set PBX_CA_BUNDLE to the PBX's certificate",
                path=path,
            ) from None
        except requests.RequestException as exc:
            # `from None`: the original text holds the full URL with the token.
            raise PbxUnreachable(f"cannot reach the PBX: {type(exc).__name__}", path=path) from None
        if response.status_code >= 500:
            raise PbxUnreachable(f"HTTP {response.status_code} from the PBX", path=path)
        if response.status_code != 200:
            raise PbxPermanentError(f"HTTP {response.status_code} from the PBX", path=path)
        return response

    def _parse(self, path: str, response: requests.Response) -> dict[str, Any]:
        try:
            answer = response.json()
        except ValueError:
            raise PbxTemporaryError("the PBX's answer was not JSON", path=path) from None
        if not isinstance(answer, dict):
            raise PbxTemporaryError("the PBX's answer was not a JSON object", path=path)
        status = str(answer.get("status", ""))
        if status == "Success":
            return answer
        if status == "Failed":
            if answer.get("errno") in (None, ""):
                raise PbxTemporaryError("the PBX reported a failure without an error number", path=path)
            raise error_for(str(answer["errno"]), path)
        raise PbxTemporaryError(f"unexpected status {status[:20]!r} in the PBX's answer", path=path)

    def _post(self, path: str, body: dict[str, Any] | None, token: str | None) -> dict[str, Any]:
        params = {"token": token} if token else None
        try:
            answer = self._parse(path, self._send("POST", path, body=body, params=params))
        except PbxError as exc:
            log.warning("PBX %s failed: %s", path, exc.errno or exc.meaning)
            raise
        log.debug("PBX %s ok", path)
        return answer

    # --- session ------
    def login(self, *, force: bool = True, after_token_loss: bool = False) -> LoginResult:
        """Log in (shared by all processes, guarded). `force=False` reuses a token another process holds."""
        result = self.session.login(self._send_login, force=force, after_token_loss=after_token_loss)
        if result.reused:
            return result
        self.last_login = result
        log.info(
            "PBX login ok (%s%s)",
            self.config.api_version,
            ", first connect" if result.first_connect else ", after outage" if result.after_outage else "",
        )
        if not self.config.serial:
            self._learn_serial(result.token)
        _probe_capabilities(self, result.token)
        _announce_login(result)
        return result

    def _send_login(self) -> str:
        """The login request itself; called by the session with the row lock held and the guard passed."""
        body = {
            "username": self.config.username,
            # The API wants the MD5 hex of the password (API.md 3.1); it is not our choice of hash.
            "password": hashlib.md5(self.config.password.encode("utf-8"), usedforsecurity=False).hexdigest(),
            "port": str(self.config.events_port),
            "version": self.config.report_version,
        }
        if self.config.events_url:
            body.update({"url": self.config.events_url, **self._url_flags()})
        answer = self._post("login", body, token=None)
        token = str(answer.get("token") or "")
        if not token:
            raise PbxTemporaryError("login answered Success without a token", path="login")
        # v2 says how reports will travel (the API page's Report Method); v1 always posts them over HTTP.
        self.session.store_transport(str(answer.get("transport") or "").strip().upper()[:8])
        return token

    def _url_flags(self) -> dict[str, str]:
        """`url` is absolute. v2 names the flag `urltag`; the English v1 pages say `urlflag`, the others
        `urltag`: v1 gets both (a PBX ignores the name it does not know)."""
        return {"urltag": "1"} if self.config.v2 else {"urltag": "1", "urlflag": "1"}

    def _learn_serial(self, token: str) -> None:
        try:
            info = self._post("deviceinfo/query", {}, token).get("deviceinfo") or {}
        except PbxError:
            return  # not vital for the login; the next login tries again
        self.session.store_device_info(info)

    def _with_token(self, action: Callable[[str], T]) -> T:
        """Run `action(token)`; on a token problem log in again once and retry once."""
        relogged = False
        while True:
            token = self.session.current_token() or self.login(force=False).token
            try:
                result = action(token)
            except PbxAuthError as exc:
                if not exc.token_problem or relogged:
                    self.session.mark_error(exc)
                    raise
                relogged = True
                self.session.invalidate(token)
                self.login(force=False, after_token_loss=True)
                continue
            except PbxUnreachable as exc:
                self.session.mark_unreachable(exc)
                raise
            except PbxError:
                # The PBX answered (with an errno): the link itself is up.
                if outage_started := self.session.mark_reachable(ok=False):
                    _announce_recovery(outage_started)
                raise
            if outage_started := self.session.mark_reachable(ok=True):
                _announce_recovery(outage_started)
            return result

    def call(
        self, path: str, body: dict[str, Any] | None = None, *, config_change: bool = False
    ) -> dict[str, Any]:
        """One API call with the shared token. Configuration changes are paced across all workers."""
        throttled = 0
        while True:
            if config_change:
                wait = self.session.reserve_config_slot()
                if wait > 0:
                    time.sleep(wait)
            try:
                return self._with_token(lambda token: self._post(path, body, token))
            except PbxTemporaryError as exc:
                if exc.errno != THROTTLED or throttled >= THROTTLE_RETRIES:
                    raise
                throttled += 1
                time.sleep(self.throttle_retry_delay)

    def heartbeat(self) -> None:
        """Keep the token alive (30 min idle life) and re-point reports; v2 must repeat `version`."""
        body: dict[str, Any] = {"port": str(self.config.events_port)}
        if self.config.events_host:
            body["ipaddr"] = _as_ip(self.config.events_host)
        if self.config.events_url:
            body.update({"url": self.config.events_url, **self._url_flags()})
        if self.config.v2:
            body["version"] = self.config.report_version  # without it events fall back to the 1.0.0 format
        self.call("heartbeat", body)
        self.session.mark_heartbeat()

    def logout(self) -> None:
        token = self.session.current_token()
        if not token:
            return
        try:
            self._post("logout", {}, token)
        except PbxAuthError:
            pass  # already gone on the PBX
        finally:
            self.session.invalidate(token)

    # --- typed helpers: the v1/v2 differences end here (API.md section 8) ------
    def device_info(self) -> dict[str, Any]:
        return dict(self.call("deviceinfo/query").get("deviceinfo") or {})

    def extension_list(self) -> list[dict[str, Any]]:
        path = "extension/list" if self.config.v2 else "extensionlist/query"
        return [_with_number(e) for e in self.call(path).get("extlist") or []]

    def extension_query(self, numbers: str | Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Full settings of some (or all) extensions; each dict has `number`."""
        if numbers is None:
            body = {"number": "all"} if self.config.v2 else {}
        else:
            body = {self.config.ext_key: _join(numbers)}
        return [_with_number(e) for e in self.call("extension/query", body).get("extinfos") or []]

    def extension_update(self, number: str, **fields: Any) -> None:
        body = {self.config.ext_key: str(number), **{k: str(v) for k, v in fields.items()}}
        self.call("extension/update", body, config_change=True)

    def hotel_checkout(self, numbers: str | Iterable[str]) -> None:
        """Empties voicemail, removes outbound permission, deletes alarms, resets the name (API.md 5.5)."""
        self.call("hotel/checkout", {self.config.ext_key: _join(numbers)}, config_change=True)

    def extension_matches(self, number: str, fields: dict[str, Any]) -> bool:
        """Whether the extension already has these field values (compared as the PBX shows them)."""
        found = self.extension_query([number])
        if not found:
            return False
        actual = found[0]
        return all(
            str(actual.get(k, "")).strip().lower() == str(v).strip().lower() for k, v in fields.items()
        )

    def vacate_extension(self, number: str) -> None:
        """What hotel/checkout does, minus leaving the outbound routes (API v1 cannot rejoin them): empty
        the voicemail box, delete the alarms, reset the name. Nothing to delete is not a failure."""
        key = self.config.ext_key
        for path, body, nothing_there in (
            ("voicemail/delete", {key: number, "voicemailfile": "all", "voicemailstatus": "all"}, {"20018"}),
            ("wakeupcall/delete", {key: number}, {"10021"}),
        ):
            try:
                self.call(path, body, config_change=True)
            except PbxPermanentError as exc:
                if exc.errno not in nothing_there:
                    raise
        self.extension_update(number, username=number)

    def _selected_query(self, path: str, key: str) -> list[dict[str, Any]]:
        """A route query with the selector the PBX insists on (`{}` may be refused with 10004): `id`,
        and `name` (the form real v1 clients send) if the PBX wants that one. Returns the first list of
        dicts in the answer (`key` is what the emulator and a real S300 call it)."""
        try:
            answer = self.call(path, {"id": "all"})
        except PbxPermanentError as exc:
            if exc.errno != MISSING_PARAM:
                raise
            answer = self.call(path, {"name": "all"})
        items = answer.get(key)
        if items is None:
            items = next((v for v in answer.values() if isinstance(v, list)), [])
        return [item for item in items if isinstance(item, dict)]

    def outroute_query(self) -> list[dict[str, Any]]:
        """Every outbound route (v2; a real S300 answers it on v1.1.0 too; else errno 10003)."""
        return self._selected_query("outroute/query", "outroutes")

    def inroute_query(self) -> list[dict[str, Any]]:
        return self._selected_query("inroute/query", "inroutes")

    def trunk_list(self, *, token: str | None = None) -> list[dict[str, str]]:
        """Name, type and state of every trunk: v1 `trunklist/query`, v2 `trunk/list` (falling back to the
        v1 path if a v2 firmware lacks it). States are passed on as the PBX spells them. With `token`, one
        plain request with that token (the login's probe: no re-login from inside a login)."""
        paths = ["trunk/list", "trunklist/query"] if self.config.v2 else ["trunklist/query"]
        for path in paths:
            try:
                answer = self._post(path, {}, token) if token else self.call(path, {})
            except PbxPermanentError as exc:
                if exc.errno != UNSUPPORTED or path == paths[-1]:
                    raise
                continue
            items = answer.get("trunklist") or answer.get("trunks")
            if items is None:
                items = next((v for v in answer.values() if isinstance(v, list)), [])
            return [
                {
                    "name": str(t.get("trunkname") or t.get("name") or ""),
                    "type": str(t.get("type") or ""),
                    "status": str(t.get("status") or ""),
                }
                for t in items
                if isinstance(t, dict)
            ]
        return []

    def outroute_set_members(
        self,
        route_name: str,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        *,
        route: dict[str, Any] | None = None,
    ) -> list[str]:
        """Add/remove extensions on a route (read, modify, write back: `extensions` replaces the list).

        Returns the new member list. Writes nothing when the route already has the wanted members.
        """
        if route is None:  # callers that just read the routes pass the one they read
            route = next((r for r in self.outroute_query() if r.get("name") == route_name), None)
        if route is None:
            raise PbxPermanentError(
                f"no outbound route named {route_name!r}", errno="10073", path="outroute/update"
            )
        current = _split(route.get("extensions"))
        dropped = {str(n) for n in remove}
        wanted = [n for n in dict.fromkeys([*current, *(str(n) for n in add)]) if n not in dropped]
        if wanted != current:
            body = {"id": str(route["id"])} if route.get("id") not in (None, "") else {"name": route_name}
            self.call("outroute/update", {**body, "extensions": ",".join(wanted)}, config_change=True)
        return wanted

    @staticmethod
    def _alarm(
        time_hhmm: str,
        type: str,
        repeats: int,
        interval: int,
        prompt: str | None,
        weekdays: str | Iterable[str] | None,
    ) -> dict[str, str]:
        alarm = {"time": time_hhmm, "type": type, "repeats": str(repeats), "repeatinterval": str(interval)}
        if prompt:
            alarm["prompt"] = prompt
        if weekdays is not None:
            alarm["weekdays"] = _join(weekdays)
        return alarm

    def wakeup_create(
        self,
        number: str,
        time_hhmm: str,
        *,
        type: str = "onetime",
        repeats: int = 3,
        interval: int = 5,
        prompt: str | None = None,
        weekdays: str | Iterable[str] | None = None,
    ) -> None:
        alarm = self._alarm(time_hhmm, type, repeats, interval, prompt, weekdays)
        body = {self.config.ext_key: str(number)}
        if not self.config.v2:
            # v1 takes an array (first element used).
            self.call("wakeupcall/create", {**body, "wakeup": [alarm]}, config_change=True)
            return
        # v2 wants an object on update; for create the documents disagree (an array on a sibling
        # product's v2 page). A PBX refusing one shape as a missing parameter (10004) created nothing,
        # so the other shape is tried once: whichever the PBX reads, the alarm is set exactly once.
        try:
            self.call("wakeupcall/create", {**body, "wakeup": alarm}, config_change=True)
        except PbxPermanentError as exc:
            if exc.errno != MISSING_PARAM:
                raise
            self.call("wakeupcall/create", {**body, "wakeup": [alarm]}, config_change=True)

    def wakeup_query(self, number: str) -> list[dict[str, Any]]:
        """The extension's alarms (each with `wakeupid` and `number`); [] when it has none."""
        answer = self.call("wakeupcall/query", {self.config.ext_key: str(number)})
        alarms = []
        for entry in answer.get("wakeups") or []:
            owner = str(entry.get("number") or entry.get("extid") or number)
            alarms += [{**a, "number": owner} for a in entry.get("wakeup") or []]
        return alarms

    def wakeup_update(
        self,
        number: str,
        wakeupid: str,
        time_hhmm: str,
        *,
        type: str = "onetime",
        repeats: int = 3,
        interval: int = 5,
        prompt: str | None = None,
        weekdays: str | Iterable[str] | None = None,
    ) -> None:
        alarm = self._alarm(time_hhmm, type, repeats, interval, prompt, weekdays)
        # v1 takes an array (first element used), v2 an object with `repeats` required.
        wakeup: Any = alarm if self.config.v2 else [alarm]
        body = {self.config.ext_key: str(number), "wakeupid": str(wakeupid), "wakeup": wakeup}
        self.call("wakeupcall/update", body, config_change=True)

    def wakeup_delete(self, number: str, wakeupid: str | Iterable[str] | None = None) -> None:
        """Delete some alarms of the extension, or all of them when `wakeupid` is None."""
        body = {self.config.ext_key: str(number)}
        if wakeupid is not None:
            body["wakeupid"] = _join(wakeupid)
        self.call("wakeupcall/delete", body, config_change=True)

    def playprompt(
        self,
        number: str,
        prompt: str,
        *,
        autoanswer: bool = False,
        count: int = 1,
        volume: int | None = None,
        dial_permission: str | None = None,
    ) -> str:
        """Ring the extension and play the prompt(s) ("a+b"); returns the callid for the reports."""
        body = {
            self.config.ext_key: str(number),
            "prompt": prompt,
            "autoanswer": "yes" if autoanswer else "no",
        }
        if self.config.v2:
            body["count"] = str(count)
            if volume is not None:
                body["volume"] = str(volume)
            if dial_permission:
                body["dialpermission"] = dial_permission
        path = "call/playprompt" if self.config.v2 else "extension/playprompt"
        callid = str(self.call(path, body).get("callid") or "")
        if not callid:
            raise PbxTemporaryError("playprompt answered Success without a callid", path=path)
        return callid

    def dial_extension(self, caller: str, callee: str) -> str:
        """Ring `caller` first and, once it answers, connect it to `callee` (both extensions); returns the
        callid. v1 `extension/dial_extension`; v2 `call/dial` with the caller's own dial permission."""
        if self.config.v2:
            path = "call/dial"
            body = {"caller": str(caller), "callee": str(callee), "dialpermission": str(caller)}
        else:
            path = "extension/dial_extension"
            body = {"caller": str(caller), "callee": str(callee)}
        body["autoanswer"] = "no"
        callid = str(self.call(path, body).get("callid") or "")
        if not callid:
            raise PbxTemporaryError(f"{path} answered Success without a callid", path=path)
        return callid

    # --- CDR export ------
    def cdr_download(
        self, start: datetime, end: datetime, numbers: str | Iterable[str] = "all"
    ) -> list[dict]:
        """Call records of a period as dicts (CSV columns); [] when the PBX has none (20021)."""
        params = {
            self.config.ext_key: _join(numbers),
            # CDR times are the PBX's wall time: aware datetimes are converted, naive ones taken as is
            "starttime": pbxtime.format_pbx_wall(start, self.config.time_zone),
            "endtime": pbxtime.format_pbx_wall(end, self.config.time_zone),
        }
        try:
            # Both steps under one token: the one-time random lives 30 s and is tied to our session.
            return self._with_token(lambda token: self._cdr_steps(token, params))
        except PbxPermanentError as exc:
            if exc.errno == NO_RECORDS:
                return []
            raise

    def _cdr_steps(self, token: str, params: dict[str, str]) -> list[dict]:
        random = str(self._post("cdr/get_random", params, token).get("random") or "")
        if not random:
            raise PbxTemporaryError("cdr/get_random answered Success without a random", path="cdr/get_random")
        path = "cdr/download"
        response = self._send("GET", path, params={**params, "token": token, "random": random})
        text = response.content.decode("utf-8-sig", errors="replace")
        if text.lstrip().startswith("{"):  # a JSON envelope instead of the CSV: an error (or an odd Success)
            answer = self._parse(path, response)
            return list(answer.get("cdrs") or [])
        return [dict(row) for row in csv.DictReader(io.StringIO(text))]


def _warn_insecure() -> None:
    global _insecure_warned
    if not _insecure_warned:
        _insecure_warned = True
        log.warning("PBX TLS certificate checks are OFF (PBX_TLS_INSECURE): use PBX_CA_BUNDLE instead")


def _probe_capabilities(client: PbxClient, token: str) -> None:
    """Which optional endpoints this firmware has (shown on the PBX page). Never fails the login."""
    try:
        capabilities.probe(client, token)
    except Exception:
        log.exception("capability probe failed")


def _announce_login(result: LoginResult) -> None:
    """Tell whoever listens (the link: reconciliation, CDR back-fill) that a session started. Never
    fails the login."""
    answers = logged_in.send_robust(
        sender=PbxClient,
        first_connect=result.first_connect,
        after_outage=result.after_outage,
        outage_started=result.outage_started,
    )
    for receiver, answer in answers:
        if isinstance(answer, Exception):
            log.error("after-login hook %s failed", receiver, exc_info=answer)


def _announce_recovery(outage_started) -> None:
    """The PBX answers again with the token we had: same follow-up as a login after an outage.

    Only the process whose update cleared `down_since` gets here, so this runs once per outage.
    """
    log.info("PBX reachable again")
    _announce_login(LoginResult("", first_connect=False, after_outage=True, outage_started=outage_started))


_local = threading.local()


def get_client() -> PbxClient:
    """The client for the current settings, one per process and thread (requests.Session is not shared)."""
    config = PbxConfig.from_settings()
    clients: dict[PbxConfig, PbxClient] = _local.__dict__.setdefault("clients", {})
    client = clients.get(config)
    if client is None:
        client = clients[config] = PbxClient(config)
    return client


def reset_clients() -> None:
    """Forget cached clients (tests, or after settings changed)."""
    _local.__dict__.pop("clients", None)
