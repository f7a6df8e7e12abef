"""Scale-out on real services: two web processes under gunicorn and three Celery workers on
PostgreSQL, Redis and SeaweedFS (S3), with no shared memory between them.

Personas: Ada, one actor who licensed her likeness to five studios (each licence allows 8 renders);
the studios each submit 10 renders of the same still concurrently through the HTTP API; Ada revokes
two of the licences while their jobs run. Afterwards every job has exactly one final state that
agrees with its licence, no quota is exceeded, the audit chain verifies, every completed output is in
the bucket with its sha256, revoked licences' outputs are refused for download, and each worker's
JSON log lines name the request that enqueued the job.

Slow (about a minute on 2 cores): excluded from `make test`, run with `make test-slow`.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from licensing.lifecycle import license_approve, license_request
from licensing.models import License
from render.models import TERMINAL_STATUSES, JobStatus, RenderJob
from render.scale_out import Fleet, call, database_url_for, platform_env, submit_render
from tests.conftest import require_service
from tests.factories import grant_adaptation, license_terms, make_studio
from tests.render_story import make_render_story

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

STUDIOS, JOBS_PER_STUDIO, QUOTA = 5, 10, 8
REVOKED = (3, 4)  # studios whose licence Ada revokes mid-run
WEB_PORTS = (28471, 28472)
REDIS_DB = 14
FINAL_ACTIONS = {
    "render_job.completed",
    "render_job.refused",
    "render_job.revoked",
    "render_job.failed",
    "render_job.cancelled",
}


def wait_for(predicate, *, timeout: float, fleet: Fleet, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        fleet.check_alive()
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def completed_count(license_id) -> int:
    return RenderJob.objects.filter(license_id=license_id, status=JobStatus.COMPLETED).count()


def check_licence_outcome(index: int, licence, jobs: dict) -> None:
    """Every job under one licence ended as that licence allows; its quota held."""
    licence.refresh_from_db()
    mine = [j for j in jobs.values() if j.license_id == licence.pk]
    completed = [j for j in mine if j.status == JobStatus.COMPLETED]
    assert len(mine) == JOBS_PER_STUDIO
    assert licence.renders_used <= QUOTA, "the quota holds across processes"
    assert licence.renders_used == sum(j.use_reserved for j in mine)
    if index in REVOKED:
        assert licence.status == "revoked"
        revoked_seq = AuditEntry.objects.get(target_id=str(licence.pk), action="license.revoked").seq
        for job in completed:
            done_seq = AuditEntry.objects.get(target_id=str(job.pk), action="render_job.completed").seq
            assert done_seq < revoked_seq, "nothing completes after the revocation"
        for job in mine:
            if job.status != JobStatus.COMPLETED:
                assert job.refusal_reason in {"license_revoked", "license_exhausted"}, job.refusal_reason
                assert not job.output_name
                assert default_storage.listdir(f"outputs/{job.pk}")[1] == [], "no output object is kept"
    else:
        assert licence.status in {"active", "exhausted"}
        assert len(completed) == QUOTA, "a standing licence renders up to its quota, exactly"
        refused = [j.refusal_reason for j in mine if j.status != JobStatus.COMPLETED]
        assert refused == ["license_exhausted"] * (JOBS_PER_STUDIO - QUOTA)


def jobs_picked_up_by_worker(fleet: Fleet, workers: list[str], request_of: dict) -> dict[str, list]:
    """Each worker's "picked up" JSON log lines, checked to name the request that enqueued the job."""
    picked: dict[str, list] = {name: [] for name in workers}
    for name in workers:
        for line in fleet.json_lines(name):
            if line.get("logger") == "render.tasks" and "picked up" in line.get("message", ""):
                picked[name].append(line)
                assert line["request_id"] == request_of[line["job_id"]], line
                assert line["task_name"] == "render.tasks.render_job_run"
    return picked


