"""Templates and the small formatting vocabulary pages share.

Autoescaping is on for every template: record text comes from other agencies' exports and
officials' free text, and must never become markup. Times are shown as the official saw them
(the offset they were recorded with), because the review compares local times of crossings,
inspections and e-mails.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import Response

from lookout_ledger.core.auth import ROLE_DESCRIPTIONS, Role
from lookout_ledger.http.deps import optional_principal
from lookout_ledger.http.security import CSRF_FIELD, CSRF_HEADER
from lookout_ledger.web.navigation import nav_links

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

REQUIREMENT_LABELS = {
    "advisement": ("Advisement", "Advise in writing to keep information confidential and use only for the purpose"),
    "marking": ("Sensitivity marking", "Mark with sensitivity notations"),
    "channel": ("Allowed channel", "Share only between government e-mail accounts, in person, or by telephone"),
    "encryption": ("Encryption", "Encrypt sensitive information"),
    "record": ("Record kept", "Maintain a record of requests, disclosures and the supporting law enforcement reason"),
    "retention": ("Retention", "Retain disclosures and related Federal records"),
}

# The symbols of Appendix C of the review, with words for screen readers and for print.
STATUS_CHIPS = {
    "compliant": ("✓", "Compliant", "ok"),
    "non_compliant": ("X", "Non-compliant", "bad"),
    "unknown": ("Unknown", "Unknown", "unknown"),
    "not_applicable": ("N/A", "Not applicable", "na"),
}


def when(value: str | None, empty: str = "not recorded") -> str:
    """'2018-12-10T14:03:00-08:00' -> '2018-12-10 14:03 (UTC−08:00)'; seconds only when set."""
    if not value:
        return empty
    date_part, rest = value[:10], value[11:]
    clock = rest[:8]
    if clock.endswith(":00"):
        clock = clock[:5]
    offset = value[-6:] if value[-6] in "+-" else "+00:00"
    return f"{date_part} {clock} (UTC{offset.replace('-', '−')})"


def day(value: str | None) -> str:
    return value[:10] if value else ""


def yesno(value: bool | None, yes: str = "Yes", no: str = "No", unknown: str = "Not recorded") -> str:
    return unknown if value is None else (yes if value else no)


def official(ref: dict[str, Any] | None, empty: str = "nobody recorded") -> str:
    if not ref:
        return empty
    return f"{ref['name']} ({ref['id']})" if ref.get("name") else str(ref["id"])


def words(value: str | None) -> str:
    return (value or "").replace("_", " ")


def make_templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=when, day=day, yesno=yesno, official=official, words=words)
    env.globals.update(
        REQUIREMENT_LABELS=REQUIREMENT_LABELS,
        STATUS_CHIPS=STATUS_CHIPS,
        ROLE_DESCRIPTIONS={str(k): v for k, v in ROLE_DESCRIPTIONS.items()},
        CSRF_FIELD=CSRF_FIELD,
        urlencode=urlencode,
        nav_links=nav_links,
    )
    return Jinja2Templates(env=env)


def page(request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    """Render a page with what the layout needs: the principal and their CSRF token."""
    principal = optional_principal(request)
    ctx: dict[str, Any] = {
        "principal": principal,
        "csrf": principal.csrf if principal else "",
        "csrf_headers": {CSRF_HEADER: principal.csrf} if principal else {},
        "roles_all": [r.value for r in Role],
        "title": "",
    }
    ctx.update(context or {})
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)


def capability_templates(*template_dirs: Path) -> Callable[[], Jinja2Templates]:
    """Templates for a capability's pages: its own folders first, then the shared layout and
    filters, built once on first use so importing a routes module stays cheap."""

    @cache
    def templates() -> Jinja2Templates:
        shared = make_templates()
        own = [FileSystemLoader(str(d)) for d in template_dirs]
        shared.env.loader = ChoiceLoader([*own, shared.env.loader])  # type: ignore[list-item]
        return shared

    return templates


def principal_context(principal: Any) -> dict[str, Any]:
    """What the layout needs about the signed-in user on every capability page."""
    return {"principal": principal, "csrf": principal.csrf, "csrf_headers": {CSRF_HEADER: principal.csrf}}
