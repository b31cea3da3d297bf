"""Registry documents: import, export, the compiled screening index, and the edition and
category lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.errors import InvalidInput
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.error_codes import ErrorCode
from ringfence.registry.mapping import (
    _apply_category,
    _apply_edition,
    _apply_image,
    _apply_licence,
    _apply_mark,
    _apply_mark_image,
    _apply_party,
    category_out,
    edition_out,
    image_out,
    licence_out,
    mark_image_out,
    mark_out,
    party_out,
)
from ringfence.registry.models import (
    Category,
    Edition,
    Licence,
    Mark,
    MarkImage,
    OfficialImage,
    Party,
)
from ringfence.registry.revisions import _bump_revision
from ringfence.registry.schemas import CategoryIn, EditionIn, MarkIn, RegistryDocument
from ringfence.registry.validation import _Refs, _validate

# --------------------------------------------------------------------------- import / export


@dataclass(frozen=True)
class ImportSummary:
    editions: int
    categories: int
    parties: int
    marks: int
    licences: int
    images: int = 0
    mark_images: int = 0

    @classmethod
    def of(cls, doc: RegistryDocument) -> ImportSummary:
        return cls(
            len(doc.editions),
            len(doc.categories),
            len(doc.parties),
            len(doc.marks),
            len(doc.licences),
            len(doc.images),
            len(doc.mark_images),
        )

    def __str__(self) -> str:
        images = f", {self.images} images" if self.images else ""
        if self.mark_images:
            images += f", {self.mark_images} mark images"
        return (
            f"{self.editions} editions, {self.categories} categories, {self.parties} parties, "
            f"{self.marks} marks, {self.licences} licences{images}"
        )


def _by_depth(categories: Sequence[CategoryIn]) -> list[CategoryIn]:
    parents = {c.id: c.parent for c in categories}

    def depth(key: str) -> int:
        n, seen = 0, set()
        while (key := parents.get(key) or "") and key not in seen:
            seen.add(key)
            n += 1
        return n

    return sorted(categories, key=lambda c: depth(c.id))


def import_document(session: Session, doc: RegistryDocument) -> ImportSummary:
    """Validate every entry against the document and the database, then create or replace each
    entry by id. Raises InvalidInput with every problem found, before anything is written."""
    refs = _Refs(
        session,
        editions={e.id: e for e in doc.editions},
        categories={c.id: c for c in doc.categories},
        parties={p.id: p for p in doc.parties},
        marks={m.id: m for m in doc.marks},
        licences={lic.id: lic for lic in doc.licences},
    )
    errors = _validate(refs, doc)
    if errors:
        raise InvalidInput(
            "the registry document is invalid", code=ErrorCode.INVALID_DOCUMENT, details=errors
        )
    with session.no_autoflush:
        for edition in doc.editions:
            _apply_edition(session, edition)
        session.flush()
        for category in _by_depth(doc.categories):
            _apply_category(session, category)
            session.flush()
        for party in doc.parties:
            _apply_party(session, party, with_manager=False)
        session.flush()
        for party in doc.parties:
            if party.managed_by is not None:
                _apply_party(session, party)
        for mark in doc.marks:
            _apply_mark(session, mark)
        session.flush()
        for lic in doc.licences:
            _apply_licence(session, lic)
        session.flush()
        for image in doc.images:
            _apply_image(session, image)
        for reference in doc.mark_images:
            _apply_mark_image(session, reference)
    session.flush()
    _bump_revision(session)
    return ImportSummary.of(doc)


_EDITION_ORDER = select(Edition).order_by(Edition.year, Edition.id)


def export_document(session: Session) -> RegistryDocument:
    """The whole registry as one document, in a stable order (import of it is lossless).
    Exception ids are this deployment's row ids: the document, a file that may go to another
    deployment, carries none."""
    return RegistryDocument(
        editions=[edition_out(e) for e in session.scalars(_EDITION_ORDER)],
        categories=[category_out(c) for c in _by_depth_rows(session)],
        parties=[party_out(p) for p in session.scalars(select(Party).order_by(Party.id))],
        marks=[_without_ids(mark_out(m)) for m in session.scalars(select(Mark).order_by(Mark.id))],
        licences=[
            licence_out(lic) for lic in session.scalars(select(Licence).order_by(Licence.id))
        ],
        images=[
            image_out(img)
            for img in session.scalars(select(OfficialImage).order_by(OfficialImage.id))
        ],
        mark_images=[
            mark_image_out(img) for img in session.scalars(select(MarkImage).order_by(MarkImage.id))
        ],
    )


def _without_ids(mark: MarkIn) -> MarkIn:
    exceptions = [x.model_copy(update={"id": None}) for x in mark.exceptions]
    return mark.model_copy(update={"exceptions": exceptions})


def _by_depth_rows(session: Session) -> list[Category]:
    rows = list(session.scalars(select(Category).order_by(Category.id)))
    order = {c.id: i for i, c in enumerate(_by_depth([category_out(r) for r in rows]))}
    return sorted(rows, key=lambda r: order[r.id])


def compile_index(session: Session) -> LicenceIndex:
    return LicenceIndex(export_document(session))


def list_editions(session: Session) -> list[EditionIn]:
    return [edition_out(e) for e in session.scalars(_EDITION_ORDER)]


def list_categories(session: Session) -> list[CategoryIn]:
    return [category_out(c) for c in _by_depth_rows(session)]
