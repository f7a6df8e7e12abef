"""Watermark benchmark (`python manage.py bench watermark`) and the media helpers its tests share.

Every figure is measured in one run on the same inputs: the chosen method (render/watermark.py)
and, when a separate virtualenv with invisible-watermark is given (``--baseline-python``), its
dwtDctSvd method as the baseline. invisible-watermark needs OpenCV, which must not enter the
project's environment (insightface's opencv-python would collide with it), so the baseline runs
in a child process of that virtualenv, fed and read through .npz files; its timings are its own
process's, on the same machine and inputs.

The baseline virtualenv: ``python3 -m venv var/bench-venv && var/bench-venv/bin/pip install --no-deps
invisible-watermark && var/bench-venv/bin/pip install opencv-python-headless PyWavelets numpy Pillow``
(torch is left out and stubbed in the worker: only rivaGan needs it).
"""

from __future__ import annotations

import io
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from PIL import Image

from render import watermark as wm

Transform = Callable[[np.ndarray], np.ndarray]


# --- transformations (the list) -----------------------------------------------------


def jpeg(image: np.ndarray, *, quality: int = 75) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def half_and_back(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    small = Image.fromarray(image).resize((width // 2, height // 2), Image.Resampling.BICUBIC)
    return np.asarray(small.resize((width, height), Image.Resampling.BICUBIC))


def crop_edges(image: np.ndarray, *, fraction: float = 0.1) -> np.ndarray:
    height, width = image.shape[:2]
    dy, dx = int(height * fraction), int(width * fraction)
    return image[dy : height - dy, dx : width - dx].copy()


def screenshot_png(image: np.ndarray) -> np.ndarray:
    """What a screenshot tool does: RGBA PNG with an opaque alpha, read back as RGB."""
    buffer = io.BytesIO()
    Image.fromarray(image).convert("RGBA").save(buffer, "PNG")
    return np.asarray(Image.open(buffer).convert("RGB"))


STILL_TRANSFORMS: dict[str, Transform] = {
    "none": lambda image: image,
    "jpeg q75": jpeg,
    "half size and back": half_and_back,
    "crop 10% of edges": crop_edges,
    "screenshot png": screenshot_png,
    "jpeg q75 + half + crop": lambda image: crop_edges(half_and_back(jpeg(image))),
}


def h264_roundtrip(frames: list[np.ndarray], *, crf: int = 23, fps: int = 24, scale: float = 1.0) -> list[np.ndarray]:
    """Encode with libx264 (yuv420p) at ``scale`` of the frame size and decode back to RGB."""
    height, width = frames[0].shape[:2]
    out_h, out_w = int(height * scale) // 2 * 2, int(width * scale) // 2 * 2
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = out_w, out_h, "yuv420p"
        stream.options = {"crf": str(crf)}
        for frame in frames:
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            for packet in stream.encode(video_frame.reformat(width=out_w, height=out_h, format="yuv420p")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    buffer.seek(0)
    with av.open(buffer, mode="r") as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


# --- media -------------------------------------------------------------------------------------


def photos() -> dict[str, np.ndarray]:
    """Real photos bundled with scikit-image (public domain or permissively licensed)."""
    import skimage.data

    out: dict[str, np.ndarray] = {}
    for name in ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field"):
        out[name] = np.ascontiguousarray(getattr(skimage.data, name)()[..., :3])
    for name in ("camera", "brick", "grass", "moon", "coins", "gravel"):
        gray = getattr(skimage.data, name)()
        out[name] = np.repeat(gray[..., None], 3, axis=2)
    return out


def texture(*, seed: int, height: int, width: int) -> np.ndarray:
    """A synthetic scene: smooth colour gradients, a few shapes and band-limited grain."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.zeros((height, width, 3), dtype=np.float32)
    for c in range(3):
        fx, fy, ph = rng.uniform(0.5, 3.0), rng.uniform(0.5, 3.0), rng.uniform(0, 6.3)
        image[..., c] = 128 + 80 * np.sin(2 * np.pi * (fx * xx / width + fy * yy / height) + ph)
    for _ in range(6):
        cy, cx, r = rng.uniform(0, height), rng.uniform(0, width), rng.uniform(10, height / 4)
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
        image[disc] = rng.uniform(0, 255, size=3)
    grain = rng.standard_normal((height // 4 + 1, width // 4 + 1)).repeat(4, 0).repeat(4, 1)[:height, :width]
    image += rng.uniform(0, 12) * grain[..., None]
    return np.clip(image, 0, 255).astype(np.uint8)


def fit(image: np.ndarray, *, height: int, width: int) -> np.ndarray:
    return np.asarray(Image.fromarray(image).resize((width, height), Image.Resampling.BICUBIC))


def panning_clip(
    source: np.ndarray, *, frames: int, height: int, width: int, speed: float, seed: int = 0
) -> list[np.ndarray]:
    """A camera pan over ``source`` with a small moving object, like a simple shot of a film."""
    rng = np.random.default_rng(seed)
    travel = int(abs(speed) * frames) + 8
    big = fit(source, height=int(height * 1.2) + 8, width=int(width * 1.2) + travel)
    size = max(8, height // 6)
    colour = rng.integers(0, 256, size=3, dtype=np.uint8)
    clip = []
    for i in range(frames):
        x = int(i * abs(speed))
        y = int(4 + 3 * np.sin(i / 8))
        frame = big[y : y + height, x : x + width].copy()
        ox = int((i * width / 40 + rng.integers(0, 3)) % max(1, width - size))
        frame[height // 3 : height // 3 + size, ox : ox + size] = colour
        clip.append(frame)
    return clip


# --- measurement -------------------------------------------------------------------------------


def bit_accuracy(result: wm.DecodeResult, *, mark_id: int, key: bytes) -> float:
    """Raw coded-bit accuracy (before Viterbi) at the alignment the decoder chose."""
    truth = wm.encode_payload(mark_id, key=key)
    return float(np.mean((result.soft_bits > 0) == (truth == 0)))


@dataclass
class Row:
    method: str
    condition: str
    bit_accuracy: list[float] = field(default_factory=list)
    recovered: list[bool] = field(default_factory=list)

    def line(self) -> str:
        n = len(self.recovered)
        acc = statistics.median(self.bit_accuracy) if self.bit_accuracy else float("nan")
        rate = 100.0 * sum(self.recovered) / n if n else float("nan")
        return f"{self.method:<12} {self.condition:<34} {n:>5} {acc:>9.3f} {rate:>9.1f}%"


@dataclass
class BenchResult:
    rows: list[Row]
    timings: dict[str, float]
    notes: list[str]

    def lines(self) -> Iterator[str]:
        yield f"{'method':<12} {'condition':<34} {'n':>5} {'bit acc':>9} {'recovered':>10}"
        for row in self.rows:
            yield row.line()
        yield ""
        for name, value in self.timings.items():
            yield f"{name:<58} {value:>9.2f}"
        yield from self.notes


def _row(rows: dict[tuple[str, str], Row], method: str, condition: str) -> Row:
    return rows.setdefault((method, condition), Row(method, condition))


def _measure_video(
    marker: wm.Watermarker,
    clip: list[np.ndarray],
    *,
    mark_id: int,
    half_size: bool,
    rows: dict[tuple[str, str], Row],
    embed_ms: list[float],
) -> list[np.ndarray]:
    marked_clip = []
    for frame in clip:
        start = time.perf_counter()
        marked_clip.append(marker.embed(frame, mark_id))
        embed_ms.append(1000 * (time.perf_counter() - start))
    conditions: list[tuple[str, float, tuple[float, ...]]] = [("h264 crf23 2s", 1.0, (1.0,))]
    if half_size:  # a quarter of the videos: the slowest condition, and outside the list
        conditions.append(("h264 crf23 2s, half-size re-encode", 0.5, (1.0, 2.0)))
    for condition, scale, scales in conditions:
        result = wm.decode_video_frames(h264_roundtrip(marked_clip, scale=scale), key=marker.key, scales=scales)
        row = _row(rows, "ours", condition)
        row.recovered.append(result.found and result.mark_id == mark_id)
        row.bit_accuracy.append(bit_accuracy(result, mark_id=mark_id, key=marker.key))
    return marked_clip


def run_watermark_bench(
    *,
    stills: int,
    videos: int,
    frames: int,
    height: int,
    width: int,
    baseline_python: str | None,
    baseline_videos: int,
    report: Callable[[str], object],
) -> BenchResult:
    key = b"bench-watermark-key"
    t0 = time.perf_counter()
    marker = wm.Watermarker(key)
    setup_s = time.perf_counter() - t0
    rng = np.random.default_rng(2026)
    pics = photos()
    sources = [fit(img, height=height, width=width) for img in pics.values()]
    sources += [texture(seed=s, height=height, width=width) for s in range(max(0, stills - len(sources)))]
    sources = sources[:stills]
    rows: dict[tuple[str, str], Row] = {}
    embed_ms: list[float] = []
    decode_ms: list[float] = []
    psnrs: list[float] = []
    false_marks = 0
    unmarked_checked = 0

    report(f"stills: {len(sources)} at {width}x{height}")
    for image in sources:
        mark_id = int(rng.integers(0, wm.MAX_MARK_ID))
        start = time.perf_counter()
        marked = marker.embed(image, mark_id)
        embed_ms.append(1000 * (time.perf_counter() - start))
        psnrs.append(wm.psnr(image, marked))
        for condition, transform in STILL_TRANSFORMS.items():
            seen = transform(marked)
            start = time.perf_counter()
            result = marker.decode(seen)
            if condition == "none":
                decode_ms.append(1000 * (time.perf_counter() - start))
            row = _row(rows, "ours", condition)
            row.recovered.append(result.found and result.mark_id == mark_id)
            row.bit_accuracy.append(bit_accuracy(result, mark_id=mark_id, key=key))
        unmarked = marker.decode(jpeg(image))
        unmarked_checked += 1
        false_marks += int(unmarked.found)

    report(f"videos: {videos} x {frames} frames at {width}x{height}")
    clips: list[tuple[list[np.ndarray], int]] = []
    for index in range(videos):
        clip = panning_clip(
            sources[index % len(sources)],
            frames=frames,
            height=height,
            width=width,
            speed=[0.0, 1.5, 3.0, 6.0][index % 4],
            seed=index,
        )
        mark_id = int(rng.integers(0, wm.MAX_MARK_ID))
        clips.append((clip, mark_id))
        _measure_video(marker, clip, mark_id=mark_id, half_size=index % 4 == 0, rows=rows, embed_ms=embed_ms)
        if index % 4 == 1:
            unmarked_checked += 1
            false_marks += int(wm.decode_video_frames(h264_roundtrip(clip), key=key).found)
        report(f"  video {index + 1}/{videos} done")

    timings = {
        "ours: embed ms per frame (median)": statistics.median(embed_ms),
        "ours: decode ms per frame (median, one still)": statistics.median(decode_ms),
        "ours: PSNR dB (median)": statistics.median(psnrs),
        "ours: PSNR dB (minimum)": min(psnrs),
        "ours: key setup s (once per key)": setup_s,
    }
    notes = [f"ours: false marks on unmarked stills and videos: {false_marks}/{unmarked_checked}"]
    if baseline_python:
        _run_baseline(
            baseline_python=baseline_python,
            sources=sources,
            clips=clips[:baseline_videos],
            rows=rows,
            timings=timings,
            report=report,
        )
    else:
        notes.append("baseline (invisible-watermark dwtDctSvd) not run: pass --baseline-python")
    ordered = sorted(rows.values(), key=lambda r: (r.method != "ours", r.method))
    return BenchResult(rows=ordered, timings=timings, notes=notes)


# --- baseline in a child process -----------------------------------------------------------------

_BASELINE_WORKER = r"""
import sys, time, types, json
import numpy as np
sys.modules.setdefault("torch", types.ModuleType("torch"))  # only rivaGan needs torch; it is not used
from imwatermark import WatermarkEncoder, WatermarkDecoder
mode, src, dst = sys.argv[1:4]
data = np.load(src)
images = data["images"]
out, ms = [], []
if mode == "embed":
    for img, bits in zip(images, data["bits"]):
        enc = WatermarkEncoder(); enc.set_watermark("bits", [int(b) for b in bits])
        t = time.perf_counter(); bgr = enc.encode(np.ascontiguousarray(img[..., ::-1]), "dwtDctSvd")
        ms.append(1000 * (time.perf_counter() - t)); out.append(bgr[..., ::-1])
    np.savez(dst, images=np.stack(out), ms=np.array(ms))
else:
    n = int(data["nbits"])
    for img in images:
        dec = WatermarkDecoder("bits", n)
        t = time.perf_counter(); bits = dec.decode(np.ascontiguousarray(img[..., ::-1]), "dwtDctSvd")
        ms.append(1000 * (time.perf_counter() - t)); out.append(np.array(bits, dtype=np.int8))
    np.savez(dst, bits=np.stack(out), ms=np.array(ms))
"""


def _baseline_call(python: str, mode: str, payload: dict[str, np.ndarray], workdir: Path) -> dict[str, np.ndarray]:
    src, dst = workdir / f"{mode}-in.npz", workdir / f"{mode}-out.npz"
    np.savez(src, **payload)  # type: ignore[arg-type]
    script = workdir / "worker.py"
    script.write_text(_BASELINE_WORKER)
    subprocess.run([python, str(script), mode, str(src), str(dst)], check=True)  # noqa: S603
    with np.load(dst) as loaded:
        return {name: loaded[name] for name in loaded.files}


def _payload_bits(mark_id: int) -> np.ndarray:
    """The same 72 information bits (id + CRC-24) the chosen method carries, before its ECC."""
    id_bits = wm._int_to_bits(mark_id, wm.ID_BITS)
    return np.array([*id_bits, *wm._crc24(id_bits)], dtype=np.int8)


def _run_baseline(
    *,
    baseline_python: str,
    sources: list[np.ndarray],
    clips: list[tuple[list[np.ndarray], int]],
    rows: dict[tuple[str, str], Row],
    timings: dict[str, float],
    report: Callable[[str], object],
) -> None:
    rng = np.random.default_rng(7)
    ids = [int(rng.integers(0, wm.MAX_MARK_ID)) for _ in sources]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        report("baseline: embedding stills")
        embedded = _baseline_call(
            baseline_python,
            "embed",
            {"images": np.stack(sources), "bits": np.stack([_payload_bits(i) for i in ids])},
            workdir,
        )
        timings["baseline dwtDctSvd: embed ms per frame (median)"] = float(np.median(embedded["ms"]))
        seen: list[np.ndarray] = []
        labels: list[tuple[str, int]] = []
        for image, mark_id in zip(embedded["images"], ids, strict=True):
            for condition, transform in STILL_TRANSFORMS.items():
                out = transform(np.ascontiguousarray(image))
                # dwtDctSvd has no synchronisation: it can only read an image of the embedding size.
                seen.append(fit(out, height=image.shape[0], width=image.shape[1]) if out.shape != image.shape else out)
                labels.append((condition, mark_id))
        report("baseline: decoding stills")
        decoded = _baseline_call(
            baseline_python, "decode", {"images": np.stack(seen), "nbits": np.array(wm.INFO_BITS)}, workdir
        )
        timings["baseline dwtDctSvd: decode ms per frame (median)"] = float(np.median(decoded["ms"]))
        for (condition, mark_id), bits in zip(labels, decoded["bits"], strict=True):
            truth = _payload_bits(mark_id)
            row = _row(rows, "dwtDctSvd", condition)
            row.bit_accuracy.append(float(np.mean(bits == truth)))
            row.recovered.append(bool(np.all(bits == truth)))
        for index, (clip, mark_id) in enumerate(clips):
            report(f"baseline: video {index + 1}/{len(clips)}")
            truth = _payload_bits(mark_id)
            marked = _baseline_call(
                baseline_python,
                "embed",
                {"images": np.stack(clip), "bits": np.stack([truth] * len(clip))},
                workdir,
            )
            frames = h264_roundtrip(list(marked["images"]))
            bits = _baseline_call(
                baseline_python, "decode", {"images": np.stack(frames), "nbits": np.array(wm.INFO_BITS)}, workdir
            )["bits"]
            # Combine frames by majority vote, the natural way to pool a per-frame decoder.
            voted = (bits.mean(axis=0) > 0.5).astype(np.int8)
            row = _row(rows, "dwtDctSvd", "h264 crf23 2s")
            row.bit_accuracy.append(float(np.mean(voted == truth)))
            row.recovered.append(bool(np.all(voted == truth)))
