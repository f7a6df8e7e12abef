"""The renderer follows the face a studio chose, steadies it, starts afresh on a cut, and never pastes a refused pose.

A scripted engine stands in for the detector: each frame's faces are given, its swap paints the
target's box and records the landmarks it was handed, and it refuses any face it is told to.
Persona: a studio renders a two-person scene and asked for the second face from the left.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from likeness.engines.base import DetectedFace, FaceEngine, SwapSource
from render.pipeline import FrameRenderer

Box = tuple[float, float, float, float]


def face_at(x: float, y: float = 100.0, *, width: float = 80.0, jitter: float = 0.0, seed: int = 0) -> DetectedFace:
    rng = np.random.default_rng(seed)
    eye = width * 0.3
    points = np.array(
        [[x - eye / 2, y - 10], [x + eye / 2, y - 10], [x, y + 5], [x - eye / 3, y + 20], [x + eye / 3, y + 20]]
    )
    points = points + rng.normal(0.0, jitter, points.shape)
    return DetectedFace(
        bbox=(x - width / 2, y - width / 2, x + width / 2, y + width / 2),
        landmarks=points.astype(np.float32),
        score=1.0,
    )


class ScriptedEngine(FaceEngine):
    name = "scripted"
    embedding_dim = 2
    match_distance = 0.5

    def __init__(self, script: Sequence[list[DetectedFace]], refuse_frames: frozenset[int] = frozenset()) -> None:
        self.script = list(script)
        self.calls = 0
        self.refuse_frames = refuse_frames
        self.swapped: list[tuple[int, DetectedFace]] = []

    def detect(self, image: np.ndarray) -> list[DetectedFace]:
        faces = self.script[self.calls]
        self.calls += 1
        return faces

    def embed(self, image: np.ndarray, face: DetectedFace) -> np.ndarray:
        return np.array([1.0, 0.0], dtype=np.float32)

    def model_info(self) -> dict[str, str]:
        return {}

    def swap(self, image: np.ndarray, *, target: DetectedFace, source: SwapSource) -> np.ndarray:
        self.swapped.append((self.calls - 1, target))
        out = image.copy()
        x1, y1, x2, y2 = (int(v) for v in target.bbox)
        out[y1:y2, x1:x2] = 255
        return out

    def swap_refusal(self, *, target: DetectedFace, source: SwapSource) -> str | None:
        return "yaw" if self.calls - 1 in self.refuse_frames else None


def renderer_for(engine: ScriptedEngine, *, selection: str = "index", index: int | None = 1) -> FrameRenderer:
    source = SwapSource(image=np.zeros((8, 8, 3), np.uint8), face=face_at(4, 4), embedding=np.ones(2, np.float32))

    def mark(frame: np.ndarray, frame_index: int, faces: Sequence[Box]) -> np.ndarray:
        return frame

    return FrameRenderer(engine=engine, source=source, selection=selection, index=index, mark=mark)


def scene(value: int = 90) -> np.ndarray:
    return np.full((240, 640, 3), value, dtype=np.uint8)


def test_the_second_person_stays_chosen_when_someone_enters_on_the_left():
    two = [face_at(300), face_at(450)]
    three = [face_at(120), face_at(305), face_at(455)]
    engine = ScriptedEngine([two, two, three, three])
    renderer = renderer_for(engine)
    for i in range(4):
        renderer(scene(), i)
    centres = [round(face.bbox[0] + face.width / 2) for _, face in engine.swapped]
    # Per-frame "second from the left" would jump to the face at 305 once the newcomer arrives.
    assert centres == [450, 450, 455, 455]
    assert renderer.faces_replaced == 4


def test_a_cut_chooses_afresh():
    engine = ScriptedEngine([[face_at(300), face_at(450)], [face_at(120), face_at(300), face_at(450)]])
    renderer = renderer_for(engine)
    renderer(scene(40), 0)
    renderer(scene(220), 1)  # the whole picture changes: a new shot
    centres = [round(face.bbox[0] + face.width / 2) for _, face in engine.swapped]
    assert centres == [450, 300]


def test_a_still_face_s_landmarks_are_steadied_against_detector_jitter():
    frames = 30
    raw = [face_at(320, jitter=1.5, seed=i) for i in range(frames)]
    engine = ScriptedEngine([[face] for face in raw])
    renderer = renderer_for(engine, selection="largest", index=None)
    for i in range(frames):
        renderer(scene(), i)
    handed = np.stack([face.landmarks for _, face in engine.swapped])
    detected = np.stack([face.landmarks for face in raw])
    raw_motion = np.abs(np.diff(detected, axis=0)).mean()
    smoothed_motion = np.abs(np.diff(handed, axis=0)).mean()
    assert smoothed_motion < 0.6 * raw_motion


def test_a_moving_face_is_followed_without_lag():
    faces = [face_at(100 + 12 * i) for i in range(10)]
    engine = ScriptedEngine([[face] for face in faces])
    renderer = renderer_for(engine, selection="largest", index=None)
    for i in range(10):
        renderer(scene(), i)
    last_handed = engine.swapped[-1][1].landmarks
    assert np.abs(last_handed - faces[-1].landmarks).max() < 2.0


def test_a_refused_pose_is_left_untouched_and_listed_per_frame():
    # The same person, who turns away in frames 1 and 2.
    engine = ScriptedEngine([[face_at(320)], [face_at(322)], [face_at(324)]], refuse_frames=frozenset({1, 2}))
    renderer = renderer_for(engine, selection="largest", index=None)
    outputs = [renderer(scene(), i) for i in range(3)]
    assert renderer.frames_untouched == [(1, "yaw"), (2, "yaw")]
    assert renderer.faces_replaced == 1
    assert outputs[0].max() == 255
    assert (outputs[1] == scene()).all() and (outputs[2] == scene()).all()
