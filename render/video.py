"""Streaming video: decode a frame, transform it, encode it, and never hold more than a few frames.

Memory is flat in the length of the video: frames flow decoder -> transform stages -> encoder
through bounded queues (each step in its own thread, so consecutive frames overlap on the cores),
and audio packets are copied across untouched (no re-encode, so the soundtrack is exactly the
original). Output is H.264 in MP4, yuv420p, at a constant rate factor.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

FrameTransform = Callable[[np.ndarray, int], np.ndarray]
"""`transform(rgb_frame, frame_index) -> rgb_frame` (uint8 HxWx3)."""

ProgressCallback = Callable[[int, int], None]
"""`progress(frames_done, frames_expected)`; may raise to stop the render (e.g. licence revoked)."""


@dataclass(frozen=True)
class TranscodeStats:
    frames: int
    audio_packets: int
    width: int
    height: int
    fps: float


def iter_frames(path: Path) -> Iterator[np.ndarray]:
    """Decode `path` frame by frame as RGB arrays."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            yield frame.to_ndarray(format="rgb24")


Stage = Callable[[Any, int], Any]
"""One step of a staged transform: `stage(item, frame_index) -> item`; the first gets the RGB frame,
the last returns one."""

StepTimer = Callable[[str, float], None]
"""`step_timer(step, seconds)`: told how long each frame's decode or encode took (for the benchmark)."""

QUEUE_FRAMES = 4  # frames waiting between two stages: memory stays flat however long the video


class _Stopped(Exception):
    """Another stage failed or the render was stopped: this one ends quietly."""


class _Pipe:
    """A bounded queue whose waits end when the pipeline is stopped."""

    def __init__(self, stop: threading.Event) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_FRAMES)
        self.stop = stop

    def put(self, item: Any) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue
        raise _Stopped

    def get(self) -> Any:
        while not self.stop.is_set():
            try:
                return self.queue.get(timeout=0.05)
            except queue.Empty:
                continue
        raise _Stopped


_END = object()  # after the last frame


@dataclass
class _Frame:
    index: int
    pts: int | None
    time_base: Fraction | None
    item: Any


def transcode(
    source: Path,
    target: Path,
    *,
    transform: FrameTransform | Sequence[Stage],
    progress: ProgressCallback | None = None,
    crf: int = 23,
    max_frames: int | None = None,
    pipelined: bool = True,
    step_timer: StepTimer | None = None,
) -> TranscodeStats:
    """Re-encode `source` into `target` through `transform`, copying the audio as it is.

    The work runs as a pipeline, each step in its own thread with bounded queues between them:
    demux and decode, then each stage of `transform` (a list of stages; a plain function is one),
    then encode and mux here in the calling thread, which is also the one that calls `progress`
    (so it may use the database). PyAV, OpenCV, numpy and dlib release the GIL for much of their
    work, so the stages of consecutive frames overlap on several cores; frames stay in order.
    An exception in any step stops all of them and is raised here. `pipelined=False` runs every
    step in the calling thread, one frame at a time (the benchmark's "before").

    `max_frames` is a hard stop independent of the container's (possibly lying) duration header.
    `step_timer("decode" | "encode", seconds)` is told the time of each frame's decode and encode.
    """
    stages = [transform] if callable(transform) else list(transform)
    with av.open(str(source)) as inp, av.open(str(target), mode="w", format="mp4") as out:
        in_video = inp.streams.video[0]
        in_video.thread_type = "AUTO"
        rate = in_video.average_rate or in_video.guessed_rate or Fraction(25)
        out_video = out.add_stream("libx264", rate=rate)
        out_video.width = in_video.codec_context.width - in_video.codec_context.width % 2
        out_video.height = in_video.codec_context.height - in_video.codec_context.height % 2
        out_video.pix_fmt = "yuv420p"
        out_video.options = {"crf": str(crf), "preset": "veryfast"}
        in_audio = inp.streams.audio[0] if inp.streams.audio else None
        out_audio = out.add_stream_from_template(in_audio) if in_audio is not None else None
        expected = in_video.frames or 0
        pipeline = _Pipeline(threaded=pipelined)
        size = (out_video.width, out_video.height)
        items = pipeline.step(_decode(inp, in_video, in_audio, size=size, max_frames=max_frames, step_timer=step_timer))
        for stage in stages:
            items = pipeline.step(_stage(stage, items))
        frames = audio_packets = 0
        try:
            for item in items:
                if not isinstance(item, _Frame):
                    if out_audio is not None:
                        item.stream = out_audio
                        out.mux(item)
                        audio_packets += 1
                    continue
                started = time.perf_counter()
                new = av.VideoFrame.from_ndarray(np.ascontiguousarray(item.item), format="rgb24")
                new.pts = item.pts
                new.time_base = item.time_base
                for encoded in out_video.encode(new):
                    out.mux(encoded)
                if step_timer is not None:
                    step_timer("encode", time.perf_counter() - started)
                frames += 1
                if progress is not None:
                    progress(frames, max(expected, frames))
            for encoded in out_video.encode():
                out.mux(encoded)
        except _Stopped:
            raise pipeline.errors[0] from None
        finally:
            pipeline.close()
    return TranscodeStats(
        frames=frames, audio_packets=audio_packets, width=out_video.width, height=out_video.height, fps=float(rate)
    )


