"""The five-ring symbol drawn with emoji: five rings in a row (⭕⭕⭕⭕⭕), or five coloured
circles of at least three colours (🔵⚫🔴🟡🟢). Rating dots (●●●○○) are neither. (Ring
descriptions in words are terms, matched with the marks.)"""

from __future__ import annotations

import re

RINGS = "⭕◯❍"
COLOURED = "🔵⚫🔴🟡🟢⚪🟠🟣🟤"
_FIVE = re.compile("(?:[" + RINGS + COLOURED + "]\ufe0f?[ \u200d]?){5}")


def find_emoji_rings(text: str) -> list[tuple[int, int]]:
    if text.isascii():
        return []
    out = []
    for m in _FIVE.finditer(text):
        circles = [c for c in m.group(0) if c in RINGS or c in COLOURED]
        rings = [c for c in circles if c in RINGS]
        if len(rings) == 5 or (not rings and len(set(circles)) >= 3):
            out.append((m.start(), m.end()))
    return out
