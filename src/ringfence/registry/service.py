"""Registry queries and commands, scoped to the principal asking.

Services take the session keyword-only and never commit: the request or CLI command is the unit
of work. Scoping is enforced here, not in the routers: a party that may not see a row gets
NotFound (its existence is not revealed); one that may see it but not change it gets Forbidden.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Integer, String, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, mapped_column

from ringfence.core.db import Base, utcnow
from ringfence.core.errors import Conflict, ErrorDetail, Forbidden, InvalidInput, NotFound
from ringfence.core.security import Principal, Role
from ringfence.core.states import declare
from ringfence.registry import feature_record
from ringfence.registry.archive import ensure_edition_writable, ensure_writable
from ringfence.registry.builtin import IOC_ID
from ringfence.registry.decision import LicenceIndex, licensor_rights
from ringfence.registry.enums import (
    EDITION,
    LICENCE,
    WORLDWIDE,
    Channel,
    LicenceStatus,
    PartyKind,
)
from ringfence.registry.error_codes import ErrorCode
from ringfence.registry.models import (
    Category,
    Edition,
    Licence,
    Mark,
    MarkException,
    MarkImage,
    MarkVariant,
    OfficialImage,
    Party,
    licence_marks,
    licence_sellers,
)
from ringfence.registry.schemas import (
    CategoryIn,
    EditionIn,
    ExceptionIn,
    LicenceIn,
    MarkImageIn,
    MarkIn,
    OfficialImageIn,
    PartyIn,
    RegistryDocument,
    VariantIn,
)

RATE_QUANTUM = Decimal("0.0001")  # royalty rates are stored with four decimal places
LICENSORS = frozenset({PartyKind.ioc, PartyKind.noc, PartyKind.ocog})
DIRECTORY = frozenset({PartyKind.ioc, PartyKind.noc, PartyKind.ocog, PartyKind.marketplace})


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


# --------------------------------------------------------------------------- ORM <-> schema


def edition_out(e: Edition) -> EditionIn:
    return EditionIn(
        id=e.id,
        name=e.name,
        year=e.year,
        season=e.season,
        host_city=e.host_city,
        host_noc=e.host_noc,
        status=e.status,
        starts_on=e.starts_on,
        ends_on=e.ends_on,
    )


def category_out(c: Category) -> CategoryIn:
    return CategoryIn(
        id=c.id, parent=c.parent_id, name=c.name, google_product_category=c.google_product_category
    )


def party_out(p: Party) -> PartyIn:
    return PartyIn(
        id=p.id,
        kind=p.kind,
        name=p.name,
        noc_code=p.noc_code,
        territory=p.territory,
        edition=p.edition_id,
        managed_by=p.managed_by_id,
    )


def mark_out(m: Mark) -> MarkIn:
    return MarkIn(
        id=m.id,
        kind=m.kind,
        name=m.name,
        owner=m.owner_id,
        edition=m.edition_id,
        territories=list(m.territories),
        valid_from=m.valid_from,
        valid_until=m.valid_until,
        variants=[VariantIn(lang=v.lang, text=v.text) for v in m.variants],
        exceptions=[exception_out(x) for x in m.exceptions],
        notes=m.notes,
    )


def exception_out(x: MarkException) -> ExceptionIn:
    return ExceptionIn(
        id=x.id,
        text=x.text,
        reason=x.reason,
        territories=list(x.territories),
        category=x.category,
        note=x.note,
        created_by=x.created_by,
        case=x.case_id,
    )


def licence_out(lic: Licence) -> LicenceIn:
    return LicenceIn(
        id=lic.id,
        licensor=lic.licensor_id,
        licensee=lic.licensee_id,
        status=lic.status,
        valid_from=lic.valid_from,
        valid_until=lic.valid_until,
        royalty_rate=Decimal(lic.royalty_rate).quantize(RATE_QUANTUM),
        marks=[m.id for m in lic.marks],
        categories=[c.id for c in lic.categories],
        territories=list(lic.territories),
        channels=[Channel(ch) for ch in lic.channels],
        sellers=[p.id for p in lic.sellers],
    )


def image_out(img: OfficialImage) -> OfficialImageIn:
    return OfficialImageIn(
        id=img.id,
        product=img.product,
        licence=img.licence_id,
        licensee=img.licensee_id,
        pdq=img.pdq,
        quality=img.quality,
        cutout=img.cutout,
        variants=list(img.variants),
        features=base64.b64encode(img.features).decode() if img.features else None,
        source=img.source,
    )


def _features_problem(encoded: str) -> str | None:
    """What is wrong with an image's base64 feature record, or None."""
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return "not base64"
    return feature_record.problem(data)


