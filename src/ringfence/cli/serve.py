"""``ringfence serve`` and ``ringfence demo``: the HTTP API, and the demo that loads data
and serves it."""

from __future__ import annotations

from typing import Annotated

import typer

from ringfence.cli.common import echo, existing_database, redact, settings_for


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("demo")(demo)


# ------------------------------------------------------------------ serve / demo


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port.")] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (one per core for throughput).")
    ] = 1,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from ringfence.core.logging import configure_logging
    from ringfence.web.app import create_app

    settings = existing_database()
    configure_logging(settings.log_level)
    host = host or settings.host
    port = port or settings.port
    echo(f"ringfence API on http://{host}:{port}  (OpenAPI: http://{host}:{port}/docs)")
    # log_config=None: uvicorn's server and access lines use our logging set-up too. Several
    # workers each build the app from the same environment settings.
    uvicorn.run(
        "ringfence.web.app:create_app" if workers > 1 else create_app(settings),
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        limit_concurrency=settings.max_concurrency,  # = the app's worker threads (web/app.py)
        # Forwarded addresses are believed only from RINGFENCE_TRUSTED_PROXIES, by the app
        # itself (web/clients.py); uvicorn's own middleware would trust localhost.
        proxy_headers=False,
        # SIGTERM: requests in flight get this long, then are cancelled (docs/operations.md).
        timeout_graceful_shutdown=settings.shutdown_seconds,
        timeout_keep_alive=settings.keep_alive_seconds,
        log_level=settings.log_level.lower(),
        log_config=None,
    )


def demo(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port.")] = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Set up only; do not serve.")
    ] = False,
) -> None:
    """Migrate the configured database (./var/ringfence.db by default), load the built-in
    registry and demo data, print one API key per role, then serve the API."""
    from ringfence.core.db import make_engine, make_session_factory, unit_of_work
    from ringfence.core.migrate import upgrade
    from ringfence.demo import (
        demo_cases,
        demo_codes,
        demo_noc_shop,
        demo_shop,
        demo_users,
        load_demo,
    )
    from ringfence.registry.service import compile_index, export_document
    from ringfence.screening.engine import Engine
    from ringfence.screening.index import builtin_data

    settings = settings_for()
    host, port = host or settings.host, port or settings.port
    upgrade(settings.database_url)
    factory = make_session_factory(make_engine(settings.database_url))
    with unit_of_work(factory) as session:
        result = load_demo(session)
        index = compile_index(session)  # once for both: compiling reads the whole registry
        code_uri = demo_codes(
            session,
            secret=settings.secret_key.get_secret_value(),
            resolver=settings.resolver_url,
            index=index,
        )
        demo_shop(session, index=index)
        demo_noc_shop(session, index=index)
        users = demo_users(session)
        # Ten listings: the reference path (the same verdicts) needs no compiled kernel, which
        # `make demo`'s environment has not built (Makefile, DEMO_VENV).
        engine = Engine(builtin_data(export_document(session)), compiled=False)
        cases = demo_cases(session, settings=settings, engine=engine)
    echo(f"database: {redact(settings.database_url)}")
    echo(f"registry: {result.summary}")
    for line in result.keys:
        echo(line)
    echo(f"web pages: http://{host}:{port}/  (sign in at /login; {cases} demo cases opened)")
    for line in users:
        echo(line)
    echo(
        f'try: curl -s -X POST http://{host}:{port}/v1/authorize -H "Authorization: Bearer $KEY" '
        f"-H 'content-type: application/json' -d '{result.example}'"
    )
    echo(
        f"an authenticity code (open it; scanned from 4 countries in a day it turns suspicious): "
        f"{code_uri}"
    )
    if no_serve:
        return
    serve(host=host, port=port)
