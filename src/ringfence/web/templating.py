"""The Jinja2 environment of the HTML pages (autoescaped, with the gettext extension) and the
one function that renders a template in the request's language."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from ringfence.core.money import MINOR_UNITS
from ringfence.web import i18n

# Every page: only this site's own scripts, styles and forms; images also from data: URIs (the
# QR sheet); never framed (clickjacking).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ringfence.web", "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = money
    env.filters["when"] = when
    return env


@pass_context
def money(context: Context, minor: int, currency: str) -> str:
    """An amount in minor units, written the way the page's language writes money
    (``€29.00``, ``29,00 €``): exact, from a Decimal, never a float."""
    amount = Decimal(minor).scaleb(-MINOR_UNITS.get(currency, 2))
    locale = str(context.get("lang", i18n.DEFAULT)).replace("-", "_")
    return format_currency(amount, currency, locale=locale)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def language_of(request: Request) -> str:
    return i18n.choose(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    lang: str,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` with the gettext functions of ``lang``."""
    translations = i18n.translations(lang)
    values = {
        "request": request,
        "lang": lang,
        "languages": {tag: name for tag, (_, name) in i18n.LANGUAGES.items()},
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
        "_": translations.gettext,
        "path": request.url.path,
        "full_path": request.url.path + (("?" + request.url.query) if request.url.query else ""),
        **context,
    }
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
