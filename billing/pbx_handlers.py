"""Reports billing acts on: call records (NewCdr) and minibar keyed on the room phone (DTMF)."""

import logging

from hotelpbx.pbx.events import handler

from .minibar_phone import minibar_from_keys
from .services import call_record_from_cdr

log = logging.getLogger(__name__)


@handler("NewCdr")
def keep_call_record(report, event) -> None:
    cdr = report.cdr()
    if not cdr.callid:
        return
    call_record_from_cdr(cdr=cdr, serial=report.sn or event.sn or "")


@handler("DTMF")
def minibar_keyed_on_phone(report, event) -> None:
    minibar_from_keys(report, serial=report.sn or event.sn or "")
