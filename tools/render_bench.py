"""Render benchmark (`python manage.py bench render [--smoke]`): speed, memory and where the time goes.

Every input is generated here from public-domain media (tools/sample_media.py): a 720p clip at 25
frames/s of Grace Hopper's portrait panning and zooming on a dark canvas, with a tone on the audio
track. Three measurements, each against a baseline measured in the same run:

1. Frames per second through the real per-frame path (`FrameRenderer`: detect, swap, visible label
   and invisible watermark from `provenance.frame_marker`; decode and H.264 encode by
   `render.video.transcode`), with the dlib engine and with the insightface engine on the tiny ONNX
   models (tests/tiny_face_models.py: insightface's and onnxruntime's real code, trivial model
   compute; so that figure is the pipeline around an engine, not buffalo_l's cost). The baseline is
   a copy-through transcode of the same clip (decode and encode only). Per-call medians of detect,
   swap and mark are reported beside it.
2. Peak memory of a whole render job (gate, identity materials, frames, C2PA signing, sha256,
   storage) on a short and a long clip, each job run by `render_job_execute` in a fresh Python
   process (tools/render_bench_child.py) that reports its own RSS high-water mark (VmHWM), before
   the render (Django, database and engine loaded) and at the end. Target: the long clip's peak
   within 10% of the short one's. By default on the insightface engine with the tiny models, whose
   model memory is constant, so any growth is the pipeline's; `--memory-engine dlib` is slower.
3. One full `render_job_execute` of the same clip with the dlib engine (the embedded default), in
   this process, twice on the same input: "before" as the render ran before issue 20 (the detector
   on every full-size frame, every step of a frame in one thread) and "after" (the detector on a
   shrunk frame every few frames with refits between, decode / faces / label+watermark / encode
   overlapped in threads). Each prints frames/s of the whole job (gate, identity materials,
   decode, faces, label, watermark, encode, C2PA, sha256, storage, audit) and its ratio to the
   copy-through baseline of measurement 1, the busy time per frame of each stage (decode, detect,
   landmarks, swap, label, watermark, encode), and the share of the job's wall time outside face
   work. Target: 5 frames/s at 720p on 2 cores; share under 10%.

It works on a scratch database (`<name>_renderbench` on PostgreSQL, a separate file on SQLite, as
tools/audit_bench.py does) with a story built through the real services: an actor enrolled from the
astronaut photo (dlib), one enrolled from tiny-model photos (insightface), a rights holder's work
holding the clips, an adaptation grant, and one approved licence per actor.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, connections
from django.test.utils import override_settings

from likeness.engines.base import FaceEngine, SwapSource, get_engine, reset_engines
from render import execution, provenance, submission
from render.pipeline import FrameRenderer
from render.video import iter_frames, transcode
from tools.sample_media import astronaut, png_bytes, write_moving_clip
from tools.scratch import scratch_database

DET_SIZE = 640
MIB = 1024 * 1024


@dataclass(frozen=True)
class BenchSize:
    width: int
    height: int
    fps: int
    seconds: float  # the clip of measurements 1 and 3
    memory_seconds: tuple[float, float]  # short and long clips of measurement 2


FULL = BenchSize(width=1280, height=720, fps=25, seconds=10.0, memory_seconds=(10.0, 60.0))
SMOKE = BenchSize(width=320, height=180, fps=25, seconds=1.0, memory_seconds=(2.0, 4.0))


# --- timing helpers ----------------------------------------------------------------------------


@dataclass
class StageTimer:
    """Seconds per call, by stage name."""

    calls: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.calls[stage].append(time.perf_counter() - started)

        return timed

    def add(self, stage: str, seconds: float) -> None:
        self.calls[stage].append(seconds)

    def total(self, *stages: str) -> float:
        return sum(sum(self.calls.get(stage, [])) for stage in stages)

    def median_ms(self, stage: str) -> float:
        values = self.calls.get(stage)
        return statistics.median(values) * 1000 if values else 0.0


# The renderer's calls into an engine, and the stage each is counted in. The detector's calls
# include the landmarks of the faces it finds; "landmarks" are the refits between detections.
FACE_CALLS = {"detect_scaled": "detect", "refit": "landmarks", "swap": "swap"}
FACE_STAGES = tuple(FACE_CALLS.values())


@contextmanager
def timed_face_calls(engine: FaceEngine, timer: StageTimer) -> Iterator[FaceEngine]:
    """Time every detect, refit and swap call on this engine instance (as cached by get_engine) while inside."""
    for name, stage in FACE_CALLS.items():
        setattr(engine, name, timer.wrap(stage, getattr(type(engine), name).__get__(engine)))
    try:
        yield engine
    finally:
        for name in FACE_CALLS:
            vars(engine).pop(name, None)


@contextmanager
def timed_marks(timer: StageTimer) -> Iterator[None]:
    """Time the visible label and the invisible watermark of every frame while inside."""
    from render.watermark import Watermarker

    with (
        mock.patch.object(provenance, "draw_label", timer.wrap("label", provenance.draw_label)),
        mock.patch.object(Watermarker, "embed", timer.wrap("watermark", Watermarker.embed)),
    ):
        yield


def peak_rss_mib() -> float:
    """This process's RSS high-water mark (VmHWM), from /proc or getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MIB
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak * 1024 / MIB


