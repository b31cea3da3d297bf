"""The five-ring symbol found by a small convolutional network, evaluated in numpy.

The network (trained by ``ringfence vision train``, ``screening/ringnet_train.py``) reads the
picture in 4 x 4 pixel patches (so that a hairline stroke still lands in some patch), then four
3 x 3 convolutions, two of them halving the resolution: each cell of its 16-pixel output grid
sees about 90 pixels around it, a whole symbol of ring radius up to ~14 px. Its one output per
cell is the log-odds that the five rings are there; the picture's score is the largest.

A listing image is read at two sizes: its longer side at ``SIDE`` pixels (never enlarged) and
at half that, so rings of radius ~3-28 px at ``SIDE`` are in range. The finding's box is the
cells scoring near the best one, grown by half the cells' field of view, in the file's pixels.

A network file is a JSON header line (format, layer shapes, the thresholds chosen on the
development set, how it was trained) and float32 arrays. It is checked against a SHA-256 before
it is read (the shipped file's ``SHA256``, or one given with the path); any other file is refused
(``ModelFileMismatch``). numpy only: no deep-learning runtime is needed to screen.

Status (issue 17): no network is shipped yet and screening still uses the geometric detector
(``detectors/ring_symbol.py``); the ones trained so far (3,000 and 5,000
steps) find too few of the development photos with the rings (docs/screening.md).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import numpy.typing as npt

from ringfence.core.errors import InvalidInput
from ringfence.screening.error_codes import ErrorCode
from ringfence.screening.findings import Finding

if TYPE_CHECKING:
    from ringfence.screening.images import DecodedImage

FORMAT = "ringfence-ringnet/1"
PATH = Path(__file__).parent / "data" / "ringnet.bin"
# the shipped file's digest; None while no network is shipped (issue 17: the one trained so far
# falls short of the geometric detector's precision, see docs/screening.md)
SHA256: str | None = None
SIDE = 384
PATCH = 4
STRIDE = 16  # pixels per output cell
FIELD = 92  # pixels each output cell sees
Array = npt.NDArray[np.float32]


class ModelFileMismatch(InvalidInput):
    """A model file whose SHA-256 is not the one expected."""


@dataclass(frozen=True)
class Layer:
    weight: Array  # (k, k, in, out)
    bias: Array
    stride: int


@dataclass(frozen=True, eq=False)
class RingNet:
    layers: tuple[Layer, ...]
    strong: float  # P(rings) at or above: the symbol (a verdict)
    weak: float  # at or above: review
    meta: dict[str, Any]

    def logits(self, rgb: npt.NDArray[np.uint8]) -> Array:
        """The map of log-odds, one per STRIDE x STRIDE cell of ``rgb`` (h x w x 3)."""
        h, w = rgb.shape[:2]
        h, w = h - h % PATCH, w - w % PATCH
        x: Array = np.asarray(rgb[:h, :w], np.float32) * np.float32(1 / 255)
        x -= np.float32(0.5)
        first = self.layers[0]
        c = x.shape[2]
        # 4 x 4 patches, stride 4: a reshape, no copy of overlapping windows
        cols = x.reshape(h // PATCH, PATCH, w // PATCH, PATCH, c).transpose(0, 2, 1, 3, 4)
        y = cols.reshape(-1, PATCH * PATCH * c) @ first.weight.reshape(-1, first.bias.size)
        y += first.bias
        np.maximum(y, 0, out=y)
        x = np.asarray(y.reshape(h // PATCH, w // PATCH, -1), np.float32)
        for i, layer in enumerate(self.layers[1:], 1):
            x = _conv(x, layer)
            if i < len(self.layers) - 1:
                np.maximum(x, 0, out=x)
        return x[:, :, 0]

    def score(self, rgb: npt.NDArray[np.uint8]) -> tuple[float, tuple[int, int, int, int]]:
        """P(rings) of the picture and the box (in ``rgb``'s pixels) of its best region, over
        the two sizes."""
        h, w = rgb.shape[:2]
        best = -math.inf
        box = (0, 0, w, h)
        f = min(1.0, SIDE / max(h, w))
        for scale in (f, f / 2):
            sw, sh = max(PATCH * 4, round(w * scale)), max(PATCH * 4, round(h * scale))
            small = (
                rgb
                if (sw, sh) == (w, h)
                else cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA)
            )
            grid = self.logits(np.asarray(small, np.uint8))
            top = float(grid.max())
            if top > best:
                best = top
                box = _box(grid, top, w / sw, h / sh, w, h)
        return _sigmoid(best), box


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def _conv(x: Array, layer: Layer) -> Array:
    """3 x 3 (or 1 x 1) convolution, zero padding, by one matrix product over gathered
    windows."""
    k, s = layer.weight.shape[0], layer.stride
    out = layer.bias.size
    h, w, _ = x.shape
    if k == 1:
        y = x.reshape(h * w, -1) @ layer.weight.reshape(-1, out) + layer.bias
        return np.asarray(y.reshape(h, w, out), np.float32)
    xp = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    ho, wo = (h + s - 1) // s, (w + s - 1) // s
    cols = np.concatenate(
        [xp[dy : dy + s * ho : s, dx : dx + s * wo : s] for dy in range(k) for dx in range(k)],
        axis=-1,
    )
    y = cols.reshape(ho * wo, -1) @ layer.weight.reshape(-1, out)
    y += layer.bias
    return np.asarray(y.reshape(ho, wo, out), np.float32)


def _box(
    grid: Array, top: float, fx: float, fy: float, w: int, h: int
) -> tuple[int, int, int, int]:
    """The cells within 2 log-odds of the best, as a box in the picture's pixels."""
    ys, xs = np.nonzero(grid >= top - 2.0)
    half = FIELD / 2
    x0 = (xs.min() + 0.5) * STRIDE - half
    x1 = (xs.max() + 0.5) * STRIDE + half
    y0 = (ys.min() + 0.5) * STRIDE - half
    y1 = (ys.max() + 0.5) * STRIDE + half
    return (
        max(0, round(x0 * fx)),
        max(0, round(y0 * fy)),
        min(w, round(x1 * fx)),
        min(h, round(y1 * fy)),
    )


# ---------------------------------------------------------------------- the file


def dumps(layers: list[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], int]],
          meta: dict[str, Any]) -> bytes:  # fmt: skip
    """The file: one JSON header line, then each layer's weight (k, k, in, out) and bias as
    little-endian float32. The same arrays give the same bytes."""
    header = {
        "format": FORMAT,
        "layers": [{"shape": list(w.shape), "stride": s} for w, _, s in layers],
        **meta,
    }
    body = b"".join(np.ascontiguousarray(a, "<f4").tobytes() for w, b, _ in layers for a in (w, b))
    return json.dumps(header, sort_keys=True).encode() + b"\n" + body


