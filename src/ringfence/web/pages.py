"""The pages every visitor shares: home, sign-in and sign-out, the language switch. (The
verify form is the authenticity pages' own: web/authenticity/pages.py.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from ringfence.auth.service import SESSION_DAYS, sign_in, sign_out
from ringfence.core.errors import InvalidInput, Unauthenticated
from ringfence.core.security import Role
from ringfence.web import i18n
from ringfence.web import session as cookies
from ringfence.web.clients import client_address
from ringfence.web.error_codes import ErrorCode
from ringfence.web.page import PageDep
from ringfence.web.ratelimit import RateLimiter

router = APIRouter(include_in_schema=False, tags=["pages"], default_response_class=HTMLResponse)

HOMES = {
    Role.admin: "/console",
    Role.rights_holder: "/console",
    Role.marketplace: "/console/notices",
    Role.licensee: "/portal",
}


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/")
def home(page: PageDep) -> Response:
    return page.render("home.html", title=page._("Olympic brand protection and official shop"))


@router.get("/login")
def login_form(page: PageDep, next: Annotated[str | None, Query()] = None) -> Response:
    return page.render("login.html", title=page._("Sign in"), next=_safe_next(next) or "")


@router.post("/login")
def login(
    page: PageDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    limiter: RateLimiter = page.request.app.state.sign_in_limiter
    limiter.hit(client_address(page.request))
    try:
        token, who = sign_in(page.db, email=email, password=password)
    except Unauthenticated:
        return page.render(
            "login.html",
            status_code=401,
            title=page._("Sign in"),
            next=_safe_next(next) or "",
            email=email,
            error=page._("Wrong e-mail or password."),
        )
    page.set_cookie(cookies.SESSION, token, max_age=SESSION_DAYS * 24 * 3600)
    return page.redirect(_safe_next(next) or HOMES[who.principal.role])


@router.post("/logout")
def logout(page: PageDep) -> Response:
    if page.session_token:
        sign_out(page.db, page.session_token)
    page.set_cookie(cookies.SESSION, None)
    return page.redirect("/")


@router.post("/lang")
def switch_language(
    page: PageDep,
    lang: Annotated[str, Form(max_length=16)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    if lang not in i18n.LANGUAGES:
        raise InvalidInput(
            f"{lang!r} is not a language of this site", code=ErrorCode.UNKNOWN_LANGUAGE
        )
    response = page.redirect(_safe_next(next) or "/")
    # Not signed: a language choice is no secret, and it is read before any other cookie.
    response.set_cookie(i18n.COOKIE, lang, max_age=365 * 24 * 3600, path="/", samesite="lax")
    return response
