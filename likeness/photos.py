"""Checking enrolment photos: decoding (JPEG/PNG only, bounded size) and the face each must hold.

Pure functions over bytes and arrays; the service turns a PhotoProblem into an API error naming the
photo. Decoding refuses oversized files and decompression bombs before any pixel is decoded (the
header gives the size), and re-encodes what it keeps as PNG so no EXIF (GPS, device) is stored.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from likeness.engines.base import DetectedFace, FaceEngine
from likeness.engines.landmarks import yaw_ratio

ALLOWED_FORMATS = {"JPEG", "PNG"}
# The nose may sit off the eyes' midline by this fraction of the eye distance (about 25 degrees of yaw).
MAX_YAW_RATIO = 0.25

REASONS = {
    "unreadable_image": "the file is not a readable image",
    "unsupported_image_type": "only JPEG and PNG photos are accepted",
    "image_too_large": "the photo is too large",
    "no_face": "no face was found in the photo",
    "several_faces": "the photo shows more than one face; upload photos of your face alone",
    "face_too_small": "the face is too small; move closer or use a larger photo",
    "face_not_frontal": "the face is turned away; look straight at the camera",
}


class PhotoProblem(Exception):
    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message or REASONS[reason])
        self.reason = reason
        self.message = message or REASONS[reason]


@dataclass(frozen=True)
class CheckedPhoto:
    name: str
    image: np.ndarray  # RGB uint8
    face: DetectedFace
    embedding: np.ndarray


def decode_photo(data: bytes, *, max_bytes: int, max_pixels: int) -> np.ndarray:
    if len(data) > max_bytes:
        raise PhotoProblem("image_too_large", f"the file is {len(data)} bytes; the limit is {max_bytes}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.format not in ALLOWED_FORMATS:
                    raise PhotoProblem("unsupported_image_type", f"{opened.format} is not accepted; use JPEG or PNG")
                width, height = opened.size
                if width * height > max_pixels:
                    raise PhotoProblem(
                        "image_too_large", f"the photo is {width}x{height} pixels; the limit is {max_pixels} pixels"
                    )
                upright = ImageOps.exif_transpose(opened)
                rgb = upright.convert("RGB")
                rgb.load()
    except PhotoProblem:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoProblem("image_too_large", "the photo decompresses to too many pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise PhotoProblem("unreadable_image") from None
    return np.asarray(rgb, dtype=np.uint8)


def encode_png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image, mode="RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def decode_png(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as opened:
        return np.asarray(opened.convert("RGB"), dtype=np.uint8)


def the_one_face(engine: FaceEngine, image: np.ndarray, *, min_face_size: int) -> DetectedFace:
    faces = engine.detect(image)
    if not faces:
        raise PhotoProblem("no_face")
    if len(faces) > 1:
        raise PhotoProblem("several_faces", f"the photo shows {len(faces)} faces; upload photos of your face alone")
    face = faces[0]
    size = min(face.width, face.height)
    if size < min_face_size:
        raise PhotoProblem(
            "face_too_small", f"the face is {size:.0f} pixels across; at least {min_face_size} are needed"
        )
    if abs(yaw_ratio(face.landmarks)) > MAX_YAW_RATIO:
        raise PhotoProblem("face_not_frontal")
    return face


def pairwise_disagreements(embeddings: list[np.ndarray], *, match_distance: float) -> list[tuple[int, int, float]]:
    """Pairs of photos (indices) whose faces are further apart than one person's."""
    out = []
    for i in range(len(embeddings)):
        for j in range(i + 1, len(embeddings)):
            distance = float(np.linalg.norm(embeddings[i] - embeddings[j]))
            if distance > match_distance:
                out.append((i, j, distance))
    return out
