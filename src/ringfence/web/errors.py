"""The one place that turns errors into HTTP responses: ``{"detail": [{code, msg, loc}]}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringfence.core.errors import RateLimited, RingfenceError


def _body(details: list[dict[str, Any]]) -> dict[str, Any]:
    return {"detail": details}


async def _ringfence(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RingfenceError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(
        _body([{"code": d.code, "msg": d.msg, "loc": list(d.loc)} for d in exc.details]),
        status_code=exc.status_code,
        headers=headers,
    )


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        loc = [p for p in err.get("loc", ()) if p != "body"] or list(err.get("loc", ()))
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        details.append({"code": "invalid_" + str(err.get("type", "value")), "msg": msg, "loc": loc})
    return JSONResponse(_body(details), status_code=422)


async def _integrity(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        _body([{"code": "conflict", "msg": "the change conflicts with existing data", "loc": []}]),
        status_code=409,
    )


async def _bad_value(_: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the request carried (a NUL character in a text, a number out
    # of its column's range): the request's fault, and nothing was changed.
    msg = "a value in the request cannot be stored or searched for (control character, range)"
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


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
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
