"""``ringfence screen``: screen a file of marketplace listings, locally or on a cluster."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ringfence.cli.common import echo
from ringfence.cli.error_codes import ErrorCode
from ringfence.core.errors import InvalidInput


def register(app: typer.Typer) -> None:
    app.command("screen")(screen)


ENGINES = ("local", "ray", "spark")


def screen(
    source: Annotated[
        str,
        typer.Argument(
            help="Listings: a .parquet, .csv or .jsonl file, or a directory or URI of Parquet "
            "partitions."
        ),
    ],
    out: Annotated[
        str,
        typer.Option(
            "--out",
            "-o",
            help="Verdicts: a file (.parquet, .csv, .jsonl) or, for partitioned "
            "input, a directory or the URI of a Delta table (s3://bucket/verdicts/): a "
            "resumable run.",
        ),
    ],
    index: Annotated[
        Path | None, typer.Option("--index", help="Index file; the built-in registry if omitted.")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="Worker processes.")] = 1,
    batch_size: Annotated[int, typer.Option(min=1, max=1_000_000, help="Rows per batch.")] = 8192,
    today: Annotated[
        str | None, typer.Option(help="Date for listings without listed_at (YYYY-MM-DD).")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="local (this machine, --workers processes), ray or spark.")
    ] = "local",
    ray_address: Annotated[
        str | None, typer.Option(help="Ray cluster to join (auto, ray://head:10001).")
    ] = None,
    spark_master: Annotated[
        str | None, typer.Option(help="Spark master (local[4], yarn, k8s://...).")
    ] = None,
    image_store: Annotated[
        str | None,
        typer.Option(
            help="Where store://BUCKET/KEY images are read: a filesystem URI (s3:// reads "
            "s3://BUCKET/KEY; file:///mirror reads /mirror/BUCKET/KEY)."
        ),
    ] = None,
) -> None:
    """Screen marketplace listings for unlicensed use of Olympic properties."""
    from datetime import UTC, datetime

    from ringfence.screening.index import builtin_data, load_index
    from ringfence.screening.interfaces import ImageSources, UriObjectStore
    from ringfence.screening.runners.local import screen_file

    if engine not in ENGINES:
        raise InvalidInput(
            f"--engine: {engine!r} is not one of {', '.join(ENGINES)}",
            code=ErrorCode.INVALID_ENGINE,
        )
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        raise InvalidInput(
            f"--today: {today!r} is not a date", code=ErrorCode.INVALID_DATE
        ) from None
    out_path = Path(out)
    partitioned = (
        engine != "local"
        or "://" in source
        or "://" in out
        or Path(source).is_dir()
        or out_path.is_dir()
        or not out_path.suffix  # a directory to be
    )
    data = load_index(index) if index is not None else builtin_data()
    if image_store is not None and "://" not in image_store:
        raise InvalidInput(
            f"--image-store: {image_store!r} is not a URI (s3://, file:///dir...)",
            code=ErrorCode.INVALID_URI,
        )
    store = UriObjectStore(image_store) if image_store else None
    with _progress_bar() as bar:
        task = bar.add_task("screen", total=None)
        if partitioned:
            from ringfence.screening.runners.dataset import screen_dataset

            run_day = day or datetime.now(UTC).date()
            summary: object = screen_dataset(
                source,
                out if "://" in out else out_path,
                data=data,
                today=run_day,
                engine=lambda: _partition_engine(
                    engine,
                    data,
                    run_day,
                    workers,
                    batch_size,
                    ray_address,
                    spark_master,
                    ImageSources(store=store) if store else None,
                ),
                progress=lambda n: bar.advance(task, n),
            )
        else:
            summary = screen_file(
                Path(source),
                out_path,
                data=data,
                sources=ImageSources(base=Path(source).resolve().parent, store=store),
                workers=workers,
                batch_size=batch_size,
                today=day,
                progress=lambda n: bar.advance(task, n),
                total=lambda n: bar.update(task, total=n),
            )
    echo(f"wrote {out}: {summary}")
    if index is None and not data.registry.licences:  # after the run: an error stays one line
        typer.echo(
            "note: no --index: screened against the built-in registry, which holds no "
            "licences: every seller counted as unlicensed (`ringfence index build --out FILE` "
            "compiles your registry's licences into an index)",
            err=True,
        )


def _progress_bar(console: Any = None) -> Any:
    """screen's progress bar: the listings done and, once their number is known (a file's: from
    Parquet metadata or a count of CSV rows or JSON lines), the percentage and the time left."""
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("screening"),
        BarColumn(bar_width=None),
        TaskProgressColumn(),
        TextColumn("{task.completed:,} listings"),
        TimeRemainingColumn(),
        transient=True,
        disable=console is None and not sys.stderr.isatty(),
        console=console,
    )


def _partition_engine(  # type: ignore[no-untyped-def]
    engine: str,
    data,  # ScreeningData, imported lazily
    day: date,
    workers: int,
    batch_size: int,
    ray_address: str | None,
    spark_master: str | None,
    sources,  # ImageSources | None, imported lazily
):
    """The engine of a partitioned run; Ray and Spark only from their extras."""
    from ringfence.screening.runners.dataset import missing_extra
    from ringfence.screening.runners.partitions import LocalPartitions

    if engine == "ray":
        try:
            from ringfence.screening.runners.ray_runner import RayPartitions
        except ImportError:
            raise missing_extra("ray") from None
        return RayPartitions(
            data, today=day, address=ray_address, batch_size=batch_size, sources=sources
        )
    if engine == "spark":
        try:
            from ringfence.screening.runners.spark_runner import SparkPartitions
        except ImportError:
            raise missing_extra("spark") from None
        return SparkPartitions(
            data, today=day, master=spark_master, batch_size=batch_size, sources=sources
        )
    return LocalPartitions(data, today=day, workers=workers, batch_size=batch_size, sources=sources)