def _apply_image(session: Session, data: OfficialImageIn) -> None:
    row = session.get(OfficialImage, data.id) or OfficialImage(id=data.id)
    row.product, row.licence_id, row.licensee_id = data.product, data.licence, data.licensee
    row.pdq, row.quality, row.cutout = data.pdq, data.quality, data.cutout
    row.variants, row.source = list(data.variants), data.source
    row.features = base64.b64decode(data.features) if data.features else None
    session.add(row)


def mark_image_out(img: MarkImage) -> MarkImageIn:
    return MarkImageIn(
        id=img.id,
        mark=img.mark_id,
        image_base64=base64.b64encode(img.image).decode(),
        source=img.source,
    )


def _apply_mark_image(session: Session, data: MarkImageIn) -> None:
    row = session.get(MarkImage, data.id) or MarkImage(id=data.id)
    row.mark_id, row.source = data.mark, data.source
    row.image = base64.b64decode(data.image_base64)
    session.add(row)


def _apply_edition(session: Session, data: EditionIn) -> None:
    row = session.get(Edition, data.id) or Edition(id=data.id)
    row.name, row.year, row.season = data.name, data.year, data.season
    row.host_city, row.host_noc = data.host_city, data.host_noc
    declare(row, EDITION, data.status, session=session)
    row.starts_on, row.ends_on = data.starts_on, data.ends_on
    session.add(row)


def _apply_category(session: Session, data: CategoryIn) -> None:
    row = session.get(Category, data.id) or Category(id=data.id)
    row.parent_id, row.name = data.parent, data.name
    row.google_product_category = data.google_product_category
    session.add(row)


def _apply_party(session: Session, data: PartyIn, *, with_manager: bool = True) -> Party:
    """Create or replace a party; ``with_manager=False`` leaves the manager unset for now
    (an import sets managers once every party of the document exists)."""
    row = session.get(Party, data.id) or Party(id=data.id)
    row.kind, row.name, row.noc_code = data.kind, data.name, data.noc_code
    row.territory, row.edition_id = data.territory, data.edition
    row.managed_by_id = data.managed_by if with_manager else None
    session.add(row)
    return row


def _apply_mark(session: Session, data: MarkIn) -> Mark:
    row = session.get(Mark, data.id) or Mark(id=data.id)
    row.kind, row.name, row.owner_id, row.edition_id = (
        data.kind,
        data.name,
        data.owner,
        data.edition,
    )
    row.territories = list(data.territories)
    row.valid_from, row.valid_until, row.notes = data.valid_from, data.valid_until, data.notes
    # An exception saved again with its id keeps it (and when it was made): revoking one by id
    # must not depend on the others being saved in between. An id of no exception of this
    # mark (a file from another deployment) is not taken: the row gets a new one.
    made = {x.id: x.created_at for x in row.exceptions}
    if row.variants or row.exceptions:
        row.variants.clear()
        row.exceptions.clear()
        session.flush()  # delete the old children before the new ones hit unique constraints
    row.variants.extend(
        MarkVariant(position=i, lang=v.lang, text=v.text) for i, v in enumerate(data.variants)
    )
    row.exceptions.extend(
        MarkException(
            id=x.id if x.id in made else None,
            position=i,
            text=x.text,
            reason=x.reason,
            territories=list(x.territories),
            category=x.category,
            note=x.note,
            created_by=x.created_by,
            created_at=made[x.id] if x.id in made else utcnow(),
            case_id=x.case,
        )
        for i, x in enumerate(data.exceptions)
    )
    session.add(row)
    return row


