"""`python manage.py bench TARGET`: measured figures, each against a baseline run in the same process.

It lives in the render app, the last in the dependency order, so it may import every app's
benchmark module. Targets: `audit` (audit/bench.py), `face_search` (likeness/bench.py: 1:N face
search, exact vs HNSW, e.g. `bench face_search --sizes 10000,100000`; smoke: `--sizes 2000 --queries 50`),
`license_authorize` (licensing/bench.py: the licence gate against one bare Ed25519 verify; smoke: `--smoke`),
`watermark` (render/watermark_bench.py: robustness, speed and PSNR against invisible-watermark's dwtDctSvd
run from `--baseline-python`; smoke: `--smoke`), `render` (render/render_bench.py: frames/s of the per-frame
path with each engine against a copy-through transcode, peak memory of 10 s vs 60 s jobs in fresh processes,
and the share of a whole job spent outside face work; smoke: `--smoke`), `scale_out`
(render/scale_bench.py: end-to-end jobs per minute with 1, 2 and 3 workers on PostgreSQL and Redis; smoke: `--smoke`).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.bench import run_audit_bench
from licensing.bench import run_license_authorize_bench
from likeness.bench import run_face_search_bench
from render.render_bench import FULL, SMOKE, run_render_bench
from render.watermark_bench import run_watermark_bench


def _writer_counts(value: str) -> list[int]:
    try:
        counts = [int(part) for part in value.split(",")]
    except ValueError:
        raise CommandError(f"--writers {value!r} must be comma-separated integers") from None
    if not counts or any(c < 1 or c > 64 for c in counts):
        raise CommandError("--writers must be between 1 and 64")
    return counts


class Command(BaseCommand):
    help = "Benchmark the audit trail on a scratch database of the configured server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "target",
            choices=["audit", "face_search", "license_authorize", "watermark", "render", "scale_out", "liveness"],
        )
        parser.add_argument("--writers", default="1,8", help="comma-separated writer process counts")
        parser.add_argument("--appends", type=int, default=4000, help="appends per run, shared by the writers")
        parser.add_argument("--repeat", type=int, default=3, help="runs per configuration (median reported)")
        parser.add_argument("--verify-entries", type=int, default=100_000, help="chain length for the verify timing")
        parser.add_argument("--sizes", default="10000,100000", help="face_search: stored embedding counts")
        parser.add_argument("--dims", default="128,512", help="face_search: dimensions (dlib 128, ArcFace 512)")
        parser.add_argument("--queries", type=int, default=200, help="face_search: queries per size (median)")
        parser.add_argument("--iterations", type=int, default=4000, help="license_authorize: timed checks")
        parser.add_argument("--scale-workers", default="1,2,3", help="scale_out: worker counts to compare")
        parser.add_argument("--jobs", type=int, default=24, help="scale_out: jobs per worker count")
        parser.add_argument("--broker", default="redis://127.0.0.1:6379/15", help="scale_out: Redis broker (flushed)")
        parser.add_argument("--smoke", action="store_true", help="license_authorize, watermark, render: a short run")
        parser.add_argument("--stills", type=int, default=100, help="watermark: marked stills (720p)")
        parser.add_argument("--videos", type=int, default=100, help="watermark: marked 2 s videos (720p, 48 frames)")
        parser.add_argument(
            "--baseline-python", default=None, help="watermark: python of a venv with invisible-watermark"
        )
        parser.add_argument("--baseline-videos", type=int, default=3, help="watermark: videos for the slow baseline")

        parser.add_argument("--runs", type=int, default=1, help="render: runs of each frames/s figure (median)")
        parser.add_argument(
            "--memory-engine",
            choices=["insightface", "dlib"],
            default="insightface",
            help="render: engine of the memory jobs",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["target"] == "liveness":  # likeness/liveness_bench.py; smoke: --smoke (1 clip per face)
            from likeness.liveness_bench import run_liveness_bench

            liveness = run_liveness_bench(clips_per_face=1 if options["smoke"] else 4, report=self.stderr.write)
            self.stdout.write("\n".join(liveness.lines()))
            return
        if options["target"] == "render":
            if options["runs"] < 1:
                raise CommandError("--runs must be positive")
            render = run_render_bench(
                size=SMOKE if options["smoke"] else FULL,
                repeat=options["runs"],
                memory_engine=options["memory_engine"],
                report=self.stderr.write,
            )
            for line in render.lines():
                self.stdout.write(line)
            return
        if options["target"] == "scale_out":
            self._scale_out(options)
            return
        if options["target"] == "watermark":
            self._watermark(options)
            return
        if options["target"] == "face_search":
            self._face_search(options)
            return
        if options["target"] == "license_authorize":
            iterations = 200 if options["smoke"] else options["iterations"]
            if iterations < 1:
                raise CommandError("--iterations must be positive")
            for line in run_license_authorize_bench(iterations=iterations, report=self.stderr.write).lines():
                self.stdout.write(line)
            return
        if options["appends"] < 1 or options["repeat"] < 1 or options["verify_entries"] < 1:
            raise CommandError("--appends, --repeat and --verify-entries must be positive")
        result = run_audit_bench(
            writers=_writer_counts(options["writers"]),
            appends=options["appends"],
            repeat=options["repeat"],
            verify_entries=options["verify_entries"],
            report=self.stderr.write,
        )
        for line in result.lines():
            self.stdout.write(line)

    def _scale_out(self, options: dict[str, Any]) -> None:
        from render.scale_bench import run_scale_out_bench

        workers = [1, 2] if options["smoke"] else _writer_counts(options["scale_workers"])
        jobs = 4 if options["smoke"] else options["jobs"]
        if jobs < 1:
            raise CommandError("--jobs must be positive")
        try:
            result = run_scale_out_bench(
                workers=workers, jobs=jobs, broker_url=options["broker"], report=self.stderr.write
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        for line in result.lines():
            self.stdout.write(line)

    def _watermark(self, options: dict[str, Any]) -> None:
        smoke = options["smoke"]
        if min(options["stills"], options["videos"], options["baseline_videos"] + 1) < 1:
            raise CommandError("--stills and --videos must be positive, --baseline-videos not negative")
        result = run_watermark_bench(
            stills=3 if smoke else options["stills"],
            videos=1 if smoke else options["videos"],
            frames=24 if smoke else 48,
            height=360 if smoke else 720,
            width=640 if smoke else 1280,
            baseline_python=None if smoke else options["baseline_python"],
            baseline_videos=options["baseline_videos"],
            report=self.stderr.write,
        )
        for line in result.lines():
            self.stdout.write(line)

    def _face_search(self, options: dict[str, Any]) -> None:
        try:
            sizes = [int(v) for v in options["sizes"].split(",")]
            dims = [int(v) for v in options["dims"].split(",")]
        except ValueError:
            raise CommandError("--sizes and --dims must be comma-separated integers") from None
        if any(v < 10 for v in sizes) or any(v < 2 for v in dims) or options["queries"] < 1:
            raise CommandError("--sizes must be at least 10, --dims at least 2, --queries positive")
        rows = run_face_search_bench(sizes=sizes, dims=dims, queries=options["queries"], report=self.stderr.write)
        for row in rows:
            self.stdout.write(row.line())
        for row in rows:
            if row.size == 100_000:
                best = min(row.median_ms.values())
                verdict = "met" if best < 20 else "NOT met"
                self.stdout.write(f"target under 20 ms at 100k (dim {row.dim}): {verdict} (best {best:.3f} ms)")
