"""Team work on cases: assign a case to a user of its rights holder, comment on it, name a
colleague with @ in a comment, and each user's list of what is theirs (cases assigned to them,
comments that mention them). Every change writes its audit event in the same transaction, as
every other enforcement command does; the services never commit.

Who may do what: the analysts who may decide a case (admin, its rights holder) assign it and
comment on it; a case is assigned only to an active user of the case's rights holder (the
tenant), with a role that may decide it; an @mention names such a user by e-mail address or by
the part of it before the @ (``@analyst`` or ``@analyst@ioc.example``); other names are left as
text. The marketplace sees neither comments nor assignments.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.auth.models import User
from ringfence.core.errors import InvalidInput
from ringfence.core.security import Principal, Role
from ringfence.enforcement._common import (
    ANALYSTS,
    _actor,
    _analyst_case,
    _audit,
    _get_case,
    _now,
    _require,
    _visible,
)
from ringfence.enforcement.enums import CASE_FINAL
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.models import Case, Comment, Mention
from ringfence.enforcement.schemas import CaseOut

MAX_COMMENT = 5000
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")
TEAM_ROLES = (Role.admin, Role.rights_holder)


class Member(NamedTuple):
    id: int
    name: str
    email: str


class CommentView(NamedTuple):
    id: int
    case_id: int
    author: str
    body: str
    created_at: datetime
    mentions: list[Member]


class MyWork(NamedTuple):
    assigned: list[CaseOut]
    mentions: list[CommentView]


def team(session: Session, *, principal: Principal, case_id: int) -> list[Member]:
    """The users a case may be assigned to or mention: the active analysts of its rights
    holder."""
    case = _get_case(session, principal, case_id)
    _require(principal, ANALYSTS, "see the team of a case")
    return [_member(u) for u in _team_users(session, case.rights_holder_id)]


def _team_users(session: Session, party_id: str) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(
                User.party_id == party_id,
                User.role.in_(TEAM_ROLES),
                User.disabled_at.is_(None),
            )
            .order_by(User.name, User.id)
        )
    )


def _member(user: User) -> Member:
    return Member(user.id, user.name, user.email)


def assign(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    user_id: int | None,
    now: datetime | None = None,
) -> CaseOut:
    """Assign the case to a user of its rights holder, or unassign it (``user_id`` None)."""
    case = _analyst_case(session, principal, case_id)
    now = _now(now)
    user = None
    if user_id is not None:
        user = session.get(User, user_id)
        if (
            user is None
            or user.party_id != case.rights_holder_id
            or user.role not in TEAM_ROLES
            or user.disabled_at is not None
        ):
            raise InvalidInput(
                f"user {user_id} is not an analyst of {case.rights_holder_id}",
                code=ErrorCode.NOT_A_TEAM_MEMBER,
                loc=("user_id",),
            )
    if case.assignee_id == user_id:
        return CaseOut.model_validate(case)
    previous = case.assignee_id
    case.assignee_id = user_id
    case.updated_at = now
    session.flush()
    _audit(
        session,
        case,
        "case.assigned" if user is not None else "case.unassigned",
        _actor(principal),
        now,
        assignee=user_id,
        assignee_email=user.email if user is not None else None,
        previous=previous,
    )
    return CaseOut.model_validate(case)


def mentioned(session: Session, party_id: str, body: str) -> list[User]:
    """The users of ``party_id``'s team named with @ in ``body``, once each, in order."""
    handles = [m.lower() for m in MENTION.findall(body)]
    if not handles:
        return []
    users = _team_users(session, party_id)
    found: dict[int, User] = {}
    for handle in handles:
        for user in users:
            email = user.email.lower()
            if handle in (email, email.split("@", 1)[0]):
                found.setdefault(user.id, user)
    return list(found.values())


def comment(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    author_id: int | None,
    author: str,
    body: str,
    now: datetime | None = None,
) -> CommentView:
    """Add a comment to the case; the colleagues it @mentions see it in their mentions."""
    case = _analyst_case(session, principal, case_id)
    now = _now(now)
    text = body.strip()
    if not text:
        raise InvalidInput("write a comment first", code=ErrorCode.EMPTY_COMMENT, loc=("body",))
    if len(text) > MAX_COMMENT:
        raise InvalidInput(
            f"a comment holds at most {MAX_COMMENT} characters",
            code=ErrorCode.COMMENT_TOO_LONG,
            loc=("body",),
        )
    row = Comment(
        case_id=case.id, author_id=author_id, author=author[:200], body=text, created_at=now
    )
    session.add(row)
    session.flush()
    users = mentioned(session, case.rights_holder_id, text)
    session.add_all([Mention(comment_id=row.id, user_id=u.id) for u in users])
    session.flush()
    _audit(
        session,
        case,
        "case.commented",
        _actor(principal),
        now,
        comment=row.id,
        mentions=[u.id for u in users],
    )
    return CommentView(row.id, case.id, row.author, text, now, [_member(u) for u in users])


def comments(session: Session, *, principal: Principal, case_id: int) -> list[CommentView]:
    """The case's comments, oldest first (analysts only: a marketplace sees none)."""
    case = _get_case(session, principal, case_id)
    if principal.role not in ANALYSTS:
        return []
    rows = list(
        session.scalars(select(Comment).where(Comment.case_id == case.id).order_by(Comment.id))
    )
    return _views(session, rows)


def _views(session: Session, rows: list[Comment]) -> list[CommentView]:
    ids = [r.id for r in rows]
    named: dict[int, list[Member]] = {}
    if ids:
        for comment_id, user in session.execute(
            select(Mention.comment_id, User)
            .join(User, User.id == Mention.user_id)
            .where(Mention.comment_id.in_(ids))
            .order_by(User.name)
        ):
            named.setdefault(comment_id, []).append(_member(user))
    return [
        CommentView(r.id, r.case_id, r.author, r.body, r.created_at, named.get(r.id, []))
        for r in rows
    ]


def my_work(session: Session, *, principal: Principal, user_id: int, limit: int = 100) -> MyWork:
    """What is the user's: the cases assigned to them that are not closed, and the comments
    that mention them (newest first), on cases they still see."""
    _require(principal, ANALYSTS, "have cases assigned")
    assigned = session.scalars(
        select(Case)
        .where(
            _visible(principal),
            Case.assignee_id == user_id,
            Case.status.not_in(list(CASE_FINAL)),
        )
        .order_by(Case.id)
        .limit(limit)
    )
    rows = list(
        session.scalars(
            select(Comment)
            .join(Mention, Mention.comment_id == Comment.id)
            .join(Case, Case.id == Comment.case_id)
            .where(Mention.user_id == user_id, _visible(principal))
            .order_by(Comment.id.desc())
            .limit(limit)
        )
    )
    return MyWork([CaseOut.model_validate(c) for c in assigned], _views(session, rows))


def names(session: Session, user_ids: set[int]) -> dict[int, Member]:
    """Users by id (for showing who is assigned and who acted)."""
    if not user_ids:
        return {}
    return {u.id: _member(u) for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