def _apply_licence(session: Session, data: LicenceIn) -> Licence:
    row = session.get(Licence, data.id) or Licence(id=data.id)
    row.licensor_id, row.licensee_id = data.licensor, data.licensee
    declare(row, LICENCE, data.status, session=session)
    row.valid_from, row.valid_until = data.valid_from, data.valid_until
    row.royalty_rate = data.royalty_rate
    row.territories = list(data.territories)
    row.channels = [c.value for c in data.channels]
    row.marks = [session.get_one(Mark, m) for m in data.marks]
    row.categories = [session.get_one(Category, c) for c in data.categories]
    row.sellers = [session.get_one(Party, p) for p in data.sellers]
    session.add(row)
    return row


# --------------------------------------------------------------------------- validation

Loc = tuple[str | int, ...]
S = TypeVar("S")


@dataclass
class _Refs:
    """Resolves references against the entries being written first, then the database."""

    session: Session
    editions: dict[str, EditionIn] = field(default_factory=dict)
    categories: dict[str, CategoryIn] = field(default_factory=dict)
    parties: dict[str, PartyIn] = field(default_factory=dict)
    marks: dict[str, MarkIn] = field(default_factory=dict)
    licences: dict[str, LicenceIn] = field(default_factory=dict)

    def _get(
        self, cache: dict[str, S], model: type[Base], key: str, convert: Callable[..., S]
    ) -> S | None:
        if key in cache:
            return cache[key]
        row = self.session.get(model, key)
        return None if row is None else convert(row)

    def edition(self, key: str) -> EditionIn | None:
        return self._get(self.editions, Edition, key, edition_out)

    def category(self, key: str) -> CategoryIn | None:
        return self._get(self.categories, Category, key, category_out)

    def party(self, key: str) -> PartyIn | None:
        return self._get(self.parties, Party, key, party_out)

    def mark(self, key: str) -> MarkIn | None:
        return self._get(self.marks, Mark, key, mark_out)

    def licence(self, key: str) -> LicenceIn | None:
        return self._get(self.licences, Licence, key, licence_out)


