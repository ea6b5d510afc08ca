"""No log line carries the report webhook's secret path token.

The PBX posts reports to /pbx/events/<PBX_EVENTS_TOKEN>/; Django's own lines ("Not Found: <path>",
"Method Not Allowed: <path>", tracebacks) and any library's would otherwise write it out. Every record
is redacted where it is made (a log-record factory, so every handler of every logger sees the redacted
record), and the console handler's filter does the same for records made some other way.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings

REDACTED = "<token>"
_EVENTS_PATH = re.compile(r"(/pbx/events/)[^/\s?'\"<>]+")
_MIN_LITERAL_TOKEN = 8  # shorter tokens would blank out ordinary words (and are refused anyway)


def redact(text: str) -> str:
    text = _EVENTS_PATH.sub(r"\1" + REDACTED, text)
    token = getattr(settings, "PBX_EVENTS_TOKEN", "") if settings.configured else ""
    if token and len(token) >= _MIN_LITERAL_TOKEN and token in text:
        text = text.replace(token, REDACTED)
    return text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a caller's bad format string: leave it to the handler to report
        return record
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactReportToken(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_installed = False


def install() -> None:
    """Wrap the process's log-record factory once."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def make_redacted_record(*args, **kwargs):
        return redact_record(make_record(*args, **kwargs))

    logging.setLogRecordFactory(make_redacted_record)
    _installed = True
