"""`ringfence worker`: the streaming screening worker (docs/scaling.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, existing_database


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)


def worker(
    index: Annotated[
        Path | None,
        typer.Option("--index", help="Index file, reloaded when it changes; built-in if omitted."),
    ] = None,
    broker_url: Annotated[
        str | None, typer.Option(envvar="RINGFENCE_BROKER_URL", help="nats://host:port")
    ] = None,
    prefix: Annotated[
        str | None,
        typer.Option(envvar="RINGFENCE_BROKER_PREFIX", help="Subject prefix (<prefix>.listings)."),
    ] = None,
    batch: Annotated[int | None, typer.Option(min=1, max=10_000, help="Events per fetch.")] = None,
    idle_exit: Annotated[
        float | None, typer.Option(min=0, help="Stop after this many seconds without events.")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Screen listing events from the broker as they come; publish verdicts, open cases."""
    import asyncio
    import signal

    from ringfence.core.audit import sessions_acting_as
    from ringfence.core.db import make_engine, make_session_factory
    from ringfence.core.logging import configure_logging
    from ringfence.core.settings import load_settings
    from ringfence.streaming.interfaces import Subjects, connect_broker
    from ringfence.streaming.worker import IndexSource, Worker

    base = existing_database(database_url)
    overrides: dict[str, object] = {"database_url": base.database_url}
    if broker_url:
        overrides["broker_url"] = broker_url
    if prefix:
        overrides["broker_prefix"] = prefix
    settings = load_settings(**overrides)
    configure_logging(settings.log_level)
    sources = IndexSource(index, refresh=settings.index_refresh_seconds)
    factory = sessions_acting_as(make_session_factory(make_engine(settings.database_url)), "worker")
    subjects = Subjects(settings.broker_prefix)

    async def main() -> str:
        broker = await connect_broker(settings.broker_url, subjects)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        echo(
            f"worker: {subjects.listings} -> {subjects.verdicts} (dead letters {subjects.dead}), "
            f"index {sources.version}"
        )
        try:
            stats = await Worker(
                broker, subjects, factory, settings, sources, batch=batch or settings.worker_batch
            ).run(stop=stop, idle_exit=idle_exit)
        finally:
            await broker.close()
        return str(stats)

    echo(f"worker stopped: {asyncio.run(main())}")
