"""What detectors return: immutable findings that explain themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Finding:
    detector: str  # "terms", "fuzzy", "cues", "rings", "price", "image_reuse", "ring_symbol"...
    rule: str  # e.g. "variant:word-olympic:en", "cue:replica", "price_too_low"
    score: float  # in [0, 1]: how strongly this alone says "Olympic property" or "fake"
    field: str  # "title" or "description"; "price" for the price detector; "image"
    text: str  # the matched text as written in the listing
    start: int  # offsets into the field as written
    end: int
    mark: str | None = None  # the Olympic property, when the finding is one
    exception: str | None = None  # the exception that covers it ("place_name: Olympic Peninsula")
    weak: bool = False  # fuzzy, mid-word or ambiguous-with-context: review rather than verdict
    sense: float | None = None  # text mentions: the sense model's P(olympic) (screening/sense.py)
    context: tuple[str, ...] = ()  # the context words that decided the sense
    image: str | None = None  # image findings: the image reference as given in image_paths
    box: tuple[int, int, int, int] | None = None  # the region: x0, y0, x1, y1 in its pixels
    licence: str | None = None  # official image reuse: the licence of the official photo
    # the evasion the candidate stage saw through ("spaced", "multi_letter", "leet", "affix",
    # "described", "nickname", "homoglyph", "misspelling"); None for a plain mention
    evasion: str | None = None

    @classmethod
    def in_image(cls, detector: str, rule: str, score: float, ref: str, **more: Any) -> Finding:
        """A finding in listing image ``ref`` (no text, no offsets; ``box`` and the rest in
        ``more``)."""
        return cls(detector, rule, score, "image", ref, 0, 0, image=ref, **more)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "detector": self.detector,
            "rule": self.rule,
            "score": round(self.score, 3),
            "field": self.field,
            "text": self.text,
            "start": self.start,
            "end": self.end,
        }
        if self.mark:
            out["mark"] = self.mark
        if self.exception:
            out["exception"] = self.exception
        if self.weak:
            out["weak"] = True
        if self.sense is not None:
            out["sense"] = round(self.sense, 3)
        if self.context:
            out["context"] = list(self.context)
        if self.image is not None:
            out["image"] = self.image
        if self.box is not None:
            out["box"] = list(self.box)
        if self.licence is not None:
            out["licence"] = self.licence
        if self.evasion is not None:
            out["evasion"] = self.evasion
        return out
