"""`python manage.py bench TARGET`: measured figures, each against a baseline run in the same process.

It lives in the tools app (a checkout's tooling: the image does not ship it), above every product
app, so it may import any benchmark module. Targets: `audit` (tools/audit_bench.py),
`liveness` (tools/liveness_bench.py: acceptance of genuine live captures and rejection of attacks;
smoke: `--smoke`),
`audit_proofs` (tools/audit_proof_bench.py: inclusion/consistency proofs and roots at 10k, 100k and 1M
entries through the service and the API next to the pure algorithm, with SQL queries per proof; smoke:
`--smoke`), `face_search`
(tools/face_search_bench.py: 1:N face search, the platform's index vs the exact scan, e.g.
`bench face_search --sizes 100000,1000000 --dims 512`;
smoke: `--sizes 2000 --queries 50`), `license_authorize` (tools/license_bench.py: the licence gate against
one bare Ed25519 verify, its reserve against a round trip per statement; smoke: `--smoke`), `watermark`
(tools/watermark_bench.py: robustness, speed and
PSNR against invisible-watermark's dwtDctSvd run from `--baseline-python`; smoke: `--smoke`), `render`
(tools/render_bench.py: frames/s of the per-frame path with each engine against a copy-through transcode,
peak memory of 10 s vs 60 s jobs in fresh processes, and the share of a whole job spent outside face
work; smoke: `--smoke`), `scale_out` (tools/scale_bench.py: end-to-end jobs per minute with 1, 2 and 3
workers on PostgreSQL and Redis; smoke: `--smoke`),
`verify_hostile` (tools/verify_bench.py: peak memory and time of one public verification per hostile or
ordinary file, p95 against the budget; smoke: `--smoke`).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tools.audit_bench import run_audit_bench
from tools.face_search_bench import run_face_search_bench, verdict_lines
from tools.license_bench import run_license_authorize_bench
from tools.render_bench import FULL, SMOKE, run_render_bench
from tools.watermark_bench import run_watermark_bench


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
            choices=[
                "audit",
                "audit_proofs",
                "face_search",
                "license_authorize",
                "liveness",
                "license_authorize_mandate",
                "watermark",
                "render",
                "scale_out",
                "swap_quality",
                "verify_hostile",
            ],
        )
        parser.add_argument("--writers", default="1,8", help="comma-separated writer process counts")
        parser.add_argument("--appends", type=int, default=4000, help="appends per run, shared by the writers")
        parser.add_argument("--repeat", type=int, default=3, help="runs per configuration (median reported)")
        parser.add_argument("--verify-entries", type=int, default=100_000, help="chain length for the verify timing")
        parser.add_argument(
            "--proof-sizes", default="10000,100000,1000000", help="audit_proofs: log sizes (smoke: 10000)"
        )
        parser.add_argument("--sizes", default="10000,100000", help="face_search: stored embedding counts")
        parser.add_argument("--dims", default="128,512", help="face_search: dimensions (dlib 128, ArcFace 512)")
        parser.add_argument("--queries", type=int, default=200, help="face_search: queries per size (median)")
        parser.add_argument("--with-hnsw", action="store_true", help="face_search: also time HNSW (slow build)")
        parser.add_argument("--iterations", type=int, default=4000, help="license_authorize: timed checks")
        parser.add_argument("--scale-workers", default="1,2,3", help="scale_out: worker counts to compare")
        parser.add_argument("--jobs", type=int, default=24, help="scale_out: jobs per worker count")
        parser.add_argument("--broker", default="redis://127.0.0.1:6379/15", help="scale_out: Redis broker (flushed)")
        parser.add_argument(
            "--smoke", action="store_true", help="audit_proofs, license_authorize, watermark, render: a short run"
        )
        parser.add_argument("--stills", type=int, default=100, help="watermark: marked stills (720p)")
        parser.add_argument("--videos", type=int, default=100, help="watermark: marked 2 s videos (720p, 48 frames)")
        parser.add_argument(
            "--baseline-python", default=None, help="watermark: python of a venv with invisible-watermark"
        )
        parser.add_argument("--baseline-videos", type=int, default=3, help="watermark: videos for the slow baseline")
        parser.add_argument("--unmarked", type=int, default=1000, help="watermark: unmarked media for false marks")

        parser.add_argument("--child-timeout", type=float, default=120.0, help="verify_hostile: seconds per file")
        parser.add_argument("--runs", type=int, default=1, help="render: runs of each frames/s figure (median)")
        parser.add_argument(
            "--memory-engine",
            choices=["insightface", "dlib"],
            default="insightface",
            help="render: engine of the memory jobs",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # One method per target: a new benchmark adds a method and a line here.
        targets = {
            "audit": self._audit,
            "audit_proofs": self._audit_proofs,
            "face_search": self._face_search,
            "license_authorize": self._license_authorize,
            "liveness": self._liveness,
            "license_authorize_mandate": self._license_authorize_mandate,
            "render": self._render,
            "scale_out": self._scale_out,
            "swap_quality": self._swap_quality,
            "verify_hostile": self._verify_hostile,
            "watermark": self._watermark,
        }
        targets[options["target"]](options)

    def _render(self, options: dict[str, Any]) -> None:
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

    def _liveness(self, options: dict[str, Any]) -> None:
        from tools.liveness_bench import run_liveness_bench

        liveness = run_liveness_bench(clips_per_face=1 if options["smoke"] else 4, report=self.stderr.write)
        self.stdout.write("\n".join(liveness.lines()))

    def _license_authorize(self, options: dict[str, Any]) -> None:
        iterations = 200 if options["smoke"] else options["iterations"]
        if iterations < 1:
            raise CommandError("--iterations must be positive")
        for line in run_license_authorize_bench(iterations=iterations, report=self.stderr.write).lines():
            self.stdout.write(line)

    def _license_authorize_mandate(self, options: dict[str, Any]) -> None:
        from tools.mandate_bench import run_mandate_bench  # licensing/mandate_gate.py's cost

        iterations = 200 if options["smoke"] else options["iterations"]
        if iterations < 1:
            raise CommandError("--iterations must be positive")
        for line in run_mandate_bench(iterations=iterations, report=self.stderr.write).lines():
            self.stdout.write(line)

    def _audit(self, options: dict[str, Any]) -> None:
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

    def _swap_quality(self, options: dict[str, Any]) -> None:
        from tools.swap_quality_bench import run_swap_quality_bench

        frames = 6 if options["smoke"] else 24
        for line in run_swap_quality_bench(clip_frames=frames, report=self.stderr.write).lines():
            self.stdout.write(line)

    def _verify_hostile(self, options: dict[str, Any]) -> None:
        from tools.verify_bench import run_verify_hostile_bench

        if options["child_timeout"] <= 0:
            raise CommandError("--child-timeout must be positive")
        result = run_verify_hostile_bench(
            smoke=options["smoke"], child_timeout=options["child_timeout"], report=self.stderr.write
        )
        for line in result.lines():
            self.stdout.write(line)
        if broken := [row.name for row in result.rows if row.outcome.startswith(("stopped", "crashed"))]:
            raise CommandError(f"verification neither answered nor refused: {', '.join(broken)}")

    def _audit_proofs(self, options: dict[str, Any]) -> None:
        from tools.audit_proof_bench import SMOKE_QUERIES, SMOKE_SIZES, run_proof_bench, verdict_lines

        try:
            sizes = SMOKE_SIZES if options["smoke"] else [int(v) for v in options["proof_sizes"].split(",")]
        except ValueError:
            raise CommandError("--proof-sizes must be comma-separated integers") from None
        if any(v < 2 for v in sizes) or options["queries"] < 1:
            raise CommandError("--proof-sizes must be at least 2 and --queries positive")
        queries = SMOKE_QUERIES if options["smoke"] else options["queries"]
        rows = run_proof_bench(sizes=sizes, queries=queries, report=self.stderr.write)
        for row in rows:
            for line in row.lines():
                self.stdout.write(line)
        for line in verdict_lines(rows):
            self.stdout.write(line)

    def _scale_out(self, options: dict[str, Any]) -> None:
        from tools.scale_bench import run_scale_out_bench

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
            stills=2 if smoke else options["stills"],
            videos=1 if smoke else options["videos"],
            frames=16 if smoke else 48,
            height=360 if smoke else 720,
            width=640 if smoke else 1280,
            baseline_python=None if smoke else options["baseline_python"],
            baseline_videos=options["baseline_videos"],
            report=self.stderr.write,
            unmarked=10 if smoke else options["unmarked"],
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
        rows = run_face_search_bench(
            sizes=sizes,
            dims=dims,
            queries=options["queries"],
            report=self.stderr.write,
            with_hnsw=options["with_hnsw"],
        )
        for row in rows:
            for line in row.lines():
                self.stdout.write(line)
        for line in verdict_lines(rows):
            self.stdout.write(line)