def loads(data: bytes) -> RingNet:
    line, _, body = data.partition(b"\n")
    try:
        header = json.loads(line)
    except ValueError:
        raise InvalidInput("not a ring network file", code=ErrorCode.BAD_MODEL_FILE) from None
    if header.get("format") != FORMAT:
        raise InvalidInput(f"not a {FORMAT} file", code=ErrorCode.BAD_MODEL_FILE)
    layers = []
    offset = 0
    for spec in header["layers"]:
        shape = tuple(int(v) for v in spec["shape"])
        n = math.prod(shape)
        weight = np.frombuffer(body, "<f4", n, offset).reshape(shape)
        offset += 4 * n
        bias = np.frombuffer(body, "<f4", shape[-1], offset)
        offset += 4 * shape[-1]
        layers.append(
            Layer(weight.astype(np.float32), bias.astype(np.float32), int(spec["stride"]))
        )
    if offset != len(body):
        raise InvalidInput("ring network file has trailing bytes", code=ErrorCode.BAD_MODEL_FILE)
    meta = {k: v for k, v in header.items() if k not in ("format", "layers")}
    return RingNet(tuple(layers), float(header["strong"]), float(header["weak"]), meta)


def load(path: Path = PATH, sha256: str | None = None) -> RingNet:
    """The network in ``path``, refused unless its SHA-256 is ``sha256`` (the shipped file's
    digest when ``path`` is the shipped file and none is given)."""
    expected = sha256 or (SHA256 if path == PATH else None)
    if path == PATH and expected is None:
        raise InvalidInput(
            "no ring network is shipped: train one with `ringfence vision train` and load it "
            "with its SHA-256",
            code=ErrorCode.NO_RING_NETWORK,
        )
    data = path.read_bytes()
    got = hashlib.sha256(data).hexdigest()
    if expected is None or got != expected:
        raise ModelFileMismatch(
            f"{path}: SHA-256 {got} is not the expected {expected}; the ring network file was "
            "changed or damaged (retrain with `ringfence vision train` and update the digest)",
            code=ErrorCode.MODEL_DIGEST_MISMATCH,
        )
    return loads(data)


class RingNetDetector:
    """Detector: the five-ring symbol in a listing image, by the network."""

    name = "ring_symbol"
    inputs = ("image_paths",)

    def __init__(self, mark: str | None, net: RingNet | None = None) -> None:
        self.mark = mark
        self.net = net or load()

    def detect(self, image: DecodedImage, ref: str) -> list[Finding]:
        p, (x0, y0, x1, y1) = self.net.score(image.rgb)
        if p < self.net.weak:
            return []
        h, w = image.rgb.shape[:2]
        sx, sy = image.width / w, image.height / h  # the box in the file's own pixels
        box = (round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy))
        strong = p >= self.net.strong
        return [
            Finding.in_image(
                self.name,
                "rings:net" if strong else "rings:net_uncertain",
                round(p, 3),
                ref,
                mark=self.mark,
                weak=not strong,
                box=box,
            )
        ]
