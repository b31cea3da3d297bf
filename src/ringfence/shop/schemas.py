"""Request and response shapes of the shop API."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, Field, field_validator, model_validator

from ringfence.authenticity.schemas import valid_gtin
from ringfence.core.money import MINOR_UNITS
from ringfence.core.schemas import InputModel, RowOut
from ringfence.registry.schemas import _check_territory
from ringfence.shop.enums import OfferStatus, OrderStatus

MAX_QUANTITY = 100
MAX_MINOR = 10**12 - 1  # a price in minor units
MAX_ID = 2**53  # offer ids: bigint on PostgreSQL, safe in JSON


class StorefrontIn(InputModel):
    id: str = Field(description="The owning rights holder's party id (IOC, NOC:NED...).")
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(description="ISO 4217 code of the store's prices.")
    ships_to: list[str] = Field(min_length=1, max_length=250)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if value not in MINOR_UNITS:
            raise ValueError(f"{value!r} is not a currency the shop sells in")
        return value

    @field_validator("ships_to")
    @classmethod
    def _territories(cls, values: list[str]) -> list[str]:
        return sorted({_check_territory(v) for v in values})


class StorefrontOut(RowOut):
    id: str
    name: str
    currency: str
    ships_to: list[str]
    open: bool


_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


def _texts(values: dict[str, str], longest: int) -> dict[str, str]:
    for lang, value in values.items():
        if _LANG.fullmatch(lang) is None:
            raise ValueError(f"{lang!r} is not a language tag (en, fr, zh-Hans...)")
        if not value.strip() or len(value) > longest:
            raise ValueError(f"the {lang} text must be 1 to {longest} characters")
    return values


class OfferIn(InputModel):
    gtin: str = Field(description="A registered licensed product (see /v1/products).")
    titles: dict[str, str] = Field(min_length=1, description="Language tag -> title.")
    descriptions: dict[str, str] = Field(default_factory=dict)
    images: list[str] = Field(default_factory=list, max_length=20)
    price_minor: int = Field(
        gt=0, le=MAX_MINOR, description="In the store's currency, minor units."
    )
    stock: int = Field(ge=0, lt=10**9)

    _check_gtin = field_validator("gtin")(valid_gtin)

    @field_validator("titles")
    @classmethod
    def _titles(cls, values: dict[str, str]) -> dict[str, str]:
        return _texts(values, 300)

    @field_validator("descriptions")
    @classmethod
    def _descriptions(cls, values: dict[str, str]) -> dict[str, str]:
        return _texts(values, 5000)


class OfferOut(BaseModel):
    id: int
    storefront: str
    gtin: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    images: list[str]
    price_minor: int
    currency: str
    stock: int
    status: OfferStatus
    status_reason: str | None
    licence: str | None


class StockIn(InputModel):
    stock: int = Field(ge=0, lt=10**9)


_POSTCODES = {
    "US": r"\d{5}(-\d{4})?",
    "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
    "NL": r"\d{4} ?[A-Z]{2}",
    "FR": r"\d{5}",
    "DE": r"\d{5}",
    "IT": r"\d{5}",
    "ES": r"\d{5}",
    "JP": r"\d{3}-?\d{4}",
    "CN": r"\d{6}",
    "AU": r"\d{4}",
    "BR": r"\d{5}-?\d{3}",
}


class AddressIn(InputModel):
    name: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str

    _check_country = field_validator("country")(_check_territory)

    @model_validator(mode="after")
    def _postal_code(self) -> AddressIn:
        pattern = _POSTCODES.get(self.country)
        if pattern and re.fullmatch(pattern, self.postal_code.upper()) is None:
            raise ValueError(f"{self.postal_code!r} is not a postal code of {self.country}")
        return self


class LineIn(InputModel):
    offer: int = Field(ge=1, le=MAX_ID)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class CheckoutIn(InputModel):
    lines: list[LineIn] = Field(min_length=1, max_length=50)
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    ship_to: AddressIn
    payment_token: str = Field(min_length=1, max_length=200)

    @field_validator("lines")
    @classmethod
    def _distinct(cls, lines: list[LineIn]) -> list[LineIn]:
        if len({line.offer for line in lines}) != len(lines):
            raise ValueError("each offer may appear once; give it a quantity")
        return lines


class OrderLineOut(BaseModel):
    offer: int
    gtin: str
    quantity: int
    unit_price_minor: int
    line_total_minor: int
    licence: str
    code_batch: str | None


class OrderOut(BaseModel):
    id: str
    storefront: str
    status: OrderStatus
    status_reason: str | None
    currency: str
    total_minor: int
    lines: list[OrderLineOut]
    reserved_until: datetime
    created_at: datetime


class RefundIn(InputModel):
    reason: str = Field(min_length=1, max_length=200)


class StatementLine(BaseModel):
    licensee: str
    currency: str
    sales_minor: int
    royalty_minor: int
    entries: int


class StatementOut(BaseModel):
    licensor: str
    period: str
    start: datetime
    end: datetime
    lines: list[StatementLine]
    totals: dict[str, int] = Field(description="Royalty per currency: equals the ledger.")
