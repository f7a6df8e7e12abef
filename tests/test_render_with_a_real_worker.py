"""The real thing: renders queued on Redis, run by real Celery worker processes, stored on real S3.

Personas: Ada licensed her likeness to Studio for Rights' film. Studio submits a still and a clip
through the API; the jobs travel through Redis to a separate `celery worker` process that reads
the same PostgreSQL database, the same keys (DATA_DIR) and writes to the same SeaweedFS bucket.
Then a worker is killed with SIGKILL in the middle of a render: the broker hands the task to a
second worker, which waits out the dead worker's lease, takes the job over and completes it once.

PostgreSQL leg only (several processes share the database); Redis and SeaweedFS are required, so
under CI a missing service fails the test instead of skipping it.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from audit.actions import AuditAction
from audit.selectors import audit_chain_verify
from licensing.models import License
from licensing.works import WorkFileSpec, work_file_add
from render.models import TERMINAL_STATUSES, JobStatus, RenderJob
from tests.conftest import require_service
from tests.render_checks import job_actions, job_entries
from tests.render_story import RenderStory, hopper_clip, make_render_story
from tests.scale_out import SHARED_SETTINGS

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/11"  # this module's own database number, flushed before and after
LEASE_SECONDS = 10  # RENDER_LEASE_SECONDS's minimum
VISIBILITY_SECONDS = 5  # Redis hands an unacknowledged task to another worker after this long
LONG_CLIP_FRAMES = 36  # long enough to be killed in the middle of
# The key and key-store settings every process shares: one list, kept with the scale-out harness's.
KEY_SETTINGS = [name for name in SHARED_SETTINGS if name not in {"DATA_DIR", "FACE_ENGINE", "PUBLIC_BASE_URL"}]


def _reset_broker_connections(app: Any) -> None:
    """Forget the app's connection pools, so the next task is sent to the broker configured now."""
    from kombu import pools

    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # closes the pooled connections and forgets the pools themselves


@pytest.fixture
def redis_broker(settings: Any) -> Iterator[str]:
    """Send this test's tasks to Redis (not inline), and give the broker back as it was afterwards."""
    require_service("Redis", "127.0.0.1", 6379)
    import redis

    from config.celery import app

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = REDIS_URL
    app.conf.task_always_eager = False
    _reset_broker_connections(app)
    try:
        yield REDIS_URL
    finally:
        app.conf.broker_url = saved["broker_url"]
        app.conf.task_always_eager = saved["task_always_eager"]
        _reset_broker_connections(app)
        client.flushdb()
        client.close()


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine would: no cleanup, no ack."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


