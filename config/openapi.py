"""What the OpenAPI schema says beyond the views: the token scheme, the one error body, every code.

`postprocess_schema` (a drf-spectacular post-processing hook) adds
- `components.schemas.Error`: the body of every failure, `{"error": {"code", "message", "detail"}}`,
  whose `code` lists every registered code (config.errors.registered_codes) with its description;
- `components.schemas.RefusalReason` and the like: one enumeration per registered app;
- the error responses every operation can give (400, 401, 403, 404, 409, 429, 503), pointing at
  Error, wherever the view did not declare its own.
The token scheme itself is `accounts.schema.ApiTokenScheme`.
"""

from __future__ import annotations

from typing import Any

from config.errors import registered_codes

ERROR_RESPONSES = {
    "400": "The request is invalid; `code` says how (e.g. validation_failed, malformed_json).",
    "401": "No valid API token (not_authenticated, invalid_token).",
    "403": "Authenticated, but not allowed (permission_denied, or an app's refusal code).",
    "404": "No such object, or not one you may see (not_found).",
    "409": "The request conflicts with the current state (conflict, or an app's code).",
    "429": "Too many requests (throttled); see Retry-After.",
    "503": "A service the request needs is down; nothing was changed (see Retry-After).",
}


def _enum_name(app: str) -> str:
    return {"config": "ErrorCode"}.get(app, f"{app.title()}Code")


def error_schemas() -> dict[str, Any]:
    codes = registered_codes()
    every = sorted({code for app_codes in codes.values() for code in app_codes})
    described = "\n".join(
        f"- `{code}`: {description}" for app_codes in codes.values() for code, description in app_codes.items()
    )
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message", "detail"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "description": "A stable machine code: branch on it, never on the message.\n" + described,
                            "example": "validation_failed",
                            "x-known-codes": every,
                        },
                        "message": {"type": "string", "description": "For people; may change."},
                        "detail": {"type": "object", "additionalProperties": True},
                    },
                }
            },
        }
    }
    for app, app_codes in codes.items():
        schemas[_enum_name(app)] = {
            "type": "string",
            "enum": list(app_codes),
            "description": "\n".join(f"- `{code}`: {text}" for code, text in app_codes.items()),
        }
    return schemas


def postprocess_schema(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {}).update(error_schemas())
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status_code, description in ERROR_RESPONSES.items():
                operation["responses"].setdefault(status_code, {"description": description, "content": reference})
    return result
