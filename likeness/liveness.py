"""Proof of person, the pure part: read a recorded clip and check it against a head-turn challenge.

No database, no storage: bytes and a challenge in, a `LivenessVerdict` out (or a `LivenessProblem`
with a stable reason code). The service (likeness/proof.py) decides what is stored and audited.

How the head pose is read: the engine's five landmarks give the two eyes and the nose. The yaw is
how far the nose sits off the eyes' midline along the eye axis, as a fraction of the eye distance
(`yaw_ratio`); the pitch is how far below the eye line the nose sits, as a fraction of the eye
distance (`pitch_ratio`). Both are compared with the person's own values in the first half second
(the challenge starts with "look straight at the camera"), so faces of any shape work. Any
similarity or affine motion of a flat picture (a printed photo or a phone screen moved, tilted
or brought closer) leaves both ratios unchanged: a still picture shows no head turn however it is
waved in front of the camera. Directions are the person's own: "left" is the person's left, which
an unmirrored camera sees as the nose moving to the image's right.

Thresholds were tuned on the synthetic clips of `bench liveness` (tools/liveness_bench.py):
its head turns move the nose by about 0.15-0.2 eye distances of yaw and 0.2 of pitch; a still
picture measures 0.00. They are set at about half of what a real turn of 20-30 degrees measures.
"""

from __future__ import annotations

import io
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import av
import numpy as np

from likeness.engines.base import DetectedFace, FaceEngine
from likeness.engines.landmarks import yaw_ratio

TURNS = ("left", "right", "up")
HOLD = "hold"
CENTRE = "centre"
ALLOWED_CONTAINERS = {"matroska,webm", "mov,mp4,m4a,3gp,3g2,mj2"}
SAMPLE_FPS = 6.0
MAX_SAMPLE_SIDE = 360
MAX_CLIP_SECONDS = 20.0
MAX_FRAME_PIXELS = 1920 * 1080
BASELINE_SECONDS = 0.5
# Change from the person's own start, in eye distances, that counts as a turn.
YAW_TURN = 0.09
PITCH_TURN = 0.09
MIN_TURN_SAMPLES = 2
HOLD_SECONDS = 0.8
# At most this share of sampled frames may lack a face (blinks, motion blur).
MAX_FACELESS_SHARE = 0.25
EMBED_SAMPLES = 8
# A turned face embeds further from its frontal self than a frontal photo does (0.30-0.35 on the
# synthetic turns with dlib); two different people measure from 0.45 (astronaut vs Grace Hopper).
SAME_FACE_FACTOR = 1.1
# A camera clock may run a little ahead or behind the server's.
CREATION_TIME_SKEW = timedelta(seconds=60)

REASONS = {
    "liveness_unreadable_clip": "the clip is not a readable video (WebM or MP4)",
    "liveness_clip_too_large": "the clip is too large",
    "liveness_clip_too_long": "the clip is longer than the challenge allows",
    "liveness_not_fresh": "the clip was recorded before the challenge was issued",
    "liveness_no_face": "no face was seen for much of the clip",
    "liveness_several_faces": "more than one face was seen; record yourself alone",
    "liveness_no_motion": "no head movement was seen; a still picture cannot pass",
    "liveness_wrong_order": "the head turns do not follow the challenge in order",
    "liveness_no_hold": "hold still, looking at the camera, at the end of the challenge",
    "liveness_face_changed": "the face changed during the clip",
    "liveness_face_mismatch": "the face in the clip is not the face in the enrolment photos",
}


class LivenessProblem(Exception):
    def __init__(self, reason: str, message: str | None = None, **detail: object) -> None:
        super().__init__(message or REASONS[reason])
        self.reason = reason
        self.message = message or REASONS[reason]
        self.detail = detail


@dataclass(frozen=True)
class Sample:
    t: float
    image: np.ndarray


@dataclass(frozen=True)
class Clip:
    samples: list[Sample]
    duration: float
    created_at: datetime | None


@dataclass
class PoseTrack:
    times: list[float] = field(default_factory=list)
    yaws: list[float] = field(default_factory=list)
    pitches: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LivenessVerdict:
    turns_seen: list[str]
    samples: int
    duration: float
    same_face_distance: float  # the largest distance of a sampled frame from the clip's frontal face
    enrolment_distance: float  # the frontal face's distance from the nearest enrolment photo
    max_yaw_change: float
    max_pitch_change: float


