"""The five-ring symbol drawn with emoji or circle characters: five circles in a row, of any
colours. (Ring descriptions in words are terms, matched with the marks.)"""

from __future__ import annotations

import re

CIRCLES = "⭕◯○●⚪⚫🔴🔵🟡🟢🟠🟣🟤⚬◎◉❍⬤"
_FIVE = re.compile("(?:[" + CIRCLES + "]\ufe0f?[ \u200d]?){5}")


def find_emoji_rings(text: str) -> list[tuple[int, int]]:
    if text.isascii():
        return []
    return [(m.start(), m.end()) for m in _FIVE.finditer(text)]
