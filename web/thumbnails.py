"""Small previews of render outputs for the pages (the output itself, scaled; a video's first frame)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.core.files.storage import default_storage
from PIL import Image

from render.models import RenderJob
from render.video import iter_frames

THUMBNAIL_SIZE = (360, 360)


def _first_frame(name: str) -> Image.Image:
    with tempfile.NamedTemporaryFile(suffix=Path(name).suffix) as handle:
        with default_storage.open(name, "rb") as source:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                handle.write(chunk)
        handle.flush()
        frame = next(iter_frames(Path(handle.name)))
    return Image.fromarray(frame)


def output_thumbnail(job: RenderJob) -> bytes:
    """A JPEG preview of the job's output, visible label included (it is part of the pixels)."""
    if job.media_type == "video":
        image = _first_frame(job.output_name)
    else:
        with default_storage.open(job.output_name, "rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
            image.load()
    image = image.convert("RGB")
    image.thumbnail(THUMBNAIL_SIZE)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
