"""gunicorn's access log without the report webhook's secret path token.

The PBX posts reports to /pbx/events/<PBX_EVENTS_TOKEN>/; an access log line would otherwise carry the
token to every log reader. Used by gunicorn.conf.py at the repository root.
"""

import re

from gunicorn.glogging import Logger

_EVENTS_TOKEN = re.compile(r"(/pbx/events/)[^/\s?]+")
_URL_ATOMS = ("r", "U", "q", "{raw_uri}e")


def redact(text: str) -> str:
    return _EVENTS_TOKEN.sub(r"\1<token>", text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in _URL_ATOMS:
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