class _Validator:
    """Checks the references and rights of every entry in a document; collects every error."""

    def __init__(self, refs: _Refs) -> None:
        self.refs = refs
        self.errors: list[ErrorDetail] = []

    def error(self, code: str, msg: str, loc: Loc) -> None:
        self.errors.append(ErrorDetail(code, msg, loc))

    def missing(self, what: str, key: str, loc: Loc) -> None:
        self.error(f"unknown_{what}", f"no {what} with id {key!r}", loc)

    def run(self, doc: RegistryDocument) -> list[ErrorDetail]:
        for section in (
            "editions",
            "categories",
            "parties",
            "marks",
            "licences",
            "images",
            "mark_images",
        ):
            seen: set[str] = set()
            for i, item in enumerate(getattr(doc, section)):
                if item.id in seen:
                    self.error("duplicate_id", f"id {item.id!r} appears twice", (section, i, "id"))
                seen.add(item.id)
        names: dict[str, str] = {}
        for i, edition in enumerate(doc.editions):
            self.edition(i, edition, names)
        for i, cat in enumerate(doc.categories):
            self.category(i, cat)
        noc_codes: dict[str, str] = {}
        for i, party in enumerate(doc.parties):
            self.party(i, party, noc_codes)
        for i, mark in enumerate(doc.marks):
            self.mark(i, mark)
        for i, lic in enumerate(doc.licences):
            self.licence(i, lic)
        for i, image in enumerate(doc.images):
            self.image(i, image)
        for i, reference in enumerate(doc.mark_images):
            self.mark_image(i, reference)
        return self.errors

    def mark_image(self, i: int, reference: MarkImageIn) -> None:
        if self.refs.mark(reference.mark) is None:
            self.missing("mark", reference.mark, ("mark_images", i, "mark"))
        try:
            base64.b64decode(reference.image_base64, validate=True)
        except (binascii.Error, ValueError):
            self.error("invalid_base64", "not base64", ("mark_images", i, "image_base64"))

    def image(self, i: int, image: OfficialImageIn) -> None:
        lic = self.refs.licence(image.licence)
        if lic is None:
            self.missing("licence", image.licence, ("images", i, "licence"))
        elif image.licensee != lic.licensee:
            self.error(
                "licensee_mismatch",
                f"licence {lic.id} is held by {lic.licensee}, not {image.licensee}",
                ("images", i, "licensee"),
            )
        if image.features is not None:
            problem = _features_problem(image.features)
            if problem:
                self.error("invalid_features", problem, ("images", i, "features"))

    def unique(
        self,
        seen: dict[str, str],
        column: InstrumentedAttribute[Any],
        value: str,
        owner: str,
        what: str,
        loc: Loc,
    ) -> None:
        """``value`` of ``column`` belongs to ``owner`` alone, in the document and in the
        database (an edition's name, an NOC's code)."""
        model = column.class_
        other = seen.get(value) or self.refs.session.scalar(
            select(model.id).where(column == value, model.id != owner)
        )
        if other and other != owner:
            self.error(f"duplicate_{loc[-1]}", f"{what} {value!r} already belongs to {other}", loc)
        seen[value] = owner

    def edition(self, i: int, edition: EditionIn, names: dict[str, str]) -> None:
        self.unique(
            names, Edition.name, edition.name, edition.id, "edition name", ("editions", i, "name")
        )

    def category(self, i: int, cat: CategoryIn) -> None:
        refs = self.refs
        if cat.parent is not None and refs.category(cat.parent) is None:
            self.missing("category", cat.parent, ("categories", i, "parent"))
        # a parent chain must end: no category is its own ancestor
        chain, node = {cat.id}, cat.parent
        while node is not None and (parent := refs.category(node)) is not None:
            if node in chain:
                self.error("category_cycle", "categories form a cycle", ("categories", i))
                break
            chain.add(node)
            node = parent.parent

    def party(self, i: int, party: PartyIn, noc_codes: dict[str, str]) -> None:
        refs = self.refs
        existing = refs.session.get(Party, party.id)
        if existing is not None and existing.kind != party.kind and party.kind not in LICENSORS:
            session = refs.session
            owns = session.scalar(
                select(func.count()).select_from(Mark).where(Mark.owner_id == party.id)
            )
            grants = session.scalar(
                select(func.count()).select_from(Licence).where(Licence.licensor_id == party.id)
            )
            if owns or grants:
                self.error(
                    "kind_change_in_use",
                    f"{party.id} owns marks or grants licences, so it cannot become "
                    f"a {party.kind.value}",
                    ("parties", i, "kind"),
                )
        if party.edition is not None and refs.edition(party.edition) is None:
            self.missing("edition", party.edition, ("parties", i, "edition"))
        if party.managed_by is not None and refs.party(party.managed_by) is None:
            self.missing("party", party.managed_by, ("parties", i, "managed_by"))
        if party.noc_code:
            self.unique(
                noc_codes,
                Party.noc_code,
                party.noc_code,
                party.id,
                "NOC code",
                ("parties", i, "noc_code"),
            )

    def mark(self, i: int, mark: MarkIn) -> None:
        owner = self.refs.party(mark.owner)
        if owner is None:
            self.missing("party", mark.owner, ("marks", i, "owner"))
        elif owner.kind not in LICENSORS:
            self.error(
                "invalid_owner",
                f"marks are owned by the IOC, an NOC or an OCOG, not a {owner.kind.value}",
                ("marks", i, "owner"),
            )
        if mark.edition is not None and self.refs.edition(mark.edition) is None:
            self.missing("edition", mark.edition, ("marks", i, "edition"))

    def licence(self, i: int, lic: LicenceIn) -> None:
        refs = self.refs
        licensor = refs.party(lic.licensor)
        if licensor is None:
            self.missing("party", lic.licensor, ("licences", i, "licensor"))
        elif licensor.kind not in LICENSORS:
            self.error(
                "licensor_lacks_rights",
                f"a {licensor.kind.value} cannot grant licences",
                ("licences", i, "licensor"),
            )
        if refs.party(lic.licensee) is None:
            self.missing("party", lic.licensee, ("licences", i, "licensee"))
        for j, seller in enumerate(lic.sellers):
            if refs.party(seller) is None:
                self.missing("party", seller, ("licences", i, "sellers", j))
        for j, cat_id in enumerate(lic.categories):
            if refs.category(cat_id) is None:
                self.missing("category", cat_id, ("licences", i, "categories", j))
        owners: dict[str, tuple[str, str | None]] = {}
        for j, mark_id in enumerate(lic.marks):
            found = refs.mark(mark_id)
            if found is None:
                self.missing("mark", mark_id, ("licences", i, "marks", j))
            else:
                owners[mark_id] = (found.owner, found.edition)
        if licensor is not None and licensor.kind in LICENSORS:
            self.licensor_rights(i, lic, licensor, owners)

    def licensor_rights(
        self, i: int, lic: LicenceIn, licensor: PartyIn, owners: dict[str, tuple[str, str | None]]
    ) -> None:
        rights, where = licensor_rights(licensor, owners, owners)
        for j, mark_id in enumerate(lic.marks):
            if mark_id in owners and mark_id not in rights:
                self.error(
                    "licensor_lacks_rights",
                    f"{licensor.id} does not own or control mark {mark_id!r}",
                    ("licences", i, "marks", j),
                )
        if where is not None and (set(lic.territories) - where):
            outside = ", ".join(sorted(set(lic.territories) - where))
            self.error(
                "licensor_lacks_rights",
                f"{licensor.id} may license only in {', '.join(sorted(where))}, not {outside}",
                ("licences", i, "territories"),
            )


