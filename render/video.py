"""Streaming video: decode a frame, transform it, encode it, and never hold more than a few frames.

Memory is flat in the length of the video: frames flow decoder -> transform -> encoder one at a
time, and audio packets are copied across untouched (no re-encode, so the soundtrack is exactly
the original). Output is H.264 in MP4, yuv420p, at a constant rate factor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

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


def transcode(
    source: Path,
    target: Path,
    *,
    transform: FrameTransform,
    progress: ProgressCallback | None = None,
    crf: int = 23,
    max_frames: int | None = None,
) -> TranscodeStats:
    """Re-encode `source` into `target` through `transform`, copying the audio as it is.

    `max_frames` is a hard stop independent of the container's (possibly lying) duration header.
    """
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
        frames = audio_packets = 0
        streams = [in_video] + ([in_audio] if in_audio is not None else [])
        for packet in inp.demux(*streams):
            if packet.stream is in_audio and out_audio is not None:
                if packet.dts is None:
                    continue
                packet.stream = out_audio
                out.mux(packet)
                audio_packets += 1
                continue
            for frame in packet.decode():
                if not isinstance(frame, av.VideoFrame):
                    continue
                if max_frames is not None and frames >= max_frames:
                    raise ValueError(f"video has more than {max_frames} frames")
                rgb = frame.to_ndarray(format="rgb24")[: out_video.height, : out_video.width]
                produced = transform(rgb, frames)
                new = av.VideoFrame.from_ndarray(np.ascontiguousarray(produced), format="rgb24")
                new.pts = frame.pts
                new.time_base = frame.time_base
                for encoded in out_video.encode(new):
                    out.mux(encoded)
                frames += 1
                if progress is not None:
                    progress(frames, max(expected, frames))
        for encoded in out_video.encode():
            out.mux(encoded)
    return TranscodeStats(
        frames=frames, audio_packets=audio_packets, width=out_video.width, height=out_video.height, fps=float(rate)
    )


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
