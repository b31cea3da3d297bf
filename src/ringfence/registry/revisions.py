"""The registry's revision: a counter bumped by every change, read by the index cache."""

from __future__ import annotations

from sqlalchemy import Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ringfence.core.db import Base


class RegistryRevision(Base):
    """One row whose counter moves with every registry change, so that every process can tell
    cheaply whether its compiled index is stale."""

    __tablename__ = "registry_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(200))


def current_revision(session: Session) -> int:
    return session.scalar(select(RegistryRevision.revision).where(RegistryRevision.id == 1)) or 0


_CHANGED = "registry_changed"


def registry_changed(session: Session) -> bool:
    """Whether the session has changed the registry since it was last asked (the unit of work
    asks after its commit, to tell the engine cache)."""
    return bool(session.info.pop(_CHANGED, False))


def _bump_revision(session: Session) -> None:
    """Move the counter (its row is created by the first migration) atomically, in SQL; the
    session remembers that it changed the registry."""
    session.info[_CHANGED] = True
    session.execute(
        update(RegistryRevision)
        .where(RegistryRevision.id == 1)
        .values(revision=RegistryRevision.revision + 1)
    )