class Workers:
    """Starts `celery worker` processes pointed at this test's database, broker, bucket and keys."""

    def __init__(self, tmp_path: Path, bucket: str, s3_server: Any) -> None:
        self.tmp_path = tmp_path
        self.started: list[Worker] = []
        db = connection.settings_dict
        credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        scratch = tmp_path / "worker-tmp"
        scratch.mkdir(exist_ok=True)
        self.env = {
            **{name: value for name, value in os.environ.items() if not name.startswith(("S3_", "AWS_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
            "RENDER_LEASE_SECONDS": str(LEASE_SECONDS),
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": s3_server.endpoint_url,
            "S3_REGION": "us-east-1",
            "S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": s3_server.access_key,
            "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
            "DATA_DIR": str(django_settings.DATA_DIR),
            "PUBLIC_BASE_URL": django_settings.PUBLIC_BASE_URL,
            "TMPDIR": str(scratch),  # a killed worker's half-written render is left here, not in /tmp
            **{name: str(getattr(django_settings, name)) for name in KEY_SETTINGS},
        }
        self.env.pop("PRODUCTION", None)

    def start(self, name: str) -> Worker:
        log = self.tmp_path / f"{name}.log"
        command = [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            ",".join(django_settings.TASK_QUEUE_NAMES),
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "info",
            "-n",
            f"{name}@%h",
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = Worker(process=process, log=log)
        self.started.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {w.log.name}\n{w.tail()}" for w in self.started)


@pytest.fixture
def workers(
    committed_db: None, s3_storage: str, s3_server: Any, redis_broker: str, tmp_path: Path
) -> Iterator[Workers]:
    started = Workers(tmp_path, s3_storage, s3_server)
    try:
        yield started
    finally:
        started.stop_all()


def wait_for(job_id: str, condition: Any, *, timeout: float, workers: Workers, what: str) -> RenderJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = RenderJob.objects.get(pk=job_id)
        if condition(job):
            return job
        for worker in workers.started:
            if worker.process.poll() is not None and worker.process.returncode != -signal.SIGKILL:
                pytest.fail(f"a worker exited with {worker.process.returncode}:\n{workers.logs()}")
        time.sleep(0.05)
    job = RenderJob.objects.get(pk=job_id)
    pytest.fail(f"job {job_id} did not become {what} in {timeout} s (it is {job.status}):\n{workers.logs()}")


def bucket_objects(s3_server: Any, bucket: str, prefix: str) -> dict[str, bytes]:
    client = boto3.client(
        "s3",
        endpoint_url=s3_server.endpoint_url,
        aws_access_key_id=s3_server.access_key,
        aws_secret_access_key=s3_server.secret_key,
        region_name="us-east-1",
    )
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


def submit(story: RenderStory, **fields: Any) -> str:
    response = story.submit(**fields)
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def test_a_still_and_a_clip_are_rendered_by_a_worker_stored_on_s3_and_downloaded(
    workers, s3_server, s3_storage, tmp_path
):
    story = make_render_story(tmp_path)
    workers.start("worker1")
    still_id, clip_id = submit(story), submit(story, kind="video")

    for job_id in (still_id, clip_id):
        job = wait_for(job_id, lambda j: j.status in TERMINAL_STATUSES, timeout=120, workers=workers, what="final")
        assert job.status == JobStatus.COMPLETED, (job.refusal_reason, job.error_code, job.error_message)
        assert job.attempts == 1
        assert job_actions(job) == ["render_job.submitted", "render_job.started", "render_job.completed"]

        objects = bucket_objects(s3_server, s3_storage, f"outputs/{job_id}/")
        assert list(objects) == [job.output_name], "exactly one output object, the one recorded"
        assert hashlib.sha256(objects[job.output_name]).hexdigest() == job.output_sha256

        link = story.studio.client().get(f"/api/v1/render-jobs/{job_id}/download")
        assert link.status_code == 200, link.content
        url = link.json()["url"]
        assert url.startswith(s3_server.endpoint_url) and "X-Amz-Signature=" in url
        with urllib.request.urlopen(url, timeout=30) as answer:  # the presigned link, no credentials
            fetched = answer.read()
        assert fetched == objects[job.output_name]
        assert hashlib.sha256(fetched).hexdigest() == link.json()["sha256"] == job.output_sha256
        (downloaded,) = job_entries(job, AuditAction.RENDER_JOB_DOWNLOADED)
        assert downloaded.actor_id == story.studio.user.pk

    clip = RenderJob.objects.get(pk=clip_id)
    assert clip.frames_done == clip.frames_total == 24
    assert License.objects.get(pk=story.license.pk).renders_used == 2
    report = audit_chain_verify()  # the worker process appended to the same chain
    assert report.ok, report.as_dict()


def test_a_worker_killed_mid_render_is_replaced_and_the_job_completes_exactly_once(
    workers, s3_server, s3_storage, tmp_path
):
    story = make_render_story(tmp_path)
    data = hopper_clip(tmp_path / "long.mp4", frames=LONG_CLIP_FRAMES, audio=False)
    file = WorkFileSpec(sha256=hashlib.sha256(data).hexdigest(), media_type="video", name="long.mp4")
    work_file_add(work=story.work, file=file, actor=story.rights_holder.user)
    first = workers.start("doomed")
    job_id = submit(story, file=SimpleUploadedFile("long.mp4", data, content_type="video/mp4"))

    running = wait_for(
        job_id,
        lambda j: j.status == JobStatus.RUNNING and j.frames_done >= 3,
        timeout=120,
        workers=workers,
        what="running",
    )
    first.kill()
    killed_at = RenderJob.objects.get(pk=job_id)
    assert killed_at.status == JobStatus.RUNNING and killed_at.frames_done < LONG_CLIP_FRAMES, "killed mid-way"
    assert running.attempts == 1

    workers.start("replacement")
    job = wait_for(job_id, lambda j: j.status in TERMINAL_STATUSES, timeout=150, workers=workers, what="final")

    assert job.status == JobStatus.COMPLETED, (job.refusal_reason, job.error_code, job.error_message, workers.logs())
    assert (job.attempts, job.frames_done) == (2, LONG_CLIP_FRAMES)
    assert job_actions(job) == [
        "render_job.submitted",
        "render_job.started",
        "render_job.resumed",
        "render_job.completed",
    ]
    assert job.finished_at is not None and job.started_at is not None
    license = License.objects.get(pk=story.license.pk)
    assert license.renders_used == 1, "the take-over reserved no second use"
    objects = bucket_objects(s3_server, s3_storage, f"outputs/{job_id}/")
    assert list(objects) == [job.output_name]
    assert hashlib.sha256(objects[job.output_name]).hexdigest() == job.output_sha256
    # Give any late redelivery (the broker's copy of the dead worker's task) the time to arrive, and
    # show it changes nothing.
    time.sleep(VISIBILITY_SECONDS + 1)
    again = RenderJob.objects.get(pk=job_id)
    assert (again.status, again.attempts, again.output_name) == (JobStatus.COMPLETED, 2, job.output_name)
    assert job_actions(again).count("render_job.completed") == 1
    report = audit_chain_verify()
    assert report.ok, report.as_dict()
