"""Validation of a registry document (or one record) against itself and the database."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ringfence.core.db import Base
from ringfence.core.errors import ErrorDetail
from ringfence.registry import feature_record
from ringfence.registry.decision import licensor_rights
from ringfence.registry.enums import PartyKind
from ringfence.registry.mapping import category_out, edition_out, licence_out, mark_out, party_out
from ringfence.registry.models import Category, Edition, Licence, Mark, Party
from ringfence.registry.schemas import (
    CategoryIn,
    EditionIn,
    LicenceIn,
    MarkImageIn,
    MarkIn,
    OfficialImageIn,
    PartyIn,
    RegistryDocument,
)

LICENSORS = frozenset({PartyKind.ioc, PartyKind.noc, PartyKind.ocog})


def _features_problem(encoded: str) -> str | None:
    """What is wrong with an image's base64 feature record, or None."""
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return "not base64"
    return feature_record.problem(data)


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
