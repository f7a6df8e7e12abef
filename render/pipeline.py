"""The frame work of a render: find the target faces, follow them, swap them, mark the frame. No database.

`FrameRenderer` is called once per frame (a still is a one-frame video), or run as two stages
(`stages()`: faces, then provenance) that a video's transcode overlaps on the cores. It finds faces,
follows each from frame to frame (a track: the nearest face of the previous frame, within half a
face width; between detections the engine refits each followed face near where it was, see
DETECT_EVERY), smooths each track's landmarks over time so the swap and its mask hold still
instead of jittering with the detector, and starts afresh on a cut (the picture changing at once). The face
the job asked for is chosen once per shot (the largest, or the n-th from the left) and then
followed, so `index` stays on one person while people move. Each chosen face is swapped by the
engine unless the engine refuses its pose (a frontal source on a turned head): that frame is left
untouched and listed in `frames_untouched` with the reason. Then the frame goes to the provenance
stage (`mark`), which labels and watermarks it. It counts the faces it replaced, so a job that
never found its target can say so instead of delivering an unchanged file.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from likeness.engines.base import DetectedFace, FaceEngine, SwapSource

Box = tuple[float, float, float, float]
FrameMarker = Callable[[np.ndarray, int, Sequence[Box]], np.ndarray]

CUT_THRESHOLD = 28.0  # mean grey-level change of a 32x32 thumbnail above which a frame starts a new shot
MAX_MISSED_FRAMES = 3  # a track survives this many frames without a detection (a blink of the detector)
# Landmark filter: weight of a new detection's position and of its velocity; a detection further
# than SNAP eye distances from the prediction (a sudden move) is taken as it is.
ALPHA, BETA, SNAP = 0.3, 0.05, 0.12
# Between detections the engine refits each followed face's landmarks near where it was (a few ms,
# where dlib's HOG detector takes hundreds on a 720p frame). The detector runs on the first frame
# of every shot, every DETECT_EVERY frames (so faces entering are picked up within a fifth of a
# second at 25 frames/s), and whenever a refit loses its face. It searches a copy of the frame
# shrunk to DETECT_MAX_SIDE pixels on the longer side; landmarks are fitted at full size.
DETECT_EVERY = 5
DETECT_MAX_SIDE = 640


def select_faces(faces: list[DetectedFace], *, selection: str, index: int | None) -> list[DetectedFace]:
    """The faces a job replaces in one frame: the largest, the n-th from the left, or all."""
    if not faces:
        return []
    if selection == "all":
        return list(faces)
    if selection == "index":
        ordered = sorted(faces, key=lambda face: face.bbox[0])
        return [ordered[index]] if index is not None and 0 <= index < len(ordered) else []
    return [max(faces, key=lambda face: face.width * face.height)]


def _eye_distance(landmarks: np.ndarray) -> float:
    return max(1.0, float(np.linalg.norm(landmarks[1] - landmarks[0])))


def _centre(face: DetectedFace) -> np.ndarray:
    return np.array([(face.bbox[0] + face.bbox[2]) / 2, (face.bbox[1] + face.bbox[3]) / 2])


@dataclass
class _Track:
    ident: int
    face: DetectedFace  # the latest detection, with smoothed landmarks
    velocity: np.ndarray = field(default_factory=lambda: np.zeros((5, 2)))  # pixels per frame, per landmark
    missed: int = 0

    def follow(self, detected: DetectedFace) -> None:
        """An alpha-beta filter per landmark: steady against jitter, no lag on steady motion, snaps on a jump."""
        old = np.asarray(self.face.landmarks, dtype=np.float64)
        new = np.asarray(detected.landmarks, dtype=np.float64)
        predicted = old + self.velocity * (1 + self.missed)
        residual = new - predicted
        if float(np.abs(residual).mean()) > SNAP * _eye_distance(new):
            landmarks, self.velocity = new, (new - old) / (1 + self.missed)
        else:
            landmarks = predicted + ALPHA * residual
            self.velocity = self.velocity + BETA * residual
        self.face = DetectedFace(bbox=detected.bbox, landmarks=landmarks.astype(np.float32), score=detected.score)
        self.missed = 0


@dataclass
class FaceTracker:
    """Tracks across frames: smoothed landmarks, stable identities, a reset on cuts."""

    tracks: list[_Track] = field(default_factory=list)
    _next: int = 0
    _thumbnail: np.ndarray | None = None

    def is_cut(self, frame: np.ndarray) -> bool:
        # Every 4th pixel each way is plenty for a 32x32 average, and costs the face stage (the
        # render's bottleneck, in its own thread) a sixth of the full frame's conversion.
        sampled = np.ascontiguousarray(frame[::4, ::4])
        grey = cv2.cvtColor(sampled, cv2.COLOR_RGB2GRAY)
        thumbnail = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
        previous, self._thumbnail = self._thumbnail, thumbnail
        return previous is not None and float(np.abs(thumbnail - previous).mean()) > CUT_THRESHOLD

    def update(self, faces: list[DetectedFace], *, cut: bool) -> list[_Track]:
        """Match this frame's faces to the tracks; returns the tracks seen in this frame."""
        if cut:
            self.tracks = []
        seen: list[_Track] = []
        free = list(self.tracks)
        for face in sorted(faces, key=lambda f: -f.width * f.height):
            best = min(free, key=lambda t: float(np.linalg.norm(_centre(t.face) - _centre(face))), default=None)
            if best is not None and np.linalg.norm(_centre(best.face) - _centre(face)) < 0.5 * face.width:
                free.remove(best)
                best.follow(face)
                seen.append(best)
            else:
                track = _Track(self._next, face)
                self._next += 1
                self.tracks.append(track)
                seen.append(track)
        for track in free:
            track.missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= MAX_MISSED_FRAMES]
        return seen


