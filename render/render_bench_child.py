"""One render job in a fresh interpreter, for `bench render`'s memory figure (render/render_bench.py).

`python -m render.render_bench_child JOB_ID DATABASE` sets Django up, points the default connection
at the benchmark's scratch DATABASE, loads the job's face engine, notes the RSS high-water mark,
runs `render_job_execute(JOB_ID)` and prints one JSON line: status, frames, and the high-water mark
before the render and at the end (MiB). Nothing else runs in the process, so the peak is the job's.
"""

from __future__ import annotations

import json
import os
import sys


def main(job_id: str, database: str) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    settings.DATABASES["default"]["NAME"] = database
    connections["default"].settings_dict["NAME"] = database

    from likeness.engines.base import get_engine
    from render.execution import render_job_execute
    from render.models import RenderJob
    from render.render_bench import peak_rss_mib

    job = RenderJob.objects.select_related("license__likeness").get(pk=job_id)
    assert job.license is not None
    engine = job.license.likeness.embeddings.values_list("engine", flat=True).first()
    get_engine(engine)  # loaded before the baseline, as a warm worker has it
    before = peak_rss_mib()
    render_job_execute(job_id)
    peak = peak_rss_mib()
    job.refresh_from_db()
    return {
        "status": job.status if not job.error_code else f"{job.status} {job.error_code}",
        "frames": job.frames_done,
        "before_render_mib": before,
        "peak_mib": peak,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))  # noqa: T201 - the parent reads this line