# --- 1. frames per second through the per-frame path -----------------------------------------------


@dataclass(frozen=True)
class Throughput:
    label: str
    frames: int
    seconds: list[float]  # one per run
    faces_replaced: int
    detect_ms: float = 0.0
    swap_ms: float = 0.0
    mark_ms: float = 0.0

    @property
    def fps(self) -> float:
        return self.frames / statistics.median(self.seconds)


def _bench_marker(timer: StageTimer) -> Callable[[np.ndarray, int, Any], np.ndarray]:
    # The production marker for a job with no licence (platform label) and a fixed mark id.
    job = SimpleNamespace(license=None, mark_id=0x5EED_0000_0001)
    return timer.wrap("mark", provenance.frame_marker(job))


def _warm_up(engine: FaceEngine, source: SwapSource, clip: Path) -> None:
    """One detect and swap on the clip's first frame, so lazy model loading is not timed."""
    frame = next(iter_frames(clip))
    with contextlib.redirect_stdout(sys.stderr):  # insightface prints the swapper's input shape
        for face in engine.detect(frame)[:1]:
            engine.swap(frame, target=face, source=source)


def render_throughput(
    *, clip: Path, engine: FaceEngine | None, source: SwapSource | None, label: str, repeat: int = 1
) -> Throughput:
    """Render `clip` through FrameRenderer and transcode (`engine` None: copy-through, no face work)."""
    if engine is not None and source is not None:
        _warm_up(engine, source, clip)
    seconds: list[float] = []
    timer = StageTimer()
    frames = faces = 0
    with tempfile.TemporaryDirectory(prefix="render-bench-") as work:
        output = Path(work) / "out.mp4"
        for _ in range(repeat):
            if engine is None or source is None:
                started = time.perf_counter()
                stats = transcode(clip, output, transform=lambda frame, index: frame)
                seconds.append(time.perf_counter() - started)
            else:
                with timed_face_calls(engine, timer):
                    renderer = FrameRenderer(
                        engine=engine, source=source, selection="largest", index=None, mark=_bench_marker(timer)
                    )
                    started = time.perf_counter()
                    stats = transcode(clip, output, transform=renderer.stages())
                    seconds.append(time.perf_counter() - started)
                faces = renderer.faces_replaced
            frames = stats.frames
    return Throughput(
        label=label,
        frames=frames,
        seconds=seconds,
        faces_replaced=faces,
        detect_ms=timer.median_ms("detect"),
        swap_ms=timer.median_ms("swap"),
        mark_ms=timer.median_ms("mark"),
    )


