# Two commands matter: `make demo` (run ringfence on SQLite with demo data) and `make test`
# (lint, types, tests, migrations). `make test` creates .venv and installs everything (the
# package with its compiled kernel, every extra, the test tools); `make demo` creates its own
# small .venv-demo with what the demo imports (see demo-env below).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
KERNEL := src/ringfence/screening/_kernel.pyx
# The install builds the compiled kernel: a changed kernel source means a new install.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(KERNEL) | cksum | cut -d' ' -f1)

# The demo's environment: the base package's dependencies only (DEMO_EXTRAS=images adds image
# screening, about 250 MB more), no Spark, Ray, Playwright or test tools, installed as wheels
# without .pyc files, by this Python's own pip when it has one (the venv then needs no pip of
# its own), and the source tree on its path (a .pth line): no build, so no compiled screening
# kernel (the engine takes its reference path and says so once). docs/benchmarks.md,
# "make demo", has its size and time.
DEMO_VENV ?= .venv-demo
DEMO_EXTRAS ?=
DEMO_STAMP := $(DEMO_VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)-$(subst $(eval) ,+,$(DEMO_EXTRAS))
REQUIREMENTS := import sys, tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	print("\n".join(p["dependencies"] + [d for e in sys.argv[1:] for d in p["optional-dependencies"][e]]))

.PHONY: demo demo-env test lint types pytest migrations wheel bench clean messages browser

$(STAMP): pyproject.toml $(KERNEL)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

$(DEMO_STAMP): pyproject.toml
	rm -rf $(DEMO_VENV)
	if $(PYTHON) -m pip --python $(PYTHON) --version >/dev/null 2>&1; then \
		$(PYTHON) -m venv --without-pip $(DEMO_VENV) && PIP="$(PYTHON) -m pip --python $(DEMO_VENV)/bin/python"; \
	else \
		$(PYTHON) -m venv $(DEMO_VENV) && PIP="$(DEMO_VENV)/bin/python -m pip"; \
	fi && \
	$(PYTHON) -c '$(REQUIREMENTS)' $(DEMO_EXTRAS) > $(DEMO_VENV)/requirements.txt && \
	$$PIP install --quiet --no-compile -r $(DEMO_VENV)/requirements.txt
	echo "$(CURDIR)/src" > "$$($(DEMO_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/ringfence-src.pth"
	touch $@

demo-env: $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/python -m ringfence demo

test: lint types pytest migrations wheel

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) browser
	$(BIN)/pytest

# The browser tests (tests/e2e) drive Debian's Chromium; install it once when it is missing.
# axe-core (npm, pinned by tests/e2e/package-lock.json) is injected into every page they open.
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; } \
		|| echo "chromium could not be installed: the browser tests will fail"
	@test -f tests/e2e/node_modules/axe-core/axe.min.js \
		|| npm ci --prefix tests/e2e --no-audit --no-fund --silent \
		|| echo "axe-core could not be installed: the browser tests will fail"

# Extract the web pages' text into the .pot and merge it into every language's .po
# (docs/web.md: then translate the new entries; a test fails on any left untranslated).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header \
		-o src/ringfence/web/locales/messages.pot .
	$(BIN)/pybabel update -i src/ringfence/web/locales/messages.pot -d src/ringfence/web/locales \
		--ignore-obsolete --no-fuzzy-matching

# `alembic upgrade head` then the model/migration drift check, on a fresh SQLite file and, when
# RINGFENCE_TEST_DATABASE_URL is set, on PostgreSQL.
migrations: $(STAMP)
	$(BIN)/python -m tests.migration_check

# Build the sdist and from it the wheel, install the wheel into a clean virtual environment and
# run every command group from it, checking every data file is in it (.ci/wheel_smoke.py).
wheel: $(STAMP)
	$(BIN)/python .ci/wheel_smoke.py

# Each writes its own section of docs/benchmarks.md; the throughput run takes several minutes.
# verify and checkout need PostgreSQL (RINGFENCE_TEST_DATABASE_URL) and wrk; streaming, NATS;
# http_load adds PostgreSQL when RINGFENCE_TEST_DATABASE_URL is set.
bench: $(STAMP)
	$(BIN)/python benchmarks/authorize.py
	$(BIN)/python benchmarks/quality.py
	$(BIN)/python benchmarks/screen_throughput.py
	$(BIN)/python benchmarks/verify.py
	$(BIN)/python benchmarks/http_load.py
	$(BIN)/python benchmarks/checkout.py
	$(BIN)/python benchmarks/images.py
	$(BIN)/python benchmarks/scale.py
	$(BIN)/python benchmarks/streaming.py

clean:
	rm -rf $(VENV) $(DEMO_VENV) var .pytest_cache .mypy_cache .ruff_cache
