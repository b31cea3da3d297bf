"""Scoped exceptions: the narrower exception a dismissal adds to the registry, its preview and
its revocation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.errors import InvalidInput, NotFound
from ringfence.core.security import Principal, Role
from ringfence.enforcement import events
from ringfence.enforcement._common import (
    ANALYSTS,
    _actor,
    _audit,
    _can_see,
    _get_case,
    _now,
    _require,
)
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.models import Case
from ringfence.enforcement.schemas import (
    ExceptionPreviewIn,
    ExceptionPreviewOut,
    ExceptionSpec,
    PreviewExample,
    ScopedException,
)
from ringfence.registry import service as registry
from ringfence.registry.enums import WORLDWIDE
from ringfence.registry.models import MarkException
from ringfence.registry.schemas import ExceptionIn, MarkIn
from ringfence.screening.engine import Engine, Listing
from ringfence.screening.index import builtin_data
from ringfence.screening.normalize import normalize


def _add_exception(
    session: Session,
    principal: Principal,
    case: Case,
    mark: MarkIn,
    exception: ExceptionIn,
    now: datetime,
) -> None:
    same = next((x for x in mark.exceptions if _same_scope(x, exception)), None)
    if same is None:  # the same phrase and scope saved once, however many cases dismiss it
        changed = mark.model_copy(update={"exceptions": [*mark.exceptions, exception]})
        saved = registry.save_mark(session, principal=principal, data=changed, create=False)
        same = saved.exceptions[-1]
    _audit(
        session,
        case,
        "registry.exception_added",
        _actor(principal),
        now,
        mark=mark.id,
        text=exception.text,
        reason=exception.reason.value,
        exception=same.id,
        territories=list(exception.territories),
        category=exception.category,
    )


# --------------------------------------------------------------------------- scoped exceptions

# Words that make a mark's phrase no narrower ("the Olympic" is still "Olympic").
_FILLER_WORDS = (
    "a an and at by de del der des di die das dem den du d e el et for i il in l la las le les"
    " lo los of on or the to und with y"
)
_FILLER = frozenset(_FILLER_WORDS.split())
PREVIEW_LISTINGS = 20_000  # flagged listings a preview screens again, the newest first
PREVIEW_EXAMPLES = 10


def _registry_engine(session: Session) -> Engine:
    """An engine over the registry as this session sees it (a fraction of a second to build:
    exceptions from cases are rare, so none is cached here)."""
    return Engine(builtin_data(registry.export_document(session)), compiled=False)


def _same_scope(a: ExceptionIn, b: ExceptionIn) -> bool:
    return (a.text, a.territories, a.category) == (b.text, b.territories, b.category)


def _narrowing_words(text: str, spans: Iterable[tuple[int, int]]) -> list[str]:
    """The words of ``text`` outside the marks' spans that narrow it: letters, not a filler
    word, two letters at least (one is enough in scripts written without spaces)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    words = re.findall(r"\w+", "".join(chars))
    return [
        w
        for w in words
        if any(c.isalpha() for c in w)
        and w.casefold() not in _FILLER
        and (len(w) >= 2 or not w.isascii())
    ]


def _scoped_exception(
    session: Session, principal: Principal, case: Case, spec: ExceptionSpec, engine: Engine
) -> tuple[MarkIn, ExceptionIn]:
    """The exception a dismissal of ``case`` may save on ``spec.mark``: the listing's phrase
    around the mark (never the mark alone), where the listing ships to (and the mark is
    protected), in the listing's category. Refused with a clear error otherwise."""
    loc = ("add_exception",)
    mark = registry.get_mark(session, principal=principal, mark_id=spec.mark)
    if principal.role is not Role.admin and mark.owner != principal.party_id:
        raise NotFound(
            f"no mark with id {spec.mark!r}", code=ErrorCode.MARK_NOT_FOUND, loc=(*loc, "mark")
        )
    if not case.territories:
        raise InvalidInput(
            "the listing names no territory it ships to, so an exception from its case would "
            "apply everywhere: add such an exception to the mark in the registry instead",
            code=ErrorCode.EXCEPTION_NEEDS_TERRITORY,
            loc=(*loc, "territories"),
        )
    chosen = list(dict.fromkeys(spec.territories or case.territories))
    outside = [t for t in chosen if t not in case.territories]
    if outside:
        raise InvalidInput(
            f"{', '.join(outside)}: not where this listing ships to "
            f"({', '.join(case.territories)})",
            code=ErrorCode.EXCEPTION_OUTSIDE_CASE,
            loc=(*loc, "territories"),
        )
    if WORLDWIDE not in mark.territories:
        chosen = [t for t in chosen if t in mark.territories]
        if not chosen:
            raise InvalidInput(
                f"mark {mark.id} is not protected where this listing ships to: nothing to except",
                code=ErrorCode.EXCEPTION_OUTSIDE_MARK,
                loc=(*loc, "territories"),
            )
    text = " ".join(spec.text.split())
    if normalize(text).strip() == "" or normalize(text) not in normalize(case.title):
        raise InvalidInput(
            f"{text!r} is not a phrase of the listing's title ({case.title!r})",
            code=ErrorCode.EXCEPTION_NOT_IN_LISTING,
            loc=(*loc, "text"),
        )
    found = engine.screen(Listing(f"case:{case.id}", case.seller_id, text)).evidence
    if not any(f.mark == mark.id for f in found):
        raise InvalidInput(
            f"{text!r} does not mention mark {mark.id}",
            code=ErrorCode.EXCEPTION_WITHOUT_MARK,
            loc=(*loc, "text"),
        )
    spans = [(f.start, f.end) for f in found if f.mark and f.field == "title"]
    if not _narrowing_words(text, spans):
        raise InvalidInput(
            f"{text!r} is a mark alone: an exception must be the listing's phrase around it "
            "(the words that make this use legitimate), or it would switch off the mark",
            code=ErrorCode.EXCEPTION_TOO_BROAD,
            loc=(*loc, "text"),
        )
    exception = ExceptionIn(
        text=text,
        reason=spec.reason,
        territories=sorted(chosen),
        category=case.category,
        note=spec.note,
        created_by=_actor(principal)[:200],
        case=case.id,
    )
    return mark, exception


