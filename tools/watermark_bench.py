"""Watermark benchmark (`python manage.py bench watermark`) and the media helpers its tests share.

Every figure is measured in one run on the same inputs: the chosen method (render/watermark.py)
and, when a separate virtualenv with invisible-watermark is given (``--baseline-python``), its
dwtDctSvd method as the baseline. invisible-watermark needs OpenCV, which must not enter the
project's environment (insightface's opencv-python would collide with it), so the baseline runs
in a child process of that virtualenv, fed and read through .npz files; its timings are its own
process's, on the same machine and inputs.

The attacks are what people do to reposted media (issue 20): recompression (JPEG q30, WebP, AVIF,
a GIF's 256-colour palette), resizing (half, a third, a quarter), cropping a quarter off each side,
a screenshot, a small rotation (3 and 5 degrees, then cropped to hide the corners), and for video
H.264 at crf 28 and 35, VP9 in WebM, MOV, 15 frames/s and an animated GIF. Every decode goes
through the same call verification makes, at the received size (no help from the bench), and each
row gives the median decode time of that attack. The false-mark count is over ``unmarked`` media
(nine in ten stills, one in ten short clips), themselves resized, rotated, cropped and recompressed
so that the geometry search runs on them too.

The baseline virtualenv: ``python3 -m venv var/bench-venv && var/bench-venv/bin/pip install --no-deps
invisible-watermark && var/bench-venv/bin/pip install opencv-python-headless PyWavelets numpy Pillow``
(torch is left out and stubbed in the worker: only rivaGan needs it). dwtDctSvd has no
synchronisation, so the bench hands it every attacked still resized back to the embedding size
(which favours it); rotation is not undone.
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
from render.verification import SCALES as VERIFICATION_SCALES

Transform = Callable[[np.ndarray], np.ndarray]
ClipTransform = Callable[[list[np.ndarray]], list[np.ndarray]]
# The fixed scales verification asks for; the decoder searches the rest.
DECODE_SCALES: tuple[float, ...] = VERIFICATION_SCALES


# --- transformations (the list) -----------------------------------------------------


def jpeg(image: np.ndarray, *, quality: int = 75) -> np.ndarray:
    return _pillow_roundtrip(image, "JPEG", quality=quality)


def webp(image: np.ndarray, *, quality: int = 75) -> np.ndarray:
    return _pillow_roundtrip(image, "WEBP", quality=quality)


def avif(image: np.ndarray, *, quality: int = 60) -> np.ndarray:
    return _pillow_roundtrip(image, "AVIF", quality=quality)


def gif(image: np.ndarray) -> np.ndarray:
    """A 256-colour adaptive palette with Floyd-Steinberg dithering, as GIF exporters do."""
    return _pillow_roundtrip(image, "GIF")


def _pillow_roundtrip(image: np.ndarray, fmt: str, **options: object) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, fmt, **options)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return np.asarray(decoded.convert("RGB"))


def resize(image: np.ndarray, scale: float) -> np.ndarray:
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BICUBIC))


def half_and_back(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    small = Image.fromarray(image).resize((width // 2, height // 2), Image.Resampling.BICUBIC)
    return np.asarray(small.resize((width, height), Image.Resampling.BICUBIC))


def crop_edges(image: np.ndarray, *, fraction: float = 0.1) -> np.ndarray:
    height, width = image.shape[:2]
    dy, dx = int(height * fraction), int(width * fraction)
    return image[dy : height - dy, dx : width - dx].copy()


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate about the centre (bicubic), then crop to the largest upright box free of empty corners."""
    height, width = image.shape[:2]
    turned = np.asarray(Image.fromarray(image).rotate(degrees, Image.Resampling.BICUBIC))
    angle = np.radians(abs(degrees))
    keep = 1.0 / (np.cos(angle) + np.sin(angle) * max(height, width) / min(height, width))
    dy, dx = int(height * (1 - keep) / 2) + 1, int(width * (1 - keep) / 2) + 1
    return turned[dy : height - dy, dx : width - dx].copy()


