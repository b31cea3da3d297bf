"""A JSON request body read once and validated in one pass by pydantic-core, for the routes
that take large batches (``POST /v1/screen``, ``POST /v1/cases/screen``).

FastAPI decodes a body with the standard library's ``json.loads`` and then validates the
Python objects against the route's model (a model object per listing). ``JsonBody`` validates
the bytes straight into plain dicts and lists (``TypeAdapter.validate_json`` of a TypedDict,
which builds no model object), the values the engine takes.

A body the fast pass refuses is read again the way FastAPI reads it (content type, the
standard library's decoder, the route's model), so every refusal keeps its status, code,
message and location: a client cannot tell the two apart, only the time differs. The fast
shape must therefore accept no body the model refuses (a test sends both the same bodies).
"""

from __future__ import annotations

import email.message
import json
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request


class JsonBody:
    """``fast``: a TypedDict (or other plain shape) that accepts exactly what ``model``
    accepts, in the form the route wants; ``model``: the route's documented body model."""

    def __init__(self, fast: Any, model: Any) -> None:
        self.fast: TypeAdapter[Any] = TypeAdapter(fast)
        self.model: TypeAdapter[Any] = TypeAdapter(model)

    async def read(self, request: Request) -> Any:
        body = await request.body()  # the body guard (web/limits.py) bounds it
        content_type = request.headers.get("content-type")
        if body and _is_json(content_type):
            try:
                return self.fast.validate_json(body)
            except ValidationError:
                pass  # refused (or written in a way only the standard decoder takes): below
        value = self.validated(body, content_type)
        return self.fast.validate_python(value)

    def validated(self, body: bytes, content_type: str | None) -> Any:
        """What FastAPI makes of ``body`` (a JSON route, strict content type): its decoded
        value when the model takes it, else the same error FastAPI raises."""
        value: Any = _MISSING
        if body:
            value = body  # not JSON by its content type: validated as bytes, and refused
            if _is_json(content_type):
                try:
                    value = json.loads(body)
                except json.JSONDecodeError as exc:
                    raise RequestValidationError(
                        [
                            {
                                "type": "json_invalid",
                                "loc": ("body", exc.pos),
                                "msg": "JSON decode error",
                                "input": {},
                                "ctx": {"error": exc.msg},
                            }
                        ],
                        body=exc.doc,
                    ) from exc
                except Exception as exc:  # bad encoding: FastAPI's 400
                    raise HTTPException(
                        status_code=400, detail="There was an error parsing the body"
                    ) from exc
        if value is _MISSING:
            raise RequestValidationError(
                [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
            )
        try:
            self.model.validate_python(value, from_attributes=True)  # as FastAPI validates
        except ValidationError as exc:
            raise RequestValidationError(
                [
                    {**error, "loc": ("body", *error["loc"])}
                    for error in exc.errors(include_url=False)
                ],
                body=value,
            ) from exc
        return value


_MISSING: Any = object()


def _is_json(content_type: str | None) -> bool:
    """FastAPI's test: ``application/json`` or ``application/*+json``, parameters allowed."""
    if not content_type:
        return False
    if content_type == "application/json":  # the usual case without the parser
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")
