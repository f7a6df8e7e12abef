"""The media limits, read from settings: what a render accepts as its target, and what verification
reads from anyone."""

from __future__ import annotations

from django.conf import settings

from render.media import MediaLimits


def media_limits() -> MediaLimits:
    return MediaLimits(
        max_bytes=settings.RENDER_MAX_UPLOAD_BYTES,
        max_pixels=settings.RENDER_MAX_PIXELS,
        max_video_seconds=settings.RENDER_MAX_VIDEO_SECONDS,
        max_fps=settings.RENDER_MAX_FPS,
    )


def verify_limits() -> MediaLimits:
    """Verification reads any file anyone sends: same pixel and duration limits, its own size limit."""
    return MediaLimits(
        max_bytes=settings.VERIFY_MAX_BYTES,
        max_pixels=settings.RENDER_MAX_PIXELS,
        max_video_seconds=settings.RENDER_MAX_VIDEO_SECONDS,
        max_fps=settings.RENDER_MAX_FPS,
    )
