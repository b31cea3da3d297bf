"""JSON API of the registry: parties, marks, licences, editions, categories and the decision."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, Field

from ringfence.core.errors import InvalidInput
from ringfence.registry import service
from ringfence.registry.enums import PartyKind
from ringfence.registry.schemas import (
    AuthorizeRequest,
    AuthorizeResponse,
    CategoryIn,
    EditionIn,
    Id,
    LicenceIn,
    MarkDecisionOut,
    MarkIn,
    OfficialImageIn,
    PartyIn,
    Text,
)
from ringfence.screening.bank import official_image
from ringfence.web.deps import CurrentPrincipal, IndexDep, SessionDep
from ringfence.web.error_codes import ErrorCode

router = APIRouter(prefix="/v1")
PathId = Annotated[str, Path(max_length=100)]


def _same_id(path_id: str, body_id: str) -> None:
    if path_id != body_id:
        raise InvalidInput(
            f"the body's id {body_id!r} differs from the path's {path_id!r}",
            code=ErrorCode.ID_MISMATCH,
            loc=("id",),
        )


# ------------------------------------------------------------------ parties


@router.get("/parties", response_model=list[PartyIn], tags=["parties"])
def list_parties(
    session: SessionDep, principal: CurrentPrincipal, kind: PartyKind | None = None
) -> list[PartyIn]:
    return service.list_parties(session, principal=principal, kind=kind)


@router.post(
    "/parties", response_model=PartyIn, status_code=status.HTTP_201_CREATED, tags=["parties"]
)
def create_party(session: SessionDep, principal: CurrentPrincipal, body: PartyIn) -> PartyIn:
    return service.save_party(session, principal=principal, data=body, create=True)


@router.get("/parties/{party_id}", response_model=PartyIn, tags=["parties"])
def get_party(session: SessionDep, principal: CurrentPrincipal, party_id: PathId) -> PartyIn:
    return service.get_party(session, principal=principal, party_id=party_id)


@router.put("/parties/{party_id}", response_model=PartyIn, tags=["parties"])
def replace_party(
    session: SessionDep,
    principal: CurrentPrincipal,
    party_id: PathId,
    body: PartyIn,
) -> PartyIn:
    _same_id(party_id, body.id)
    return service.save_party(session, principal=principal, data=body, create=False)


@router.delete("/parties/{party_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["parties"])
def delete_party(session: SessionDep, principal: CurrentPrincipal, party_id: PathId) -> Response:
    service.delete_party(session, principal=principal, party_id=party_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------ marks


@router.get("/marks", response_model=list[MarkIn], tags=["marks"])
def list_marks(session: SessionDep, principal: CurrentPrincipal) -> list[MarkIn]:
    return service.list_marks(session, principal=principal)


@router.post("/marks", response_model=MarkIn, status_code=status.HTTP_201_CREATED, tags=["marks"])
def create_mark(session: SessionDep, principal: CurrentPrincipal, body: MarkIn) -> MarkIn:
    return service.save_mark(session, principal=principal, data=body, create=True)


@router.get("/marks/{mark_id}", response_model=MarkIn, tags=["marks"])
def get_mark(session: SessionDep, principal: CurrentPrincipal, mark_id: PathId) -> MarkIn:
    return service.get_mark(session, principal=principal, mark_id=mark_id)


@router.put("/marks/{mark_id}", response_model=MarkIn, tags=["marks"])
def replace_mark(
    session: SessionDep,
    principal: CurrentPrincipal,
    mark_id: PathId,
    body: MarkIn,
) -> MarkIn:
    _same_id(mark_id, body.id)
    return service.save_mark(session, principal=principal, data=body, create=False)


@router.delete("/marks/{mark_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["marks"])
def delete_mark(session: SessionDep, principal: CurrentPrincipal, mark_id: PathId) -> Response:
    service.delete_mark(session, principal=principal, mark_id=mark_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------ licences


@router.get("/licences", response_model=list[LicenceIn], tags=["licences"])
def list_licences(session: SessionDep, principal: CurrentPrincipal) -> list[LicenceIn]:
    return service.list_licences(session, principal=principal)


@router.post(
    "/licences", response_model=LicenceIn, status_code=status.HTTP_201_CREATED, tags=["licences"]
)
def create_licence(session: SessionDep, principal: CurrentPrincipal, body: LicenceIn) -> LicenceIn:
    return service.save_licence(session, principal=principal, data=body, create=True)


@router.get("/licences/{licence_id}", response_model=LicenceIn, tags=["licences"])
def get_licence(session: SessionDep, principal: CurrentPrincipal, licence_id: PathId) -> LicenceIn:
    return service.get_licence(session, principal=principal, licence_id=licence_id)


@router.put("/licences/{licence_id}", response_model=LicenceIn, tags=["licences"])
def replace_licence(
    session: SessionDep,
    principal: CurrentPrincipal,
    licence_id: PathId,
    body: LicenceIn,
) -> LicenceIn:
    _same_id(licence_id, body.id)
    return service.save_licence(session, principal=principal, data=body, create=False)


@router.delete("/licences/{licence_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["licences"])
def delete_licence(
    session: SessionDep, principal: CurrentPrincipal, licence_id: PathId
) -> Response:
    service.delete_licence(session, principal=principal, licence_id=licence_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------ decision


@router.post("/authorize", response_model=AuthorizeResponse, tags=["decision"])
def authorize(
    principal: CurrentPrincipal, index: IndexDep, body: AuthorizeRequest
) -> AuthorizeResponse:
    """May ``seller`` sell a product of ``category`` bearing ``marks`` in ``territory`` through
    ``channel`` on ``on``? Every role may ask."""
    on = body.on or datetime.now(UTC).date()
    result = index.authorize_many(
        body.seller, body.marks, body.category, body.territory, body.channel.value, on
    )
    return AuthorizeResponse(
        allowed=result.allowed,
        reasons=[r.value for r in result.reasons],
        licences=list(result.licences),
        marks=[
            MarkDecisionOut(
                mark=d.mark,
                allowed=d.allowed,
                reasons=[r.value for r in d.reasons],
                licence=d.licence,
            )
            for d in result.marks
        ],
        registry_version=index.version,
    )


# ------------------------------------------------------------------ public


@router.get("/editions", response_model=list[EditionIn], tags=["public"])
def list_editions(session: SessionDep) -> list[EditionIn]:
    """Every Games edition (public)."""
    return service.list_editions(session)


@router.get("/categories", response_model=list[CategoryIn], tags=["public"])
def list_categories(session: SessionDep) -> list[CategoryIn]:
    """The product taxonomy (public)."""
    return service.list_categories(session)


class PublicLicence(BaseModel):
    licence: str
    licensor: str
    marks: list[str]
    categories: list[str]
    territories: list[str]
    channels: list[str]
    valid_until: date


class PublicSeller(BaseModel):
    id: str
    name: str | None = Field(description="Shown only for an official seller.")
    official: bool
    licences: list[PublicLicence]


@router.get("/public/sellers/{party_id}", response_model=PublicSeller, tags=["public"])
def public_seller(
    session: SessionDep,
    party_id: Annotated[Id, Path()],
    on: Annotated[date | None, Query(description="Date; today (UTC) if omitted.")] = None,
) -> PublicSeller:
    """For buyers: is this seller an official licensee or authorised seller on a date, and of
    what? Only licences in force are shown, without royalties; for any other id (unknown or
    not licensed) the answer is the same ``official: false``."""
    day = on or datetime.now(UTC).date()
    name, lics = service.licences_in_force(session, party_id=party_id, on=day)
    return PublicSeller(
        id=party_id,
        name=name,
        official=bool(lics),
        licences=[
            PublicLicence(
                licence=lic.id,
                licensor=lic.licensor,
                marks=lic.marks,
                categories=lic.categories,
                territories=lic.territories,
                channels=[c.value for c in lic.channels],
                valid_until=lic.valid_until,
            )
            for lic in lics
        ],
    )


# ------------------------------------------------------------------ image bank

MAX_PHOTO_BYTES = 10 * 1024 * 1024


class BankPhotoIn(BaseModel):
    """An official product photo to hash into the image bank (the photo itself is not kept)."""

    id: Id
    product: Text
    licence: Id
    image_base64: str = Field(
        max_length=MAX_PHOTO_BYTES * 4 // 3 + 4, description="The photo file, base64-encoded."
    )
    source: str | None = Field(default=None, max_length=1000)


@router.get("/bank/images", response_model=list[OfficialImageIn], tags=["image bank"])
def list_bank_images(session: SessionDep, principal: CurrentPrincipal) -> list[OfficialImageIn]:
    return service.list_images(session, principal=principal)


@router.post(
    "/bank/images",
    response_model=OfficialImageIn,
    status_code=status.HTTP_201_CREATED,
    tags=["image bank"],
)
def add_bank_image(
    session: SessionDep, principal: CurrentPrincipal, body: BankPhotoIn
) -> OfficialImageIn:
    """Hash an official photo (PDQ and its views) into the bank, for its licence."""
    try:
        data = base64.b64decode(body.image_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "image_base64 is not base64", code=ErrorCode.INVALID_BASE64, loc=("image_base64",)
        ) from None
    lic = service.get_licence(session, principal=principal, licence_id=body.licence)
    image = official_image(
        data, id=body.id, product=body.product, licence=lic.id, licensee=lic.licensee,
        source=body.source,
    )  # fmt: skip
    [out] = service.save_images(session, principal=principal, images=[image])
    return out


@router.delete(
    "/bank/images/{image_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["image bank"]
)
def delete_bank_image(
    session: SessionDep, principal: CurrentPrincipal, image_id: PathId
) -> Response:
    service.delete_image(session, principal=principal, image_id=image_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