def _validate(refs: _Refs, doc: RegistryDocument) -> list[ErrorDetail]:
    return _Validator(refs).run(doc)


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


# --------------------------------------------------------------------------- scoping


def _party_visible(principal: Principal, party: Party, session: Session) -> bool:
    if principal.is_admin or party.kind in DIRECTORY or party.id == principal.party_id:
        return True
    if principal.role is Role.rights_holder:
        if party.managed_by_id == principal.party_id:
            return True
        return (
            session.scalar(
                select(func.count())
                .select_from(Licence)
                .where(Licence.licensor_id == principal.party_id)
                .where(_held_or_sold_by(party.id))
            )
            or 0
        ) > 0
    return False


def manages(session: Session, principal: Principal, party_id: str) -> bool:
    """Whether the principal manages the party: the admin, or the rights holder that manages
    it (the IOC for a party nobody manages). Only the manager grants a licensee licences and
    manages its products; holding a licence of yours does not make a party yours."""
    if principal.is_admin:
        return True
    party = session.get(Party, party_id)
    if party is None or principal.role is not Role.rights_holder:
        return False
    return principal.party_id == (party.managed_by_id or IOC_ID)


def _mark_visible(principal: Principal, mark: Mark, session: Session) -> bool:
    if principal.is_admin:
        return True
    if principal.role is Role.rights_holder:
        return mark.owner_id == principal.party_id
    if principal.role is Role.licensee:
        return (
            session.scalar(
                select(func.count())
                .select_from(licence_marks.join(Licence))
                .where(licence_marks.c.mark_id == mark.id)
                .where(_held_or_sold_by(principal.party_id or ""))
            )
            or 0
        ) > 0
    return False


def _licence_visible(principal: Principal, lic: Licence) -> bool:
    if principal.is_admin:
        return True
    if principal.role is Role.rights_holder:
        return lic.licensor_id == principal.party_id
    if principal.role is Role.licensee:
        return lic.licensee_id == principal.party_id or any(
            s.id == principal.party_id for s in lic.sellers
        )
    return False


