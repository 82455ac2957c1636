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
