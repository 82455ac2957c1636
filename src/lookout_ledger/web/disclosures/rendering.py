"""How the disclosure pages render: their own template folder ahead of the app's, and the
context every disclosure page needs (principal, CSRF token, an optional refusal or error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

from lookout_ledger.web.deps import Principal
from lookout_ledger.web.render import make_templates
from lookout_ledger.web.security import CSRF_HEADER

_templates: Jinja2Templates | None = None


def templates() -> Jinja2Templates:
    global _templates
    if _templates is None:
        _templates = make_templates()
        env = _templates.env
        env.loader = ChoiceLoader([FileSystemLoader(str(Path(__file__).parent / "templates")), env.loader])  # type: ignore[list-item]
    return _templates


def page(request: Request, p: Principal, template: str, ctx: dict[str, Any], status: int = 200) -> Response:
    base = {
        "principal": p,
        "csrf": p.csrf,
        "csrf_headers": {CSRF_HEADER: p.csrf},
        "title": "",
        "refusal": None,
        "error": None,
    }
    return templates().TemplateResponse(request, template, {**base, **ctx}, status_code=status)
