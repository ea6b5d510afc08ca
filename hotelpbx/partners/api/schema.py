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
    "`overbooked`, `stay_state`, `invalid_transition`, `rule_violation`, `external_id_taken`) or an "
    "Idempotency-Key still in flight (`idempotency_in_flight`).",
    "413": "The body is too large.",
    "415": "Send JSON (`unsupported_media_type`).",
    "422": "The Idempotency-Key was used for another request (`idempotency_key_reused`).",
    "429": "Too many requests for this key (`throttled`); retry after the Retry-After header.",
}
READ_ERRORS = ("400", "401", "403", "404", "405", "429")


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
    return result
