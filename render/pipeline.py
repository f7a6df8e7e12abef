"""The frame work of a render: find the target faces, swap them, mark the frame. No database.

`FrameRenderer` is called once per frame (a still is a one-frame video). It detects faces, picks
the ones the job asked for, swaps each with the engine, then hands the frame to the provenance
stage (`mark`), which labels and watermarks it. It counts the faces it replaced, so a job that
never found its target can say so instead of delivering an unchanged file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from likeness.engines.base import DetectedFace, FaceEngine, SwapSource

Box = tuple[float, float, float, float]
FrameMarker = Callable[[np.ndarray, int, Sequence[Box]], np.ndarray]


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


@dataclass
class FrameRenderer:
    engine: FaceEngine
    source: SwapSource
    selection: str
    index: int | None
    mark: FrameMarker
    faces_replaced: int = 0
    frames_with_target: int = 0

    def __call__(self, frame: np.ndarray, frame_index: int) -> np.ndarray:
        targets = select_faces(self.engine.detect(frame), selection=self.selection, index=self.index)
        for target in targets:
            frame = self.engine.swap(frame, target=target, source=self.source)
        self.faces_replaced += len(targets)
        self.frames_with_target += 1 if targets else 0
        return self.mark(frame, frame_index, [face.bbox for face in targets])


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
