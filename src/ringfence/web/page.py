"""What every HTML page shares: the ``PageDep`` dependency (the database session, the language,
the signed-in user, the CSRF check of every form post) and the Page's render and redirect,
which also write the cookies the request changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ringfence.auth.service import SignedIn, session_user
from ringfence.core.audit import act_as, principal_actor
from ringfence.core.db import reading
from ringfence.core.errors import Forbidden, Unauthenticated
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.web import i18n
from ringfence.web import session as cookies
from ringfence.web.deps import SessionDep
from ringfence.web.error_codes import ErrorCode
from ringfence.web.i18n import N_
from ringfence.web.templating import language_of, render

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
VISITOR_MAX_AGE = 365 * 24 * 3600


@dataclass
class Page:
    request: Request
    db: Session
    settings: Settings
    lang: str
    user: SignedIn | None
    session_token: str | None
    visitor: str
    _cookies: list[tuple[str, str | None, int | None]] = field(default_factory=list)

    # ------------------------------------------------------------ who

    @property
    def principal(self) -> Principal:
        """The signed-in user's principal; Unauthenticated (a redirect to sign-in) otherwise."""
        if self.user is None:
            raise Unauthenticated("sign in to see this page", code=ErrorCode.SIGN_IN_REQUIRED)
        return self.user.principal

    def require(self, *roles: Role) -> Principal:
        principal = self.principal
        if principal.role not in roles:
            raise Forbidden("your role cannot use this page", code=ErrorCode.ROLE_NOT_ALLOWED)
        return principal

    @property
    def csrf(self) -> str:
        binding = self.session_token if self.user else self.visitor
        return cookies.csrf_token(self.settings, binding or "")

    def _(self, text: str) -> str:
        return i18n.translations(self.lang).gettext(text)

    # ------------------------------------------------------------ answers

    def set_cookie(self, name: str, value: str | None, max_age: int | None = None) -> None:
        self._cookies.append((name, value, max_age))

    def _finish(self, response: Response) -> Response:
        if cookies.read(self.request, self.settings, cookies.VISITOR) != self.visitor:
            cookies.set_cookie(
                response, self.settings, cookies.VISITOR, self.visitor, max_age=VISITOR_MAX_AGE
            )
        for name, value, max_age in self._cookies:
            cookies.set_cookie(response, self.settings, name, value, max_age=max_age)
        return response

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        values = {"user": self.user, "csrf_token": self.csrf, "nav": nav(self.user), **context}
        response = render(self.request, template, values, lang=self.lang, status_code=status_code)
        self._finish(response)
        return response

    def redirect(self, url: str, **query: str | int) -> Response:
        """303 See Other: the browser GETs ``url`` after a form post (no resubmission)."""
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        return self._finish(RedirectResponse(url, status_code=303))


def nav(user: SignedIn | None) -> list[tuple[str, str]]:
    """(path, English label) of the navigation for the user's role; the template translates."""
    role = user.principal.role if user else None
    items: list[tuple[str, str]] = []
    if role in (Role.admin, Role.rights_holder):
        items += [
            ("/console", N_("Dashboard")),
            ("/console/queue", N_("Review queue")),
            ("/console/search", N_("Search cases")),
            ("/console/screen", N_("Screen listings")),
            ("/console/marks", N_("Marks")),
            ("/console/licences", N_("Licences")),
            ("/console/licensees", N_("Licensees")),
            ("/console/orders", N_("Orders")),
            ("/console/royalties", N_("Royalties")),
        ]
        if role is Role.admin:  # the notices of every marketplace (notice_pages.ACTORS)
            items.append(("/console/notices", N_("Notices to act on")))
    elif role is Role.marketplace:
        items += [
            ("/console/notices", N_("Notices to act on")),
            ("/console/queue", N_("Review queue")),
            ("/console/screen", N_("Screen listings")),
        ]
    elif role is Role.licensee:
        items += [
            ("/portal", N_("My licences")),
            ("/portal/products", N_("My products")),
            ("/portal/codes", N_("Authenticity codes")),
            ("/portal/royalties", N_("Royalty statements")),
        ]
    items += [("/shop", N_("Shop")), ("/shop/cart", N_("Cart")), ("/verify", N_("Verify a code"))]
    return items


async def _form_token(request: Request) -> str | None:
    if request.method in SAFE_METHODS:
        return None
    form = await request.form()  # parsed once: the route's Form() fields reuse it
    token = form.get(cookies.CSRF_FIELD)
    return token if isinstance(token, str) else None


def get_page(
    request: Request,
    db: SessionDep,
    token: Annotated[str | None, Depends(_form_token)],
) -> Page:
    settings: Settings = request.app.state.settings
    session_token = cookies.read(request, settings, cookies.SESSION)
    # A read of its own (core/db.py `reading`): the route's other dependencies (the licence
    # index) may wait for something, and must not do so holding a connection.
    with reading(db):
        user = session_user(db, session_token) if session_token else None
    if user is not None:
        act_as(db, principal_actor(user.principal))  # the actor of the request's audit events
    visitor = cookies.read(request, settings, cookies.VISITOR)
    page = Page(
        request=request,
        db=db,
        settings=settings,
        lang=language_of(request),
        user=user,
        session_token=session_token if user else None,
        visitor=visitor or cookies.new_visitor_id(),
    )
    if request.method not in SAFE_METHODS:
        binding = page.session_token if user else visitor
        if not cookies.csrf_ok(settings, binding, token):
            raise Forbidden(
                "the form has expired or did not come from this site; reload the page and "
                "try again",
                code=ErrorCode.CSRF_FAILED,
            )
    return page


PageDep = Annotated[Page, Depends(get_page)]
