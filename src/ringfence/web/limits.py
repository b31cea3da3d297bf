"""The body guard: a request's body is read only by a caller who may send it, and only up to
its route's limit (docs/api.md, "Limits").

FastAPI reads (and parses, and spools to disk) a body before it resolves the route's
dependencies, the API key among them: without this guard, 200 MB sent without a key are read
whole before the 401. The guard wraps ``receive``; on its first call (the router has chosen the
route by then, so the route is known) it refuses

- a route that needs an API key when the request carries none (401 ``missing_api_key``), and a
  signed-in page (``/console``, ``/portal``) posted without a session (401
  ``sign_in_required``), before a byte is read;
- a body whose ``Content-Length`` passes the route's limit (413 ``body_too_large``), before a
  byte is read; a chunked body is counted as it arrives and refused as soon as it passes.

A request that carries a key or a session has its body read up to the limit and the key checked
afterwards, as before. Starlette's ``RequestBodyLimitMiddleware`` does the counting too, but sees
no route (so no per-route limit and no key check before the body), and it replaces any answer to
a request whose declared length is too large, a 401 included, with a plain-text 413.
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ringfence.core.errors import PayloadTooLarge, RingfenceError, Unauthenticated
from ringfence.web import session as cookies
from ringfence.web.deps import get_principal, has_api_key, missing_api_key
from ringfence.web.error_codes import ErrorCode

# Routes that take a batch of listings or a file: their limit is RINGFENCE_MAX_UPLOAD_BYTES.
UPLOAD_ROUTES = frozenset(
    {
        "/v1/screen",
        "/v1/cases/screen",
        "/v1/cases/{case_id}/evidence",
        "/v1/cases/{case_id}/counter-notice/evidence",
        "/console/screen",
        "/console/cases/{case_id}/evidence",
    }
)
SIGNED_IN_PAGES = ("/console", "/portal")  # every page under these needs a signed-in user
_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


class Refused(HTTPException):
    """A request refused from inside ``receive``. An HTTP exception, because FastAPI passes
    only those through its body reading (it turns any other error there into a 400); the
    error handler answers it as the ``error`` it carries (web/errors.py)."""

    def __init__(self, error: RingfenceError) -> None:
        super().__init__(error.status_code, error.msg)
        self.error = error


def _needs_api_key(route: Any, cache: dict[int, bool]) -> bool:
    if not isinstance(route, APIRoute):
        return False
    known = cache.get(id(route))
    if known is None:
        stack, known = [route.dependant], False
        while stack and not known:
            dependant = stack.pop()
            known = dependant.call is get_principal
            stack.extend(dependant.dependencies)
        cache[id(route)] = known
    return known


class BodyGuard:
    """Plain ASGI, like the metrics middleware: no extra task or stream per request."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self._key_routes: dict[int, bool] = {}

    def limit(self, route: Any) -> int:
        path = getattr(route, "path", None)
        return self.max_upload_bytes if path in UPLOAD_ROUTES else self.max_body_bytes

    def _first_check(self, scope: Scope, headers: Headers) -> int:
        """The route's limit, after refusing what may not send a body at all."""
        route = scope.get("route")
        if not has_api_key(headers) and _needs_api_key(route, self._key_routes):
            raise Refused(missing_api_key())
        path = getattr(route, "path", "")
        signed_in = cookies.SESSION in cookie_parser(headers.get("cookie", ""))
        if path.startswith(SIGNED_IN_PAGES) and not signed_in:
            raise Refused(
                Unauthenticated("sign in to see this page", code=ErrorCode.SIGN_IN_REQUIRED)
            )
        limit = self.limit(route)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise Refused(_too_large(limit))
        return limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _BODILESS:
            await self.app(scope, receive, send)
            return
        limit = -1  # not checked yet
        received = 0

        async def guarded_receive() -> Message:
            nonlocal limit, received
            if limit < 0:
                limit = self._first_check(scope, Headers(scope=scope))
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise Refused(_too_large(limit))
            return message

        await self.app(scope, guarded_receive, send)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the request body is larger than the {limit} bytes this route accepts",
        code=ErrorCode.BODY_TOO_LARGE,
    )