def screenshot_png(image: np.ndarray) -> np.ndarray:
    """What a screenshot tool does: RGBA PNG with an opaque alpha, read back as RGB."""
    buffer = io.BytesIO()
    Image.fromarray(image).convert("RGBA").save(buffer, "PNG")
    return np.asarray(Image.open(buffer).convert("RGB"))


STILL_TRANSFORMS: dict[str, Transform] = {
    "none": lambda image: image,
    "jpeg q75": jpeg,
    "jpeg q30": lambda image: jpeg(image, quality=30),
    "webp q75": webp,
    "avif q60": avif,
    "gif (256-colour palette)": gif,
    "screenshot png": screenshot_png,
    "half size": lambda image: resize(image, 0.5),
    "resize to 33%": lambda image: resize(image, 0.33),
    "resize to 25%": lambda image: resize(image, 0.25),
    "crop 25% per side": lambda image: crop_edges(image, fraction=0.25),
    "rotate 3 deg": lambda image: rotate(image, 3.0),
    "rotate 5 deg": lambda image: rotate(image, -5.0),
    "rotate 5 deg + half + jpeg q75": lambda image: jpeg(resize(rotate(image, 5.0), 0.5)),
    "resize to 25% + jpeg q75": lambda image: jpeg(resize(image, 0.25)),
}


def encode_clip(
    frames: list[np.ndarray],
    *,
    container: str = "mp4",
    codec: str = "libx264",
    crf: int = 23,
    fps: int = 24,
    scale: float = 1.0,
) -> bytes:
    """Encode RGB frames (yuv420p) into ``container`` at ``scale`` of their size; the file's bytes."""
    height, width = frames[0].shape[:2]
    out_h, out_w = int(height * scale) // 2 * 2, int(width * scale) // 2 * 2
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = out_w, out_h, "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": str(crf), "preset": "veryfast"}
        else:  # libvpx-vp9: constant quality, the fastest real-time setting
            stream.options = {"crf": str(crf), "b": "0", "deadline": "realtime", "cpu-used": "8"}
        for frame in frames:
            video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            for packet in stream.encode(video_frame.reformat(width=out_w, height=out_h, format="yuv420p")):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return buffer.getvalue()


def decode_clip(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data), mode="r") as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def h264_roundtrip(frames: list[np.ndarray], *, crf: int = 23, fps: int = 24, scale: float = 1.0) -> list[np.ndarray]:
    """Encode with libx264 (yuv420p) at ``scale`` of the frame size and decode back to RGB."""
    return decode_clip(encode_clip(frames, crf=crf, fps=fps, scale=scale))


def gif_roundtrip(frames: list[np.ndarray], *, fps: int = 12) -> list[np.ndarray]:
    """An animated GIF (each frame on its own adaptive palette), at half the frame rate."""
    images = [Image.fromarray(f) for f in frames[::2]]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=1000 // fps, loop=0)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        out = []
        for index in range(getattr(decoded, "n_frames", 1)):
            decoded.seek(index)
            out.append(np.asarray(decoded.convert("RGB")))
        return out


VIDEO_TRANSFORMS: dict[str, ClipTransform] = {
    "h264 crf23": h264_roundtrip,
    "h264 crf28": lambda clip: h264_roundtrip(clip, crf=28),
    "h264 crf35": lambda clip: h264_roundtrip(clip, crf=35),
    "h264 crf28, half size": lambda clip: h264_roundtrip(clip, crf=28, scale=0.5),
    "h264 crf28 in MOV": lambda clip: decode_clip(encode_clip(clip, container="mov", crf=28)),
    "vp9 crf35 in WebM": lambda clip: decode_clip(encode_clip(clip, container="webm", codec="libvpx-vp9", crf=35)),
    "15 fps, h264 crf28": lambda clip: h264_roundtrip(clip[::2], crf=28, fps=12),
    "animated gif": gif_roundtrip,
    "rotate 5 deg, h264 crf28": lambda clip: h264_roundtrip([rotate(f, 5.0) for f in clip], crf=28),
}


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
    decode_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return 100.0 * sum(self.recovered) / len(self.recovered) if self.recovered else float("nan")


