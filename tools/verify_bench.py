"""Public verification under hostile input (`python manage.py bench verify_hostile [--smoke]`).

Anyone may post a file to `POST /api/v1/verify` or the web `/verify/` page, so one request must cost
bounded memory and time whatever it holds. This generates hostile files (a 6000x6600 PNG of 131 KB,
5-frame and 150-frame 5760x5760 MP4s, decompression-bomb PNGs) and ordinary ones (a 12-megapixel
phone JPEG, 4K stills, a marked still and a marked clip as the platform writes them), verifies each
in a fresh Python process (tools/verify_bench_child.py: Django and the watermark reader loaded
first, as in a warm web process) and prints, per file, the outcome, the seconds and the peak RSS
added by the request, then the p95 of both against the budget: under 300 MiB and under 3 s.

The baseline is the same table measured on the code before the budget (the figures in the README
and the commit message); a child that runs past `--child-timeout` seconds is stopped and reported as
such. `--smoke` (CI, under 30 s) runs four files in one child (one interpreter start, the peak reset
before each): the big PNG, a 1-frame 5760x5760 MP4 (the header is what is refused), a header bomb
and a marked still.
"""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

BUDGET_MIB = 300.0
BUDGET_SECONDS = 3.0
MARK_ID = 424242


@dataclass(frozen=True)
class Row:
    name: str
    size_bytes: int
    outcome: str
    seconds: float
    added_mib: float

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.size_bytes / 1024:>9.0f} KiB  {self.outcome:<34} "
            f"{self.seconds:>7.2f} s  {self.added_mib:>8.1f} MiB"
        )


@dataclass(frozen=True)
class Result:
    rows: list[Row]

    def lines(self) -> Iterator[str]:
        yield f"{'file':<28} {'size':>13}  {'outcome':<34} {'time':>9}  {'peak added RSS':>12}"
        for row in self.rows:
            yield row.line()
        seconds = p95([r.seconds for r in self.rows])
        mib = p95([r.added_mib for r in self.rows])
        yield f"p95 time {seconds:.2f} s (budget {BUDGET_SECONDS:.0f} s): {_verdict(seconds < BUDGET_SECONDS)}"
        yield f"p95 peak added RSS {mib:.1f} MiB (budget {BUDGET_MIB:.0f} MiB): {_verdict(mib < BUDGET_MIB)}"


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# --- the files ------------------------------------------------------------------------------------


def _natural(height: int, width: int, *, seed: int = 1) -> np.ndarray:
    """A photo-like frame: the astronaut photo scaled up, with sensor-like noise."""
    from tools.sample_media import astronaut

    scaled = np.asarray(Image.fromarray(astronaut()).resize((width, height), Image.Resampling.BILINEAR))
    noise = np.random.default_rng(seed).normal(0, 3, size=(height, width, 1))
    return np.clip(scaled + noise, 0, 255).astype(np.uint8)


def _save(path: Path, image: np.ndarray | Image.Image, **options: object) -> Path:
    picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
    picture.save(path, **options)  # type: ignore[arg-type]
    return path


def big_flat_png(path: Path) -> Path:
    """6000x6600 pixels in ~131 KB: a smooth gradient compresses to almost nothing."""
    ramp = np.linspace(0, 255, 6000, dtype=np.float32).astype(np.uint8)
    return _save(path, np.broadcast_to(ramp[None, :, None], (6600, 6000, 3)).copy(), format="PNG")


