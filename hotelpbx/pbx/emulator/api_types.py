"""Request context and small request-parsing helpers shared by the api_* handler modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import MISSING_PARAM, NO_SUCH_EXTENSION, ApiError
from .sessions import Session
from .state import split_list

if TYPE_CHECKING:
    from .emulator import Emulator


@dataclass
class Context:
    emu: Emulator
    api_version: str
    path: str
    method: str
    body: dict[str, Any]
    query: dict[str, str]
    client_ip: str
    session: Session | None = None

    @property
    def v2(self) -> bool:
        return self.api_version == "v2.0.0"

    @property
    def ext_key(self) -> str:
        """Request key naming extensions: v1 "extid", v2 "number"."""
        return "number" if self.v2 else "extid"

    def param(self, key: str, required: bool = False, default: str = "") -> str:
        """A body parameter as a string (numbers accepted); errno 10004 when required and empty."""
        value = self.body.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise ApiError(MISSING_PARAM, key)
            return default
        if isinstance(value, bool):
            return "1" if value else "0"
        return str(value).strip()

    def extensions(
        self,
        key: str | None = None,
        required: bool = True,
        allow_all: bool = True,
        empty_means_all: bool = False,
    ) -> list[str]:
        """Extension numbers from a comma list (or "all"); errno 10004 if missing, 10006 if unknown."""
        key = key or self.ext_key
        raw = self.param(key, required=required and not empty_means_all)
        known = self.emu.state.extensions
        if not raw or (allow_all and raw.lower() == "all"):
            return list(known) if (raw or empty_means_all) else []
        numbers = split_list(raw)
        for number in numbers:
            if number not in known:
                raise ApiError(NO_SUCH_EXTENSION, number)
        return numbers


@dataclass
class FileBody:
    """A download answer (CSV, audio) instead of the JSON envelope."""

    content: bytes
    content_type: str
    filename: str
