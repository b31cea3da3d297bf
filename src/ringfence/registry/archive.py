"""The archive rule: once an edition is archived, its organising committee's rows (marks,
licences, storefront, signing keys) are read-only. Every domain asks it before a write."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.errors import Conflict
from ringfence.registry.enums import EditionStatus, PartyKind
from ringfence.registry.error_codes import ErrorCode
from ringfence.registry.models import Edition, Party


def archived_edition_of(session: Session, party_id: str) -> str | None:
    """The id of the archived edition whose OCOG is ``party_id``, else None."""
    return session.scalar(
        select(Edition.id)
        .join(Party, Party.edition_id == Edition.id)
        .where(
            Party.id == party_id,
            Party.kind == PartyKind.ocog,
            Edition.status == EditionStatus.archived,
        )
    )


def ensure_writable(session: Session, party_id: str) -> None:
    """Raise Conflict ``edition_archived`` when ``party_id`` is the OCOG of an archived edition:
    its marks, licences, storefront and signing keys are read-only from then on."""
    edition = archived_edition_of(session, party_id)
    if edition is not None:
        raise Conflict(
            f"{party_id} belongs to the archived edition {edition}: it is read-only",
            code=ErrorCode.EDITION_ARCHIVED,
        )


def ensure_edition_writable(session: Session, edition_id: str | None) -> None:
    """The same rule for a row that names an edition (a mark of the edition)."""
    if edition_id is None:
        return
    status = session.scalar(select(Edition.status).where(Edition.id == edition_id))
    if status is EditionStatus.archived:
        raise Conflict(
            f"the edition {edition_id} is archived: it is read-only",
            code=ErrorCode.EDITION_ARCHIVED,
        )