def _require_reader(principal: Principal) -> None:
    if principal.role is Role.marketplace:
        raise Forbidden(
            "the marketplace role may screen and ask for licence decisions only",
            code=ErrorCode.FORBIDDEN_ROLE,
        )


def _require_writer(principal: Principal) -> None:
    if principal.role not in (Role.admin, Role.rights_holder):
        raise Forbidden(
            f"the {principal.role.value} role is read-only for the registry",
            code=ErrorCode.READ_ONLY_ROLE,
        )


def _own(principal: Principal, owner_id: str, field_name: str) -> None:
    if not principal.is_admin and owner_id != principal.party_id:
        raise Forbidden(
            f"{field_name} must be your own party ({principal.party_id})",
            code=ErrorCode.NOT_YOUR_PARTY,
            loc=(field_name,),
        )


def _write_one(session: Session, doc: RegistryDocument, section: str) -> None:
    refs = _Refs(session)
    errors = _validate(refs, doc)
    if errors:
        # Single-entity writes report locations relative to the body, not the document.
        raise InvalidInput(
            errors[0].msg,
            code=errors[0].code,
            details=[
                ErrorDetail(e.code, e.msg, e.loc[2:]) for e in errors if e.loc[:1] == (section,)
            ]
            or errors,
        )


# --------------------------------------------------------------------------- parties


def list_parties(
    session: Session, *, principal: Principal, kind: PartyKind | None = None
) -> list[PartyIn]:
    _require_reader(principal)
    query = select(Party).order_by(Party.id)
    if kind is not None:
        query = query.where(Party.kind == kind)
    if not principal.is_admin:
        # The same rule as _party_visible, as one query rather than one per party.
        me = principal.party_id or ""
        visible = or_(Party.kind.in_(DIRECTORY), Party.id == me)
        if principal.role is Role.rights_holder:
            mine = select(Licence.id).where(Licence.licensor_id == me)
            visible = or_(
                visible,
                Party.managed_by_id == me,
                Party.id.in_(select(Licence.licensee_id).where(Licence.licensor_id == me)),
                Party.id.in_(
                    select(licence_sellers.c.party_id).where(licence_sellers.c.licence_id.in_(mine))
                ),
            )
        query = query.where(visible)
    return [party_out(p) for p in session.scalars(query)]


def _get_party(session: Session, principal: Principal, party_id: str) -> Party:
    _require_reader(principal)
    party = session.get(Party, party_id)
    if party is None or not _party_visible(principal, party, session):
        raise NotFound(f"no party with id {party_id!r}", code=ErrorCode.PARTY_NOT_FOUND)
    return party


def get_party(session: Session, *, principal: Principal, party_id: str) -> PartyIn:
    return party_out(_get_party(session, principal, party_id))


def save_party(session: Session, *, principal: Principal, data: PartyIn, create: bool) -> PartyIn:
    _require_writer(principal)
    existing = session.get(Party, data.id)
    if create and existing is not None:
        raise Conflict(
            f"party {data.id!r} already exists", code=ErrorCode.ALREADY_EXISTS, loc=("id",)
        )
    if not create:
        existing = _get_party(session, principal, data.id)
    if not principal.is_admin:
        if data.kind is not PartyKind.licensee:
            raise Forbidden(
                "only the IOC registers committees and marketplaces", code=ErrorCode.FORBIDDEN
            )
        if existing is not None and existing.managed_by_id != principal.party_id:
            raise Forbidden(f"party {data.id!r} is not managed by you", code=ErrorCode.FORBIDDEN)
        data = data.model_copy(update={"managed_by": principal.party_id})
    _write_one(session, RegistryDocument(parties=[data]), "parties")
    row = _apply_party(session, data)
    session.flush()
    _bump_revision(session)
    return party_out(row)


