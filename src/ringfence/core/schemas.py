"""What every request body shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class RowOut(BaseModel):
    """An answer read from an ORM row: ``Answer.model_validate(row)``, no hand-written mapper.
    A field named otherwise than its column names the column with :func:`column`."""

    model_config = ConfigDict(from_attributes=True, validate_by_name=True, validate_by_alias=True)


def column(name: str) -> Any:
    """The ORM attribute a :class:`RowOut` field is read from (``rights_holder`` from
    ``rights_holder_id``); the field's own name is still accepted."""
    return Field(validation_alias=name)


class InputModel(BaseModel):
    """A request body: unknown fields are refused, surrounding whitespace is dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _to_utc(value: datetime) -> datetime:
    # 0001-01-01T00:00:00+14:00 is a valid ISO 8601 time whose UTC instant falls before year 1
    # (and 9999-12-31T23:59:59-14:00 after 9999): Python cannot represent it, so every later
    # comparison or storage would fail. Refused here, as a validation error of the field.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # a time without an offset is read as UTC
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is outside the years 1 to 9999 in UTC") from None


UtcDatetime = Annotated[datetime, AfterValidator(_to_utc)]
"""A point in time in a request, converted to UTC (one without an offset is read as UTC); one
that UTC cannot represent is a 422 (``invalid_value_error``), never a server error. Every request
model that takes a time uses it."""
