"""Pydantic shapes of the registry: one set serves the registry file format and the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Literal

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from ringfence.registry import feature_record
from ringfence.registry.enums import (
    WORLDWIDE,
    Channel,
    EditionStatus,
    ExceptionReason,
    LicenceStatus,
    MarkKind,
    PartyKind,
    Season,
)

Id = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9:._-]*$"),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Lang = Annotated[str, StringConstraints(max_length=35, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
NocCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
# A listing's category as a marketplace gives it (a registry category id, or its own).
ListingCategory = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
]
CategoryId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=100)
]


@lru_cache(maxsize=1)
def iso_territories() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, plus XK (Kosovo, user-assigned but used by the IOC's NOC list)."""
    return frozenset({c.alpha_2 for c in pycountry.countries} | {"XK"})


def _check_territory(value: str) -> str:
    if value not in iso_territories():
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value


def _check_territories(values: list[str]) -> list[str]:
    if not values:
        raise ValueError(f"at least one territory is required ({WORLDWIDE!r} means worldwide)")
    if WORLDWIDE in values:
        if len(values) > 1:
            raise ValueError(f"{WORLDWIDE!r} (worldwide) cannot be combined with countries")
        return values
    for v in values:
        _check_territory(v)
    if len(set(values)) != len(values):
        raise ValueError("territories are listed twice")
    return sorted(values)


Territory = Annotated[str, AfterValidator(_check_territory)]
Territories = Annotated[list[str], AfterValidator(_check_territories)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class EditionIn(_Model):
    id: Id
    name: Text
    year: int = Field(ge=1896, le=2100)
    season: Season
    host_city: Text
    host_noc: NocCode
    status: EditionStatus
    starts_on: date | None = None
    ends_on: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> EditionIn:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class CategoryIn(_Model):
    id: CategoryId
    parent: str | None = None
    name: Text
    google_product_category: int | None = Field(default=None, ge=1)


class PartyIn(_Model):
    id: Id
    kind: PartyKind
    name: Text
    noc_code: NocCode | None = None
    territory: Territory | None = None
    edition: Id | None = None
    managed_by: Id | None = None

    @model_validator(mode="after")
    def _by_kind(self) -> PartyIn:
        if self.kind is PartyKind.noc and not (self.noc_code and self.territory):
            raise ValueError("an NOC needs noc_code and territory")
        if self.kind is not PartyKind.noc and self.noc_code:
            raise ValueError("only an NOC has a noc_code")
        if self.kind is PartyKind.ocog and not self.edition:
            raise ValueError("an organising committee (ocog) needs its edition")
        if self.kind is not PartyKind.ocog and self.edition:
            raise ValueError("only an organising committee (ocog) has an edition")
        return self


class VariantIn(_Model):
    lang: Lang
    text: Text


class ExceptionIn(_Model):
    id: int | None = Field(
        default=None,
        ge=1,
        description="Assigned by the registry; kept when the mark is saved with it again.",
    )
    text: Text
    reason: ExceptionReason
    territories: Territories = Field(default_factory=lambda: [WORLDWIDE])
    category: ListingCategory | None = Field(
        default=None,
        description="Only listings in this category (or below it, for a registry category id "
        "such as apparel.clothing); None: every category.",
    )
    note: str | None = None
    created_by: str | None = Field(default=None, max_length=200)
    case: int | None = Field(default=None, ge=1, description="The case it was made from.")


class MarkIn(_Model):
    id: Id
    kind: MarkKind
    name: Text
    owner: Id
    edition: Id | None = None
    territories: Territories = Field(default_factory=lambda: [WORLDWIDE])
    valid_from: date | None = None
    valid_until: date | None = None
    variants: list[VariantIn] = Field(default_factory=list)
    exceptions: list[ExceptionIn] = Field(default_factory=list)
    notes: str | None = None

    @model_validator(mode="after")
    def _check(self) -> MarkIn:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        seen = set()
        for v in self.variants:
            if (v.lang, v.text) in seen:
                raise ValueError(f"variant {v.text!r} ({v.lang}) is listed twice")
            seen.add((v.lang, v.text))
        ids = [x.id for x in self.exceptions if x.id is not None]
        if len(set(ids)) != len(ids):
            raise ValueError("an exception id is listed twice")
        return self


Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=7, decimal_places=4)]