def delete_party(session: Session, *, principal: Principal, party_id: str) -> None:
    _require_writer(principal)
    party = _get_party(session, principal, party_id)
    if not principal.is_admin and party.managed_by_id != principal.party_id:
        raise Forbidden(f"party {party_id!r} is not managed by you", code=ErrorCode.FORBIDDEN)
    references = {
        "grants or holds licences": select(func.count())
        .select_from(Licence)
        .where(or_(Licence.licensor_id == party_id, Licence.licensee_id == party_id)),
        "is an authorised seller": select(func.count())
        .select_from(licence_sellers)
        .where(licence_sellers.c.party_id == party_id),
        "owns marks": select(func.count()).select_from(Mark).where(Mark.owner_id == party_id),
        "manages other parties": select(func.count())
        .select_from(Party)
        .where(Party.managed_by_id == party_id),
    }
    used = [what for what, query in references.items() if session.scalar(query)]
    if used:
        raise Conflict(
            f"party {party_id!r} is still referenced: it {', '.join(used)}",
            code=ErrorCode.PARTY_IN_USE,
        )
    session.delete(party)
    session.flush()
    _bump_revision(session)


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


# --------------------------------------------------------------------------- licences


def list_licences(session: Session, *, principal: Principal) -> list[LicenceIn]:
    _require_reader(principal)
    query = select(Licence).order_by(Licence.id)
    if principal.role is Role.rights_holder:
        query = query.where(Licence.licensor_id == principal.party_id)
    elif principal.role is Role.licensee:
        query = query.where(_held_or_sold_by(principal.party_id or ""))
    elif not principal.is_admin:
        return []
    return [licence_out(lic) for lic in session.scalars(query)]


def _get_licence(session: Session, principal: Principal, licence_id: str) -> Licence:
    _require_reader(principal)
    lic = session.get(Licence, licence_id)
    if lic is None or not _licence_visible(principal, lic):
        raise NotFound(f"no licence with id {licence_id!r}", code=ErrorCode.LICENCE_NOT_FOUND)
    return lic


def get_licence(session: Session, *, principal: Principal, licence_id: str) -> LicenceIn:
    return licence_out(_get_licence(session, principal, licence_id))


def save_licence(
    session: Session, *, principal: Principal, data: LicenceIn, create: bool
) -> LicenceIn:
    _require_writer(principal)
    if create and session.get(Licence, data.id) is not None:
        raise Conflict(
            f"licence {data.id!r} already exists", code=ErrorCode.ALREADY_EXISTS, loc=("id",)
        )
    if not create:
        old = _get_licence(session, principal, data.id)
        _own(principal, old.licensor_id, "licensor")
        ensure_writable(session, old.licensor_id)
    _own(principal, data.licensor, "licensor")
    ensure_writable(session, data.licensor)
    _managed_licensee(session, principal, data)
    _write_one(session, RegistryDocument(licences=[data]), "licences")
    row = _apply_licence(session, data)
    session.flush()
    _bump_revision(session)
    return licence_out(row)


def _managed_licensee(session: Session, principal: Principal, data: LicenceIn) -> None:
    """A licence goes to a licensee the licensor manages, and its authorised sellers are the
    licensor's or nobody's: an NOC cannot attach itself to another NOC's licensee (and then
    see its products or register products for it) by granting it a licence."""
    if principal.is_admin:
        return
    if session.get(Party, data.licensee) is not None and not manages(
        session, principal, data.licensee
    ):
        raise Forbidden(
            f"{data.licensee} is not managed by {principal.party_id}: only its managing "
            "party (or the IOC) grants it licences",
            code=ErrorCode.NOT_YOUR_LICENSEE,
            loc=("licensee",),
        )
    for j, seller in enumerate(data.sellers):
        party = session.get(Party, seller)
        if party is not None and party.managed_by_id not in (None, principal.party_id):
            raise Forbidden(
                f"{seller} is managed by another party",
                code=ErrorCode.NOT_YOUR_LICENSEE,
                loc=("sellers", j),
            )


def delete_licence(session: Session, *, principal: Principal, licence_id: str) -> None:
    _require_writer(principal)
    lic = _get_licence(session, principal, licence_id)
    _own(principal, lic.licensor_id, "licensor")
    ensure_writable(session, lic.licensor_id)
    session.delete(lic)
    session.flush()
    _bump_revision(session)


# --------------------------------------------------------------------------- image bank