class _Pipeline:
    """Steps (iterators of items) each drained by a thread of its own into a bounded queue.

    The first error stops every step; the calling thread's read then raises it. Not threaded,
    the steps are plain chained iterators pulled by the calling thread.
    """

    def __init__(self, *, threaded: bool) -> None:
        self.threaded = threaded
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.threads: list[threading.Thread] = []

    def step(self, items: Iterator[Any]) -> Iterator[Any]:
        if not self.threaded:
            return items
        pipe = _Pipe(self.stop)

        def run() -> None:
            try:
                for item in items:
                    pipe.put(item)
                pipe.put(_END)
            except _Stopped:
                pass
            except BaseException as exc:
                self.errors.append(exc)  # raised in the calling thread by its read
                self.stop.set()

        thread = threading.Thread(target=run, name=f"transcode-{len(self.threads)}", daemon=True)
        self.threads.append(thread)
        thread.start()
        return _drain(pipe)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def _drain(pipe: _Pipe) -> Iterator[Any]:
    while (item := pipe.get()) is not _END:
        yield item


def _decode(
    inp: av.container.InputContainer,
    in_video: av.VideoStream,
    in_audio: av.AudioStream | None,
    *,
    size: tuple[int, int],
    max_frames: int | None,
    step_timer: StepTimer | None,
) -> Iterator[Any]:
    """Audio packets and decoded frames, in the order the file holds them."""
    frames = 0
    width, height = size
    streams = [in_video] + ([in_audio] if in_audio is not None else [])
    for packet in inp.demux(*streams):
        if packet.stream is in_audio:
            if packet.dts is not None:
                yield packet  # travels with the frames, so the muxing order is kept
            continue
        started = time.perf_counter()
        for frame in packet.decode():
            if not isinstance(frame, av.VideoFrame):
                continue
            if max_frames is not None and frames >= max_frames:
                raise ValueError(f"video has more than {max_frames} frames")
            rgb = frame.to_ndarray(format="rgb24")[:height, :width]
            if step_timer is not None:
                step_timer("decode", time.perf_counter() - started)
            yield _Frame(frames, frame.pts, frame.time_base, rgb)
            frames += 1
            started = time.perf_counter()


def _stage(stage: Stage, items: Iterator[Any]) -> Iterator[Any]:
    for item in items:
        if isinstance(item, _Frame):
            item.item = stage(item.item, item.index)
        yield item


def write_clip(
    target: Path,
    frames: Iterator[np.ndarray],
    *,
    fps: int = 25,
    crf: int = 23,
    audio_seconds: float = 0.0,
) -> None:
    """Encode generated frames (and optionally a sine tone) into an MP4: for tests, demos and benchmarks."""
    with av.open(str(target), mode="w", format="mp4") as out:
        first = next(frames)
        video = out.add_stream("libx264", rate=fps)
        video.height, video.width = first.shape[0] - first.shape[0] % 2, first.shape[1] - first.shape[1] % 2
        video.pix_fmt = "yuv420p"
        video.options = {"crf": str(crf), "preset": "veryfast"}
        audio = out.add_stream("aac", rate=48000) if audio_seconds > 0 else None
        for frame in _chain(first, frames):
            encoded_frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(frame[: video.height, : video.width]), format="rgb24"
            )
            for packet in video.encode(encoded_frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if audio is not None:
            _write_tone(out, audio, seconds=audio_seconds)


def _chain(first: np.ndarray, rest: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest


def _write_tone(out: av.container.OutputContainer, audio: av.AudioStream, *, seconds: float) -> None:
    rate = 48000
    samples_per_frame = 1024
    total = int(rate * seconds)
    for start in range(0, total, samples_per_frame):
        t = (np.arange(start, min(start + samples_per_frame, total)) / rate).astype(np.float32)
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        for packet in audio.encode(frame):
            out.mux(packet)
    for packet in audio.encode():
        out.mux(packet)
