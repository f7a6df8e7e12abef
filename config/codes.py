"""Stable codes for refused uploads and media, shared by every app that takes files.

Kept apart from config.errors (which imports config.uploads) so that the upload handler can use them.
Values are stable machine codes clients branch on: add new ones, never rename.
"""

from __future__ import annotations

from django.db import models


class MediaCode(models.TextChoices):
    MEDIA_TOO_LARGE = "media_too_large", "The file is larger than this endpoint accepts"
    MEDIA_UNSUPPORTED_TYPE = "media_unsupported_type", "The file is not of a type this endpoint accepts"
    MEDIA_UNREADABLE = "media_unreadable", "The file is empty or cannot be decoded"
    MEDIA_TOO_MANY_PIXELS = "media_too_many_pixels", "The image or video frame has more pixels than allowed"
    VIDEO_FRAME_RATE_TOO_HIGH = "video_frame_rate_too_high", "The video's frame rate is higher than allowed"
    VIDEO_TOO_LONG = "video_too_long", "The video is longer than allowed"
