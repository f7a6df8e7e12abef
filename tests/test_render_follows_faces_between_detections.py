"""Between detections the renderer follows faces by refitting their landmarks; the detector runs on a schedule.

dlib's HOG detector costs hundreds of milliseconds on a 720p frame, its landmarker about one. So
the renderer runs the detector on a shot's first frame, every `DETECT_EVERY` frames, on every cut
and whenever a refit loses its face, on a copy of the frame shrunk to `DETECT_MAX_SIDE`, and in
between asks the engine to refit each followed face near where it was.
Persona: a studio renders a clip of one actor walking across the frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from likeness.engines import get_engine
from likeness.engines.base import DetectedFace, SwapSource
from render.pipeline import DETECT_EVERY, DETECT_MAX_SIDE, FrameRenderer
from tests.test_frame_renderer_follows_faces import ScriptedEngine, face_at, scene
from tools.sample_media import moving_portrait_frames

Box = tuple[float, float, float, float]


class RefittingEngine(ScriptedEngine):
    """The scripted detector, plus a refit that moves the face 3 pixels right (or loses it when told)."""

    def __init__(self, script: Sequence[list[DetectedFace]], *, lose_at: frozenset[int] = frozenset()) -> None:
        super().__init__(script)
        self.frame = -1
        self.detected_on: list[int] = []
        self.refitted_on: list[int] = []
        self.max_sides: list[int | None] = []
        self.lose_at = lose_at

    def detect_scaled(self, image: np.ndarray, *, max_side: int | None) -> list[DetectedFace]:
        self.detected_on.append(self.frame)
        self.max_sides.append(max_side)
        self.calls = self.frame
        return self.detect(image)

    def refit(self, image: np.ndarray, face: DetectedFace) -> DetectedFace | None:
        self.refitted_on.append(self.frame)
        if self.frame in self.lose_at:
            return None
        x1, y1, x2, y2 = face.bbox
        return DetectedFace(
            bbox=(x1 + 3, y1, x2 + 3, y2), landmarks=face.landmarks + np.array([3, 0], dtype=np.float32), score=1.0
        )


def render(engine: RefittingEngine, frames: list[np.ndarray]) -> FrameRenderer:
    source = SwapSource(image=np.zeros((8, 8, 3), np.uint8), face=face_at(4, 4), embedding=np.ones(2, np.float32))

    def mark(frame: np.ndarray, frame_index: int, faces: Sequence[Box]) -> np.ndarray:
        return frame

    renderer = FrameRenderer(engine=engine, source=source, selection="largest", index=None, mark=mark)
    for i, frame in enumerate(frames):
        engine.frame = i
        renderer(frame, i)
    return renderer


def test_the_detector_runs_on_a_schedule_and_refits_follow_the_face_between():
    frames = 2 * DETECT_EVERY + 1
    engine = RefittingEngine([[face_at(100 + 3 * i)] for i in range(frames)])
    renderer = render(engine, [scene()] * frames)
    assert engine.detected_on == [0, DETECT_EVERY, 2 * DETECT_EVERY]
    assert engine.max_sides == [DETECT_MAX_SIDE] * 3
    assert renderer.detections == 3 and renderer.faces_replaced == frames
    # The refitted face is the one swapped: it moves 3 pixels a frame, as the script's detections do.
    centres = [face.bbox[0] + face.width / 2 for _, face in engine.swapped]
    assert np.allclose(np.diff(centres), 3.0, atol=0.5)


def test_a_cut_and_a_lost_face_call_the_detector_at_once():
    engine = RefittingEngine([[face_at(300)]] * 6, lose_at=frozenset({4}))
    frames = [scene(90), scene(90), scene(220), scene(220), scene(220), scene(220)]
    render(engine, frames)
    assert engine.detected_on == [0, 2, 4]  # the first frame, the cut, the refit that lost the face
    assert engine.refitted_on == [1, 3, 4, 5]


@pytest.fixture(scope="module")
def walking_actor() -> list[np.ndarray]:
    return list(moving_portrait_frames(width=1280, height=720, fps=25, seconds=0.24))


def test_dlib_finds_the_face_of_a_720p_frame_shrunk_to_the_detection_size(walking_actor):
    engine = get_engine("dlib")
    frame = walking_actor[0]
    (full,) = engine.detect(frame)
    (shrunk,) = engine.detect_scaled(frame, max_side=DETECT_MAX_SIDE)
    # Landmarks are fitted on the full-size frame, so they land where full-size detection puts them.
    eye_distance = float(np.linalg.norm(full.landmarks[1] - full.landmarks[0]))
    assert np.abs(shrunk.landmarks - full.landmarks).max() < 0.05 * eye_distance


def test_dlib_refits_follow_the_moving_face_as_closely_as_fresh_detections(walking_actor):
    engine = get_engine("dlib")
    (face,) = engine.detect_scaled(walking_actor[0], max_side=DETECT_MAX_SIDE)
    for frame in walking_actor[1:]:
        refitted = engine.refit(frame, face)
        assert refitted is not None
        (detected,) = engine.detect_scaled(frame, max_side=DETECT_MAX_SIDE)
        eye_distance = float(np.linalg.norm(detected.landmarks[1] - detected.landmarks[0]))
        assert np.abs(refitted.landmarks - detected.landmarks).max() < 0.05 * eye_distance
        face = refitted
    # Off the face (a blank frame) the refit says so, and the renderer falls back on the detector.
    assert engine.refit(np.full_like(walking_actor[0], 30), face) is None


class DoubtfulRefits(RefittingEngine):
    """Its refits come back turned away (score -1 marks them); its detections are frontal."""

    def refit(self, image: np.ndarray, face: DetectedFace) -> DetectedFace | None:
        refitted = super().refit(image, face)
        return None if refitted is None else DetectedFace(bbox=refitted.bbox, landmarks=refitted.landmarks, score=-1.0)

    def swap_refusal(self, *, target: DetectedFace, source: SwapSource) -> str | None:
        return "yaw" if target.score < 0 else None


def test_a_pose_refused_on_a_refit_is_decided_by_the_detector():
    engine = DoubtfulRefits([[face_at(300 + i)] for i in range(3)])
    renderer = render(engine, [scene()] * 3)
    assert engine.refitted_on == [1, 2] and engine.detected_on == [0, 1, 2]
    assert renderer.frames_untouched == [] and renderer.faces_replaced == 3
