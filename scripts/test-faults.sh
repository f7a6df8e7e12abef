#!/usr/bin/env bash
# The fault-injection suite (tests/faults): renders on real services while PostgreSQL and Redis are
# restarted, the S3 server goes away and comes back, a worker is killed and the media disk fills.
# PostgreSQL and Redis are private instances on free ports (never the machine's shared ones), so
# restarting them disturbs nothing else; the media quota is a tmpfs, so the suite runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
work="$(mktemp -d /tmp/likeness-faults-XXXXXX)"
chmod 755 "$work"
port="$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cleanup() {
  "$BIN/python" -m tests.faults.services postgres-stop "$work/pg" "$port" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$BIN/python" -m tests.faults.services postgres-start "$work/pg" "$port"
echo "== fault suite: private PostgreSQL on 127.0.0.1:$port ($work/pg)"
env -u CELERY_BROKER_URL -u S3_BUCKET -u MEDIA_ROOT \
  FAULT_PG_DIR="$work/pg" FAULT_PG_PORT="$port" \
  DATABASE_URL="postgres://postgres@127.0.0.1:$port/likeness_faults" \
  "$BIN/pytest" -m faults tests/faults "$@"
