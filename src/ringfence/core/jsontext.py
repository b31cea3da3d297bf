"""JSON text from outside, parsed with a bound on nesting: ``json.loads`` recurses once per
level and a few thousand brackets end in a RecursionError (a traceback, or a 500). The depth is
measured first (strings skipped), in C-speed regular expressions, then the text is parsed."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64  # far beyond any document ringfence reads or writes
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def depth(text: str | bytes) -> int:
    """The deepest nesting of arrays and objects in ``text`` (0 for a scalar); unbalanced text
    is measured as far as it goes (the parser then says what is wrong)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    deepest = level = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", raw)):
        if match.group() in (b"[", b"{"):
            level += 1
            deepest = max(deepest, level)
        else:
            level -= 1
    return deepest


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads``, refusing text nested deeper than ``max_depth`` with a ValueError (as it
    refuses text that is not JSON)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    opened = raw.count(b"[") + raw.count(b"{")  # no deeper than that: most text ends here
    if opened > max_depth and depth(raw) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    return json.loads(text)
