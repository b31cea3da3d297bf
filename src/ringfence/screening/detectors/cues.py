"""Counterfeit cue words. Word cues ("replica", "高仿") are terms of the one automaton pass;
cues made of symbols and digits ("1:1", "AAA+") are matched here on the lower-cased text, only
for listings that use an Olympic property."""

from __future__ import annotations

import re


class SymbolicCues:
    name = "cues"
    inputs = ("title", "description")

    def __init__(self, cues: list[tuple[str, float]]) -> None:
        self._scores = dict(cues)
        ordered = sorted(self._scores, key=len, reverse=True)  # "aaa+" before "aaa"
        alternation = "|".join(re.escape(c) for c in ordered) or "(?!)"
        self._regex = re.compile(rf"(?<![\w+])(?:{alternation})(?![\w+])")

    def find(self, text: str) -> list[tuple[int, int, str, float]]:
        lowered = text.lower()
        if len(lowered) != len(text):  # lower() changed the length: offsets would not hold
            lowered = "".join(c.lower()[:1] or c for c in text)
        return [
            (m.start(), m.end(), m.group(0), self._scores[m.group(0)])
            for m in self._regex.finditer(lowered)
        ]
