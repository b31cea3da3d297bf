"""Marks and their exceptions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringfence.core.errors import Conflict, NotFound
from ringfence.core.security import Principal, Role
from ringfence.registry._common import (
    _held_or_sold_by,
    _mark_visible,
    _own,
    _require_reader,
    _require_writer,
    _write_one,
)
from ringfence.registry.archive import ensure_edition_writable, ensure_writable
from ringfence.registry.error_codes import ErrorCode
from ringfence.registry.mapping import _apply_mark, exception_out, mark_out
from ringfence.registry.models import Licence, Mark, MarkException, licence_marks
from ringfence.registry.revisions import _bump_revision
from ringfence.registry.schemas import ExceptionIn, MarkIn, RegistryDocument

# --------------------------------------------------------------------------- marks


def list_marks(session: Session, *, principal: Principal) -> list[MarkIn]:
    _require_reader(principal)
    query = select(Mark).order_by(Mark.id)
    if principal.role is Role.rights_holder:
        query = query.where(Mark.owner_id == principal.party_id)
    elif principal.role is Role.licensee:
        query = query.where(
            Mark.id.in_(
                select(licence_marks.c.mark_id)
                .join(Licence)
                .where(_held_or_sold_by(principal.party_id or ""))
            )
        )
    elif not principal.is_admin:
        return []
    return [mark_out(m) for m in session.scalars(query)]


def _get_mark(session: Session, principal: Principal, mark_id: str) -> Mark:
    _require_reader(principal)
    mark = session.get(Mark, mark_id)
    if mark is None or not _mark_visible(principal, mark, session):
        raise NotFound(f"no mark with id {mark_id!r}", code=ErrorCode.MARK_NOT_FOUND)
    return mark


def get_mark(session: Session, *, principal: Principal, mark_id: str) -> MarkIn:
    return mark_out(_get_mark(session, principal, mark_id))


def save_mark(session: Session, *, principal: Principal, data: MarkIn, create: bool) -> MarkIn:
    _require_writer(principal)
    if create and session.get(Mark, data.id) is not None:
        raise Conflict(
            f"mark {data.id!r} already exists", code=ErrorCode.ALREADY_EXISTS, loc=("id",)
        )
    if not create:
        old = _get_mark(session, principal, data.id)
        _own(principal, old.owner_id, "owner")
        ensure_writable(session, old.owner_id)
        ensure_edition_writable(session, old.edition_id)
    _own(principal, data.owner, "owner")
    ensure_writable(session, data.owner)
    ensure_edition_writable(session, data.edition)
    _write_one(session, RegistryDocument(marks=[data]), "marks")
    row = _apply_mark(session, data)
    session.flush()
    _bump_revision(session)
    return mark_out(row)


def delete_mark(session: Session, *, principal: Principal, mark_id: str) -> None:
    _require_writer(principal)
    mark = _get_mark(session, principal, mark_id)
    _own(principal, mark.owner_id, "owner")
    ensure_writable(session, mark.owner_id)
    ensure_edition_writable(session, mark.edition_id)
    if session.scalar(
        select(func.count()).select_from(licence_marks).where(licence_marks.c.mark_id == mark_id)
    ):
        raise Conflict(f"mark {mark_id!r} is covered by licences", code=ErrorCode.MARK_IN_USE)
    session.delete(mark)
    session.flush()
    _bump_revision(session)


def delete_exception(
    session: Session, *, principal: Principal, exception_id: int
) -> tuple[str, str, ExceptionIn]:
    """Remove one exception of a mark you own: (its mark, the mark's owner, the exception).
    Authorised on the row itself: another holder's exception is not found."""
    _require_writer(principal)
    row = session.get(MarkException, exception_id)
    mark = session.get(Mark, row.mark_id) if row is not None else None
    if row is None or mark is None or not _mark_visible(principal, mark, session):
        raise NotFound(f"no exception with id {exception_id}", code=ErrorCode.EXCEPTION_NOT_FOUND)
    _own(principal, mark.owner_id, "owner")
    ensure_writable(session, mark.owner_id)
    ensure_edition_writable(session, mark.edition_id)
    removed = exception_out(row)
    mark.exceptions.remove(row)
    session.flush()
    _bump_revision(session)
    return mark.id, mark.owner_id, removed
