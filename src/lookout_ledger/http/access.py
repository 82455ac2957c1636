"""Who may call each route, read off the routes themselves.

Every page and API route states its roles in its dependency (`requires(...)`, or
`current_principal` for "anyone signed in, and the use case checks the rest"). This module lists
the app's routes with what each declares, for the generated table in `docs/security.md` and for
the access-control matrix test, which holds every route to a declaration made once and fails
when a route appears that nobody declared.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from lookout_ledger.http.deps import current_principal, optional_principal

PUBLIC = "public"
SIGNED_IN = "signed-in"


@dataclass(frozen=True)
class RouteAccess:
    method: str
    path: str
    api: bool
    needs: str | tuple[str, ...]  # PUBLIC, SIGNED_IN, or the roles of which one is needed
    summary: str


def _routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router (FastAPI keeps it lazily)
            yield from _routes(route.original_router.routes)


def _needs(dep: Dependant) -> str | tuple[str, ...]:
    found: str | tuple[str, ...] = PUBLIC
    for sub in dep.dependencies:
        roles = getattr(sub.call, "roles", None)
        if roles is not None:
            return tuple(roles)
        if sub.call is current_principal:
            found = SIGNED_IN
        elif sub.call is not optional_principal:
            deeper = _needs(sub)
            if deeper != PUBLIC:
                return deeper
    return found


def route_access(app: FastAPI) -> list[RouteAccess]:
    """Every route of `app` with the access it declares, in path order."""
    out = []
    for route in _routes(app.routes):
        for method in sorted((route.methods or set()) - {"HEAD"}):
            api = route.path.startswith("/api")
            out.append(RouteAccess(method, route.path, api, _needs(route.dependant), route.summary or route.name))
    return sorted(out, key=lambda r: (r.path, r.method))


ROLE_ORDER = (
    "lookout_owner",
    "supervisor",
    "counsel",
    "port_officer",
    "liaison_officer",
    "records_officer",
    "auditor",
    "admin",
)
SHORT = {"lookout_owner": "owner", "port_officer": "port", "liaison_officer": "liaison", "records_officer": "records"}


def markdown_table(app: FastAPI) -> str:
    """Routes × roles, as docs/security.md prints it: ● may call, · refused with 403 naming the role;
    "signed in" rows let every signed-in user in and the use case checks the rest."""
    head = "| method | path | " + " | ".join(SHORT.get(r, r) for r in ROLE_ORDER) + " |"
    rows = [head, "|---|---|" + "---|" * len(ROLE_ORDER)]
    for r in route_access(app):
        if isinstance(r.needs, str):
            cells = [("public" if r.needs == PUBLIC else "signed in")] + [""] * (len(ROLE_ORDER) - 1)
        else:
            cells = ["●" if role in r.needs else "·" for role in ROLE_ORDER]
        rows.append(f"| {r.method} | `{r.path}` | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"