class LicenceIn(_Model):
    id: Id
    licensor: Id
    licensee: Id
    status: LicenceStatus = LicenceStatus.active
    valid_from: date
    valid_until: date
    royalty_rate: Rate = Decimal("0")
    marks: list[Id] = Field(min_length=1)
    categories: list[str] = Field(min_length=1)
    territories: Territories
    channels: list[Channel] = Field(min_length=1)
    sellers: list[Id] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> LicenceIn:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        for name in ("marks", "categories", "channels", "sellers"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} lists the same entry twice")
        return self


PdqHex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


MAX_FEATURES = feature_record.MAX_RECORD


class OfficialImageIn(_Model):
    """An official product photo of the image bank (docs/screening.md, "Images")."""

    id: Id
    product: Text = Field(description="The product the photo shows (name, GTIN or SKU).")
    licence: Id = Field(description="The licence the product is made and sold under.")
    licensee: Id = Field(description="The licence's licensee (checked on import).")
    pdq: PdqHex = Field(description="PDQ hash of the photo, 64 lowercase hex digits.")
    quality: int = Field(ge=0, le=100, description="PDQ quality of the photo's hash.")
    cutout: PdqHex | None = Field(
        default=None, description="PDQ hash of the product cut out of its studio background."
    )
    variants: list[PdqHex] = Field(
        default_factory=list, max_length=32, description="PDQ hashes of crops and rotations."
    )
    features: str | None = Field(
        default=None,
        max_length=MAX_FEATURES * 4 // 3 + 4,
        description="The photo's feature record for the second stage of reuse detection "
        "(keypoints, thumbnail, outline; docs/screening.md), base64-encoded. Absent for "
        "photos hashed before it existed: they are matched by PDQ alone.",
    )
    source: str | None = Field(default=None, max_length=1000, description="Where it came from.")


MAX_MARK_IMAGE = 512 * 1024


class MarkImageIn(_Model):
    """A reference image of a figurative mark (an emblem) for the emblem detector."""

    id: Id
    mark: Id
    image_base64: str = Field(
        max_length=MAX_MARK_IMAGE * 4 // 3 + 4,
        description="The reference image (PNG or JPEG, at most 512 KiB), base64-encoded.",
    )
    source: str | None = Field(default=None, max_length=1000)


class RegistryDocument(_Model):
    format: Literal["ringfence-registry"] = "ringfence-registry"
    version: Literal[1] = 1
    editions: list[EditionIn] = Field(default_factory=list)
    categories: list[CategoryIn] = Field(default_factory=list)
    parties: list[PartyIn] = Field(default_factory=list)
    marks: list[MarkIn] = Field(default_factory=list)
    licences: list[LicenceIn] = Field(default_factory=list)
    images: list[OfficialImageIn] = Field(default_factory=list)
    mark_images: list[MarkImageIn] = Field(default_factory=list)


class AuthorizeRequest(_Model):
    seller: Id
    marks: list[Id] = Field(min_length=1, max_length=100)
    category: str
    territory: Territory
    channel: Channel
    on: date | None = Field(default=None, description="Date of sale; today (UTC) when omitted.")


class MarkDecisionOut(BaseModel):
    mark: str
    allowed: bool
    reasons: list[str]
    licence: str | None


class AuthorizeResponse(BaseModel):
    allowed: bool
    reasons: list[str]
    licences: list[str]
    marks: list[MarkDecisionOut]
    registry_version: str
