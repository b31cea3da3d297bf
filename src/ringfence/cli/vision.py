"""``ringfence vision train``: the ring network (docs/screening.md, "The ring network")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli.common import echo
from ringfence.cli.error_codes import ErrorCode
from ringfence.core.errors import InvalidInput

app = typer.Typer(help="The image models.", no_args_is_help=True)


@app.command("train")
def train(
    out: Annotated[Path, typer.Option("--out", help="The network file to write.")] = Path(
        "ringnet.bin"
    ),
    samples: Annotated[int, typer.Option(help="Training pictures (128 x 128 px).")] = 12_288,
    steps: Annotated[int, typer.Option(help="Training steps (64 pictures each).")] = 5_000,
    dev: Annotated[int, typer.Option(help="Development photos for the thresholds.")] = 400,
    seed: Annotated[int, typer.Option(help="Seeds the weights and the order.")] = 17,
) -> None:
    """Train the ring network, deterministically: the same command on the same machine and
    torch version writes the same bytes (needs the vision-train extra)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise InvalidInput(
            "training needs the vision-train extra: pip install 'ringfence[vision-train]'",
            code=ErrorCode.VISION_TRAIN_EXTRA_MISSING,
        ) from None
    from ringfence.core.files import atomic_write
    from ringfence.screening.ringnet_train import train as run

    if not out.parent.is_dir():
        raise InvalidInput(f"--out: no folder {out.parent}", code=ErrorCode.NO_DIRECTORY)
    result = run(samples=samples, steps=steps, dev=dev, seed=seed, progress=echo)
    try:
        atomic_write(out, [result.data])
    except OSError as exc:
        raise InvalidInput(
            f"--out: {out}: {exc.strerror}", code=ErrorCode.UNWRITABLE_OUTPUT
        ) from None
    d = result.dev
    echo(
        f"{out}: {len(result.data):,} bytes, SHA-256 {result.sha256}; development set "
        f"({d['positives']} photos with the rings, {d['negatives']} without): recall "
        f"{d['recall_weak']:.3f} (strong {d['recall_strong']:.3f}, thin strokes "
        f"{d['recall_thin']:.3f}), photos without flagged {d['false_weak']:.4f}"
    )
