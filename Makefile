# Two commands matter: `make demo` (run ringfence on SQLite with demo data) and `make test`
# (lint, types, tests, migrations). Both create .venv and install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
KERNEL := src/ringfence/screening/_kernel.pyx
# The install builds the compiled kernel: a changed kernel source means a new install.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(KERNEL) | cksum | cut -d' ' -f1)

.PHONY: demo test lint types pytest migrations bench clean

$(STAMP): pyproject.toml $(KERNEL)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(BIN)/ringfence demo

test: lint types pytest migrations

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

# `alembic upgrade head` then the model/migration drift check, on a fresh SQLite file and, when
# RINGFENCE_TEST_DATABASE_URL is set, on PostgreSQL.
migrations: $(STAMP)
	$(BIN)/python -m tests.migration_check

# Each writes its own section of docs/benchmarks.md; the throughput run takes several minutes.
bench: $(STAMP)
	$(BIN)/python benchmarks/authorize.py
	$(BIN)/python benchmarks/quality.py
	$(BIN)/python benchmarks/screen_throughput.py
	$(BIN)/python benchmarks/verify.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
