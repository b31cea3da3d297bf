"""What every request body shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class InputModel(BaseModel):
    """A request body: unknown fields are refused, surrounding whitespace is dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
