"""The one place that turns errors into HTTP responses: ``{"detail": [{code, msg, loc}]}``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringfence.core.errors import RateLimited, RingfenceError
from ringfence.web import messages
from ringfence.web.limits import Refused
from ringfence.web.templating import language_of, render


class ErrorItem(BaseModel):
    code: str = Field(
        description="Machine-readable, stable: what went wrong.", examples=["not_found"]
    )
    msg: str = Field(description="For people; may change between versions.")
    loc: list[str | int] = Field(
        description="Where in the request: a body field's path, a query or path parameter, or "
        "empty for the request as a whole."
    )


class ErrorBody(BaseModel):
    """Every error answer of the API (docs/api.md, "Errors")."""

    detail: list[ErrorItem] = Field(min_length=1)


_ERRORS = {
    400: "The body cannot be parsed at all: truncated multipart, bad encoding (http_error).",
    401: "No API key, or an unknown, expired or revoked one (missing_api_key, invalid_api_key).",
    403: "The caller's role may not do this (forbidden_role...).",
    404: "No such resource, or one the caller may not see (not_found).",
    409: "The change conflicts with the current state (conflict, invalid_transition...).",
    413: "The request body is larger than the route accepts (body_too_large).",
    422: "The request is malformed: invalid_<type> per field, or a domain code.",
    429: "Too many requests from this client; see Retry-After (rate_limited).",
    503: "The database is busy or down; retry after Retry-After (database_unavailable).",
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in _ERRORS.items()
}
"""The error answers every operation documents, all with one body: ``ErrorBody``."""


def _body(details: list[dict[str, Any]]) -> dict[str, Any]:
    return {"detail": details}


def _wants_html(request: Request) -> bool:
    """A page's error is a page: routes tagged "pages", or an unmatched path a browser asked
    for. The JSON API keeps its JSON errors."""
    route = request.scope.get("route")
    if route is not None:
        return "pages" in (getattr(route, "tags", None) or [])
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(
        "/v1/"
    )


def _html(request: Request, status: int, code: str, msg: str) -> Response:
    if status == 401 and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
    lang = language_of(request)
    explanation = messages.explain(code, status, lang)
    context = {
        "status": status,
        "code": code,
        "msg": msg,
        # The service's own text is English, for developers: shown, marked as English, when
        # the code has no sentence of its own or the sentence cannot say which field it was.
        "explanation": explanation,
        "show_detail": bool(msg) and (not messages.known(code) or code == "invalid_input"),
        "user": None,
        "nav": [],
        "csrf_token": "",
    }
    return render(request, "error.html", context, lang=lang, status_code=status)


async def _ringfence(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RingfenceError)
    if _wants_html(request):
        first = exc.details[0]
        page = _html(request, exc.status_code, first.code, first.msg)
        if isinstance(exc, RateLimited):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(
        _body([{"code": d.code, "msg": d.msg, "loc": list(d.loc)} for d in exc.details]),
        status_code=exc.status_code,
        headers=headers,
    )


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _wants_html(request):
        err = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query"))
        return _html(request, 422, "invalid_input", f"{where}: {err.get('msg', 'invalid')}")
    details = []
    for err in exc.errors():
        loc = [p for p in err.get("loc", ()) if p != "body"] or list(err.get("loc", ()))
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        details.append({"code": "invalid_" + str(err.get("type", "value")), "msg": msg, "loc": loc})
    return JSONResponse(_body(details), status_code=422)


async def _refused(request: Request, exc: Exception) -> Response:
    """A request the body guard refused before or while its body was read (web/limits.py)."""
    assert isinstance(exc, Refused)
    return await _ringfence(request, exc.error)


async def _integrity(request: Request, exc: Exception) -> Response:
    if _wants_html(request):
        return _html(request, 409, "conflict", "the change conflicts with existing data")
    return JSONResponse(
        _body([{"code": "conflict", "msg": "the change conflicts with existing data", "loc": []}]),
        status_code=409,
    )


async def _bad_value(request: Request, exc: Exception) -> Response:
    # The database refused a value the request carried (a NUL character in a text, a number out
    # of its column's range): the request's fault, and nothing was changed.
    msg = "a value in the request cannot be stored or searched for (control character, range)"
    if _wants_html(request):
        return _html(request, 422, "invalid_value", msg)
    return JSONResponse(
        _body([{"code": "invalid_value", "msg": msg, "loc": []}]),
        status_code=422,
    )


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    # The database is down, locked past its busy timeout or refusing connections: the request
    # changed nothing and may be retried.
    return JSONResponse(
        _body([{"code": "database_unavailable", "msg": "the database is busy or down", "loc": []}]),
        status_code=503,
        headers={"Retry-After": "1"},
    )


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    if _wants_html(request):
        return _html(request, exc.status_code, code, str(exc.detail))
    return JSONResponse(
        _body([{"code": code, "msg": str(exc.detail), "loc": []}]),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RingfenceError, _ringfence)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(DataError, _bad_value)
    app.add_exception_handler(OperationalError, _unavailable)
    app.add_exception_handler(PoolTimeout, _unavailable)  # no pooled connection came free
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Refused, _refused)
