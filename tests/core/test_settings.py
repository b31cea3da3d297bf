from __future__ import annotations

import pytest

from ringfence.core.errors import ConfigurationError
from ringfence.core.settings import DEFAULT_SECRET, load_settings


def test_defaults_are_embedded_sqlite_in_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RINGFENCE_DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite:///var/ringfence.db"
    assert settings.environment.value == "development"


def test_postgres_urls_use_psycopg3() -> None:
    settings = load_settings(database_url="postgresql://u@h:5432/db")
    assert settings.database_url == "postgresql+psycopg://u@h:5432/db"


WEBHOOK = {"notice_connector": "webhook", "webhook_secret": "a-shared-webhook-secret"}


def test_default_secret_refused_in_production() -> None:
    with pytest.raises(ConfigurationError, match="RINGFENCE_SECRET_KEY"):
        load_settings(environment="production")
    ok = load_settings(
        environment="production", secret_key="a-real-secret-from-the-vault", **WEBHOOK
    )
    assert ok.secret_key.get_secret_value() != DEFAULT_SECRET


def test_notices_kept_in_memory_are_refused_in_production() -> None:
    with pytest.raises(ConfigurationError, match="RINGFENCE_NOTICE_CONNECTOR must be webhook"):
        load_settings(environment="production", secret_key="a-real-secret-from-the-vault")
    assert load_settings(notice_connector="memory").notice_connector == "memory"  # development


def test_bad_values_name_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="invalid setting RINGFENCE_LOG_LEVEL"):
        load_settings(log_level="LOUD")


def test_secret_is_not_printed() -> None:
    settings = load_settings(secret_key="hunter2-but-longer")
    assert "hunter2" not in repr(settings)


def test_model_level_errors_read_cleanly() -> None:
    with pytest.raises(ConfigurationError) as err:
        load_settings(environment="production")
    assert str(err.value).startswith("invalid settings: RINGFENCE_SECRET_KEY must be set")


def test_sqlite_path_for_any_driver() -> None:
    assert str(load_settings(database_url="sqlite+pysqlite:///x/y.db").sqlite_path()) == "x/y.db"
    assert load_settings(database_url="sqlite:///:memory:").sqlite_path() is None
    assert load_settings(database_url="postgresql://h/db").sqlite_path() is None
