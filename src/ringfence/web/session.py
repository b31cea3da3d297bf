"""Browser state for the HTML pages: signed cookies, the signed-in user and CSRF tokens.

- ``rf_session``: the web session token (signed, HttpOnly, SameSite=Lax, Secure outside
  development); the database keeps only its hash (``auth.models.WebSession``).
- ``rf_visitor``: a random id (signed) for visitors who have not signed in, so that their forms
  (cart, checkout, report a fake) carry a CSRF token too.
- ``rf_cart`` and ``rf_orders``: the guest's cart and the orders this browser placed, signed so
  that they cannot be edited or forged; an order id in ``rf_orders`` is what lets a guest see
  that order.

The CSRF token is session-bound: an HMAC of the session token (or the visitor id) under the
server secret, sent as a hidden ``csrf_token`` field and compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from fastapi import Request, Response

from ringfence.core.security import constant_time_equals
from ringfence.core.settings import Environment, Settings

SESSION = "rf_session"
VISITOR = "rf_visitor"
CART = "rf_cart"
ORDERS = "rf_orders"
CSRF_FIELD = "csrf_token"
MAX_ORDERS = 20  # orders remembered per browser


def _key(settings: Settings, purpose: str) -> bytes:
    secret = settings.secret_key.get_secret_value().encode()
    return hmac.new(secret, f"ringfence-web:{purpose}".encode(), hashlib.sha256).digest()


def _mac(settings: Settings, purpose: str, value: str) -> str:
    digest = hmac.new(_key(settings, purpose), value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(settings: Settings, name: str, value: str) -> str:
    """``value.mac``: the value stays readable; the MAC binds it to the cookie's name."""
    return f"{value}.{_mac(settings, 'cookie:' + name, value)}"


def unsign(settings: Settings, name: str, signed: str | None) -> str | None:
    """The value of a correctly signed cookie, None for a missing or tampered one."""
    if not signed or "." not in signed:
        return None
    value, _, mac = signed.rpartition(".")
    if not constant_time_equals(mac, _mac(settings, "cookie:" + name, value)):
        return None
    return value


def csrf_token(settings: Settings, binding: str) -> str:
    return _mac(settings, "csrf", binding)


def csrf_ok(settings: Settings, binding: str | None, token: str | None) -> bool:
    if not binding or not token:
        return False
    return constant_time_equals(token, csrf_token(settings, binding))


def new_visitor_id() -> str:
    return secrets.token_urlsafe(16)


def set_cookie(
    response: Response,
    settings: Settings,
    name: str,
    value: str | None,
    *,
    max_age: int | None = None,
    http_only: bool = True,
) -> None:
    """Set (signed) or delete a cookie with the house attributes."""
    if value is None:
        response.delete_cookie(name, path="/")
        return
    response.set_cookie(
        name,
        sign(settings, name, value),
        max_age=max_age,
        path="/",
        httponly=http_only,
        samesite="lax",
        secure=settings.environment is not Environment.development,
    )


def read(request: Request, settings: Settings, name: str) -> str | None:
    return unsign(settings, name, request.cookies.get(name))


def read_json(request: Request, settings: Settings, name: str, default: Any) -> Any:
    raw = read(request, settings, name)
    if raw is None:
        return default
    try:
        return json.loads(base64.urlsafe_b64decode(raw.encode() + b"==").decode())
    except ValueError:
        return default


def encode_json(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