def _scoped_out(mark_id: str, x: ExceptionIn) -> ScopedException:
    return ScopedException(
        id=x.id,
        mark=mark_id,
        text=x.text,
        reason=x.reason,
        territories=list(x.territories),
        category=x.category,
        case=x.case,
        created_by=x.created_by,
    )


class KeptVerdicts(Protocol):
    """The listing verdicts kept since a moment (the streaming domain keeps them): how many
    listings were screened, how many were flagged (opened a case), and the latest ``limit``
    flagged ones as (listing id, case id), newest first."""

    def __call__(self, since: datetime, limit: int) -> tuple[int, int, list[tuple[str, int]]]: ...


def preview_exception(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    data: ExceptionPreviewIn,
    kept: KeptVerdicts,
    now: datetime | None = None,
) -> ExceptionPreviewOut:
    """What dismissing ``case_id`` with this exception would change, before it is saved: the
    flagged listings among the kept listing verdicts of the last ``data.days`` days (each holds
    its case, with the title, territories and category screened), screened again with and
    without the exception. Only flagged listings can change: an exception removes matches. The
    examples are of cases the principal may see; the counts are of every listing."""
    now = _now(now)
    case = _get_case(session, principal, case_id)
    _require(principal, ANALYSTS, "make exceptions from cases")
    before = _registry_engine(session)
    mark, exception = _scoped_exception(session, principal, case, data, before)
    doc = before.data.registry
    marks = [
        m.model_copy(update={"exceptions": [*m.exceptions, exception]}) if m.id == mark.id else m
        for m in doc.marks
    ]
    after = Engine(
        replace(before.data, registry=doc.model_copy(update={"marks": marks})), compiled=False
    )
    since = now - timedelta(days=data.days)
    screened, flagged, latest = kept(since, PREVIEW_LISTINGS)
    cases = {
        c.id: c for c in session.scalars(select(Case).where(Case.id.in_([c for _, c in latest])))
    }
    rows = [(listing_id, cases[case]) for listing_id, case in latest if case in cases]
    changes: dict[str, int] = {}
    examples: list[PreviewExample] = []
    today = now.date()
    for listing_id, row in rows:
        listing = Listing(
            listing_id,
            row.seller_id,
            row.title,
            category=row.category,
            ship_to=tuple(row.territories),
        )
        was = before.screen(listing, today=today).verdict
        will = after.screen(listing, today=today).verdict
        if was == will:
            continue
        key = f"{was}->{will}"
        changes[key] = changes.get(key, 0) + 1
        if len(examples) < PREVIEW_EXAMPLES and _can_see(principal, row):
            examples.append(
                PreviewExample(
                    case_id=row.id, listing_id=listing_id, title=row.title, before=was, after=will
                )
            )
    return ExceptionPreviewOut(
        exception=_scoped_out(mark.id, exception),
        since=since,
        screened=screened,
        flagged=flagged,
        rescreened=len(rows),
        changed=sum(changes.values()),
        changes=dict(sorted(changes.items())),
        examples=examples,
    )


def case_exceptions(
    session: Session, *, principal: Principal, case_id: int
) -> list[ScopedException]:
    """The exceptions made from a case that are still in the registry."""
    case = _get_case(session, principal, case_id)
    rows = session.scalars(
        select(MarkException).where(MarkException.case_id == case.id).order_by(MarkException.id)
    )
    return [_scoped_out(x.mark_id, registry.exception_out(x)) for x in rows]


def revoke_exception(
    session: Session, *, principal: Principal, exception_id: int, now: datetime | None = None
) -> ScopedException:
    """Remove an exception of a mark of yours (made from a case or not): the mark is
    protected again where it applied. Recorded on the audit trail of the case it was made from
    (the mark owner's, for one made in the registry)."""
    _require(principal, ANALYSTS, "revoke exceptions")
    now = _now(now)
    mark_id, owner, removed = registry.delete_exception(
        session, principal=principal, exception_id=exception_id
    )
    case = session.get(Case, removed.case) if removed.case is not None else None
    events.record(
        session,
        rights_holder_id=case.rights_holder_id if case is not None else owner,
        kind="registry.exception_revoked",
        actor=_actor(principal),
        at=now,
        case_id=case.id if case is not None else None,
        payload={
            "exception": exception_id,
            "mark": mark_id,
            "text": removed.text,
            "territories": list(removed.territories),
            "category": removed.category,
        },
    )
    return _scoped_out(mark_id, removed)
