"""The FastAPI application factory."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import ringfence
from ringfence.core.db import make_engine, make_session_factory, read_only_engine
from ringfence.core.logging import configure_logging
from ringfence.core.settings import Settings, get_settings
from ringfence.shop.batching import CheckoutBatcher
from ringfence.shop.payments import provider_for
from ringfence.web import errors
from ringfence.web.authenticity.api import public as verification_router
from ringfence.web.authenticity.api import router as authenticity_router
from ringfence.web.authenticity.api import scan_batcher
from ringfence.web.authenticity.pages import router as authenticity_pages
from ringfence.web.clients import country_lookup
from ringfence.web.editions.api import router as editions_router
from ringfence.web.enforcement.api import router as enforcement_router
from ringfence.web.enforcement.notice_pages import router as notice_pages
from ringfence.web.enforcement.pages import router as enforcement_pages
from ringfence.web.enforcement.search_pages import router as search_pages
from ringfence.web.index_cache import IndexCache
from ringfence.web.limits import BodyGuard
from ringfence.web.pages import router as web_pages
from ringfence.web.ratelimit import RateLimiter
from ringfence.web.registry.api import router as registry_router
from ringfence.web.registry.pages import router as registry_pages
from ringfence.web.screening.api import router as screening_router
from ringfence.web.shop.api import router as shop_router
from ringfence.web.shop.pages import router as shop_pages

SIGN_IN_PER_MINUTE, SIGN_IN_BURST = 30.0, 20  # password guesses per client address


def create_app(
    settings: Settings | None = None, *, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    """Build the app. ``session_factory`` lets tests bind every request to one transaction."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    factory = session_factory or make_session_factory(engine)
    read_factory = session_factory or make_session_factory(read_only_engine(engine))
    # The licence index refreshes through a connection of its own, outside the requests' pool:
    # a request that needs the index never waits for a pooled connection (which every other
    # request may hold) to get it.
    # (Tests bind every session to one transaction, and an in-memory database lives in its one
    # connection: both keep to the requests' factory.)
    index_engine = (
        None
        if session_factory is not None or engine.url.database in (None, "", ":memory:")
        else make_engine(settings.database_url, poolclass=NullPool)
    )
    index_factory = factory if index_engine is None else make_session_factory(index_engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level)  # the same format under `uvicorn --factory`
        # Sync routes run in worker threads, and so does the validation of their responses,
        # while their session still holds a database connection. With fewer threads than
        # requests in flight, every thread can end up in a route waiting for a connection
        # while every connection waits for a thread: a deadlock (seen at 200 concurrent
        # requests with the default 40 threads). One thread per request the server admits
        # (`ringfence serve` caps them at the same number) rules that out.
        to_thread.current_default_thread_limiter().total_tokens = settings.max_concurrency
        yield
        # Bounded like the requests before them (RINGFENCE_SHUTDOWN_SECONDS, issue 18 r5).
        app.state.checkout_batcher.stop(settings.shutdown_seconds)
        app.state.scan_batcher.stop(settings.shutdown_seconds)
        engine.dispose()
        if index_engine is not None:
            index_engine.dispose()

    # FastAPIOffline serves the Swagger UI and ReDoc assets from the installed package: the
    # docs pages fetch nothing from the internet.
    app = FastAPIOffline(
        title="ringfence",
        version=ringfence.__version__,
        description="Rights registry and licence decisions for Olympic merchandise.",
        lifespan=lifespan,
        responses=errors.RESPONSES,  # the error model, documented once for every operation
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = factory
    app.state.read_session_factory = read_factory
    app.state.index_cache = IndexCache(
        index_factory, refresh_seconds=settings.index_refresh_seconds
    )
    app.state.payment_provider = provider_for(settings.payment_provider)
    app.state.checkout_batcher = CheckoutBatcher(factory)
    app.state.scan_batcher = scan_batcher(factory, settings)
    app.state.verify_limiter = RateLimiter(settings.verify_rate_per_minute, settings.verify_burst)
    app.state.sign_in_limiter = RateLimiter(SIGN_IN_PER_MINUTE, SIGN_IN_BURST)
    app.state.country_lookup = country_lookup(settings.geoip_database)
    errors.install(app)
    _install_metrics(app)
    if settings.trusted_proxies:
        # The one place a forwarded address is believed: from the named proxies only
        # (web/clients.py); `ringfence serve` turns uvicorn's own, localhost-trusting, off.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    # Keys and sizes before bodies: a request body is read only up to its route's limit, and
    # not at all when the route needs a key or a session the request lacks (web/limits.py).
    app.add_middleware(
        BodyGuard,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    _install_health(app)
    # FastAPI tries routes in order, one by one: the busiest paths go first (64 routes were
    # tried before a checkout, 13% of its CPU). Batch screening (two routes, one of them
    # only its OpenAPI description) first: the routers before it cost it 7% of its CPU.
    app.include_router(screening_router)
    app.include_router(verification_router)
    app.include_router(shop_router)
    app.include_router(registry_router)
    app.include_router(authenticity_router)
    app.include_router(enforcement_router)
    app.include_router(editions_router)
    # The HTML pages (server-rendered, docs/web.md) and their static files, from the package.
    app.include_router(web_pages)
    app.include_router(enforcement_pages)
    app.include_router(search_pages)
    app.include_router(notice_pages)
    app.include_router(registry_pages)
    app.include_router(authenticity_pages)
    app.include_router(shop_pages)
    app.mount("/static", StaticFiles(packages=[("ringfence.web", "static")]), name="static")
    return app


def _install_metrics(app: FastAPI) -> None:
    registry = CollectorRegistry()
    requests = Counter(
        "ringfence_http_requests_total",
        "HTTP requests by route, method and status",
        ["route", "method", "status"],
        registry=registry,
    )
    latency = Histogram(
        "ringfence_http_request_seconds", "HTTP request latency", ["route"], registry=registry
    )
    app.state.metrics = registry

    app.add_middleware(_Measure, requests=requests, latency=latency)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class _Measure:
    """Counts requests by route, method and status and times them. Plain ASGI: Starlette's
    ``@app.middleware("http")`` runs every request and its response through extra tasks and
    streams, a measurable share of a cheap request's time."""

    def __init__(self, app: ASGIApp, *, requests: Counter, latency: Histogram) -> None:
        self.app = app
        self.requests = requests
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            self.requests.labels(path, scope["method"], str(status)).inc()
            self.latency.labels(path).observe(time.perf_counter() - start)


def _install_health(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz(response: Response) -> dict[str, str]:
        """The database answers and the licence index compiles."""
        try:
            with app.state.session_factory() as session:
                session.execute(text("SELECT 1"))
            engine = app.state.index_cache.get()
        except Exception as exc:
            response.status_code = 503
            return {"status": "unavailable", "reason": type(exc).__name__}
        return {"status": "ready", "registry_version": engine.version}