@dataclass
class BenchResult:
    rows: list[Row]
    timings: dict[str, float]
    notes: list[str]

    def lines(self) -> Iterator[str]:
        ours = {row.condition: row for row in self.rows if row.method == "ours"}
        base = {row.condition: row for row in self.rows if row.method != "ours"}
        yield (
            f"{'condition':<34} {'n':>4} {'bit acc':>8} {'recovered':>10} {'decode ms':>10}"
            f" {'dwtDctSvd bit acc':>18} {'dwtDctSvd recovered':>20}"
        )
        for condition, row in ours.items():
            other = base.get(condition)
            acc = statistics.median(row.bit_accuracy) if row.bit_accuracy else float("nan")
            ms = statistics.median(row.decode_ms) if row.decode_ms else float("nan")
            if other is not None and other.recovered:
                base_cols = f" {statistics.median(other.bit_accuracy):>18.3f} {other.rate:>19.1f}%"
            else:
                base_cols = f" {'-':>18} {'-':>20}"
            yield f"{condition:<34} {len(row.recovered):>4} {acc:>8.3f} {row.rate:>9.1f}% {ms:>10.0f}{base_cols}"
        yield ""
        for name, value in self.timings.items():
            yield f"{name:<58} {value:>9.2f}"
        yield from self.notes


def _row(rows: dict[tuple[str, str], Row], method: str, condition: str) -> Row:
    return rows.setdefault((method, condition), Row(method, condition))


def _record(row: Row, result: wm.DecodeResult, *, mark_id: int, key: bytes, ms: float) -> None:
    row.recovered.append(result.found and result.mark_id == mark_id)
    row.bit_accuracy.append(bit_accuracy(result, mark_id=mark_id, key=key))
    row.decode_ms.append(ms)


def unmarked_media(count: int, *, seed: int = 99) -> Iterator[tuple[str, list[np.ndarray]]]:
    """``count`` unmarked items (one in ten a 12-frame H.264 clip), varied so the search runs on them."""
    rng = np.random.default_rng(seed)
    pics = list(photos().values())
    for index in range(count):
        if index % 10 == 9:
            source = texture(seed=10_000 + index, height=480, width=640) if index % 20 == 9 else pics[index % len(pics)]
            clip = panning_clip(source, frames=12, height=360, width=640, speed=float(rng.uniform(0, 4)), seed=index)
            yield "clip", h264_roundtrip(clip, crf=int(rng.integers(23, 36)))
            continue
        source = pics[index % len(pics)] if index % 2 else texture(seed=index, height=480, width=640)
        image = fit(source, height=int(rng.integers(240, 720)), width=int(rng.integers(320, 1280)))
        choice = index % 5
        if choice == 1:
            image = rotate(image, float(rng.uniform(-5, 5)))
        elif choice == 2:
            image = resize(image, float(rng.uniform(0.25, 0.9)))
        elif choice == 3:
            image = crop_edges(image, fraction=float(rng.uniform(0.05, 0.3)))
        yield "still", [jpeg(image, quality=int(rng.integers(30, 95)))]


