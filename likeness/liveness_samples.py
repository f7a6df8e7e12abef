"""Synthetic liveness clips from a still face, for the benchmark and the tests (never for production).

A head turn is imitated by a smooth local warp that moves the nose (and the middle of the face)
while the eyes stay nearly in place, which is what a real turn does to the five landmarks: an
affine or perspective warp of the whole picture would not do, because it leaves the nose's
position relative to the eyes unchanged (that is exactly why a waved photo fails). The warp moves
the nose by 0.4 eye distances sideways for left/right and 0.3 upwards for "up", which dlib's
landmarks read as about 0.15-0.2 eye distances of yaw or pitch (see likeness/liveness.py).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import av
import cv2
import numpy as np

from likeness.engines.base import FaceEngine

FPS = 15
START_SECONDS = 0.8
RAMP_SECONDS = 0.3
TURN_HOLD_SECONDS = 0.5
BETWEEN_SECONDS = 0.4
END_HOLD_SECONDS = 1.4
YAW_SHIFT = 0.5
PITCH_SHIFT = 0.3
SIGMA = 0.45


def sample_faces() -> dict[str, np.ndarray]:
    """Two public-domain photos of real faces: skimage's astronaut (Eileen Collins) and Grace Hopper."""
    from matplotlib import cbook
    from PIL import Image
    from skimage import data

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as opened:
        hopper = np.asarray(opened.convert("RGB"), dtype=np.uint8)
    return {"astronaut": data.astronaut(), "hopper": hopper}


def camera_frame(engine: FaceEngine, image: np.ndarray, *, size: int = 320) -> tuple[np.ndarray, np.ndarray]:
    """A square `size` frame with the face in the middle at about 40% of the width, and its landmarks."""
    face = engine.detect(image)[0]
    x1, y1, x2, y2 = face.bbox
    side = max(x2 - x1, y2 - y1) / 0.4
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    scale = size / side
    matrix = np.array([[scale, 0, size / 2 - cx * scale], [0, scale, size / 2 - cy * scale]], dtype=np.float64)
    frame = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)
    landmarks = face.landmarks.astype(np.float64) @ matrix[:, :2].T + matrix[:, 2]
    return np.ascontiguousarray(frame), landmarks


def turn_head(frame: np.ndarray, landmarks: np.ndarray, *, yaw: float, pitch: float) -> np.ndarray:
    """`frame` with the nose moved by yaw (+: the person's left, image right) and pitch (+: up) eye distances."""
    height, width = frame.shape[:2]
    eye_distance = float(np.linalg.norm(landmarks[1] - landmarks[0]))
    centre = landmarks[2] + np.array([0.0, -0.15 * eye_distance])
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    sigma = SIGMA * eye_distance
    bump = np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * sigma * sigma))
    map_x = (xx - yaw * eye_distance * bump).astype(np.float32)
    map_y = (yy + pitch * eye_distance * bump).astype(np.float32)
    return cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def pose_timeline(sequence: list[str], *, fps: int = FPS, amplitude: float = 1.0) -> list[tuple[float, float]]:
    """(yaw, pitch) in warp units per frame: look straight, each turn out and back, then hold."""
    poses: list[tuple[float, float]] = [(0.0, 0.0)] * round(START_SECONDS * fps)
    ramp = max(1, round(RAMP_SECONDS * fps))
    for step in sequence:
        if step == "hold":
            poses += [(0.0, 0.0)] * round(END_HOLD_SECONDS * fps)
            continue
        yaw, pitch = YAW_SHIFT * amplitude, PITCH_SHIFT * amplitude
        target = {"left": (yaw, 0.0), "right": (-yaw, 0.0), "up": (0.0, pitch)}[step]
        up = [(target[0] * (i + 1) / ramp, target[1] * (i + 1) / ramp) for i in range(ramp)]
        poses += up + [target] * round(TURN_HOLD_SECONDS * fps) + up[::-1][1:] + [(0.0, 0.0)]
        poses += [(0.0, 0.0)] * round(BETWEEN_SECONDS * fps)
    return poses


def encode_clip(
    frames: list[np.ndarray], *, fps: int = FPS, container: str = "webm", created_at: datetime | None = None
) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        if created_at is not None:
            output.metadata["creation_time"] = created_at.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        stream = output.add_stream("libvpx" if container == "webm" else "mpeg4", rate=fps)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuv420p"
        stream.options = {"deadline": "realtime", "cpu-used": "8", "b:v": "2M"} if container == "webm" else {}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return buffer.getvalue()


def genuine_frames(
    engine: FaceEngine,
    image: np.ndarray,
    sequence: list[str],
    *,
    size: int = 320,
    amplitude: float = 1.0,
    seed: int = 0,
) -> list[np.ndarray]:
    """Frames of `image`'s face doing `sequence`; `amplitude` scales the turns, `seed` the sensor noise."""
    frame, landmarks = camera_frame(engine, image, size=size)
    rng = np.random.default_rng(seed)
    out = []
    for yaw, pitch in pose_timeline(sequence, amplitude=amplitude):
        moved = turn_head(frame, landmarks, yaw=yaw, pitch=pitch)
        noise = rng.normal(0.0, 2.0, moved.shape)
        out.append(np.clip(moved.astype(np.float64) + noise, 0, 255).astype(np.uint8))
    return out


def genuine_clip(
    engine: FaceEngine,
    image: np.ndarray,
    sequence: list[str],
    *,
    container: str = "webm",
    created_at: datetime | None = None,
    amplitude: float = 1.0,
    seed: int = 0,
) -> bytes:
    """A clip of `image`'s face doing `sequence` (e.g. left, right, up, hold)."""
    frames = genuine_frames(engine, image, sequence, amplitude=amplitude, seed=seed)
    return encode_clip(frames, container=container, created_at=created_at)


def still_clip(engine: FaceEngine, image: np.ndarray, *, seconds: float = 5.0, shake: bool = True) -> bytes:
    """A printed photo held up to the camera: the same picture, moved, tilted and scaled a little."""
    frame, _ = camera_frame(engine, image)
    size = frame.shape[0]
    out = []
    for i in range(round(seconds * FPS)):
        if shake:
            t = i / FPS
            matrix = cv2.getRotationMatrix2D((size / 2, size / 2), 6 * np.sin(t * 2.1), 1.0 + 0.06 * np.sin(t * 1.3))
            matrix[:, 2] += (8 * np.sin(t * 3.0), 5 * np.cos(t * 2.4))
            out.append(cv2.warpAffine(frame, matrix, (size, size), borderMode=cv2.BORDER_REFLECT))
        else:
            out.append(frame)
    return encode_clip(out)


def mark_person_verified_for_fixtures(likeness: Any) -> None:
    """Tests and benchmarks only: record a passed enrolment capture without recording a clip.

    Stories that are about licences, not about proof of person, start from a verified likeness
    this way; tests/test_proof_of_person_*.py run the real capture through the API.
    """
    from config import clock
    from likeness.models import LivenessChallenge, LivenessPurpose

    now = clock.now()
    LivenessChallenge.objects.create(
        likeness=likeness,
        issued_to=likeness.owner.user,
        purpose=LivenessPurpose.ENROLMENT,
        sequence=["left", "right", "up", "hold"],
        issued_at=now,
        expires_at=now,
        used_at=now,
        checked_at=now,
        outcome="passed",
        engine="fixture",
    )