def test_fifty_concurrent_renders_on_two_web_processes_and_three_workers_end_correctly(
    committed_db, s3_server, s3_storage, tmp_path: Path
):
    require_service("Redis", "127.0.0.1", 6379)
    import redis

    story = make_render_story(tmp_path, max_renders=QUOTA)
    studios, licences = [story.studio], [story.license]
    for i in range(1, STUDIOS):
        studio = make_studio(f"studio{i}")
        grant_adaptation(story.work, holder=story.rights_holder, studio=studio)
        requested = license_request(
            studio=studio.organisation,
            likeness_id=story.actor.likeness.pk,
            terms=license_terms([story.work], max_renders=QUOTA),
            actor=studio.user,
        )
        studios.append(studio)
        licences.append(license_approve(license=requested, actor=story.actor.user))

    broker_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    broker = redis.Redis.from_url(broker_url)
    broker.flushdb()
    env = platform_env(
        database_url=database_url_for(connection.settings_dict["NAME"]),
        broker_url=broker_url,
        storage={
            "S3_BUCKET": s3_storage,
            "S3_ENDPOINT_URL": s3_server.endpoint_url,
            "AWS_ACCESS_KEY_ID": s3_server.access_key,
            "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
            "S3_ADDRESSING_STYLE": "path",
        },
        CACHE_URL=f"redis://127.0.0.1:6379/{REDIS_DB + 1}",
    )
    workers = ["worker1", "worker2", "worker3"]
    with Fleet(env=env, log_dir=tmp_path / "logs") as fleet:
        webs = [fleet.web(f"web{n}", port=port) for n, port in enumerate(WEB_PORTS, start=1)]
        for name in workers:
            fleet.worker(name)
        for base in webs:
            fleet.wait_ready(base, timeout=90)
        fleet.wait_workers(workers, timeout=90)

        revocations: dict[int, float] = {}

        def revoke_when(index: int, after_completed: int) -> None:
            # Ada withdraws consent once some of that studio's renders are out: its other jobs are
            # queued, running or releasing at that moment.
            deadline = time.monotonic() + 120
            while completed_count(licences[index].pk) < after_completed and time.monotonic() < deadline:
                time.sleep(0.05)
            answer = call(
                "POST",
                f"{webs[index % 2]}/api/v1/licenses/{licences[index].pk}/revoke/",
                token=story.actor.token,
                body={"reason": "consent withdrawn"},
            )
            assert answer.status == 200, answer
            revocations[index] = time.monotonic()

        revokers = [
            threading.Thread(target=revoke_when, args=(REVOKED[0], 1)),
            threading.Thread(target=revoke_when, args=(REVOKED[1], 3)),
        ]
        for thread in revokers:
            thread.start()

        def submit(n: int):
            s = n % STUDIOS
            return submit_render(
                webs[n % 2],
                token=studios[s].token,
                fields={"license_id": str(licences[s].pk), "purpose": "film", "territory": "FR"},
                file_name="hopper.jpg",
                data=story.still,
                request_id=f"scale-{n}",
            )

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(submit, range(STUDIOS * JOBS_PER_STUDIO)))
        assert [a.status for a in answers] == [201] * len(answers), [a.body for a in answers if a.status != 201]
        job_ids = [a.body["id"] for a in answers]
        request_of = {a.body["id"]: f"scale-{n}" for n, a in enumerate(answers)}

        wait_for(
            lambda: RenderJob.objects.filter(pk__in=job_ids, status__in=TERMINAL_STATUSES).count() == len(job_ids),
            timeout=240,
            fleet=fleet,
            what="every job to reach a final state",
        )
        elapsed = time.monotonic() - started
        for thread in revokers:
            thread.join(timeout=10)
        assert set(revocations) == set(REVOKED)

        jobs = {str(j.pk): j for j in RenderJob.objects.filter(pk__in=job_ids)}
        assert len(jobs) == 50

        # Exactly one final state per job, in the audit trail as in the row.
        for job_id, job in jobs.items():
            finals = list(
                AuditEntry.objects.filter(target_id=job_id, action__in=FINAL_ACTIONS).values_list("action", flat=True)
            )
            assert finals == [f"render_job.{job.status}"], (job_id, job.status, finals)
            assert job.status in {JobStatus.COMPLETED, JobStatus.REFUSED, JobStatus.REVOKED}, (
                job.status,
                job.error_code,
            )

        for index, licence in enumerate(licences):
            check_licence_outcome(index, licence, jobs)

        # Every completed output is in the bucket, byte for byte.
        completed_jobs = [j for j in jobs.values() if j.status == JobStatus.COMPLETED]
        for job in completed_jobs:
            with default_storage.open(job.output_name, "rb") as stored:
                assert hashlib.sha256(stored.read()).hexdigest() == job.output_sha256

        # Downloads: outputs of standing licences through a presigned link; revoked ones refused.
        for job in completed_jobs:
            studio = studios[licences.index(next(lic for lic in licences if lic.pk == job.license_id))]
            answer = call("GET", f"{webs[1]}/api/v1/render-jobs/{job.pk}/download", token=studio.token)
            licence = License.objects.get(pk=str(job.license_id))
            if licence.status == "revoked":
                assert (answer.status, answer.body["error"]["code"]) == (409, "license_revoked")
            else:
                assert answer.status == 200, answer
                with urllib.request.urlopen(answer.body["url"], timeout=30) as response:
                    assert hashlib.sha256(response.read()).hexdigest() == job.output_sha256

        report = audit_chain_verify()
        assert report.ok, report

        # Each worker's JSON log names the request that enqueued the job it ran; the work was shared.
        picked = jobs_picked_up_by_worker(fleet, workers, request_of)
        # A job may be picked up again (a retry while another worker holds it); each is picked up once at least.
        assert {line["job_id"] for lines in picked.values() for line in lines} == set(job_ids)
        assert sum(1 for lines in picked.values() if lines) >= 2, {k: len(v) for k, v in picked.items()}
        sys.stderr.write(f"\n50 jobs through 2 web processes and 3 workers in {elapsed:.1f} s; per worker: "
              f"{ {k: len(v) for k, v in picked.items()} }\n")  # fmt: skip
    broker.flushdb()
    broker.close()