def _measure_stills(
    marker: wm.Watermarker, sources: list[np.ndarray], rng: np.random.Generator, rows: dict[tuple[str, str], Row]
) -> tuple[list[float], list[float]]:
    embed_ms: list[float] = []
    psnrs: list[float] = []
    for image in sources:
        mark_id = int(rng.integers(0, wm.MAX_MARK_ID))
        start = time.perf_counter()
        marked = marker.embed(image, mark_id)
        embed_ms.append(1000 * (time.perf_counter() - start))
        psnrs.append(wm.psnr(image, marked))
        for condition, transform in STILL_TRANSFORMS.items():
            seen = transform(marked)
            start = time.perf_counter()
            result = marker.decode(seen, scales=DECODE_SCALES)
            ms = 1000 * (time.perf_counter() - start)
            _record(_row(rows, "ours", condition), result, mark_id=mark_id, key=marker.key, ms=ms)
    return embed_ms, psnrs


def _measure_video(
    marker: wm.Watermarker,
    clip: list[np.ndarray],
    *,
    mark_id: int,
    rows: dict[tuple[str, str], Row],
    embed_ms: list[float],
) -> list[np.ndarray]:
    marked_clip = []
    for frame in clip:
        start = time.perf_counter()
        marked_clip.append(marker.embed(frame, mark_id))
        embed_ms.append(1000 * (time.perf_counter() - start))
    for condition, transform in VIDEO_TRANSFORMS.items():
        seen = transform(marked_clip)
        start = time.perf_counter()
        result = wm.decode_video_frames(seen, key=marker.key, scales=DECODE_SCALES)
        ms = 1000 * (time.perf_counter() - start)
        _record(_row(rows, "ours", f"video: {condition}"), result, mark_id=mark_id, key=marker.key, ms=ms)
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
    unmarked: int = 1000,
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

    report(f"stills: {len(sources)} at {width}x{height}, {len(STILL_TRANSFORMS)} conditions each")
    embed_ms, psnrs = _measure_stills(marker, sources, rng, rows)

    report(f"videos: {videos} x {frames} frames at {width}x{height}, {len(VIDEO_TRANSFORMS)} conditions each")
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
        _measure_video(marker, clip, mark_id=mark_id, rows=rows, embed_ms=embed_ms)
        report(f"  video {index + 1}/{videos} done")

    report(f"unmarked: {unmarked} stills and clips")
    false_marks = 0
    unmarked_ms: list[float] = []
    for index, (kind, media) in enumerate(unmarked_media(unmarked)):
        start = time.perf_counter()
        if kind == "clip":
            found = wm.decode_video_frames(media, key=key, scales=DECODE_SCALES).found
        else:
            found = marker.decode(media[0], scales=DECODE_SCALES).found
            unmarked_ms.append(1000 * (time.perf_counter() - start))
        false_marks += int(found)
        if (index + 1) % 200 == 0:
            report(f"  unmarked {index + 1}/{unmarked}")

    still_ms = [ms for row in rows.values() if not row.condition.startswith("video") for ms in row.decode_ms]
    timings = {
        "ours: embed ms per frame (median)": statistics.median(embed_ms),
        "ours: decode ms per still, all attacks (median)": statistics.median(still_ms),
        "ours: decode ms per still, all attacks (95th percentile)": float(np.percentile(still_ms, 95)),
        "ours: decode ms per unmarked still (median)": statistics.median(unmarked_ms) if unmarked_ms else 0.0,
        "ours: PSNR dB (median)": statistics.median(psnrs),
        "ours: PSNR dB (minimum)": min(psnrs),
        "ours: key setup s (once per key)": setup_s,
    }
    notes = [f"ours: false marks on unmarked stills and clips: {false_marks}/{unmarked}"]
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
            frames = h264_roundtrip(list(marked["images"]), crf=28)
            bits = _baseline_call(
                baseline_python, "decode", {"images": np.stack(frames), "nbits": np.array(wm.INFO_BITS)}, workdir
            )["bits"]
            # Combine frames by majority vote, the natural way to pool a per-frame decoder.
            voted = (bits.mean(axis=0) > 0.5).astype(np.int8)
            row = _row(rows, "dwtDctSvd", "video: h264 crf28")
            row.bit_accuracy.append(float(np.mean(voted == truth)))
            row.recovered.append(bool(np.all(voted == truth)))