# --- the scratch database and the story ------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    studio_user: Any
    licenses: dict[str, Any]  # engine name -> approved licence
    sources: dict[str, SwapSource]  # engine name -> the enrolled identity, for measurement 1


def _tiny_face_photo(row: int, col: int) -> bytes:
    from tests.tiny_face_models import person

    return png_bytes(person((150, 40, 40), cells=[(row, col)], size=DET_SIZE))


def build_story(clips: list[Path]) -> Story:
    """Actors (dlib, insightface), a work holding `clips`, a grant, one approved licence per actor."""
    import hashlib

    from accounts.services import user_create
    from config import clock
    from licensing.lifecycle import LicenseTerms, license_approve, license_request
    from licensing.models import OrganisationKind, RightKind, WorkKind
    from licensing.parties import organisation_create
    from licensing.works import WorkFileSpec, WorkRightSpec, adaptation_grant_create, work_register
    from likeness.liveness_samples import mark_person_verified_for_fixtures
    from likeness.models import LikenessStatus
    from likeness.services import (
        PhotoUpload,
        likeness_create,
        likeness_enrol,
        likeness_identity_materials,
        owner_register,
    )

    now = clock.now()
    holder_user, studio_user = user_create(username="bench-rights"), user_create(username="bench-studio")
    holder = organisation_create(
        name="Bench Films", kind=OrganisationKind.RIGHTS_HOLDER, creator=holder_user, actor=holder_user
    )
    studio = organisation_create(name="Bench Pictures", kind=OrganisationKind.STUDIO, creator=studio_user, actor=None)
    work = work_register(
        holder=holder,
        title="Amazing Grace (bench cut)",
        kind=WorkKind.FILM,
        identifiers={},
        files=[
            WorkFileSpec(sha256=hashlib.sha256(clip.read_bytes()).hexdigest(), media_type="video", name=clip.name)
            for clip in clips
        ],
        rights=[WorkRightSpec(right=RightKind.ADAPT, territories=["WORLD"], valid_from=now - timedelta(days=1))],
        actor=holder_user,
    )
    adaptation_grant_create(
        work=work,
        studio=studio,
        territories=["WORLD"],
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=30),
        actor=holder_user,
    )
    face = astronaut()
    photos = {
        "dlib": [PhotoUpload("front.png", png_bytes(face)), PhotoUpload("mirrored.png", png_bytes(face[:, ::-1]))],
        "insightface": [PhotoUpload("a.png", _tiny_face_photo(40, 40)), PhotoUpload("b.png", _tiny_face_photo(38, 42))],
    }
    licenses, sources = {}, {}
    for engine_name, uploads in photos.items():
        actor = user_create(username=f"bench-actor-{engine_name}")
        owner = owner_register(user=actor, display_name=f"Bench actor ({engine_name})", actor=actor)
        likeness = likeness_create(owner=owner, display_name=f"Bench face ({engine_name})", actor=actor)
        likeness = likeness_enrol(likeness=likeness, photos=uploads, actor=actor, engine_name=engine_name)
        if likeness.status != LikenessStatus.ENROLLED:
            raise RuntimeError(f"the {engine_name} bench actor was not enrolled: {likeness.status}")
        mark_person_verified_for_fixtures(likeness)
        license = license_request(
            studio=studio,
            likeness_id=likeness.pk,
            terms=LicenseTerms(
                work_ids=[work.pk],
                purposes=["film"],
                media_types=["video"],
                territories=["FR"],
                valid_until=now + timedelta(days=30),
                max_renders=1000,
                max_output_seconds=600,
            ),
            actor=studio_user,
        )
        licenses[engine_name] = license_approve(license=license, actor=actor)
        materials = likeness_identity_materials(likeness=likeness, purpose="bench render")
        sources[engine_name] = SwapSource(
            image=materials.photos[0], face=materials.faces[0], embedding=materials.embeddings[0]
        )
    return Story(studio_user=studio_user, licenses=licenses, sources=sources)


