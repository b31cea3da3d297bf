"""Request and response shapes of the authenticity API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from ringfence.authenticity.codes import gtin14, is_ai_value
from ringfence.authenticity.enums import BatchStatus, KeyStatus, ScanReason, ScanStatus
from ringfence.core.errors import InvalidInput
from ringfence.core.schemas import InputModel, RowOut, UtcDatetime, column
from ringfence.registry.schemas import _check_territory

MAX_BATCH = 1_000_000


def valid_gtin(value: str) -> str:
    try:
        return gtin14(value)
    except InvalidInput as exc:  # pydantic wants a ValueError
        raise ValueError(exc.msg) from None


def _lot(value: str | None) -> str | None:
    if value is not None and not is_ai_value(value):
        raise ValueError("the batch/lot (AI 10) must be 1 to 20 characters of GS1 set 82")
    return value


class ProductIn(InputModel):
    gtin: str = Field(description="GTIN-8/12/13/14 with a valid check digit; kept as GTIN-14.")
    name: str = Field(min_length=1, max_length=500)
    licensee: str = Field(min_length=1, max_length=100, description="Party id of the maker.")
    category: str = Field(min_length=1, max_length=100)
    marks: list[str] = Field(min_length=1, max_length=50)

    _check_gtin = field_validator("gtin")(valid_gtin)


class ProductOut(RowOut):
    gtin: str
    name: str
    licensee: str = column("licensee_id")
    category: str = column("category_id")
    marks: list[str]
    created_at: datetime


class IssueIn(InputModel):
    gtin: str
    count: int = Field(ge=1, le=MAX_BATCH)
    lot: str | None = Field(default=None, description="Optional batch/lot (GS1 AI 10).")

    _check_gtin = field_validator("gtin")(valid_gtin)
    _check_lot = field_validator("lot")(_lot)


class BatchOut(RowOut):
    id: str
    gtin: str
    lot: str | None
    licence: str = column("licence_id")
    licensor: str = column("licensor_id")
    licensee: str = column("licensee_id")
    key_id: str
    count: int
    status: BatchStatus
    created_at: datetime
    recalled_at: datetime | None
    recall_reason: str | None


class RecallIn(InputModel):
    reason: str = Field(min_length=1, max_length=500)


class SoldIn(InputModel):
    country: str = Field(description="ISO 3166-1 alpha-2 country of the sale.")
    at: UtcDatetime | None = Field(default=None, description="When; now if omitted.")

    _check_country = field_validator("country")(_check_territory)


class KeyOut(BaseModel):
    id: str
    party: str
    status: KeyStatus
    public_key: str = Field(description="Raw Ed25519 public key, base64url.")
    created_at: datetime
    retired_at: datetime | None
    revoked_at: datetime | None


class RevokeKeyIn(InputModel):
    reason: str = Field(min_length=1, max_length=500)


class JwkOut(BaseModel):
    """RFC 8037 OKP key, with the licensor and the key's status added."""

    kty: str = "OKP"
    crv: str = "Ed25519"
    kid: str
    x: str
    use: str = "sig"
    party: str
    status: KeyStatus


class JwksOut(BaseModel):
    keys: list[JwkOut]


class BulkVerifyIn(InputModel):
    codes: list[str] = Field(
        min_length=1, max_length=1000, description="Printed code URIs (GS1 Digital Link)."
    )
    country: str | None = Field(default=None, description="Where the goods are offered.")

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return None if value is None else _check_territory(value)


class VerifyOut(BaseModel):
    status: ScanStatus
    reason: ScanReason
    message: str
    gtin: str
    serial: str
    lot: str | None = None
    product: str | None = None
    licensor: str | None = None
    licensee: str | None = None
    checked_at: datetime


class ScanOut(BaseModel):
    scanned_at: datetime
    status: ScanStatus
    reason: ScanReason
    country: str | None
    ip_prefix: str | None
    device: str | None
