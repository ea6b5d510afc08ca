"""Reports from the PBX that decide wake-ups: the call record of the alarm's call to the room."""

from hotelpbx.pbx.events import handler

from . import timing
from .services import record_alarm_call


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