def submit_job(story: Story, *, engine_name: str, clip: Path) -> Any:
    """Submit through the real service, but leave the run to the caller (timed here, or in a child)."""
    with clip.open("rb") as handle, mock.patch.object(submission, "enqueue_job", lambda job_id: None):
        upload = UploadedFile(file=handle, name=clip.name, content_type="video/mp4", size=clip.stat().st_size)
        return submission.render_job_submit(
            user=story.studio_user,
            license_id=story.licenses[engine_name].pk,
            upload=upload,
            purpose="film",
            territory="FR",
        )


# --- 2. peak memory of a whole job, each in a fresh process -----------------------------------------


@dataclass(frozen=True)
class MemoryPeak:
    video_seconds: float
    status: str
    frames: int
    before_render_mib: float
    peak_mib: float
    wall_seconds: float


def _child_env(*, model_dir: Path, pins: Path, media: Path) -> dict[str, str]:
    """The parent's environment, with the tiny models and the bench's own local media folder."""
    env = {key: value for key, value in os.environ.items() if key != "S3_BUCKET"}
    env.update(
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        FACE_MODEL_DIR=str(model_dir),
        FACE_MODEL_PINS_FILE=str(pins),
        FACE_DET_SIZE=str(DET_SIZE),
        MEDIA_ROOT=str(media),
    )
    return env


def job_peak_memory(*, job_id: str, database: str, video_seconds: float, env: dict[str, str]) -> MemoryPeak:
    """Run one job with render_job_execute in a fresh interpreter and read its RSS high-water mark."""
    connections.close_all()  # the child writes to the same scratch database
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
        [sys.executable, "-m", "tools.render_bench_child", job_id, database],
        env=env,
        cwd=str(settings.BASE_DIR),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"memory child failed ({completed.returncode}): {completed.stderr[-2000:]}")
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    return MemoryPeak(
        video_seconds=video_seconds,
        status=report["status"],
        frames=report["frames"],
        before_render_mib=report["before_render_mib"],
        peak_mib=report["peak_mib"],
        wall_seconds=wall,
    )


# --- 3. one full job, face time against the rest ---------------------------------------------------


JOB_STAGES = ("decode", *FACE_STAGES, "label", "watermark", "encode")


@dataclass(frozen=True)
class JobShare:
    label: str
    status: str
    frames: int
    faces_replaced: int
    detections: int
    total_seconds: float
    stage_seconds: dict[str, float]  # busy seconds of each stage, summed over frames (JOB_STAGES)
    sign_seconds: float
    frames_seconds: float  # wall time of the frame pipeline (decode to encode) within the job

    @property
    def fps(self) -> float:
        return self.frames / self.total_seconds

    @property
    def face_seconds(self) -> float:
        return sum(self.stage_seconds[stage] for stage in FACE_STAGES)

    @property
    def outside_share(self) -> float:
        """The share of the job's wall time when no face work was running (it overlaps the rest)."""
        return max(0.0, self.total_seconds - self.face_seconds) / self.total_seconds


def job_face_share(story: Story, *, clip: Path, before: bool = False) -> JobShare:
    """Run one whole dlib job in this process, timing every stage of every frame inside it.

    `before`: as the render ran before issue 20: the detector on every full-size frame, and every
    step of a frame in one thread, one frame after another (the swap's face-region crop stays on:
    it gives the same pixels).
    """
    from render import pipeline
    from render.models import RenderJob

    job = submit_job(story, engine_name="dlib", clip=clip)
    timer = StageTimer()
    renderers: list[FrameRenderer] = []

    def renderer(**kwargs: Any) -> FrameRenderer:
        made = FrameRenderer(**kwargs)
        if before:
            made.detect_every, made.detect_max_side = 1, None
        renderers.append(made)
        return made

    with (
        timed_face_calls(get_engine("dlib"), timer),
        timed_marks(timer),
        mock.patch.object(pipeline, "FrameRenderer", renderer),
        mock.patch.object(
            execution, "transcode", timer.wrap("frames", partial(transcode, pipelined=not before, step_timer=timer.add))
        ),
        mock.patch.object(provenance, "finalise_file", timer.wrap("sign", provenance.finalise_file)),
    ):
        started = time.perf_counter()
        execution.render_job_execute(job.pk)
        total = time.perf_counter() - started
    job = RenderJob.objects.get(pk=job.pk)
    return JobShare(
        label="before (full-size detect on every frame, one thread)" if before else "after",
        status=f"{job.status}{'' if not job.error_code else ' ' + job.error_code}",
        frames=job.frames_done,
        faces_replaced=job.faces_replaced,
        detections=sum(made.detections for made in renderers),
        total_seconds=total,
        stage_seconds={stage: timer.total(stage) for stage in JOB_STAGES},
        sign_seconds=timer.total("sign"),
        frames_seconds=timer.total("frames"),
    )


