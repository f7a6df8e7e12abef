#!/usr/bin/env bash
# Lint, type-check, then run the whole suite twice: on SQLite (the embedded default) and on
# PostgreSQL. Under CI=true a missing PostgreSQL (or any service a test needs) is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/likeness_platform}"

echo "== ruff"
"$BIN/ruff" check .
"$BIN/ruff" format --check .
echo "== migrations match the models"
env -u DATABASE_URL "$BIN/python" manage.py makemigrations --check --dry-run
echo "== mypy"
"$BIN/mypy" .
echo "== import contracts (pyproject's [tool.importlinter]: the apps' layering; no product module imports tests/ or tools/)"
"$BIN/lint-imports"

echo "== pytest on SQLite"
env -u DATABASE_URL -u CELERY_BROKER_URL -u S3_BUCKET "$BIN/pytest" "$@"

echo "== pytest on PostgreSQL ($PG_URL)"
if "$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  # The browser journeys (tests/browser: every page in English and Chinese, desktop and phone) ran on
  # the SQLite leg above; they exercise pages, and every service under them runs here on PostgreSQL.
  # (This -m replaces the default one in pyproject.toml, so it repeats its exclusions.)
  env -u CELERY_BROKER_URL -u S3_BUCKET DATABASE_URL="$PG_URL" "$BIN/pytest" -m "not slow and not faults and not browser" "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required in CI" >&2
  exit 1
else
  echo "SKIPPED the PostgreSQL leg: no server at $PG_URL (set TEST_DATABASE_URL)" >&2
fi