def pitch_ratio(landmarks: np.ndarray) -> float:
    """How far below the eye line the nose sits, as a fraction of the eye distance."""
    left_eye, right_eye, nose = landmarks[0], landmarks[1], landmarks[2]
    axis = right_eye - left_eye
    eye_distance = float(np.linalg.norm(axis))
    if eye_distance == 0.0:
        return float("inf")
    normal = np.array([-axis[1], axis[0]]) / eye_distance
    return float(np.dot(nose - (left_eye + right_eye) / 2.0, normal) / eye_distance)


def _parse_creation_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _downscale(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    scale = MAX_SAMPLE_SIDE / max(height, width)
    if scale >= 1.0:
        return np.ascontiguousarray(image)
    import cv2

    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))


def read_clip(data: bytes, *, max_bytes: int) -> Clip:
    """The clip's frames sampled at SAMPLE_FPS (downscaled), its duration and its creation time."""
    if len(data) > max_bytes:
        raise LivenessProblem("liveness_clip_too_large", f"the clip is {len(data)} bytes; the limit is {max_bytes}")
    samples: list[Sample] = []
    last = 0.0
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if container.format.name not in ALLOWED_CONTAINERS or not container.streams.video:
                raise LivenessProblem("liveness_unreadable_clip")
            created_at = _parse_creation_time(container.metadata.get("creation_time"))
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if (stream.width or 0) * (stream.height or 0) > MAX_FRAME_PIXELS:
                raise LivenessProblem("liveness_clip_too_large", "the clip's frames are too large")
            next_t = 0.0
            first: float | None = None
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                first = frame.time if first is None else first
                t = float(frame.time - first)
                last = t
                if t > MAX_CLIP_SECONDS + 1.0:
                    raise LivenessProblem("liveness_clip_too_long", max_seconds=MAX_CLIP_SECONDS)
                if t + 1e-6 >= next_t:
                    samples.append(Sample(t=t, image=_downscale(frame.to_ndarray(format="rgb24"))))
                    next_t = t + 1.0 / SAMPLE_FPS
    except LivenessProblem:
        raise
    except (av.error.FFmpegError, ValueError, OSError, IndexError):
        raise LivenessProblem("liveness_unreadable_clip") from None
    if len(samples) < 2:
        raise LivenessProblem("liveness_unreadable_clip", "the clip holds too few frames")
    duration = last + 1.0 / SAMPLE_FPS
    if duration > MAX_CLIP_SECONDS:
        raise LivenessProblem("liveness_clip_too_long", max_seconds=MAX_CLIP_SECONDS)
    return Clip(samples=samples, duration=duration, created_at=created_at)


def check_fresh(clip: Clip, *, issued_at: datetime) -> None:
    if clip.created_at is not None and clip.created_at < issued_at - CREATION_TIME_SKEW:
        raise LivenessProblem("liveness_not_fresh")


def _label(d_yaw: float, d_pitch: float) -> str:
    yaw_score = abs(d_yaw) / YAW_TURN
    pitch_score = abs(d_pitch) / PITCH_TURN
    if max(yaw_score, pitch_score) < 1.0:
        return CENTRE
    if yaw_score >= pitch_score:
        return "left" if d_yaw > 0 else "right"
    return "up" if d_pitch < 0 else "down"


def track_pose(engine: FaceEngine, clip: Clip) -> tuple[PoseTrack, list[tuple[Sample, DetectedFace]]]:
    """Head pose per sampled frame, relative to the first half second; and the frames with their face."""
    seen: list[tuple[Sample, DetectedFace, float, float]] = []
    faceless = 0
    for sample in clip.samples:
        faces = engine.detect(sample.image)
        if not faces:
            faceless += 1
            continue
        if len(faces) > 1:
            raise LivenessProblem("liveness_several_faces", at_seconds=round(sample.t, 2))
        face = faces[0]
        seen.append((sample, face, yaw_ratio(face.landmarks), pitch_ratio(face.landmarks)))
    if not seen or faceless > MAX_FACELESS_SHARE * len(clip.samples):
        raise LivenessProblem("liveness_no_face", faceless=faceless, samples=len(clip.samples))
    start = seen[0][0].t
    baseline = [s for s in seen if s[0].t - start <= BASELINE_SECONDS] or seen[:1]
    base_yaw = statistics.median(s[2] for s in baseline)
    base_pitch = statistics.median(s[3] for s in baseline)
    track = PoseTrack()
    for sample, _, yaw, pitch in seen:
        track.times.append(sample.t)
        track.yaws.append(yaw - base_yaw)
        track.pitches.append(pitch - base_pitch)
        track.labels.append(_label(yaw - base_yaw, pitch - base_pitch))
    return track, [(s[0], s[1]) for s in seen]