# --- the whole run ---------------------------------------------------------------------------------


@dataclass
class RenderBenchResult:
    vendor: str
    size: BenchSize
    memory_engine: str
    throughput: list[Throughput] = field(default_factory=list)
    memory: list[MemoryPeak] = field(default_factory=list)
    jobs: list[JobShare] = field(default_factory=list)

    def lines(self) -> list[str]:
        s = self.size
        out = [f"render benchmark on {self.vendor}: {s.width}x{s.height}, {s.fps} frames/s, clips with audio"]
        base = self.throughput[0] if self.throughput else None
        for row in self.throughput:
            runs = ", ".join(f"{v:.1f}" for v in row.seconds)
            line = f"  {row.label:<40} {row.fps:7.2f} frames/s  ({row.frames} frames of {s.seconds:g} s, runs {runs} s)"
            if base is not None and row is not base:
                line += f"; ratio to copy-through {row.fps / base.fps:.3f}"
                line += (
                    f"; per call (median): detect {row.detect_ms:.1f} ms, swap {row.swap_ms:.1f} ms,"
                    f" label+watermark {row.mark_ms:.1f} ms; faces replaced {row.faces_replaced}"
                )
            out.append(line)
        if self.memory:
            short, long = self.memory[0], self.memory[-1]
            out.append(f"  peak memory of a whole job, each in a fresh process ({self.memory_engine} engine):")
            for peak in self.memory:
                out.append(
                    f"    {peak.video_seconds:4g} s video: peak RSS {peak.peak_mib:7.1f} MiB "
                    f"(before the render {peak.before_render_mib:.1f} MiB; render adds "
                    f"{peak.peak_mib - peak.before_render_mib:.1f} MiB), {peak.frames} frames, {peak.status},"
                    f" {peak.wall_seconds:.1f} s wall"
                )
            ratio = long.peak_mib / short.peak_mib
            verdict = "met" if ratio <= 1.10 else "NOT met"
            out.append(
                f"    ratio {long.video_seconds:g} s / {short.video_seconds:g} s: {ratio:.3f}"
                f" (target within 10%: {verdict})"
            )
        copy_fps = base.fps if base is not None else 0.0
        for job in self.jobs:
            outside = max(0.0, job.total_seconds - job.face_seconds)
            verdict = "met" if job.outside_share < 0.10 else "NOT met"
            split = ", ".join(
                f"{stage} {job.stage_seconds[stage] / max(job.frames, 1) * 1000:.1f}" for stage in JOB_STAGES
            )
            out += [
                f"  one render_job_execute, {s.seconds:g} s clip, dlib engine, {job.label}: {job.status},"
                f" {job.frames} frames, {job.faces_replaced} faces replaced, detector on {job.detections} frames",
                f"    whole job {job.total_seconds:.2f} s = {job.fps:.2f} frames/s"
                + (f"; ratio to copy-through {job.fps / copy_fps:.3f}" if copy_fps else ""),
                f"    per frame, busy ms of each stage (stages overlap when pipelined): {split};"
                f" C2PA signing {job.sign_seconds:.2f} s per job",
                f"    face work (detect + landmarks + swap) {job.face_seconds:.2f} s; wall time without face work"
                f" {outside:.2f} s: share outside face work {job.outside_share:.1%} (target under 10%: {verdict});"
                f" of it, outside the frame pipeline (gate, materials, sha256, C2PA, storage, audit)"
                f" {job.total_seconds - job.frames_seconds:.2f} s",
            ]
        if len(self.jobs) == 2:
            before, after = self.jobs
            out.append(
                f"  after / before, whole job: {after.fps / before.fps:.2f}x frames/s"
                + (
                    f" (ratio to copy-through {before.fps / copy_fps:.3f} -> {after.fps / copy_fps:.3f})"
                    if copy_fps
                    else ""
                )
            )
        return out