def list_images(session: Session, *, principal: Principal) -> list[OfficialImageIn]:
    """The official photos of the licences the principal may see."""
    _require_reader(principal)
    rows = session.scalars(select(OfficialImage).order_by(OfficialImage.id))
    return [
        image_out(row)
        for row in rows
        if principal.is_admin
        or _licence_visible(principal, session.get_one(Licence, row.licence_id))
    ]


def save_images(
    session: Session, *, principal: Principal, images: Sequence[OfficialImageIn]
) -> list[OfficialImageIn]:
    """Create or replace official photos; the licence's licensor (or an admin) adds them. An
    existing photo is replaced only by whoever may change it (its licence's licensor): one
    the principal may not see is NotFound, as if it did not exist."""
    _require_writer(principal)
    for image in images:
        if (row := session.get(OfficialImage, image.id)) is not None:
            _own_image(session, principal, row)
        lic = session.get(Licence, image.licence)
        if lic is not None:
            _own(principal, lic.licensor_id, "licence")
            ensure_writable(session, lic.licensor_id)
    import_document(session, RegistryDocument(images=list(images)))
    return [image_out(session.get_one(OfficialImage, i.id)) for i in images]


def delete_image(session: Session, *, principal: Principal, image_id: str) -> None:
    _require_writer(principal)
    row = session.get(OfficialImage, image_id)
    if row is None:
        raise NotFound(f"no image with id {image_id!r}", code=ErrorCode.IMAGE_NOT_FOUND)
    _own_image(session, principal, row)
    session.delete(row)
    session.flush()
    _bump_revision(session)


def _own_image(session: Session, principal: Principal, row: OfficialImage) -> None:
    """The principal may change this bank photo: NotFound when it may not see it (another
    tenant's), Forbidden when it sees it but is not its licence's licensor."""
    lic = session.get_one(Licence, row.licence_id)
    if not _licence_visible(principal, lic):
        raise NotFound(f"no image with id {row.id!r}", code=ErrorCode.IMAGE_NOT_FOUND)
    _own(principal, lic.licensor_id, "licence")
    ensure_writable(session, lic.licensor_id)


def list_editions(session: Session) -> list[EditionIn]:
    return [edition_out(e) for e in session.scalars(_EDITION_ORDER)]


def list_categories(session: Session) -> list[CategoryIn]:
    return [category_out(c) for c in _by_depth_rows(session)]


def licences_in_force(
    session: Session, *, party_id: str, on: date
) -> tuple[str | None, list[LicenceIn]]:
    """Public: the licences a party holds or sells under that are in force on ``on`` (active
    and dated), each cut down to what its licensor can grant (its marks and territories, as
    ``authorize`` decides); the party's name only when at least one remains. Says nothing of
    other parties, not even whether they exist."""
    query = (
        select(Licence)
        .where(_held_or_sold_by(party_id))
        .where(Licence.status == LicenceStatus.active)
        .where(Licence.valid_from <= on, Licence.valid_until >= on)
        .order_by(Licence.id)
    )
    in_force = []
    for lic in session.scalars(query):
        # Show what the licensor can grant, as `authorize` decides it: its marks and territories.
        licensor = session.get_one(Party, lic.licensor_id)
        owners = {m.id: (m.owner_id, m.edition_id) for m in lic.marks}
        rights, where = licensor_rights(party_out(licensor), owners, owners)
        out = licence_out(lic)
        territories = out.territories
        if where is not None:
            territories = sorted(where if WORLDWIDE in territories else set(territories) & where)
        marks = [m for m in out.marks if m in rights]
        if marks and territories:
            in_force.append(out.model_copy(update={"marks": marks, "territories": territories}))
    if not in_force:
        return None, []
    return session.get_one(Party, party_id).name, in_force


def _held_or_sold_by(party_id: str) -> ColumnElement[bool]:
    return or_(
        Licence.licensee_id == party_id,
        Licence.id.in_(
            select(licence_sellers.c.licence_id).where(licence_sellers.c.party_id == party_id)
        ),
    )
