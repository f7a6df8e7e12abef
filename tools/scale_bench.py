"""`python manage.py bench scale_out`: end-to-end render jobs per minute with 1, 2 and 3 workers.

Each configuration starts one gunicorn web process and N Celery workers (solo pool, one render at a
time each) against a scratch PostgreSQL database (`<name>_bench`), a Redis broker and local storage,
submits the same small still as many jobs through the HTTP API at once, and times submission to the
last job's final state. The ratio to one worker shows how renders scale; it is bounded by the cores
of the machine (each worker renders on one core). The cast (actor, studio, work, licence) is built by
tests/render_story.py, so the command runs from a source checkout with the dev extra installed.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection

from render.models import TERMINAL_STATUSES, JobStatus, RenderJob
from tests.scale_out import Fleet, database_url_for, platform_env, submit_render

WEB_PORT = 28481


@dataclass
class ScaleResult:
    jobs: int
    rates: dict[int, float] = field(default_factory=dict)  # workers -> completed jobs per minute

    def lines(self) -> list[str]:
        out = [f"scale_out: {self.jobs} still renders per run, submitted at once through the API (1 web process)"]
        base = self.rates.get(min(self.rates)) if self.rates else None
        for workers, rate in sorted(self.rates.items()):
            ratio = f"{rate / base:.2f}x" if base else "n/a"
            out.append(f"  {workers} worker(s): {rate:7.1f} jobs/minute  ({ratio} of 1 worker)")
        return out


def run_scale_out_bench(
    *, workers: list[int], jobs: int, broker_url: str, report: Callable[[str], object]
) -> ScaleResult:
    if connection.vendor != "postgresql":
        raise RuntimeError("bench scale_out needs PostgreSQL (DATABASE_URL): several processes share it")
    import redis

    from tools.scratch import scratch_database

    result = ScaleResult(jobs=jobs)
    with scratch_database() as name, tempfile.TemporaryDirectory(prefix="scale-bench-") as work:
        from django.test.utils import override_settings

        from tests.render_story import make_render_story

        media = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": f"{work}/media"}}
        with override_settings(STORAGES={**settings.STORAGES, "default": media}):
            # The enrolment photos go where the workers will read them.
            story = make_render_story(Path(work), max_renders=jobs * len(workers) + 10)
        broker = redis.Redis.from_url(broker_url)
        for count in workers:
            broker.flushdb()
            env = platform_env(
                database_url=database_url_for(name),
                broker_url=broker_url,
                storage={"MEDIA_ROOT": str(Path(work) / "media")},
            )
            with Fleet(env=env, log_dir=Path(work) / f"logs-{count}") as fleet:
                base = fleet.web("web", port=WEB_PORT, threads=8)
                names = [f"worker{i}" for i in range(1, count + 1)]
                for worker in names:
                    fleet.worker(worker, queues="renders,default")
                fleet.wait_ready(base, timeout=120)
                fleet.wait_workers(names, timeout=120)
                report(f"{count} worker(s) ready; submitting {jobs} jobs")
                started = time.monotonic()

                def submit(n: int, base: str = base, count: int = count) -> str:
                    answer = submit_render(
                        base,
                        token=story.studio.token,
                        fields={"license_id": str(story.license.pk), "purpose": "film", "territory": "FR"},
                        file_name="hopper.jpg",
                        data=story.still,
                        request_id=f"bench-{count}-{n}",
                    )
                    if answer.status != 201:
                        tail = fleet.log("web")[-4000:]
                        raise RuntimeError(f"submission refused: {answer.status} {answer.body}\n{tail}")
                    return str(answer.body["id"])

                with ThreadPoolExecutor(max_workers=8) as pool:
                    ids = list(pool.map(submit, range(jobs)))
                deadline = time.monotonic() + 60 + jobs * 30
                while RenderJob.objects.filter(pk__in=ids, status__in=TERMINAL_STATUSES).count() < len(ids):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{count} worker(s): jobs did not finish in time")
                    fleet.check_alive()
                    time.sleep(0.1)
                elapsed = time.monotonic() - started
                done = RenderJob.objects.filter(pk__in=ids, status=JobStatus.COMPLETED).count()
                if done != len(ids):
                    ends = list(
                        RenderJob.objects.filter(pk__in=ids).values_list("status", "refusal_reason", "error_code")
                    )
                    raise RuntimeError(
                        f"{count} worker(s): only {done} of {len(ids)} jobs completed: {ends}\n"
                        + fleet.log(names[0])[-3000:]
                    )
                result.rates[count] = done / elapsed * 60
                report(f"{count} worker(s): {done} jobs in {elapsed:.1f} s")
        broker.flushdb()
        broker.close()
    return result
