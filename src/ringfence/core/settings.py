"""All configuration, from the environment (prefix ``RINGFENCE_``) or a ``.env`` file."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from ringfence.core.error_codes import ErrorCode
from ringfence.core.errors import ConfigurationError

DEFAULT_SECRET = "ringfence-development-secret-change-me"  # noqa: S105 - refused in production


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RINGFENCE_", env_file=".env", extra="ignore")

    environment: Environment = Environment.development
    database_url: str = Field(
        default="sqlite:///var/ringfence.db",
        description="SQLAlchemy URL; postgresql+psycopg://... selects PostgreSQL.",
    )
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    index_refresh_seconds: float = Field(default=2.0, ge=0)
    max_concurrency: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="Requests one serving process handles at once (more get 503), and as many "
        "worker threads, so that none waits for a thread while holding a connection.",
    )

    shutdown_seconds: int = Field(
        default=10,
        gt=0,
        le=600,
        description="On SIGTERM, how long requests in flight (and the batches) may take to "
        "finish before they are cancelled and the process exits (docs/operations.md).",
    )
    keep_alive_seconds: int = Field(
        default=5,
        gt=0,
        le=3600,
        description="How long an idle HTTP keep-alive connection stays open. Behind a load "
        "balancer, set it above the balancer's idle timeout (docs/operations.md).",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description='Proxies whose X-Forwarded-For is believed, as JSON: ["10.0.0.5", '
        '"10.1.0.0/16"]. Default none: the client address is the connection\'s peer.',
    )
    geoip_database: Path | None = Field(
        default=None,
        description="A MaxMind-format country database (the geoip extra): the country of a "
        "public scan. None: unknown, and no scan's country counts toward the clone rules.",
    )
    # Request bodies (docs/api.md, "Limits").
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body of any route, bytes; more is answered 413.",
    )
    max_upload_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest body of the routes that take a batch or a file (screening, "
        "evidence, the console's upload), bytes.",
    )

    # Authenticity codes (docs/authenticity.md).
    resolver_url: str = Field(
        default="http://127.0.0.1:8000/v",
        description="Base of printed GS1 Digital Link codes; /01/<gtin>/21/<serial> follows.",
    )
    clone_window_hours: float = Field(default=24.0, gt=0)
    clone_max_countries: int = Field(default=3, ge=1, description="distinct, within the window")
    clone_max_devices: int = Field(default=5, ge=1, description="distinct, within the window")
    clone_max_scans: int = Field(default=50, ge=1, description="over the unit's life")
    clone_max_countries_after_sale: int = Field(
        default=1, ge=0, description="distinct countries other than the sale's, after the sale"
    )
    verify_rate_per_minute: float = Field(default=60.0, gt=0, description="per client address")
    verify_burst: int = Field(default=20, ge=1)

    # Official shop (docs/shop.md).
    payment_provider: Literal["sandbox"] = Field(
        default="sandbox", description="The payment provider; only the built-in sandbox so far."
    )
    reservation_minutes: float = Field(
        default=15.0, gt=0, description="How long an unpaid order holds its stock."
    )

    # Enforcement (docs/enforcement.md)
    image_root: Path | None = Field(
        default=None, description="POST /v1/screen may read listing images under this folder."
    )
    image_store_dir: Path | None = Field(
        default=None, description="The object store of store://BUCKET/KEY images, mirrored here."
    )
    evidence_dir: Path = Path("var/evidence")
    evidence_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    counter_notice_days: int = Field(default=14, ge=1, description="Seller's window, days.")
    appeal_decision_days: int = Field(default=10, ge=1, description="Rights holder's window.")
    removal_hours: int = Field(
        default=48, ge=1, description="Marketplace's window to act on a notice, hours."
    )
    strike_threshold: int = Field(default=3, ge=1)
    strike_window_days: int = Field(default=365, ge=1)
    trusted_reporter_share: float = Field(default=0.9, ge=0, le=1)
    trusted_reporter_min_reports: int = Field(default=10, ge=1)
    notice_connector: Literal["memory", "webhook"] = "memory"
    webhook_urls: dict[str, str] = Field(
        default_factory=dict, description='Marketplace party id -> URL, as JSON: {"MKT:x": "..."}'
    )
    webhook_secret: SecretStr = SecretStr("")
    webhook_max_attempts: int = Field(default=5, ge=1, le=20)
    webhook_backoff_seconds: float = Field(default=0.5, ge=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)

    # Streaming worker (docs/scaling.md)
    broker_url: str = Field(
        default="nats://127.0.0.1:4222", description="nats://host:port (NATS JetStream)."
    )
    broker_prefix: str = Field(
        default="ringfence",
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Subjects <prefix>.listings, .verdicts, .dead; streams <PREFIX>_...",
    )
    worker_batch: int = Field(default=256, ge=1, le=10_000, description="Events per fetch.")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres(cls, value: str) -> str:
        # psycopg 3 is the only PostgreSQL driver we ship: accept the plain scheme too.
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if (
            self.environment is Environment.production
            and self.secret_key.get_secret_value() == DEFAULT_SECRET
        ):
            raise ValueError("RINGFENCE_SECRET_KEY must be set to a private value in production")
        if self.environment is Environment.production and self.notice_connector == "memory":
            # Takedown notices kept in memory reach no marketplace and vanish with the process.
            raise ValueError("RINGFENCE_NOTICE_CONNECTOR must be webhook in production")
        if self.evidence_max_bytes > self.max_upload_bytes:
            raise ValueError(
                "RINGFENCE_EVIDENCE_MAX_BYTES must not exceed RINGFENCE_MAX_UPLOAD_BYTES"
            )
        if self.notice_connector == "webhook" and not self.webhook_secret.get_secret_value():
            raise ValueError("RINGFENCE_WEBHOOK_SECRET must be set for the webhook connector")
        return self

    def sqlite_path(self) -> Path | None:
        """The file of a SQLite database URL (any driver), None for memory or other backends."""
        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a validation failure into a ConfigurationError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        msg = str(first["msg"]).removeprefix("Value error, ")
        field = ".".join(str(p) for p in first["loc"])
        where = f"invalid setting RINGFENCE_{field.upper()}" if field else "invalid settings"
        raise ConfigurationError(f"{where}: {msg}", code=ErrorCode.INVALID_SETTINGS) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