def header_bomb_png(path: Path, *, width: int = 60_000, height: int = 60_000) -> Path:
    """A valid PNG signature and IHDR declaring 3.6 gigapixels, then a few bytes of body."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 4096, 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


def deflate_bomb_png(path: Path) -> Path:
    """6300x6300 of zeros (just under the platform's 40 MP cap): tens of KB that inflate to 40 MB."""
    return _save(path, Image.new("L", (6300, 6300)), format="PNG", optimize=True)


def huge_clip(path: Path, *, frames: int) -> Path:
    from render.video import write_clip

    frame = np.full((5760, 5760, 3), 90, dtype=np.uint8)
    write_clip(path, iter([frame] * frames), fps=25, crf=40)
    return path


def marked(frame: np.ndarray) -> np.ndarray:
    from render.provenance import watermark_key
    from render.watermark import embed_frame

    return embed_frame(frame, mark_id=MARK_ID, key=watermark_key())


def marked_clip(path: Path, *, frames: int = 48) -> Path:
    from render.video import write_clip

    base = _natural(720, 1280, seed=7)
    write_clip(path, (marked(np.roll(base, 4 * i, axis=1)) for i in range(frames)), fps=24)
    return path


FileMaker = Callable[[Path], Path]


def corpus(*, smoke: bool) -> list[tuple[str, FileMaker]]:
    huge_frames = 1 if smoke else 5
    files: list[tuple[str, FileMaker]] = [
        ("png-6000x6600-flat", lambda d: big_flat_png(d / "big.png")),
        (f"mp4-5760x5760-{huge_frames}-frames", lambda d: huge_clip(d / "huge5.mp4", frames=huge_frames)),
        ("png-header-bomb-60000x60000", lambda d: header_bomb_png(d / "bomb.png")),
        ("jpeg-720p-marked", lambda d: _save(d / "marked.jpg", marked(_natural(720, 1280, seed=3)), quality=90)),
    ]
    if smoke:
        return files
    return [
        *files,
        ("mp4-5760x5760-150-frames", lambda d: huge_clip(d / "huge150.mp4", frames=150)),
        ("png-6300x6300-deflate-bomb", lambda d: deflate_bomb_png(d / "deflate.png")),
        ("jpeg-12mp-phone", lambda d: _save(d / "phone.jpg", _natural(3000, 4000), quality=90)),
        ("jpeg-4k", lambda d: _save(d / "4k.jpg", _natural(2160, 3840, seed=2), quality=90)),
        ("png-4k", lambda d: _save(d / "4k.png", _natural(2160, 3840, seed=4), format="PNG")),
        ("jpeg-12mp-marked", lambda d: _save(d / "phone-marked.jpg", marked(_natural(3000, 4000)), quality=90)),
        ("mp4-720p-48-frames-marked", lambda d: marked_clip(d / "marked.mp4")),
    ]


# --- running ----------------------------------------------------------------------------------------


def verify_in_child(paths: list[Path], *, timeout: float) -> list[tuple[str, float, float]]:
    """(outcome, seconds, peak added MiB) per path, verified in one fresh interpreter."""
    started = time.perf_counter()
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module, paths we generated
            [sys.executable, "-m", "tools.verify_bench_child", *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [(f"stopped after {timeout:.0f} s", time.perf_counter() - started, math.nan)] * len(paths)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or len(lines) != len(paths):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [(f"crashed ({done.returncode}): {tail[:40]}", time.perf_counter() - started, math.nan)] * len(paths)
    return [
        (str(found["outcome"]), float(found["seconds"]), float(found["peak_mib"]) - float(found["before_mib"]))
        for found in lines
    ]


def run_verify_hostile_bench(*, smoke: bool, child_timeout: float, report: Callable[[str], object]) -> Result:
    """Full: a fresh child per file (a runaway stops only itself). Smoke: one child for all."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as scratch:
        directory = Path(scratch)
        made: list[tuple[str, Path, int]] = []
        for name, make in corpus(smoke=smoke):
            report(f"generating {name}")
            path = make(directory)
            made.append((name, path, path.stat().st_size))
            if not smoke:
                rows.extend(_rows(made, verify_in_child([path], timeout=child_timeout), report))
                made = []
                path.unlink()
        if smoke:
            rows.extend(_rows(made, verify_in_child([p for _n, p, _s in made], timeout=child_timeout), report))
    return Result(rows)


def _rows(
    made: list[tuple[str, Path, int]], found: list[tuple[str, float, float]], report: Callable[[str], object]
) -> list[Row]:
    rows = []
    for (name, _path, size), (outcome, seconds, added) in zip(made, found, strict=True):
        # A child stopped or crashed is charged the time it ran and an unknown (infinite) memory.
        rows.append(Row(name, size, outcome, seconds, math.inf if math.isnan(added) else added))
        report(rows[-1].line())
    return rows