def segments(track: PoseTrack) -> list[tuple[str, float, float, int]]:
    """Runs of one label as (label, start, end, samples); turn runs shorter than MIN_TURN_SAMPLES are noise."""
    runs: list[tuple[str, float, float, int]] = []
    for t, label in zip(track.times, track.labels, strict=True):
        if runs and runs[-1][0] == label:
            runs[-1] = (label, runs[-1][1], t, runs[-1][3] + 1)
        else:
            runs.append((label, t, t, 1))
    kept: list[tuple[str, float, float, int]] = []
    for seen, begin, end, count in runs:
        label = CENTRE if seen != CENTRE and count < MIN_TURN_SAMPLES else seen
        if kept and kept[-1][0] == label:
            kept[-1] = (label, kept[-1][1], end, kept[-1][3] + count)
        else:
            kept.append((label, begin, end, count))
    return kept


def check_sequence(track: PoseTrack, sequence: list[str]) -> list[str]:
    """The turns seen, if they are the challenge's in order and the clip ends holding still."""
    runs = segments(track)
    turns = [label for label, *_ in runs if label != CENTRE]
    expected = [step for step in sequence if step != HOLD]
    if not turns:
        raise LivenessProblem("liveness_no_motion")
    if turns != expected:
        raise LivenessProblem("liveness_wrong_order", expected=expected, seen=turns)
    if sequence and sequence[-1] == HOLD:
        label, begin, end, _ = runs[-1]
        if label != CENTRE or end - begin + 1.0 / SAMPLE_FPS < HOLD_SECONDS:
            raise LivenessProblem("liveness_no_hold", hold_seconds=HOLD_SECONDS)
    return turns


def check_identity(
    engine: FaceEngine, track: PoseTrack, frames: list[tuple[Sample, DetectedFace]], enrolled: list[np.ndarray]
) -> tuple[float, float]:
    """One face throughout, and that face the enrolment photos' face: (largest in-clip distance, enrolment distance)."""
    picks = np.unique(np.linspace(0, len(frames) - 1, num=min(EMBED_SAMPLES, len(frames))).round().astype(int))
    embeddings = [engine.embed(frames[i][0].image, frames[i][1]) for i in picks]
    frontal = [e for i, e in zip(picks, embeddings, strict=True) if track.labels[i] == CENTRE] or embeddings
    reference = np.mean(frontal, axis=0)
    reference = reference / max(float(np.linalg.norm(reference)), 1e-9)
    spread = max(float(np.linalg.norm(e - reference)) for e in embeddings)
    if spread > engine.match_distance * SAME_FACE_FACTOR:
        raise LivenessProblem("liveness_face_changed")
    if not enrolled:
        raise LivenessProblem("liveness_face_mismatch", "the likeness has no enrolment photos to compare with")
    distance = min(float(np.linalg.norm(reference - e)) for e in enrolled)
    if distance > engine.match_distance:
        raise LivenessProblem("liveness_face_mismatch")
    return spread, distance


def verify_clip(
    *,
    engine: FaceEngine,
    data: bytes,
    sequence: list[str],
    issued_at: datetime,
    enrolled: list[np.ndarray],
    max_bytes: int,
) -> LivenessVerdict:
    """Every check of a liveness clip, cheapest first; raises LivenessProblem naming the first that fails."""
    clip = read_clip(data, max_bytes=max_bytes)
    check_fresh(clip, issued_at=issued_at)
    track, frames = track_pose(engine, clip)
    turns = check_sequence(track, sequence)
    spread, distance = check_identity(engine, track, frames, enrolled)
    return LivenessVerdict(
        turns_seen=turns,
        samples=len(clip.samples),
        duration=round(clip.duration, 2),
        same_face_distance=round(spread, 4),
        enrolment_distance=round(distance, 4),
        max_yaw_change=round(max(abs(v) for v in track.yaws), 4),
        max_pitch_change=round(max(abs(v) for v in track.pitches), 4),
    )
