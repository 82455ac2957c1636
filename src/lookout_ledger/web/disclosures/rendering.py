"""How the disclosure pages render: their own template folder ahead of the app's, and the
context every disclosure page needs (principal, CSRF token, an optional refusal or error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from lookout_ledger.http.deps import Principal
from lookout_ledger.web.render import capability_templates, principal_context

templates = capability_templates(Path(__file__).parent / "templates")


def page(request: Request, p: Principal, template: str, ctx: dict[str, Any], status: int = 200) -> Response:
    base = {
        **principal_context(p),
        "title": "",
        "refusal": None,
        "error": None,
    }
    return templates().TemplateResponse(request, template, {**base, **ctx}, status_code=status)
