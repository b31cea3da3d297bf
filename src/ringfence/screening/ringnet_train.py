"""Training the ring network (``ringfence vision train``); needs the ``vision-train`` extra
(PyTorch, CPU build). Screening reads the result with numpy alone (``screening/ringnet.py``).

1. ``samples`` training pictures of 128 x 128 px from ``ringnet_data.sample`` (seeds 0..n-1;
   half with the five rings, half decoys or nothing).
2. The network of ``ringnet.py`` in torch; the picture's log-odds is the largest cell's (the
   same max the numpy forward pass takes); binary cross-entropy, Adam, a cosine schedule,
   pictures mirrored left-right at random. One thread, seeded, deterministic algorithms: the
   same command on the same machine and torch version gives the same bytes.
3. The thresholds are chosen on the development photos (``ringnet_data.dev_photo``, other
   seeds, whole photos, scored by the numpy forward pass as in screening): ``weak`` the lowest
   P(rings) flagging at most ``WEAK_RATE`` of the photos without the symbol and at most
   ``KIND_RATE`` of any one decoy kind; ``strong`` likewise at a third of those rates.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ringfence.screening import ringnet, ringnet_data

CHANNELS = (24, 32, 48, 48, 48)
WEAK_RATE, KIND_RATE = 0.008, 0.04
CROP = 128


@dataclass
class Trained:
    data: bytes
    dev: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def build_torch() -> Any:
    """The network with batch normalisation (folded into the convolutions by ``export``) and
    an auxiliary head on the stride-8 features that learns where ring strokes lie."""
    import torch
    from torch import nn

    c = CHANNELS

    def block(i: int, o: int, k: int, s: int, p: int) -> list[Any]:
        return [nn.Conv2d(i, o, k, stride=s, padding=p), nn.BatchNorm2d(o), nn.ReLU()]

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.early = nn.Sequential(
                *block(3, c[0], ringnet.PATCH, ringnet.PATCH, 0), *block(c[0], c[1], 3, 2, 1)
            )
            self.aux = nn.Conv2d(c[1], 1, 1)
            self.late = nn.Sequential(
                *block(c[1], c[2], 3, 2, 1),
                *block(c[2], c[3], 3, 1, 1),
                *block(c[3], c[4], 3, 1, 1),
                nn.Conv2d(c[4], 1, 1),
            )

        def forward(self, x: Any) -> Any:
            return self.late(self.early(x))

        def both(self, x: Any) -> tuple[Any, Any]:
            h = self.early(x)
            return self.late(h), self.aux(h)

    return Net().to(torch.float32)


def export(model: Any) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """The layers as (k, k, in, out) weights, biases and strides for ``ringnet``, each batch
    normalisation folded into the convolution before it (the auxiliary head is dropped)."""
    from torch import nn

    modules = [*model.early, *model.late]
    out = []
    for i, module in enumerate(modules):
        if not isinstance(module, nn.Conv2d):
            continue
        assert module.bias is not None
        w = module.weight.detach().double().numpy()
        b = module.bias.detach().double().numpy()
        following = modules[i + 1] if i + 1 < len(modules) else None
        if isinstance(following, nn.BatchNorm2d):
            assert following.running_mean is not None
            assert following.running_var is not None
            scale = following.weight.detach().double().numpy() / np.sqrt(
                following.running_var.double().numpy() + following.eps
            )
            w = w * scale[:, None, None, None]
            b = (b - following.running_mean.double().numpy()) * scale + (
                following.bias.detach().double().numpy()
            )
        out.append(
            (
                np.ascontiguousarray(
                    w.transpose(2, 3, 1, 0), np.float32
                ),  # out,in,k,k -> k,k,in,out
                b.astype(np.float32),
                int(module.stride[0]),
            )
        )
    return out


def targets(y: np.ndarray, boxes: np.ndarray, size: int = CROP) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell targets of the output grid: 1 at the cells about the rings' centre, 0 elsewhere;
    weight 0 (ignored) for the other cells over the rings, which see part of them."""
    s = ringnet.STRIDE
    g = size // s
    cy, cx = np.mgrid[0:g, 0:g] * s + s / 2
    target = np.zeros((len(y), g, g), np.float32)
    weight = np.ones((len(y), g, g), np.float32)
    for i in np.nonzero(y)[0]:
        x0, y0, x1, y1 = boxes[i]
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        inside = (cx >= x0 - 4) & (cx <= x1 + 4) & (cy >= y0 - 4) & (cy <= y1 + 4)
        core = (np.abs(cx - mx) <= max(s / 2, (x1 - x0) / 4)) & (
            np.abs(cy - my) <= max(s / 2, (y1 - y0) / 4)
        )
        d = (cx - mx) ** 2 + (cy - my) ** 2
        core |= d == d.min()
        target[i][core] = 1
        weight[i][inside & ~core] = 0
    return target, weight


