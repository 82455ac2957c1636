"""The OpenAPI document says every status an operation can answer, not only 200.

Every API route can answer 401 (not signed in), 403 (a role, unit or ownership it lacks, or a
CSRF token missing), 404 (no such record), 400 (a value the use case refuses), 409 (a control
refused, with its rule), 422 (the request does not match its schema) and 429/503 where said:
the exception handlers in `server.py` make them, in one shape (`Error`). A client, and the
`make fuzz` run that holds the API to its document, can rely on that list.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong, in words"},
        "refusal": {
            "type": "object",
            "description": "For 409: the control's rule id, reason, remedy and citation",
            "additionalProperties": True,
        },
        "problems": {"type": "array", "items": {"type": "string"}, "description": "For 422: field by field"},
        "roles_needed": {"type": "array", "items": {"type": "string"}, "description": "For 403: any one of these"},
        "retry_after": {"type": "integer", "description": "For 429: seconds to wait"},
    },
    "additionalProperties": True,
}
COMMON = {
    "400": "A value the use case refuses (the message names the field)",
    "401": "Not signed in: POST /api/session first",
    "403": "Signed in without the role, unit or ownership this needs, or without the CSRF token",
    "404": "No such record",
    "409": "A control refused the action (see `refusal`)",
    "422": "The request does not match its schema (see `problems`)",
}
PUBLIC = {"/api/session"}  # signing in needs no session


def document_errors(app: FastAPI) -> None:
    """Replace `app.openapi` with one that adds the common error answers to every API operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        doc.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for path, item in doc.get("paths", {}).items():
            if not path.startswith("/api"):
                continue
            for method, op in item.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                for status, description in COMMON.items():
                    if status == "401" and path in PUBLIC and method == "post":
                        continue
                    op["responses"][status] = {"description": description, **ref}
                for status, answer in op["responses"].items():
                    if status.startswith(("4", "5")) and "content" not in answer:
                        answer.update(ref)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
