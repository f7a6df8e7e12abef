"""Running the platform as several processes on real services: web processes under gunicorn and
Celery workers, all on one PostgreSQL database, one broker and one storage (the bucket).

Used by the scale-out test (tests/test_scale_out.py) and by `python manage.py bench scale_out`. No
container engine is needed: processes are started directly with this interpreter, each in its own
process group with its own log file, and `Fleet.stop()` ends every one of them (SIGTERM, then
SIGKILL). The child processes get the same key files and secret as the calling process, so what
one signs or encrypts, the others can verify or decrypt.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

# The key and credential files every process must share (deploy/OPERATIONS.md lists what each is).
SHARED_SETTINGS = (
    "DATA_DIR",
    "AUDIT_SIGNING_KEY_FILE",
    "LICENSE_SIGNING_KEY_FILE",
    "LICENSE_KEY_ENCRYPTION_KEY_FILE",
    "WATERMARK_KEY_FILE",
    "PROVENANCE_CERT_CHAIN_FILE",
    "PROVENANCE_KEY_FILE",
    "PROVENANCE_TRUST_ANCHOR_FILE",
    "LIKENESS_KEK_FILE",
    "LIKENESS_KEY_STORE_DIR",
    "LICENSE_PUBLIC_KEYS_DIR",
    "AUDIT_PUBLIC_KEYS_DIR",
    "FACE_MODEL_DIR",
    "FACE_ENGINE",
    "PUBLIC_BASE_URL",
)
_DROPPED = ("TEST_DB_SUFFIX", "PRODUCTION", "S3_BUCKET", "MEDIA_ROOT", "CACHE_URL", "PROMETHEUS_MULTIPROC_DIR")


def platform_env(*, database_url: str, broker_url: str, storage: dict[str, str], **extra: str) -> dict[str, str]:
    """The environment of a child process: this process's keys, the given database, broker, storage."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    for name in SHARED_SETTINGS:
        env[name] = str(getattr(settings, name))
    env["SECRET_KEY"] = settings.SECRET_KEY
    if settings.LIKENESS_KEK:
        env["LIKENESS_KEK"] = settings.LIKENESS_KEK
    if settings.LABEL_FONT_FILE:
        env["LABEL_FONT_FILE"] = settings.LABEL_FONT_FILE
    env.update(
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        LOG_FORMAT="json",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(storage)
    env.update(extra)
    return env


def database_url_for(name: str) -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


@dataclass
class Fleet:
    """The processes of one deployment; a context manager that always stops them all."""

    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __enter__(self) -> Fleet:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        """Any command line as one process of the fleet (the smoke test runs the manifests' own)."""
        return self._start(name, args)

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.processes[name] = process
        return process

    def web(self, name: str, *, port: int, threads: int = 4) -> str:
        self._start(
            name,
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", f"--bind=127.0.0.1:{port}",
             "--workers=1", f"--threads={threads}", "--timeout=120", "--graceful-timeout=5"],
        )  # fmt: skip
        return f"http://127.0.0.1:{port}"

    def worker(self, name: str, *, queues: str = "renders,default") -> None:
        # The solo pool: one process per worker, one task at a time (as RENDER_WORKER_CONCURRENCY=1).
        self._start(
            name,
            [sys.executable, "-m", "celery", "-A", "config", "worker", f"--queues={queues}", "--pool=solo",
             f"--hostname={name}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        )  # fmt: skip

    def beat(self, name: str = "beat") -> None:
        """Celery beat: the periodic tasks (the render reaper, checkpoints, expiry sweeps)."""
        schedule = self.log_dir / f"{name}-schedule"
        self._start(
            name,
            [sys.executable, "-m", "celery", "-A", "config", "beat", f"--schedule={schedule}", "--loglevel=INFO"],
        )

    def kill(self, name: str) -> None:
        """SIGKILL one process (and its children), as the OOM killer or a lost machine would."""
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def json_lines(self, name: str) -> list[dict[str, Any]]:
        lines = []
        for line in self.log(name).splitlines():
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    continue
        return lines

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log(name)[-3000:]}")

    def wait_ready(self, base_url: str, *, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{base_url} did not answer within {timeout} s")

    def wait_workers(self, names: list[str], *, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if all("ready" in self.log(name) for name in names):
                return
            time.sleep(0.2)
        raise RuntimeError(f"workers {names} were not ready within {timeout} s")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def call(
    method: str,
    url: str,
    *,
    token: str,
    body: dict[str, Any] | None = None,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """One JSON API call with a token; error answers are returned, not raised. `headers` are added
    (a Host and X-Forwarded-Proto, as a TLS-terminating proxy in front of the web processes sends)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {**(headers or {}), "Authorization": f"Token {token}", "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if request_id:
        headers["X-Request-ID"] = request_id
    return _send(urllib.request.Request(url, data=data, headers=headers, method=method))


def submit_render(
    base_url: str,
    *,
    token: str,
    fields: dict[str, str],
    file_name: str,
    data: bytes,
    request_id: str,
    headers: dict[str, str] | None = None,
) -> Answer:
    """POST /api/v1/render-jobs/ as multipart/form-data, as a studio's integration would."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        f"{base_url}/api/v1/render-jobs/",
        data=b"".join(parts),
        headers={
            **(headers or {}),
            "Authorization": f"Token {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Request-ID": request_id,
        },
        method="POST",
    )
    return _send(request)


def _send(request: urllib.request.Request) -> Answer:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw, status, headers = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        raw, status, headers = exc.read(), exc.code, dict(exc.headers)
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        body = {"raw": raw[:500].decode(errors="replace")}
    return Answer(status=status, body=body, headers=headers)
