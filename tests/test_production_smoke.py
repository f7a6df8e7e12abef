"""Production as the manifests start it: the processes deploy/k8s names, with deploy/k8s/config.env.

No container engine and no cluster on the test machines, so the test starts the very command lines
of the Kubernetes Deployments (gunicorn; the `renders` and `default` Celery workers; beat) as local
processes, on PostgreSQL, Redis and a real SeaweedFS, in the environment of config.env plus the
names secret.env.example asks for. Only what must differ on one machine is overridden: the hosts and
ports of the backing services (and Redis database numbers of this test's own), the folders mounted
at /keys and /data, one process per gunicorn/celery pool instead of 3 and 4, and the face engine
(config.env names the operator's insightface models, which no test machine has; Ada's face was
enrolled with the embedded engine).

Personas: the kubelet, probing a pod by its IP; Ada, an actor with a licence to one studio; the
studio, which submits a render through the public address (Host platform.example behind a proxy
that terminates TLS) and downloads the output from outside, through S3_PUBLIC_ENDPOINT_URL.

Slow (about a minute on 2 cores): excluded from `make test`, run with `make test-slow`.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import secrets
import socket
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.db import connection

from render.platform_keys import FILE_NAMES, keys_init
from tests.conftest import require_service, use_s3_bucket
from tests.render_story import make_render_story
from tests.scale_out import Fleet, call, database_url_for, submit_render

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
REDIS_DBS = (9, 10)  # this test's broker and cache databases, flushed before and after
POD_HOST = "10.42.3.17:8000"  # what the kubelet sends as Host when it probes the pod's IP


def env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def deployment_commands() -> dict[str, list[str]]:
    commands = {}
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document["kind"] == "Deployment":
                container = document["spec"]["template"]["spec"]["containers"][0]
                commands[document["metadata"]["name"]] = container["command"]
    return commands


def local(command: list[str], *, port: int, data_dir: Path) -> list[str]:
    """A Deployment's command line as a local process of this interpreter, one process per pool."""
    python = [sys.executable, "-m"]
    if command[0] == "sh":  # ["sh", "-c", "exec celery ..."]: expanded by sh, as in the pod
        script = command[2].replace("exec celery ", f"exec {' '.join(python)} celery ")
        return ["sh", "-c", script.replace("--concurrency=4", "--concurrency=1")]
    args = [a.replace("/data/", f"{data_dir}/") for a in command[1:]]
    args = [f"--bind=127.0.0.1:{port}" if a.startswith("--bind=") else a for a in args]
    return [*python, command[0], *["--workers=1" if a.startswith("--workers=") else a for a in args]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, *, host: str) -> tuple[int, dict[str, str], bytes]:
    """One GET with this Host header, redirects not followed (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_the_manifests_processes_serve_a_render_and_a_public_download(committed_db, s3_server, settings, tmp_path):
    require_service("Redis", "127.0.0.1", 6379)
    import redis

    config = env_file(DEPLOY / "k8s" / "config.env")
    secret_names = set(env_file(DEPLOY / "k8s" / "secret.env.example"))
    # The bucket config.env names, on the real S3 server; this process's storage is the same bucket.
    use_s3_bucket(settings, s3_server, config["S3_BUCKET"])
    keys_init()  # the key files this process signs with are the ones the fleet mounts (/keys)
    # The state volume every pod mounts (/state: likeness data keys, retired public keys) is this
    # process's too, so the face it enrols is one the render worker can decrypt.
    state_dir = tmp_path / "state"
    for name, mounted in config.items():
        if mounted.startswith("/state/"):
            setattr(settings, name, state_dir / mounted.removeprefix("/state/"))
    story = make_render_story(tmp_path, max_renders=3)

    internal = s3_server.endpoint_url  # http://127.0.0.1:<port>, as http://seaweedfs...svc:8333 inside
    public = internal.replace("127.0.0.1", "localhost")  # the same server at its public address
    brokers = [f"redis://127.0.0.1:6379/{n}" for n in REDIS_DBS]
    for url in brokers:
        redis.Redis.from_url(url).flushdb()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    secrets_env = {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": database_url_for(connection.settings_dict["NAME"]),
        "AWS_ACCESS_KEY_ID": s3_server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
        "METRICS_TOKEN": secrets.token_urlsafe(32),
    }
    assert set(secrets_env) == secret_names, "every secret secret.env.example asks for, and no other"
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update(config)
    env.update(secrets_env)
    env.update(
        S3_ENDPOINT_URL=internal,
        S3_PUBLIC_ENDPOINT_URL=public,
        CELERY_BROKER_URL=brokers[0],
        CACHE_URL=brokers[1],
        DATA_DIR=str(data_dir),
        FACE_ENGINE=settings.FACE_ENGINE,
        FACE_MODEL_DIR=str(settings.FACE_MODEL_DIR),
        HOSTNAME="smoke",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    for name, mounted in config.items():  # /keys/<file> -> this process's key files; /state/ -> state_dir
        if mounted.startswith("/state/"):
            env[name] = str(getattr(settings, name))
        if mounted.startswith("/keys/"):
            assert mounted == f"/keys/{FILE_NAMES[name]}", name
            env[name] = str(getattr(settings, name))
    if settings.LIKENESS_KEK:
        env["LIKENESS_KEK"] = settings.LIKENESS_KEK

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    public_site = {"Host": urlsplit(config["PUBLIC_BASE_URL"]).netloc, "X-Forwarded-Proto": "https"}
    commands = deployment_commands()
    assert set(commands) == {"web", "worker-renders", "worker-default", "beat"}
    with Fleet(env=env, log_dir=tmp_path / "logs") as fleet:
        for name, command in commands.items():
            fleet.start(name, local(command, port=port, data_dir=data_dir))

        # The kubelet's readiness probe, by pod IP: ready once the database, broker and bucket answer.
        deadline = time.monotonic() + 120
        status, body = 0, b""
        while time.monotonic() < deadline and status != 200:
            fleet.check_alive()
            try:
                status, _, body = get(port, "/readyz", host=POD_HOST)
            except OSError:
                time.sleep(0.5)
        assert status == 200, body
        checks = json.loads(body)["checks"]
        assert {name: check["ok"] for name, check in checks.items()} == dict.fromkeys(
            ("database", "broker", "storage"), True
        )
        assert get(port, "/healthz", host="127.0.0.1:8000")[0] == 200, "compose's health check host"
        assert get(port, "/api/v1/render-jobs/", host=POD_HOST)[0] == 400, "other paths keep ALLOWED_HOSTS"
        status, headers, _ = get(port, "/api/v1/render-jobs/", host="platform.example")
        assert (status, headers["Location"]) == (301, "https://platform.example/api/v1/render-jobs/"), "HTTPS only"

        # The studio renders through the public address.
        submitted = submit_render(
            base,
            token=story.studio.token,
            fields={"license_id": str(story.license.pk), "purpose": "film", "territory": "FR"},
            file_name="hopper.jpg",
            data=story.still,
            request_id="smoke-render",
            headers=public_site,
        )
        assert submitted.status == 201, submitted.body
        job_url = f"{base}/api/v1/render-jobs/{submitted.body['id']}/"
        job = submitted
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and job.body.get("status") not in {"completed", "failed", "refused"}:
            fleet.check_alive()
            time.sleep(0.5)
            job = call("GET", job_url, token=story.studio.token, headers=public_site)
        assert job.body["status"] == "completed", json.dumps(job.body)

        # ...and downloads the output from outside: the link names the public S3 address.
        download = call("GET", f"{job_url}download", token=story.studio.token, headers=public_site)
        assert download.status == 200, download.body
        link = download.body["url"]
        assert urlsplit(link).netloc == urlsplit(public).netloc != urlsplit(internal).netloc
        with urllib.request.urlopen(link, timeout=30) as response:
            assert hashlib.sha256(response.read()).hexdigest() == job.body["output_sha256"]

        # The render ran on the `renders` worker; the `default` worker and beat are up beside it.
        fleet.wait_workers(["worker-renders", "worker-default"], timeout=30)
        assert any(line.get("job_id") == submitted.body["id"] for line in fleet.json_lines("worker-renders"))
        fleet.check_alive()
    for url in brokers:
        redis.Redis.from_url(url).flushdb()
