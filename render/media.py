"""What a media file is, and whether the platform will touch it. Pure; no database.

Every limit is checked from headers before any heavy decoding: a decompression bomb or an hour of
4K video is refused with its own code in milliseconds. The type is read from the file's first bytes
(never from its name). Render inputs are JPEG, PNG, WebP and MP4 (H.264/HEVC/VP9/AV1 video); verification
also takes what a repost arrives in (``REPOST_FORMATS``): GIF, AVIF, QuickTime MOV and WebM/Matroska.
HEIC is recognised but refused: neither Pillow nor PyAV here decodes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

from config.codes import MediaCode
from config.errors import Invalid
from config.uploads import sniff_format

__all__ = ["MediaInfo", "MediaLimits", "MediaRejected", "probe_media", "sniff_format"]

IMAGE_FORMATS = {"jpeg", "png", "webp", "gif", "avif"}
VIDEO_FORMATS = {"mp4", "mov", "webm"}
VIDEO_CODECS = {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"}
RENDER_FORMATS = frozenset({"jpeg", "png", "webp", "mp4"})
REPOST_FORMATS = RENDER_FORMATS | {"gif", "avif", "mov", "webm"}
_FORMAT_NAMES = {
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WebP",
    "gif": "GIF",
    "avif": "AVIF",
    "mp4": "MP4",
    "mov": "MOV",
    "webm": "WebM",
}


class MediaRejected(Invalid):
    """A file refused before any work; `code` says why (media_too_large, media_unreadable, ...)."""


@dataclass(frozen=True)
class MediaLimits:
    max_bytes: int
    max_pixels: int
    max_video_seconds: float
    max_fps: float


@dataclass(frozen=True)
class MediaInfo:
    kind: str  # "image" or "video"
    format: str  # jpeg, png, webp, mp4
    width: int
    height: int
    size_bytes: int
    sha256: str
    duration_seconds: float = 0.0
    fps: float = 0.0
    frame_count: int = 1
    has_audio: bool = False
    codec: str = ""


def file_sha256(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    handle.seek(0)
    return digest.hexdigest()


def probe_media(
    path: Path,
    *,
    limits: MediaLimits,
    name: str = "file",
    check_body: bool = True,
    formats: frozenset[str] = RENDER_FORMATS,
) -> MediaInfo:
    """Identify `path` and enforce `limits`, or raise MediaRejected naming the file and the reason.

    Only the `formats` given are accepted (render inputs by default; verification passes REPOST_FORMATS).
    `check_body` decodes a still once to find a truncated or corrupt body; a caller that decodes it
    itself, within its own budget (render/verification.py), passes False and reads headers only.
    """
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise MediaRejected(
            f"{name} is {size} bytes; the limit is {limits.max_bytes}",
            code=MediaCode.MEDIA_TOO_LARGE,
            detail={"file": name, "size_bytes": size, "max_bytes": limits.max_bytes},
        )
    if size == 0:
        raise MediaRejected(f"{name} is empty", code=MediaCode.MEDIA_UNREADABLE, detail={"file": name})
    with path.open("rb") as handle:
        kind = sniff_format(handle.read(16))
        sha = file_sha256(handle)
    if kind not in formats:
        names = [_FORMAT_NAMES[f] for f in _FORMAT_NAMES if f in formats]
        raise MediaRejected(
            f"{name} is not a {', '.join(names[:-1])} or {names[-1]} file",
            code=MediaCode.MEDIA_UNSUPPORTED_TYPE,
            detail={"file": name, **({"format": kind} if kind else {})},
        )
    if kind in VIDEO_FORMATS:
        return _probe_video(path, limits=limits, name=name, size=size, sha=sha, kind=kind)
    return _probe_image(path, limits=limits, name=name, size=size, sha=sha, kind=kind, check_body=check_body)


def _too_many_pixels(name: str, width: int, height: int, limits: MediaLimits) -> MediaRejected:
    return MediaRejected(
        f"{name} is {width}x{height} pixels; the limit is {limits.max_pixels} pixels",
        code=MediaCode.MEDIA_TOO_MANY_PIXELS,
        detail={"file": name, "width": width, "height": height, "max_pixels": limits.max_pixels},
    )


def _probe_image(
    path: Path, *, limits: MediaLimits, name: str, size: int, sha: str, kind: str, check_body: bool = True
) -> MediaInfo:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size  # header only: nothing decoded yet
            if width * height > limits.max_pixels:
                raise _too_many_pixels(name, width, height, limits)
            if check_body:
                image.load()  # a truncated or corrupt body fails here, before any render work
            frames = int(getattr(image, "n_frames", 1))
    except MediaRejected:
        raise
    except Image.DecompressionBombError:
        # Pillow refuses absurd headers itself, before our own (lower) limit is even asked.
        raise MediaRejected(
            f"{name} declares more than {limits.max_pixels} pixels",
            code=MediaCode.MEDIA_TOO_MANY_PIXELS,
            detail={"file": name, "max_pixels": limits.max_pixels},
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise MediaRejected(
            f"{name} could not be decoded: {exc}", code=MediaCode.MEDIA_UNREADABLE, detail={"file": name}
        ) from None
    return MediaInfo(
        kind="image", format=kind, width=width, height=height, size_bytes=size, sha256=sha, frame_count=frames
    )


def _probe_video(path: Path, *, limits: MediaLimits, name: str, size: int, sha: str, kind: str) -> MediaInfo:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaRejected(
                    f"{name} has no video stream", code=MediaCode.MEDIA_UNREADABLE, detail={"file": name}
                )
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            width, height = stream.codec_context.width, stream.codec_context.height
            rate = stream.average_rate or stream.guessed_rate or Fraction(0)
            fps = float(rate)
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            else:
                duration = (container.duration or 0) / 1_000_000
            has_audio = bool(container.streams.audio)
            frames = stream.frames or round(duration * fps)
    except MediaRejected:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise MediaRejected(
            f"{name} could not be read as video: {exc}", code=MediaCode.MEDIA_UNREADABLE, detail={"file": name}
        ) from None
    if codec not in VIDEO_CODECS:
        raise MediaRejected(
            f"{name} uses video codec {codec!r}",
            code=MediaCode.MEDIA_UNSUPPORTED_TYPE,
            detail={"file": name, "codec": codec},
        )
    if width * height > limits.max_pixels or width <= 0 or height <= 0:
        raise _too_many_pixels(name, width, height, limits)
    if fps <= 0 or fps > limits.max_fps:
        raise MediaRejected(
            f"{name} runs at {fps:.2f} frames/s; the limit is {limits.max_fps}",
            code=MediaCode.VIDEO_FRAME_RATE_TOO_HIGH,
            detail={"file": name, "fps": fps},
        )
    if duration <= 0 or duration > limits.max_video_seconds:
        raise MediaRejected(
            f"{name} lasts {duration:.1f} s; the limit is {limits.max_video_seconds} s",
            code=MediaCode.VIDEO_TOO_LONG,
            detail={"file": name, "duration_seconds": duration},
        )
    return MediaInfo(
        kind="video",
        format=kind,
        width=width,
        height=height,
        size_bytes=size,
        sha256=sha,
        duration_seconds=duration,
        fps=fps,
        frame_count=int(frames),
        has_audio=has_audio,
        codec=codec,
    )
