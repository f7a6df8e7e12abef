"""The provenance stage of a render: every output frame is labelled (and marked), every file signed.

- Visible label: the licence's duty text, or the platform default, drawn on every frame at a size
  legible at the output's resolution, in the band (bottom or top) that no replaced face touches.
- C2PA: every output file gets a signed manifest (render/c2pa_manifest.py) naming the licence,
  the job, the mark id, the licence's public status URL and the credit (attribution) its duties
  require; stills also carry that credit in XMP (photoshop:Credit, the IPTC credit line).
- Invisible watermark: the job's mark id, embedded in every frame (render/watermark.py).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, ImageDraw, ImageFont

from render.label_fonts import font_file_for

DEFAULT_LABEL = "AI-generated likeness - licensed"
MARK_ID_BITS = 48

Box = tuple[float, float, float, float]
FrameMarker = Callable[[np.ndarray, int, Sequence[Box]], np.ndarray]


def allocate_mark_id() -> int:
    from render.models import RenderJob

    while True:
        candidate = secrets.randbits(MARK_ID_BITS)
        if candidate and not RenderJob.objects.filter(mark_id=candidate).exists():
            return candidate


def label_text(job: Any) -> str:
    """The duty text the licence names for its visible label, or the platform's default."""
    if job.license is None:
        return DEFAULT_LABEL
    duties = json.loads(job.license.document).get("scope", {}).get("duties", {})
    text = str(duties.get("label_text") or duties.get("visible_label") or "").strip()
    return text or DEFAULT_LABEL


def attribution_text(job: Any) -> str | None:
    """The credit the licence's duties require on every output (None when it names none)."""
    if job.license is None:
        return None
    duties = json.loads(job.license.document).get("scope", {}).get("duties", {})
    return str(duties.get("attribution") or "").strip() or None


@lru_cache(maxsize=32)
def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path:
        return ImageFont.truetype(path, size=size)
    return ImageFont.load_default(size=size)


def draw_label(frame: np.ndarray, text: str, *, faces: Sequence[Box] = (), font_file: str | None = None) -> np.ndarray:
    """`frame` with `text` on a dark band, bottom unless a face reaches into the bottom band.

    The text size follows the frame (4.5% of its shorter side, at least 12 px) and shrinks only if
    the text would not fit the width.
    """
    height, width = frame.shape[:2]
    size = max(12, round(min(height, width) * 0.045))
    while size > 12 and _font(font_file, size).getlength(text) > width - size:
        size -= 1
    band = round(size * 1.6)
    bottom = (height - band, height)
    top = (0, band)
    overlaps_bottom = any(box[3] > bottom[0] for box in faces)
    y0, y1 = top if overlaps_bottom else bottom
    # Only the band changes: it is composited on its own (a whole 720p frame took most of the time).
    end = min(height, y1 + 1)  # PIL's rectangle includes its last row
    image = Image.fromarray(np.ascontiguousarray(frame[y0:end]))
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((0, 0, width, y1 - y0), fill=(0, 0, 0, 150))
    draw.text(
        (round(size * 0.6), (y1 - y0) / 2), text, font=_font(font_file, size), fill=(255, 255, 255, 255), anchor="lm"
    )
    out = np.array(frame)
    out[y0:end] = np.asarray(Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))
    return out


def watermark_key() -> bytes:
    """The watermark's secret key, generated once (atomically, so concurrent workers agree).

    Where WATERMARK_KEY_GENERATE is false (production) a missing file is refused: a fresh key would
    sign new outputs with marks no backup can read and report genuine outputs as unmarked.
    """
    path = Path(settings.WATERMARK_KEY_FILE)
    if not path.exists():
        if not settings.WATERMARK_KEY_GENERATE:
            raise ImproperlyConfigured(f"watermark key {path} does not exist; create it with `manage.py keys init`")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("xb") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(secrets.token_bytes(32))
        except FileExistsError:
            pass  # another worker wrote it first; use theirs
    key = path.read_bytes()
    if len(key) < 16:
        raise ValueError(f"{path} holds a watermark key shorter than 16 bytes")
    return key


def frame_marker(job: Any) -> FrameMarker:
    """The per-frame provenance stage for `job`: the visible label, then the invisible mark."""
    from render.watermark import watermarker_for

    text = label_text(job)
    font_file = font_file_for(text)  # refuses, before any frame, a label no font can draw
    if job.mark_id is None:
        job.mark_id = allocate_mark_id()
    watermarker = watermarker_for(watermark_key())
    mark_id = int(job.mark_id)

    def mark(frame: np.ndarray, frame_index: int, faces: Sequence[Box]) -> np.ndarray:
        return watermarker.embed(draw_label(frame, text, faces=faces, font_file=font_file), mark_id)

    return mark


def status_url(license_id: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/licenses/{license_id}/status"


def finalise_file(output: Path, *, job: Any) -> Path:
    """The whole-file provenance stage: embed a signed C2PA manifest naming licence, job and mark."""
    from render.c2pa_manifest import manifest_definition, sign_file

    license_id = str(job.requested_license_id)
    signed = output.with_name(f"signed{output.suffix}")
    manifest = manifest_definition(
        title=f"render-{job.pk}{output.suffix}",
        license_id=license_id,
        job_id=str(job.pk),
        mark_id=job.mark_id,
        status_url=status_url(license_id),
        label_text=label_text(job),
        attribution=attribution_text(job),
    )
    sign_file(output, signed, manifest=manifest)
    return signed


def xmp_packet(*, job: Any, label: str) -> bytes:
    """IPTC/XMP metadata for stills: the IPTC digital source type and the disclosure, readable by
    tools that know nothing of C2PA. (MP4 outputs carry the C2PA manifest only.)"""
    from xml.sax.saxutils import escape

    from render.c2pa_manifest import DIGITAL_SOURCE_TYPE

    attribution = attribution_text(job)
    credit = (
        f"<photoshop:Credit>{escape(attribution)}</photoshop:Credit><lp:attribution>{escape(attribution)}</lp:attribution>"
        if attribution
        else ""
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:lp="https://likeness-platform.example/ns/1.0/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/">'
        f"<Iptc4xmpExt:DigitalSourceType>{DIGITAL_SOURCE_TYPE}</Iptc4xmpExt:DigitalSourceType>"
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(label)}</rdf:li></rdf:Alt></dc:description>'
        f"<lp:licenseId>{escape(str(job.requested_license_id))}</lp:licenseId>"
        f"<lp:jobId>{escape(str(job.pk))}</lp:jobId>"
        f"<lp:statusUrl>{escape(status_url(str(job.requested_license_id)))}</lp:statusUrl>"
        f"{credit}"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()
