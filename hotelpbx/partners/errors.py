"""One JSON shape for every API error: {"error": {"code", "message", "fields"}}; never a 5xx for bad
input. A hotel rule that refuses a change (room not ready, stay already checked out) is a 409 with the
rule's stable code."""

import logging
import re

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rooms.errors import RoomRuleError

from .webhook_urls import WebhookUrlRefused

log = logging.getLogger(__name__)


class ApiConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request body is too large."


class ApiUnprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"
    default_detail = "The request cannot be processed."


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": clean(message), "fields": clean(fields or {})}}


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean(value):
    """Client text echoed in an error (an unknown field's name, a refused choice) without control
    characters or lone surrogates: PostgreSQL's jsonb refuses NUL and lone surrogates (the stored
    answer of an Idempotency-Key), and no reader wants them."""
    if isinstance(value, str):
        return _UNPRINTABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def _flatten(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(f"{k}: {_flatten(v)}" for k, v in detail.items())
    return str(detail)


def _fields(detail) -> dict:
    if not isinstance(detail, dict):
        return {}
    return {
        name: [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
        if not isinstance(msgs, dict)
        else _fields(msgs)
        for name, msgs in detail.items()
    }


def api_exception_handler(exc, context):
    if isinstance(exc, WebhookUrlRefused):
        return Response(error_body(exc.code, exc.message, {"url": [exc.message]}), status=400)
    if isinstance(exc, RoomRuleError):
        body = error_body(exc.code, exc.api_message)
        if getattr(exc, "confirmable", False):
            body["error"]["confirmable"] = True
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        exc = exceptions.ValidationError(fields or {"non_field_errors": exc.messages})
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real fault: Django's 500 handling and the error log
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = _fields(detail) if isinstance(detail, dict) else {}
        if isinstance(detail, dict) and list(detail) == ["non_field_errors"]:
            message, fields = _flatten(detail["non_field_errors"]), {}
        elif fields:
            message = "Some fields are invalid: " + ", ".join(sorted(fields)) + "."
        else:
            message = _flatten(detail)
        response.data = error_body("invalid", message, fields)
        return response
    detail = getattr(exc, "detail", "")
    code = exc.get_codes() if hasattr(exc, "get_codes") else "error"
    if not isinstance(code, str):
        code = getattr(exc, "default_code", "error")
    response.data = error_body(code, _flatten(detail))
    return response
