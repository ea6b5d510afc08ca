"""Emulator of the Yeastar S-Series PBX HTTP API (v1.1.0 and v2.0.0), pure standard library.

It follows /work/shared/yeastar/API.md (the "API.md" below). Use it in-process::

    from hotelpbx.pbx.emulator import Emulator, EmulatorConfig
    emu = Emulator(EmulatorConfig(extensions=["2101", "2102"])).start(host="127.0.0.1", port=0)
    emu.url; emu.clock.advance(60); emu.place_call(kind="outbound", src="2101", dst="00442071234567")
    emu.wait_idle(); emu.stop()

or as a server: ``python -m hotelpbx.pbx.emulator --port 8088 --extensions 2101-2120 --traffic``.
A report receiver for tests is in ``hotelpbx.pbx.emulator.receiver.ReportReceiver``.

Module map: config (EmulatorConfig), clock, state (extensions, alarms, voicemail, routes, CDRs),
sessions (tokens, IP block), api + api_* (the endpoints), reports (body formats), pusher (delivery),
calls (call simulation), alarms, traffic, faults, control (/_emulator/), server (HTTP), emulator.

Assumptions where API.md is silent ([INF] / [NOT FOUND]) or leaves a choice
----------------------------------------------------------------------------------------
Transport
- Plain HTTP by default (TLS with --certfile/--keyfile). Every API answer is HTTP 200 with the Boa
  headers plus Content-Length, and compact JSON like the PBX's (no space after ``,`` or ``:``).
  OPTIONS on any API path answers 200, empty body, CORS headers.
- Order of checks: API path/version (10003) -> method (20001; GET only for ``*/download``) -> JSON
  object body (20000; empty body = ``{}``) -> unknown action (10003) -> token (20005/20004/20006) ->
  injected errno fault -> config throttle (10025) -> handler errors. A v1-only path called under v2
  (or the reverse, e.g. apply on v2) is 10003.
- Unknown or read-only fields in extension/update are ignored; numbers are accepted where strings
  are documented; the emulator always answers strings.

Sessions and tokens
- Tokens are 32 lowercase hex, valid 30 minutes of idle time on ``emu.clock``. Every API call with
  the token (heartbeat included) slides the life. A pushed report does NOT renew it unless
  ``report_renews_token=True`` (the 2017 guide says it does; off by default so clients must heartbeat).
- An expired token keeps answering 20006 (not 20004) until logout/reboot; a token that was dropped
  answers 20004 ("no such token"): never issued, logged out, gone with a reboot, or, with
  ``login_replaces_token`` (--login-replaces-token; off by default, since API.md 3.7 leaves it open),
  replaced by a newer login.
- ``urltag``/``urlflag``: v1 login and heartbeat accept either name (the English v1 pages say
  ``urlflag``, the others ``urltag``); v2 documents only ``urltag`` and ignores ``urlflag``.
- v2 login answers ``transport`` = ``report_transport`` (--report-transport, default HTTP). With TCP no
  report is posted to a v2 session (the TCP channel is not emulated); v1 sessions always get HTTP.
- Report target: urltag "1" -> ``http://{url}`` (a url that already has http(s):// is used as is);
  otherwise ``http://{login source IP or heartbeat ipaddr}:{port}/{url}``.
- Report format: v2 login/heartbeat with version >= 2.0.0 -> "2.0.0"; any login with version >= 1.0.2
  -> "1.0.2" (a v1 login asking for 2.0.0 still gets 1.0.2); otherwise legacy (flat parties, duplicate
  ``"ext"`` keys). A heartbeat without ``version`` keeps the format (only fields present change).
- ``single_subscriber=True`` (default): only the newest live login receives reports; older tokens stay
  valid for API calls. With False every live session receives every report.
- Login: v1 without ``port`` -> 20008 (as is a non-numeric port in either version); v2 defaults to 8260.
  Missing username/password -> 10004 (not counted as a failure). The password must be the lowercase
  MD5 hex. Failures 1-5 answer 20003; the 5th blocks the source IP for 10 clock minutes, during which
  login answers 20002 even with the right password. A success resets the counter; so does the end of a
  block. ``emu.unblock()`` / POST /_emulator/unblock stands in for deleting the "API-IP" entry.
- Heartbeat with a bad port -> 20011. Logout deletes the token (no more reports).
- Reboot: BootUp goes to the sessions that were subscribed just before; then every token is gone
  (20004) and the app must log in again. Config, CDRs, alarms and IP blocks survive a reboot.

Reports
- One POST per event, headers User-Agent: WebAPI, Content-Type/Accept: application/json. Retried
  every ``report_retry_interval`` s (--report-retry-interval, default 1) until HTTP 200, at most
  ``report_max_attempts`` (--report-max-attempts, default 30) tries, then given up. In order per
  target: a report the app does not answer with 200 holds back that target's later reports until it
  is delivered or given up (at most (attempts - 1) x interval plus the timeouts; 29 s by default for
  an app answering 400), never other targets'. The real PBX's schedule is undocumented. Retries
  continue even if the token expires meanwhile; whether a report is sent is decided when it is queued.
- ExtensionStatus ``Idle`` only for analog (type FXS) extensions, as documented; a SIP phone back on
  hook reports ``Registered``.
- Call sequences (calls are compressed in time: all reports are queued at once, the clock is not
  moved; NewCdr.timestart is the clock when placed, callduraction = ring + talk):
  v1: [ExtensionStatus caller Busy] ALERT[caller] [ExtensionStatus callee Ringing] RING[callee, caller]
  ANSWER[callee, caller] [ExtensionStatus callee Busy] ANSWERED[caller, callee] BYE[a, b] BYE[b, a]
  [ExtensionStatus Idle per extension] NewCdr. Not answered: no ANSWER/ANSWERED. BUSY: no RING.
  v2: one CallStatus per phase with every member: (ALERT, RING) -> (ANSWERED, ANSWER) -> (BYE, BYE),
  then NewCdr. ExtensionStatus reports as in v1 (``extension_status_reports``, default on).
  RING/ALERT are sent for every call, although the v1 page limits them to API-originated calls.
- Inbound: caller party ``inbound{from, to: DID (or the extension), trunk, inboundid}``; the external
  leg id (inboundid/outboundid) is the callid's sequence + 1, like the samples.
- Callee with DND on (internal/inbound): CallFailed "DND" (caller party) and NewCdr status BUSY.
  place_call(status="FAILED"): CallFailed "Line unreachable" and NewCdr FAILED, no ring events.
  place_call(status="VOICEMAIL") on an extension also stores a message in its voicemail box.
- ``enforce_outbound_permission`` (default off): an outbound call whose caller is not a member of the
  first matching outbound route gives CallFailed "NO Outbound Restriction" and NewCdr FAILED.
  Default route patterns: International "00X.", National "0[1-9]X.", Local "[1-9]X.".
- v1 NewCdr omits empty srctrunkname/desttrunkname/didnumber (as the samples); v2 sends every field,
  ``dsttrcunkname`` and "NO ANSWERED". CallFailed reasons are translated to the v2 spellings of API.md.
- Wake-up alarm call (undocumented): single party, v1 RING/ANSWER/BYE [ext] (v2 CallStatus RING/ANSWER/
  BYE), then NewCdr type Internal, callfrom ``wakeup_callfrom`` (default "wakeup"), callto the room,
  talk 30 s. Unanswered: up to ``repeats`` attempts ``repeatinterval`` minutes apart (each its own
  callid and NO ANSWER CDR), all queued at once. ``alarm_answer`` decides for alarms rung by tick();
  per attempt, ``calls.alarm_outcomes.plan(ext, [...])`` (or POST /_emulator/alarm/outcomes) sets
  "answered", "no answer" or "busy" (CallFailed "User busy", a BUSY CDR), and ``plan_prompt`` the
  guest's answer to a playprompt: "key:1" (DTMF with the call's callid while it plays), "no key",
  "hang up" (answered, BYE before the end: no PlayPromptEnd, an ANSWERED CDR), "no answer", "busy".
  A onetime alarm is deleted after its run; everyday/custom ones are rescheduled. An alarm whose time
  was skipped by a big clock jump rings once, at the next tick().
- playprompt (v1 extension/playprompt, v2 call/playprompt): returns callid; reports start
  ``api_call_report_delay`` s later: RING, ANSWER, PlayPromptEnd (v1 flat ``ext``; v2 ``members``),
  BYE, NewCdr (callfrom = callto = the extension). DND on, or fault ``call_fail_reason``: CallFailed.
  Prompt names that are numeric, or not in ``prompts`` when that list is set, are 10023.
- extension/dial_extension, extension/dial_outbound (v1) and call/dial (v2) place an answered 30 s call
  (caller rings first, then the callee; NewCdr callfrom = caller). `caller` and `callee` are required
  (10004); an unknown caller extension is 10006; v1 dial_extension's callee must be an extension
  (10011, "the called number does not exist"); v2's `dialpermission`, when sent, must be an extension
  (10006); `autoanswer` is optional (real v2 clients send only caller and callee).
- DTMF: one report per digit, ``info`` the digit, ``flag`` the 0-based index (string in v1, number in
  v2); v2 also ``infos`` (the digits so far), v1 not (its English page documents info and flag only);
  a new call by default, ending with a NewCdr to ``callpath`` (v2 parties only; v1 has none).
- ConfigChange (type extension, operation update) after extension/update and per checked-out room.

Hotel, alarms, voicemail, routes
- hotel/checkout: all listed extensions must exist (else 10006, nothing changed); each gets voicemail
  emptied, removed from every outbound route, alarms deleted, username reset to the extension number.
- wakeupcall: ids from one PBX-wide counter; one alarm per (extension, time) -> 10022; bad time/type/
  weekdays/repeats -> 10020; v2 requires ``repeats`` (10004). A ``custom`` alarm needs ``weekdays`` as
  the documented-likely form only, a string "1,3,5" of days 0-6 (0 = Sunday), each once ("135", "1;3",
  lists, 7, repeats -> 10020); other types drop ``weekdays``. everyday/custom alarms ring on every
  matching day until deleted. ``wakeup`` must have the documented
  shape: an array on v1 (first element used), an object on v2 (update; create too unless
  ``v2_create_wakeup_shape="array"``, ``--v2-create-wakeup-shape array``, plays a PBX that follows the
  sibling product's v2 create page); the other shape is 10004.
  Query: v1 ``{"wakeups": []}`` when empty, v2 just Success.
  Delete without ``wakeupid`` (or "all") deletes every alarm of the listed extensions; the 2017 form
  ``{"extid", "time"}`` deletes only that extension's alarm at that time (10021 if there is none).
- deviceinfo ``systemtime``: local time plus ``UTC`` for a zero offset, else ``UTC+8``/``UTC-8``/
  ``UTC+5:30`` (the sample shows "2021-05-24 23:25:20 UTC-8").
- Routes and trunks: outroute/query and inroute/query (both versions, as a real S300 on v1 answers)
  need a selector, ``id`` or ``name`` ("all" or a comma list); ``{}`` or no body is 10004.
  trunklist/query (v1) and trunk/list (v2) list ``trunkname``/``status``/``type``; v1 spells the state
  in lower case ("registered", as captured), v2 as documented ("Registered"). Set a state with
  ``emu.set_trunk_status`` or POST /_emulator/trunk.
- outroute/update: always on v2; on v1 only with ``v1_route_update`` (``--v1-route-update on``,
  POST /_emulator/firmware), else 10003 like any endpoint the firmware lacks. Fields present are
  replaced; ``extensions`` REPLACES the member list. Unknown route id/name -> 10073 (the real "route
  does not exist" code is past the readable table).
- voicemail/delete without ``voicemailstatus`` means "all"; unknown file -> 20018.

Downloads
- get_random randoms: 32 hex, 30 s on the clock, single use (spent by the first successful download),
  valid only from ``allowedip`` or, when absent, from the session's login IP / heartbeat ipaddr
  (else 20015). Wrong, used or expired random -> 20020 (CDR), 20012 (recording), 20017 (voicemail).
- cdr/get_random for a period without calls: API.md does not say; the emulator answers 20021 ("CDR
  does not exist", the documented code) at get_random by default, rather than an empty CSV later;
  ``cdr_empty_period="empty_csv"`` issues the random and the download is the header line alone. Clients
  should take both as "no calls". Bad time format or end before start -> 20019. The CSV is UTF-8 with
  CRLF, header = the NewCdr field names (emulator convention; ``cdr_csv_headings`` renames columns),
  ``dsttrcunkname``/"NO ANSWERED" on the v2 path. Errors of GET downloads are the JSON envelope.
- Recording/voicemail downloads are one second of 8 kHz silence (WAV).

Throttling and faults
- Config-changing calls (extension/update, hotel/checkout, wakeupcall/create|update|delete,
  outroute/update) beyond ``config_rate_limit`` (10) per ``config_rate_window`` (1.0 s, real monotonic
  time) answer 10025; rejected calls do not count. Reads are never throttled.
- ``emu.faults``: down (API connections reset without an answer; /_emulator/ keeps working),
  slow_seconds, errno_rate + errno (token-carrying calls only, never login), drop_reports /
  drop_reports_count, call_fail_reason. The control API has no authentication: test use only.
- Secrets: passwords and tokens never go to the log; ``emu.requests_log`` masks password-like fields.
"""

from .config import EmulatorConfig
from .emulator import Emulator

__all__ = ["Emulator", "EmulatorConfig"]