@dataclass
class FrameRenderer:
    engine: FaceEngine
    source: SwapSource
    selection: str
    index: int | None
    mark: FrameMarker
    faces_replaced: int = 0
    frames_with_target: int = 0
    # (frame index, reason) for every chosen face the engine's pose check left untouched.
    frames_untouched: list[tuple[int, str]] = field(default_factory=list)
    tracker: FaceTracker = field(default_factory=FaceTracker)
    detect_every: int = DETECT_EVERY  # 1: the detector on every frame
    detect_max_side: int | None = DETECT_MAX_SIDE  # None: the detector searches the full-size frame
    detections: int = 0  # frames the detector ran on (the others were followed by refits)
    _chosen: int | None = None  # the followed track, for "largest" and "index"
    _since_detection: int = 0

    def _targets(self, seen: list[_Track]) -> list[DetectedFace]:
        if self.selection == "all":
            return [t.face for t in seen]
        alive = {t.ident for t in self.tracker.tracks}
        if self._chosen not in alive:
            self._chosen = None
            chosen = select_faces([t.face for t in seen], selection=self.selection, index=self.index)
            if chosen:
                self._chosen = next(t.ident for t in seen if t.face is chosen[0])
        return [t.face for t in seen if t.ident == self._chosen]

    def _faces(self, frame: np.ndarray, *, cut: bool) -> tuple[list[DetectedFace], bool]:
        """This frame's faces, refitted from the followed tracks between detections (True), else detected."""
        followed = [t for t in self.tracker.tracks if t.missed == 0]
        if not cut and followed and self._since_detection + 1 < self.detect_every:
            refitted = [self.engine.refit(frame, t.face) for t in followed]
            if all(face is not None for face in refitted):
                self._since_detection += 1
                return [face for face in refitted if face is not None], True
        return self._detect(frame), False

    def _detect(self, frame: np.ndarray) -> list[DetectedFace]:
        self._since_detection = 0
        self.detections += 1
        return self.engine.detect_scaled(frame, max_side=self.detect_max_side)

    def replace_faces(self, frame: np.ndarray, frame_index: int) -> tuple[np.ndarray, list[Box]]:
        """The face stage: the frame with its target faces swapped, and the boxes of those targets."""
        cut = self.tracker.is_cut(frame)
        if cut:
            self._chosen = None
        before = copy.deepcopy(self.tracker.tracks), self.tracker._next
        faces, refitted = self._faces(frame, cut=cut)
        targets = self._targets(self.tracker.update(faces, cut=cut))
        if refitted and any(self.engine.swap_refusal(target=t, source=self.source) for t in targets):
            # A pose refused on a refit is not trusted: the detector decides (a turned head is left
            # untouched only when a detection says so too), from the tracks as they were.
            self.tracker.tracks, self.tracker._next = before
            targets = self._targets(self.tracker.update(self._detect(frame), cut=cut))
        swapped = []
        for target in targets:
            refusal = self.engine.swap_refusal(target=target, source=self.source)
            if refusal is not None:
                self.frames_untouched.append((frame_index, refusal))
                continue
            frame = self.engine.swap(frame, target=target, source=self.source)
            swapped.append(target)
        self.faces_replaced += len(swapped)
        self.frames_with_target += 1 if targets else 0
        return frame, [face.bbox for face in targets]

    def mark_frame(self, replaced: tuple[np.ndarray, list[Box]], frame_index: int) -> np.ndarray:
        """The provenance stage: label and watermark (separate, so a video runs it beside the next frame's faces)."""
        frame, boxes = replaced
        return self.mark(frame, frame_index, boxes)

    def stages(self) -> list[Callable[[Any, int], Any]]:
        """The two stages in order, for `render.video.transcode` to run side by side."""
        return [self.replace_faces, self.mark_frame]

    def __call__(self, frame: np.ndarray, frame_index: int) -> np.ndarray:
        return self.mark_frame(self.replace_faces(frame, frame_index), frame_index)


def read_image(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def write_image(frame: np.ndarray, path: Path, *, fmt: str, xmp: bytes | None = None) -> None:
    image = Image.fromarray(frame)
    if fmt == "jpeg":
        image.save(path, format="JPEG", quality=92, **({"xmp": xmp} if xmp else {}))
    elif fmt == "webp":
        image.save(path, format="WEBP", quality=92, **({"xmp": xmp} if xmp else {}))
    else:
        info = PngInfo()
        if xmp:
            info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"))
        image.save(path, format="PNG", pnginfo=info)
