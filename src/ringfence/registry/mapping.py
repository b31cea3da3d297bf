"""ORM <-> schema: the registry's rows as their output models, and input models applied to rows."""

from __future__ import annotations

import base64
from decimal import Decimal

from sqlalchemy.orm import Session

from ringfence.core.db import utcnow
from ringfence.core.states import declare
from ringfence.registry.enums import EDITION, LICENCE, Channel
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
    VariantIn,
)

RATE_QUANTUM = Decimal("0.0001")  # royalty rates are stored with four decimal places


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
