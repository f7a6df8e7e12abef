"""One public verification in a fresh interpreter, for `bench verify_hostile` (tools/verify_bench.py).

`python -m tools.verify_bench_child FILE [FILE ...]` sets Django up, warms the watermark reader (a warm web
process has it), resets the RSS high-water mark to the current RSS (Linux: /proc/self/clear_refs,
so the warm-up's own transient peak does not hide the request's), verifies FILE as
`POST /api/v1/verify` would and prints one JSON line: the outcome (the report's mark finding, or the
refusal's code), the seconds it took, the RSS before and the high-water mark after (MiB). The
database lookup of a found mark is left out (one indexed query; the benchmark has no database), so
nothing else runs in the process. With several files (the smoke run, to start one interpreter, not
four) each is measured in turn the same way, one JSON line each.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from unittest import mock


def main(paths: list[str]) -> list[dict[str, object]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from render.provenance import watermark_key
    from render.watermark import watermarker_for

    watermarker_for(watermark_key())
    return [_one(path) for path in paths]


def _one(path: str) -> dict[str, object]:
    from config.errors import DomainError
    from render.limits import verify_limits
    from render.verification import verify_media_file
    from tools.render_bench import peak_rss_mib

    before = _reset_peak() or peak_rss_mib()
    started = time.perf_counter()
    try:
        with mock.patch("render.verification._job_for", return_value=None):
            report = verify_media_file(Path(path), limits=verify_limits())
        mark = report.watermark
        outcome = f"answered: mark {mark['mark_id']}" if mark["found"] else "answered: no mark"
    except DomainError as exc:
        outcome = f"refused: {exc.code}"
    seconds = time.perf_counter() - started
    return {"outcome": outcome, "seconds": seconds, "before_mib": before, "peak_mib": peak_rss_mib()}


def _reset_peak() -> float | None:
    """Reset VmHWM to the current RSS and return that RSS (MiB); None where Linux does not allow it."""
    import gc

    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


if __name__ == "__main__":
    for found in main(sys.argv[1:]):
        print(json.dumps(found))  # noqa: T201 - the parent reads these lines
