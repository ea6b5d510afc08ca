from hotelpbx.pbx.events import handler

from .services import call_record_from_cdr


@handler("NewCdr")
def keep_call_record(report, event) -> None:
    cdr = report.cdr()
    if not cdr.callid:
        return
    call_record_from_cdr(cdr=cdr, serial=report.sn or event.sn or "")