def _tiny_insightface(model_dir: Path) -> FaceEngine:
    from likeness.engines.insightface_engine import InsightFaceEngine

    return InsightFaceEngine(model_dir=model_dir, det_size=DET_SIZE)


def run_render_bench(
    *, size: BenchSize, repeat: int, memory_engine: str, report: Callable[[str], object]
) -> RenderBenchResult:
    from tests.tiny_face_models import build_model_dir

    with tempfile.TemporaryDirectory(prefix="render-bench-") as tmp:
        root = Path(tmp)
        model_dir, pins = build_model_dir(root)
        clip = root / f"clip-{size.seconds:g}s.mp4"
        clips = {size.seconds: clip}
        for seconds in size.memory_seconds:
            clips.setdefault(seconds, root / f"clip-{seconds:g}s.mp4")
        for seconds, path in clips.items():
            report(f"generating a {seconds:g} s {size.width}x{size.height} clip")
            write_moving_clip(
                path, width=size.width, height=size.height, fps=size.fps, seconds=seconds, marker_det_size=DET_SIZE
            )
        media = root / "media"
        # The tiny models for the insightface engine, and uploads and outputs in a folder of our own.
        isolated = {
            "FACE_MODEL_DIR": model_dir,
            "FACE_MODEL_PINS_FILE": str(pins),
            "FACE_DET_SIZE": DET_SIZE,
            "STORAGES": {
                **settings.STORAGES,
                "default": {
                    "BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(media)},
                },
            },
        }
        with override_settings(**isolated), scratch_database("render-bench") as name, warnings.catch_warnings():
            # insightface 2.1 calls a scikit-image API deprecated in 0.26, once per aligned face.
            warnings.filterwarnings("ignore", category=FutureWarning, module="insightface")
            reset_engines()
            try:
                report(f"scratch database {name}; enrolling the actors and licensing the work")
                story = build_story(list(clips.values()))
                result = RenderBenchResult(vendor=connection.vendor, size=size, memory_engine=memory_engine)
                report("1. copy-through baseline")
                result.throughput.append(
                    render_throughput(clip=clip, engine=None, source=None, label="copy-through", repeat=repeat)
                )
                report("1. dlib engine")
                result.throughput.append(
                    render_throughput(
                        clip=clip,
                        engine=get_engine("dlib"),
                        source=story.sources["dlib"],
                        label="dlib: detect+swap+label+watermark+encode",
                        repeat=repeat,
                    )
                )
                report("1. insightface engine (tiny models)")
                result.throughput.append(
                    render_throughput(
                        clip=clip,
                        engine=_tiny_insightface(model_dir),
                        source=story.sources["insightface"],
                        label="insightface (tiny models): same path",
                        repeat=repeat,
                    )
                )
                env = _child_env(model_dir=model_dir, pins=pins, media=media)
                for seconds in size.memory_seconds:
                    report(f"2. peak memory, {seconds:g} s clip, fresh process")
                    job = submit_job(story, engine_name=memory_engine, clip=clips[seconds])
                    result.memory.append(
                        job_peak_memory(job_id=str(job.pk), database=name, video_seconds=seconds, env=env)
                    )
                for before in (True, False):
                    report(f"3. one full render_job_execute (dlib), {'before' if before else 'after'}")
                    result.jobs.append(job_face_share(story, clip=clip, before=before))
                return result
            finally:
                reset_engines()
