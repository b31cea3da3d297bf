"""``ringfence sense train``: the sense model (docs/screening.md, "Sense decision")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, session_factory
from ringfence.cli.error_codes import ErrorCode
from ringfence.core.errors import InvalidInput

app = typer.Typer(help="The sense model of text mentions.", no_args_is_help=True)


@app.command("train")
def train(
    data: Annotated[
        Path,
        typer.Option("--data", help="Folder with train.tsv (and dev.tsv for the thresholds)."),
    ] = Path("training/sense"),
    out: Annotated[Path, typer.Option("--out", help="The model file to write.")] = Path(
        "sense.model"
    ),
    with_decisions: Annotated[
        bool,
        typer.Option(
            "--with-decisions",
            help="Fold in analysts' decisions: dismissed false positives, confirmed takedowns.",
        ),
    ] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Train the sense model, deterministically: the same data gives the same file."""
    from ringfence.core.files import atomic_write
    from ringfence.screening.sense_train import Example, train

    if not data.is_dir():
        raise InvalidInput(f"--data: {data} is not a folder", code=ErrorCode.NO_TRAINING_DATA)
    if not out.parent.is_dir():
        raise InvalidInput(f"--out: no folder {out.parent}", code=ErrorCode.NO_DIRECTORY)
    extra: list[Example] = []
    if with_decisions:
        from ringfence.enforcement.service import decision_examples

        with session_factory(database_url)() as session:
            extra = [
                Example(e.text, e.mark, e.label, "", "decision", f"case:{e.case_id}")
                for e in decision_examples(session)
            ]
    result = train(data, extra=extra)
    model = result.model
    try:
        atomic_write(out, [model.dumps()])
    except OSError as exc:
        raise InvalidInput(
            f"--out: {out}: {exc.strerror}", code=ErrorCode.UNWRITABLE_OUTPUT
        ) from None
    echo(
        f"{out}: {result.used} examples ({len(extra)} from decisions; {result.skipped} without "
        f"a candidate left out), {len(model.weights)} weights, thresholds review "
        f"{model.review:.2f} infringing {model.infringing:.2f}, data {model.data_digest[:12]}"
    )
    if result.dev:
        echo("dev set (flagged = review or infringing; Wilson 95%):")
        for k in result.dev:
            share, low, high = k.rate()
            echo(
                f"  {k.kind:<24} {k.label:<8} n={k.n:<5} flagged {k.flagged:>4} "
                f"({share:.3f}, {low:.3f}-{high:.3f}) infringing {k.infringing:>4} "
                f"not read by the model {k.unread}"
            )
