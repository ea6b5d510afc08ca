"""Call simulation: turns "room 2101 called 0044..." into the report sequence and CDR a PBX produces.

Calls are compressed in time: all reports of a call are published at once (the clock is not moved),
with NewCdr.timestart = the clock when the call was placed and durations from the arguments.
Order per API.md section 6.5: v1 ALERT/RING -> ANSWER/ANSWERED -> BYE x2 -> NewCdr; v2 one CallStatus
per phase (ring, answer, hang-up) with every member's memberstatus, then NewCdr.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .alarm_outcomes import AlarmOutcomes
from .clock import Clock
from .config import EmulatorConfig
from .reports import V2_REASONS, Party, Report, extension_status
from .state import PbxState, split_list

Publish = Callable[[list[Report], float], None]

# Key order of the documented samples; CDR_FIELDS is also the CSV header of cdr/download.
CDR_FIELDS = [
    "callid",
    "timestart",
    "callfrom",
    "callto",
    "srctrunkname",
    "desttrunkname",
    "callduraction",
    "talkduraction",
    "status",
    "type",
    "pincode",
    "recording",
    "didnumber",
    "agentringtime",
    "sn",
]
V2_CDR_ORDER = [
    "callid",
    "timestart",
    "callfrom",
    "callto",
    "callduraction",
    "talkduraction",
    "srctrunkname",
    "desttrunkname",
    "pincode",
    "status",
    "type",
    "recording",
    "didnumber",
    "agentringtime",
    "sn",
]
STATUS_ALIASES = {"NO ANSWERED": "NO ANSWER", "NOANSWER": "NO ANSWER", "ANSWER": "ANSWERED"}
CALL_STATUSES = {"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "VOICEMAIL"}


class CallSimulator:
    def __init__(
        self, config: EmulatorConfig, clock: Clock, state: PbxState, lock: threading.RLock, publish: Publish
    ) -> None:
        self.config = config
        self.clock = clock
        self.state = state
        self.lock = lock
        self.publish = publish
        self._seq = itertools.count(10)
        self._channel_seq = itertools.count(0x10)
        self.alarm_outcomes = AlarmOutcomes()

    # --- identifiers ----------------------------------------------------------------------------------
    def new_callid(self) -> str:
        """Asterisk-style "<epoch>.<seq>"; the next sequence number is used for the external leg id."""
        seq = next(self._seq)
        next(self._seq)
        return f"{int(self.clock.time())}.{seq}"

    def _channel(self, name: str) -> str:
        return f"PJSIP/{name}-{next(self._channel_seq):08x}"

    def ext_party(self, number: str, callpath: str = "") -> Party:
        return Party("ext", number=number, channelid=self._channel(number), callpath=callpath)

    def trunk_party(self, kind: str, src: str, dst: str, trunk: str, callid: str) -> Party:
        epoch, seq = callid.split(".")
        return Party(
            kind,
            src=src,
            dst=dst,
            trunk=trunk,
            leg_id=f"{epoch}.{int(seq) + 1}",
            channelid=self._channel(f"trunk-{trunk}"),
        )

    # --- public simulation entry points -------------------------------------------------------------
    def place_call(
        self,
        kind: str = "outbound",
        src: str = "",
        dst: str = "",
        answer: bool = True,
        talk_seconds: int = 61,
        ring_seconds: int = 5,
        status: str | None = None,
        did: str = "",
        trunk: str | None = None,
        hangup_by: str = "caller",
        recording: bool = False,
        delay: float = 0.0,
        callid: str | None = None,
    ) -> str:
        if kind not in ("internal", "outbound", "inbound"):
            raise ValueError(f"unknown call kind {kind!r}")
        status = self._normalise_status(status, answer)
        with self.lock:
            callid = callid or self.new_callid()
            start = self.clock.now()
            if kind == "internal":
                self._require_ext(src)
                callee = self._require_ext(dst)
                caller_party, callee_party = self.ext_party(src), self.ext_party(dst)
                src_trunk = dst_trunk = ""
                cdr_type = "Internal"
            elif kind == "outbound":
                self._require_ext(src)
                callee = None
                route = self.state.route_for(dst)
                dst_trunk = trunk or self._route_trunk(route)
                src_trunk = ""
                caller_party = self.ext_party(src)
                callee_party = self.trunk_party("outbound", src, dst, dst_trunk, callid)
                cdr_type = "Outbound"
                if self.config.enforce_outbound_permission and (
                    route is None or src not in split_list(route["extensions"])
                ):
                    return self._failed_outbound(callid, caller_party, start, dst, dst_trunk, delay)
            else:
                callee = self._require_ext(dst)
                src_trunk = trunk or (self.state.trunks[0] if self.state.trunks else "")
                dst_trunk = ""
                caller_party = self.trunk_party("inbound", src, did or dst, src_trunk, callid)
                callee_party = self.ext_party(dst)
                cdr_type = "Inbound"
            if status == "FAILED":
                # The call never got through (e.g. trunk down): CallFailed instead of ring/answer events.
                reports = [self.call_failed_report(callid, caller_party, "Line unreachable")]
                talk_seconds, ring_seconds = 0, 0
            elif callee is not None and callee.get("dnd") == "on":
                # DND: the callee never rings; the caller gets CallFailed "DND" and the CDR says BUSY.
                reports = [self.call_failed_report(callid, caller_party, "DND")]
                status, talk_seconds, ring_seconds = "BUSY", 0, 0
            else:
                reports = self._call_reports(callid, caller_party, callee_party, status, hangup_by)
            answered = status in ("ANSWERED", "VOICEMAIL")
            talk = int(talk_seconds) if answered else 0
            record = self._cdr(
                callid,
                start,
                src,
                dst,
                int(ring_seconds) + talk,
                talk,
                status,
                cdr_type,
                src_trunk,
                dst_trunk,
                did,
                recording,
            )
            if status == "VOICEMAIL" and callee is not None:
                self._leave_voicemail(dst, src, talk, start)
            reports.append(self.new_cdr_report(record))
        self.publish(reports, delay)
        return callid

    def press_dtmf(
        self,
        ext: str,
        digits: str,
        callpath: str = "",
        callid: str | None = None,
        end_call: bool = True,
        delay: float = 0.0,
    ) -> str:
        with self.lock:
            self._require_ext(ext)
            new_call = callid is None
            callid = callid or self.new_callid()
            start = self.clock.now()
            party = self.ext_party(ext, callpath=callpath)
            reports: list[Report] = []
            if new_call:
                reports += self._ext_status([party], "Busy")
            for index, digit in enumerate(digits):
                v1 = {
                    "action": "DTMF",
                    "callid": callid,
                    "call": [party.v1()],
                    "info": digit,
                    "flag": str(index),
                    "sn": self.config.sn,
                }
                v2 = {
                    "event": "DTMF",
                    "callid": callid,
                    "members": [party.v2("ANSWERED")],
                    "info": digit,
                    "flag": index,
                    "infos": digits[: index + 1],
                    "sn": self.config.sn,
                }
                reports.append(Report(v1, v2))
            if new_call and end_call:
                reports += self._ext_status([party], "Idle")
                duration = 5 + 2 * len(digits)
                record = self._cdr(
                    callid,
                    start,
                    ext,
                    callpath,
                    duration,
                    duration,
                    "ANSWERED",
                    "Internal",
                    "",
                    "",
                    "",
                    False,
                )
                reports.append(self.new_cdr_report(record))
        self.publish(reports, delay)
        return callid

    def fail_call(self, ext: str, reason: str, callid: str | None = None, delay: float = 0.0) -> str:
        with self.lock:
            self._require_ext(ext)
            callid = callid or self.new_callid()
            report = self.call_failed_report(callid, self.ext_party(ext), reason)
        self.publish([report], delay)
        return callid

    def ring_alarm(self, alarm: dict[str, str], answer: bool = True, delay: float = 0.0) -> list[str]:
        """One alarm run: up to `repeats` attempts `repeatinterval` minutes apart, until answered."""
        with self.lock:
            ext = alarm["ext"]
            attempts = max(1, int(alarm.get("repeats") or 1))
            interval = int(alarm.get("repeatinterval") or 5)
            start = self.clock.now()
            reports: list[Report] = []
            callids: list[str] = []
            for attempt in range(attempts):
                callid = self.new_callid()
                callids.append(callid)
                party = self.ext_party(ext)
                at = start + timedelta(minutes=interval * attempt)
                outcome = self.alarm_outcomes.take(ext, "answered" if answer else "no answer")
                answered = outcome == "answered"
                if outcome == "busy":
                    reports.append(self.call_failed_report(callid, party, "User busy"))
                else:
                    reports += self._single_party_call(callid, party, answered)
                talk = 30 if answered else 0
                record = self._cdr(
                    callid,
                    at,
                    self.config.wakeup_callfrom,
                    ext,
                    0 if outcome == "busy" else 20 + talk,
                    talk,
                    {"answered": "ANSWERED", "busy": "BUSY"}.get(outcome, "NO ANSWER"),
                    "Internal",
                    "",
                    "",
                    "",
                    False,
                )
                reports.append(self.new_cdr_report(record))
                if answered:
                    break
        self.publish(reports, delay)
        return callids

    def play_prompt(self, ext: str, prompt: str, fail_reason: str | None = None, delay: float = 0.0) -> str:
        """The PBX rings the extension and plays `prompt`: PlayPromptEnd, or CallFailed (DND/fault)."""
        with self.lock:
            extension = self._require_ext(ext)
            callid = self.new_callid()
            party = self.ext_party(ext)
            reason = fail_reason or ("DND" if extension.get("dnd") == "on" else None)
            guest = self.alarm_outcomes.take_prompt(ext)
            if guest == "busy":
                reason = reason or "User busy"
            if reason:
                reports = [self.call_failed_report(callid, party, reason)]
            elif guest is not None and guest != "no key":
                reports = self._prompt_with_guest(callid, party, ext, prompt, guest)
            else:
                start = self.clock.now()
                reports = self._single_party_call(callid, party, True, prompt=prompt)
                record = self._cdr(callid, start, ext, ext, 25, 20, "ANSWERED", "Internal", "", "", "", False)
                reports.append(self.new_cdr_report(record))
        self.publish(reports, delay)
        return callid

    def _prompt_with_guest(
        self, callid: str, party: Party, ext: str, prompt: str, guest: str
    ) -> list[Report]:
        """A played prompt the guest did not answer ("no answer"), answered and hung up before its end
        ("hang up"), or answered and keyed a digit ("key:1")."""
        start = self.clock.now()
        if guest == "no answer":
            reports = self._single_party_call(callid, party, False)
            record = self._cdr(callid, start, ext, ext, 30, 0, "NO ANSWER", "Internal", "", "", "", False)
            return [*reports, self.new_cdr_report(record)]
        if guest == "hang up":  # answered, then BYE before the prompt's end: no PlayPromptEnd
            reports = self._single_party_call(callid, party, True)
            record = self._cdr(callid, start, ext, ext, 9, 4, "ANSWERED", "Internal", "", "", "", False)
            return [*reports, self.new_cdr_report(record)]
        digit = guest.split(":", 1)[1]
        played = self._single_party_call(callid, party, True, prompt=prompt)
        end = next(i for i, r in enumerate(played) if (r.v1 or {}).get("action") == "PlayPromptEnd")
        sn = self.config.sn
        key = Report(
            {"action": "DTMF", "callid": callid, "call": [party.v1()], "info": digit, "flag": "0", "sn": sn},
            {
                "event": "DTMF",
                "callid": callid,
                "members": [party.v2("ANSWER")],
                "info": digit,
                "flag": 0,
                "infos": digit,
                "sn": sn,
            },
        )
        record = self._cdr(callid, start, ext, ext, 25, 20, "ANSWERED", "Internal", "", "", "", False)
        return [*played[:end], key, *played[end:], self.new_cdr_report(record)]

    # --- report builders ------------------------------------------------------------------------------
    def call_failed_report(self, callid: str, party: Party, reason: str) -> Report:
        sn = self.config.sn
        v1 = {"action": "CallFailed", "reason": reason, "callid": callid, "call": [party.v1()], "sn": sn}
        v2 = {
            "event": "CallFailed",
            "callid": callid,
            "reason": V2_REASONS.get(reason, reason),
            "members": [party.v2()],
            "sn": sn,
        }
        return Report(v1, v2)

    def new_cdr_report(self, record: dict[str, str]) -> Report:
        v1: dict[str, Any] = {"action": "NewCdr"}
        for key in CDR_FIELDS:
            if key in ("srctrunkname", "desttrunkname", "didnumber") and not record[key]:
                continue  # v1 samples omit empty trunk/DID fields
            v1[key] = record[key]
        v2: dict[str, Any] = {"event": "NewCdr"}
        for key in V2_CDR_ORDER:
            if key == "desttrunkname":
                v2["dsttrcunkname"] = record[key]
            elif key == "status" and record[key] == "NO ANSWER":
                v2[key] = "NO ANSWERED"
            else:
                v2[key] = record[key]
        return Report(v1, v2)

    def _call_reports(
        self, callid: str, caller: Party, callee: Party, status: str, hangup_by: str
    ) -> list[Report]:
        sn = self.config.sn
        reports: list[Report] = []
        ext_parties = [p for p in (caller, callee) if p.kind == "ext"]

        def v1(action: str, parties: list[Party]) -> Report:
            return Report(
                {"action": action, "callid": callid, "call": [p.v1() for p in parties], "sn": sn}, None
            )

        def v2(statuses: list[tuple[Party, str]]) -> Report:
            members = [p.v2(s) for p, s in statuses]
            return Report(None, {"event": "CallStatus", "callid": callid, "members": members, "sn": sn})

        reports += self._ext_status([caller], "Busy")
        reports.append(v1("ALERT", [caller]))
        if status == "BUSY":
            reports.append(v2([(caller, "ALERT")]))
        else:
            reports.append(v2([(caller, "ALERT"), (callee, "RING")]))
            reports += self._ext_status([callee], "Ringing")
            reports.append(v1("RING", [callee, caller]))
        if status in ("ANSWERED", "VOICEMAIL"):
            reports.append(v1("ANSWER", [callee, caller]))
            reports.append(v2([(caller, "ANSWERED"), (callee, "ANSWER")]))
            reports += self._ext_status([callee], "Busy")
            reports.append(v1("ANSWERED", [caller, callee]))
        first, second = (callee, caller) if hangup_by == "callee" else (caller, callee)
        reports.append(v1("BYE", [first, second]))
        reports.append(v1("BYE", [second, first]))
        reports.append(v2([(caller, "BYE"), (callee, "BYE")]))
        reports += self._ext_status(ext_parties, "Idle")
        return reports

    def _single_party_call(self, callid: str, party: Party, answer: bool, prompt: str = "") -> list[Report]:
        """A PBX-originated call to one extension (wake-up alarm, playprompt): no caller party."""
        sn = self.config.sn

        def both(action: str, status: str) -> Report:
            return Report(
                {"action": action, "callid": callid, "call": [party.v1()], "sn": sn},
                {"event": "CallStatus", "callid": callid, "members": [party.v2(status)], "sn": sn},
            )

        reports = [*self._ext_status([party], "Ringing"), both("RING", "RING")]
        if answer:
            reports += [both("ANSWER", "ANSWER"), *self._ext_status([party], "Busy")]
            if prompt:
                # v1 samples keep PlayPromptEnd's party flat even in format 1.0.2.
                reports.append(
                    Report(
                        {
                            "action": "PlayPromptEnd",
                            "callid": callid,
                            **party.v1(),
                            "prompt": prompt,
                            "sn": sn,
                        },
                        {
                            "event": "PlayPromptEnd",
                            "callid": callid,
                            "members": [party.v2()],
                            "prompt": prompt,
                            "sn": sn,
                        },
                    )
                )
        reports += [both("BYE", "BYE"), *self._ext_status([party], "Idle")]
        return reports

    def _ext_status(self, parties: list[Party], status: str) -> list[Report]:
        if not self.config.extension_status_reports:
            return []
        reports = []
        for party in parties:
            if party.kind != "ext":
                continue
            shown = status
            if status == "Idle" and not self._is_analog(party.number):
                shown = "Registered"  # a SIP phone back on hook: `Idle` is documented for FXS ports only
            reports.append(extension_status(self.config.sn, party.number, shown))
        return reports

    def _is_analog(self, number: str) -> bool:
        ext = self.state.extensions.get(str(number)) or {}
        return str(ext.get("type", "")).upper() == "FXS"

    # --- helpers --------------------------------------------------------------------------------------
    def _failed_outbound(
        self, callid: str, caller: Party, start: datetime, dst: str, trunk: str, delay: float
    ) -> str:
        reports = [self.call_failed_report(callid, caller, "NO Outbound Restriction")]
        record = self._cdr(
            callid, start, caller.number, dst, 0, 0, "FAILED", "Outbound", "", trunk, "", False
        )
        reports.append(self.new_cdr_report(record))
        self.publish(reports, delay)
        return callid

    def _require_ext(self, number: str) -> dict[str, str]:
        ext = self.state.extensions.get(str(number))
        if ext is None:
            raise ValueError(f"no such extension {number!r}")
        return ext

    def _route_trunk(self, route: dict[str, str] | None) -> str:
        trunks = split_list(route["trunks"]) if route else []
        return trunks[0] if trunks else (self.state.trunks[0] if self.state.trunks else "")

    @staticmethod
    def _normalise_status(status: str | None, answer: bool) -> str:
        if status is None:
            return "ANSWERED" if answer else "NO ANSWER"
        status = STATUS_ALIASES.get(status.strip().upper(), status.strip().upper())
        if status not in CALL_STATUSES:
            raise ValueError(f"unknown call status {status!r}")
        return status

    def _cdr(
        self,
        callid: str,
        start: datetime,
        callfrom: str,
        callto: str,
        duration: int,
        talk: int,
        status: str,
        cdr_type: str,
        src_trunk: str,
        dst_trunk: str,
        did: str,
        recording: bool,
    ) -> dict[str, str]:
        file_name = ""
        if recording and talk:
            file_name = f"{start:%Y%m%d%H%M%S}-{callid}-{callfrom}-{callto}-{cdr_type}.wav"
        record = {
            "callid": callid,
            "timestart": start.strftime("%Y-%m-%d %H:%M:%S"),
            "callfrom": callfrom,
            "callto": callto,
            "callduraction": str(duration),
            "talkduraction": str(talk),
            "srctrunkname": src_trunk,
            "desttrunkname": dst_trunk,
            "status": status,
            "type": cdr_type,
            "pincode": "",
            "recording": file_name,
            "didnumber": did,
            "agentringtime": "0",
            "sn": self.config.sn,
        }
        self.state.cdrs.append(record)
        return record

    def _leave_voicemail(self, ext: str, caller: str, length: int, when: datetime) -> None:
        self.state.next_voicemail_seq += 1
        box = self.state.voicemail.setdefault(ext, [])
        box.append(
            {
                "voicemailfile": f"msg{self.state.next_voicemail_seq:04d}.wav",
                "messagefrom": caller,
                "voicemailstatus": "unread",
                "voicemaildate": when.strftime("%Y-%m-%d %H:%M:%S"),
                "voicemaillength": str(length),
            }
        )

    def leave_voicemail(self, ext: str, caller: str, length: int = 20) -> dict[str, str]:
        with self.lock:
            self._require_ext(ext)
            self._leave_voicemail(ext, caller, length, self.clock.now())
            return dict(self.state.voicemail[ext][-1])
