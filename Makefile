# The main job is `make demo` (see README); `make run` serves the platform, `make test` checks it. The rest are helpers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo run test lint bench-audit clean test-slow test-faults fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

## The main job: install, migrate and walk the whole story on the embedded defaults (outputs in ./demo-output).
demo: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo

## Install and run the platform on the embedded defaults (SQLite, local files, inline tasks).
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py check
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Install the test tools, then lint, type-check and run the suite on SQLite and on PostgreSQL.
test: $(VENV)/.installed-dev
	scripts/test.sh

## The slow tests on real services (PostgreSQL, Redis, SeaweedFS): scale-out (2 web processes, 3 workers) and the
## production smoke test (the k8s manifests' processes and config.env: readiness, a render, a public download).
test-slow: $(VENV)/.installed-dev
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/likeness_platform} $(BIN)/pytest -m slow

## Fault injection: PostgreSQL and Redis restarted, S3 down and back, a worker killed, the media disk full.
test-faults: $(VENV)/.installed-dev
	scripts/test-faults.sh

fuzz: $(VENV)/.installed-dev
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/pytest tests/test_openapi_fuzz.py -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

## Audit append throughput (1 and 8 writers) and audit_verify cost per 100k entries.
bench-audit: $(VENV)/.installed
	$(BIN)/python manage.py bench audit
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/likeness_platform} $(BIN)/python manage.py bench audit

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
