"""Reports from the PBX that decide wake-ups: the call record of the alarm's call to the room."""

from hotelpbx.pbx.events import handler

from . import timing
from .models import AttemptResult
from .services import CDR_RESULTS, record_alarm_call, record_prompt_call


@handler("NewCdr")
def wakeup_outcome_from_call_record(report, event) -> None:
    cdr = report.cdr()
    if not cdr.callid or not cdr.callto:
        return
    record_alarm_call(
        extension=cdr.callto,
        caller=cdr.callfrom,
        callid=cdr.callid,
        started_at=timing.pbx_time_to_utc(cdr.timestart),
        status=cdr.status,
    )


def _extension(report) -> str:
    return next((p.number for p in report.parties if p.kind == "ext" and p.number), "")


@handler("DTMF")
def wakeup_key_pressed(report, event) -> None:
    digit = (report.get("info") or "").strip()[:1]
    if report.callid and digit:
        record_prompt_call(
            callid=report.callid,
            result=AttemptResult.KEY,
            detail=f"key {digit}",
            digit=digit,
            extension=_extension(report),
        )


@handler("PlayPromptEnd")
def wakeup_prompt_heard(report, event) -> None:
    if report.callid:
        record_prompt_call(
            callid=report.callid,
            result=AttemptResult.HEARD,
            detail="prompt heard to its end",
            extension=_extension(report),
        )


@handler("CallFailed")
def wakeup_call_failed(report, event) -> None:
    reason = report.get("reason") or "call failed"
    result = AttemptResult.BUSY if "busy" in reason.lower() else AttemptResult.FAILED
    if report.callid:
        record_prompt_call(callid=report.callid, result=result, detail=reason, extension=_extension(report))


HUNG_UP_DETAIL = "answered, hung up before the end of the message"


@handler("NewCdr")
def wakeup_prompt_call_record(report, event) -> None:
    cdr = report.cdr()
    result = CDR_RESULTS.get(cdr.status)
    if not cdr.callid or result is None:
        return
    if result == AttemptResult.ANSWERED:
        # A prompt call answered without a key: PlayPromptEnd (processed first, as sent) already made the
        # attempt "heard"; with no PlayPromptEnd the guest hung up while the message played.
        record_prompt_call(
            callid=cdr.callid, result=AttemptResult.HUNG_UP, detail=HUNG_UP_DETAIL, extension=cdr.callto
        )
        return
    record_prompt_call(callid=cdr.callid, result=result, detail=cdr.status, extension=cdr.callto)
