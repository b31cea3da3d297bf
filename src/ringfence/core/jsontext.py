"""JSON from outside (a cell, a line of an upload): parsed without letting its shape crash us."""

from __future__ import annotations

import json
from typing import Any


class JsonTooDeep(ValueError):
    """The text nests arrays or objects deeper than the parser can follow."""


def loads(text: str | bytes) -> Any:
    """``json.loads``, with nesting too deep to parse (a thousand ``[``) refused as a
    ``ValueError`` like any other malformed JSON instead of escaping as a ``RecursionError``.
    Callers catch ``ValueError`` (which also covers ``json.JSONDecodeError`` and bad UTF-8)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise JsonTooDeep("the JSON is nested too deeply") from None
