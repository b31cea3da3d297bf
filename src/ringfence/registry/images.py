"""The image bank: the reference images of licensed products."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.errors import NotFound
from ringfence.core.security import Principal
from ringfence.registry._common import _licence_visible, _own, _require_reader, _require_writer
from ringfence.registry.archive import ensure_writable
from ringfence.registry.documents import import_document
from ringfence.registry.error_codes import ErrorCode
from ringfence.registry.mapping import image_out
from ringfence.registry.models import Licence, OfficialImage
from ringfence.registry.revisions import _bump_revision
from ringfence.registry.schemas import OfficialImageIn, RegistryDocument

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
