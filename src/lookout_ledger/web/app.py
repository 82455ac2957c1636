"""The web application: pages and the JSON API over one ledger.

`create_app(ledger)` is the factory `lookout serve` and the tests use; the ledger (database,
key, clock, policy) is the only state, so several workers can serve the same database.
Errors become answers a person can act on: a page for browsers, `{"error": ...}` for the API,
with the status that says what happened (401 sign in, 403 role or CSRF, 404, 400 bad input).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from lookout_ledger import __version__
from lookout_ledger.api import disclosures as disclosures_api
from lookout_ledger.api import lookouts as lookouts_api
from lookout_ledger.api import records_archive as records_archive_api
from lookout_ledger.api import routes as api_routes
from lookout_ledger.api import screening as screening_api
from lookout_ledger.api.audit_cache import AuditCache
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.web import auth_routes, dashboard, record_routes
from lookout_ledger.web.deps import CsrfRejected, Forbidden, NotSignedIn, csrf_guard, is_api
from lookout_ledger.web.render import make_templates, page
from lookout_ledger.web.security import SafeHeadersMiddleware, SessionSigner

STATIC_DIR = Path(__file__).parent / "static"


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
    app.add_middleware(SafeHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(auth_routes.router)
    app.include_router(auth_routes.api_router)
    app.include_router(dashboard.router)
    app.include_router(record_routes.router)
    app.include_router(api_routes.router)
    lookouts_api.install(app)  # lifecycle API, pages and the scheduled sweep
    records_archive_api.install(app)  # records archive API and pages
    disclosures_api.install(app)  # foreign disclosures API and pages
    screening_api.install(app)  # screening, inspections, device searches, redress
    _install_error_handlers(app)
    return app


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

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "There is no page at this address.", 405: "This address does not accept that method."}
        message = messages.get(exc.status_code, str(exc.detail))
        return _error(request, exc.status_code, "Not found" if exc.status_code == 404 else "Error", message)