def train(
    samples: int = 12_288,
    steps: int = 5_000,
    dev: int = 400,
    batch: int = 64,
    lr: float = 2e-3,
    seed: int = 17,
    progress: Callable[[str], None] | None = None,
) -> Trained:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    say = progress or (lambda _: None)
    started = time.perf_counter()
    parts = []
    for a in range(0, samples, 4096):
        parts.append(ringnet_data.batch(range(a, min(samples, a + 4096)), CROP))
        say(f"made {min(samples, a + 4096)} of {samples} training pictures "
            f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    pictures = np.concatenate([p["x"] for p in parts])
    labels = np.concatenate([p["y"] for p in parts]).astype(np.float32)
    target, weight = targets(labels, np.concatenate([p["box"] for p in parts]))
    ink = (np.concatenate([p["ink"] for p in parts]) > 64).astype(np.float32)
    del parts
    model = build_torch()
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, lr, total_steps=steps, pct_start=0.1)
    order = torch.Generator().manual_seed(seed)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    total = np.zeros(3)
    for step in range(steps):
        idx = np.sort(torch.randint(0, samples, (batch,), generator=order).numpy())
        flip = bool(torch.rand(1, generator=order) < 0.5)
        x = pictures[idx].astype(np.float32) / 255 - 0.5
        t, w, a = target[idx], weight[idx], ink[idx]
        if flip:  # the whole batch mirrored left-right
            x, t, w, a = x[:, :, ::-1], t[:, :, ::-1], w[:, :, ::-1], a[:, :, ::-1]
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        out, aux = model.both(xt)
        out, aux = out[:, 0], aux[:, 0]
        wt = torch.from_numpy(np.ascontiguousarray(w))
        dense = (bce(out, torch.from_numpy(np.ascontiguousarray(t)), reduction="none") * wt).sum()
        dense = dense / wt.sum()
        whole = bce(out.amax(dim=(1, 2)), torch.from_numpy(labels[idx]))
        strokes = bce(aux, torch.from_numpy(np.ascontiguousarray(a)))
        loss = dense + whole + strokes
        optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        schedule.step()
        total += [float(whole.detach()), float(dense.detach()), float(strokes.detach())]
        if step % 250 == 249:
            say(f"step {step + 1} of {steps}: loss picture {total[0] / 250:.4f} cells "
                f"{total[1] / 250:.4f} strokes {total[2] / 250:.4f} "
                f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
            total[:] = 0
    model.eval()
    layers = export(model)
    meta: dict[str, Any] = {
        "strong": 1.0,
        "weak": 1.0,
        "training": {
            "samples": samples,
            "steps": steps,
            "batch": batch,
            "lr": lr,
            "seed": seed,
            "torch": torch.__version__,
        },
    }
    net = ringnet.loads(ringnet.dumps(layers, meta))
    scores = dev_scores(net, dev, say)
    strong, weak, report = choose(scores)
    meta.update(strong=strong, weak=weak, dev=report)
    return Trained(ringnet.dumps(layers, meta), report)


def dev_scores(
    net: ringnet.RingNet, n: int, say: Callable[[str], None] = lambda _: None
) -> list[tuple[int, str, float, float, float]]:
    """(label, kind, P(rings), ring radius, stroke) of each development photo."""
    out = []
    for k in range(n):
        s = ringnet_data.dev_photo(k)
        p, _ = net.score(s.rgb)
        out.append((s.label, s.kind, round(p, 6), s.radius, s.stroke))
    say(f"scored {n} development photos")
    return out


def choose(
    scores: list[tuple[int, str, float, float, float]],
) -> tuple[float, float, dict[str, Any]]:
    negatives = [(kind, p) for label, kind, p, _, _ in scores if not label]
    kinds = sorted({k for k, _ in negatives})

    def lowest(rate: float, kind_rate: float) -> float:
        for t in sorted({round(p, 4) for _, p in negatives} | {0.5}):
            flagged = [k for k, p in negatives if p >= t]
            if len(flagged) > rate * len(negatives):
                continue
            if all(flagged.count(k) <= kind_rate * max(1, sum(1 for j, _ in negatives if j == k))
                   for k in kinds):  # fmt: skip
                return max(0.5, t + 1e-4)
        return 0.9999

    weak = lowest(WEAK_RATE, KIND_RATE)
    strong = max(weak, lowest(WEAK_RATE / 3, KIND_RATE / 3))
    positives = [p for label, _, p, _, _ in scores if label]
    thin = [p for label, _, p, _, w in scores if label and w < 2.0]
    report = {
        "n": len(scores),
        "recall_weak": round(sum(p >= weak for p in positives) / max(1, len(positives)), 4),
        "recall_strong": round(sum(p >= strong for p in positives) / max(1, len(positives)), 4),
        "recall_thin": round(sum(p >= weak for p in thin) / max(1, len(thin)), 4),
        "false_weak": round(sum(p >= weak for _, p in negatives) / max(1, len(negatives)), 4),
        "positives": len(positives),
        "negatives": len(negatives),
    }
    return round(strong, 4), round(weak, 4), report
