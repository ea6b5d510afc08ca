"""OpenAPI: the API-key security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "hotelpbx.partners.auth.PartnerKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, a key made with `manage.py create_api_key`. "
            "Each operation names the scope it needs.",
        }


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable, for programs: e.g. room_not_ready."},
                "message": {"type": "string", "description": "For people: what went wrong and what to do."},
                "fields": {
                    "type": "object",
                    "description": "Per invalid field, its messages (nested objects for nested fields).",
                    "additionalProperties": True,
                },
                "confirmable": {"type": "boolean", "description": "Sent again with confirm_not_ready: true."},
            },
        }
    },
    "example": {
        "error": {
            "code": "room_not_ready",
            "message": "Room 101 is dirty. Choose a ready room.",
            "fields": {},
        },
    },
}

ERRORS = {
    "400": "Invalid input: `fields` names each invalid field (code `invalid`; an unknown field too), a "
    "malformed body (`parse_error`), or a webhook URL it may not reach (`webhook_url_not_allowed`).",
    "401": "No key, an unknown, revoked or expired key (`not_authenticated`, `authentication_failed`).",
    "403": "The key lacks the operation's scope (`permission_denied`).",
    "404": "No such object for this client (`not_found`).",
    "405": "Method not allowed (`method_not_allowed`).",
    "409": "A hotel rule refused the change (`room_not_ready`, `room_not_available`, `room_held`, "
    "`overbooked`, `stay_state`, `invalid_transition`, `rule_violation`, `external_id_taken`, "
    "`wakeup_refused`, `billing_rule`) or an "
    "Idempotency-Key still in flight (`idempotency_in_flight`).",
    "413": "The body is too large.",
    "415": "Send JSON (`unsupported_media_type`).",
    "422": "The Idempotency-Key was used for another request (`idempotency_key_reused`).",
    "429": "Too many requests for this key (`throttled`); retry after the Retry-After header.",
}
READ_ERRORS = ("400", "401", "403", "404", "405", "429")

# Every write honours it (PartnerAPIMixin), so every write's schema says so, whatever its view declares.
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Any unique string (e.g. a UUID). The same key with the same body returns the stored "
    "answer; with another body 422; while the first is running 409. Kept 24 hours.",
}


def add_error_responses(result, generator, request, public):
    """Every operation lists the errors it can answer, all in the one error shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            if "security" not in operation:
                continue  # public (ping): answers no key, scope or input errors
            codes = READ_ERRORS if method == "get" else tuple(ERRORS)
            parameters = operation.setdefault("parameters", [])
            if method != "get" and not any(p.get("name") == "Idempotency-Key" for p in parameters):
                parameters.insert(0, dict(IDEMPOTENCY_PARAMETER))
            for code in codes:
                operation["responses"].setdefault(
                    code,
                    {
                        "description": ERRORS[code],
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result


def forbid_unknown_fields(result, generator, request, public):
    """Request bodies say what the serializers do (serializers.Input): a field not listed is a 400."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
        elif component.get("description", "").startswith("A request body:"):
            # an input serializer also used in an answer (the stay's guest): its docstring is not about it
            del component["description"]
    return result


# One request example per write operation (the PATCH of a stay has its own, in views.py), the same
# journey as docs/api.md, so a client written from the schema alone sees a body that works.
REQUEST_EXAMPLES = {
    "rooms_partial_update": {
        "Out of order with a reason": {
            "status": "out_of_order",
            "reason": "Leaking shower",
            "until": "2030-05-03",
        },
        "Clean, do not disturb off": {"status": "clean", "dnd": False},
    },
    "stays_create": {
        "Reserve a room type": {
            "external_id": "R-1001",
            "guest": {"first_name": "Ada", "last_name": "Lovelace", "language": "fr", "vip": True},
            "arrival": "2030-05-01",
            "departure": "2030-05-03",
            "room_type": "STD",
            "phone_class": "international",
            "notes": "Late arrival",
        },
    },
    "stays_check_in_create": {"Into room 101": {"room": "101"}, "Into the reserved room": {}},
    "stays_check_out_create": {"Early": {"early_departure_reason": "Flight moved"}, "On the day": {}},
    "stays_move_create": {"To room 102": {"to_room": "102", "reason": "Noise"}},
    "stays_cancel_create": {"With a reason": {"reason": "Guest cancelled by phone"}},
    "stays_postings_create": {
        "Minibar": {"minibar_item": "1045", "quantity": 2},
        "A service": {"amount": "12.50", "description": "Laundry", "tax_rate": "19"},
    },
    "wakeups_create": {
        "Once": {"stay": 42, "date": "2030-05-02", "time": "06:30"},
        "Every weekday morning": {
            "stay": 42,
            "date": "2030-05-02",
            "time": "06:30",
            "recurrence": "weekdays",
            "weekdays": [0, 1, 2, 3, 4],
        },
    },
    "wakeups_partial_update": {"Half an hour later": {"date": "2030-05-02", "time": "07:00"}},
    "webhooks_create": {
        "Check-ins and check-outs": {
            "url": "https://pms.example.com/hooks/hotelpbx",
            "event_types": ["stay.checked_in", "stay.checked_out"],
        },
    },
    "webhooks_partial_update": {"Resume a disabled endpoint": {"is_active": True}},
}


def add_request_examples(result, generator, request, public):
    for path in result.get("paths", {}).values():
        for operation in path.values():
            examples = REQUEST_EXAMPLES.get(
                operation.get("operationId") if isinstance(operation, dict) else None
            )
            body = (
                operation.get("requestBody", {}).get("content", {}).get("application/json")
                if examples
                else None
            )
            if body is not None and "examples" not in body:
                body["examples"] = {
                    "".join(word.capitalize() for word in summary.split()): {
                        "summary": summary,
                        "value": value,
                    }
                    for summary, value in examples.items()
                }
    return result
