"""The composition root: the one place the HTTP application is built.

`create_app(ledger)` is the factory `lookout serve` and the tests use. Everything the server
does is mounted here, in view: the JSON API routers (`api/`), the page routers (`web/`), the
background work that starts with the server (the scheduled sweep, the screening index warm-up)
and the error handlers. The ledger (database, key, clock, policy) is the only state, so several
workers can serve the same database. Errors become answers a person can act on: a page for
browsers, `{"error": ...}` for the API, with the status that says what happened (401 sign in,
403 role or CSRF, 404, 409 a control refused, 400 bad input).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from lookout_ledger import __version__
from lookout_ledger.api import disclosures as disclosures_api
from lookout_ledger.api import integrity as integrity_api
from lookout_ledger.api import lookouts as lookouts_api
from lookout_ledger.api import records_archive as records_archive_api
from lookout_ledger.api import routes as api_routes
from lookout_ledger.api import screening as screening_api
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound, Refusal
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.http.deps import CsrfRejected, Forbidden, NotSignedIn, csrf_guard, is_api
from lookout_ledger.http.idempotency import IdempotencyMiddleware
from lookout_ledger.http.openapi import document_errors
from lookout_ledger.http.security import SafeHeadersMiddleware, SessionSigner
from lookout_ledger.http.throttle import SigninThrottle
from lookout_ledger.jobs import sweep_forever, sweep_interval
from lookout_ledger.oversight.audit_cache import AuditCache
from lookout_ledger.screening.service import warm_index
from lookout_ledger.web import account_routes, auth_routes, dashboard, record_routes
from lookout_ledger.web.disclosures import liaison as disclosure_liaison_pages
from lookout_ledger.web.disclosures import routes as disclosure_pages
from lookout_ledger.web.lookouts import routes as lookout_pages
from lookout_ledger.web.records import routes as record_archive_pages
from lookout_ledger.web.render import STATIC_DIR, make_templates, page
from lookout_ledger.web.screening import routes as screening_pages

log = logging.getLogger("lookout_ledger.server")


def create_app(ledger: Ledger) -> FastAPI:
    app = FastAPI(
        title="Lookout Ledger",
        version=__version__,
        description="Lookouts, inspections, foreign disclosures and records, with the oversight audit of "
        "DHS OIG-21-62. Sign in with POST /api/session; send the returned csrf_token in the X-CSRF-Token "
        "header of every state-changing request.",
        docs_url=None,  # the interactive docs load scripts from a CDN, which the CSP forbids
        redoc_url=None,
        dependencies=[Depends(csrf_guard)],
    )
    app.state.ledger = ledger
    app.state.signer = SessionSigner(ledger.keyring.session_key)
    app.state.templates = make_templates()
    app.state.audit_cache = AuditCache()
    app.state.signin_throttle = SigninThrottle(slots=max(1, (os.cpu_count() or 2) - 1))
    app.add_middleware(IdempotencyMiddleware)  # inside the safe headers: a replay gets them too
    app.add_middleware(SafeHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        # sessions, for pages and API
        auth_routes.router,
        auth_routes.api_router,
        account_routes.router,
        account_routes.api_router,
        # the JSON API
        api_routes.router,
        lookouts_api.router,
        screening_api.router,
        disclosures_api.router,
        records_archive_api.router,
        integrity_api.router,
        # the pages
        dashboard.router,
        record_routes.router,
        lookout_pages.router,
        screening_pages.router,
        disclosure_pages.router,
        disclosure_liaison_pages.router,
        record_archive_pages.router,
    ):
        app.include_router(router)
    _install_error_handlers(app)
    document_errors(app)
    app.router.lifespan_context = _lifespan(app.router.lifespan_context)
    return app


def _lifespan(inner: Any) -> Any:
    """What starts and stops with the server: the scheduled sweep (every LOOKOUT_SWEEP_SECONDS,
    default 300; 0 turns it off) and the screening index, built while the server starts rather than
    on the first traveler's screening (a million lookouts take tens of seconds; a screening that
    arrives meanwhile waits for it; LOOKOUT_SCREENING_WARM=0 skips it)."""

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        if os.environ.get("LOOKOUT_SCREENING_WARM", "1") != "0":
            threading.Thread(target=warm_index, args=(a.state.ledger,), name="screening-index", daemon=True).start()
        interval = sweep_interval()
        task = asyncio.create_task(sweep_forever(a.state.ledger, interval)) if interval > 0 else None
        try:
            async with inner(a) as maybe_state:
                yield maybe_state
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return lifespan


def _error(request: Request, status: int, heading: str, message: str, **extra: object) -> Response:
    if is_api(request):
        return JSONResponse({"error": message, **extra}, status_code=status)
    return page(
        request,
        "error.html",
        {"title": heading, "heading": heading, "message": message, "status": status, **extra},
        status_code=status,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Refusal)
    async def refused(request: Request, exc: Refusal) -> Response:
        # Pages catch the refusals of their own forms and show them beside the values typed.
        return JSONResponse({"error": str(exc), "refusal": exc.as_dict()}, status_code=409)

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if is_api(request):
            return JSONResponse({"error": "sign in first: POST /api/session"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='/')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        needed = " or ".join(exc.roles)
        return _error(
            request,
            403,
            "Not allowed",
            f"This page needs the role {needed}. You are signed in as {exc.username}, who does not have it.",
            roles_needed=list(exc.roles),
        )

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        return _error(request, 403, "Request refused", f"Refused: {exc.reason}.")

    @app.exception_handler(AuthError)
    async def auth_error(request: Request, exc: AuthError) -> Response:
        return _error(request, 403, "Not allowed", str(exc))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, "Not found", str(exc))

    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, exc: LedgerError) -> Response:
        return _error(request, 400, "Cannot do that", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'request'}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        ]
        return _error(request, 422, "Invalid request", "; ".join(problems), problems=problems)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # No traceback reaches a user (#15): the answer carries a correlation id, and the server
        # log carries the same id with the traceback, so an operator finds the one from the other.
        correlation = secrets.token_hex(8)
        log.error("unexpected error %s on %s %s", correlation, request.method, request.url.path, exc_info=exc)
        response = _error(
            request,
            500,
            "Something went wrong",
            f"The ledger could not finish this request and recorded nothing of it. Error id {correlation}: "
            "give it to the administrator, who will find it in the server log.",
            correlation_id=correlation,
        )
        response.headers["X-Correlation-Id"] = correlation
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "There is no page at this address.", 405: "This address does not accept that method."}
        message = messages.get(exc.status_code, str(exc.detail))
        return _error(request, exc.status_code, "Not found" if exc.status_code == 404 else "Error", message)
