"""The invisible watermark on video: every frame marked, read back after H.264 by combining frames.

Clips are 2 s at 24 fps and 320x240 (the property does not depend on size; 720p is in the
benchmark), encoded with PyAV's libx264 at crf 23, yuv420p.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import numpy as np
import pytest

from render import watermark as wm
from tools.watermark_bench import h264_roundtrip, panning_clip, photos, texture

KEY = b"test-watermark-key"
MARK_ID = 0x0000_DEAD_BEEF
SIZE = {"height": 240, "width": 320}


@pytest.fixture(scope="module")
def clips() -> dict[str, list[np.ndarray]]:
    pics = photos()
    return {
        "astronaut-pan": panning_clip(pics["astronaut"], frames=48, speed=2.0, **SIZE),
        "coffee-still": panning_clip(pics["coffee"], frames=48, speed=0.0, seed=1, **SIZE),
        "texture-fast-pan": panning_clip(texture(seed=5, height=480, width=640), frames=48, speed=5.0, **SIZE),
    }


@pytest.fixture(scope="module")
def marked_h264(clips) -> dict[str, list[np.ndarray]]:
    marker = wm.watermarker_for(KEY)
    return {name: h264_roundtrip([marker.embed(f, MARK_ID) for f in clip]) for name, clip in clips.items()}


def test_the_mark_id_is_recovered_from_h264_crf23_video_by_combining_frames(marked_h264):
    for name, frames in marked_h264.items():
        result = wm.decode_video_frames(frames, key=KEY)
        assert (result.found, result.mark_id, result.frames) == (True, MARK_ID, 48), (name, result)


def test_an_h264_reencode_of_a_marked_video_still_carries_the_mark(marked_h264):
    again = h264_roundtrip(marked_h264["astronaut-pan"])
    assert wm.decode_video_frames(again, key=KEY).mark_id == MARK_ID


def test_unmarked_h264_video_is_reported_as_unmarked(clips):
    for name, clip in clips.items():
        assert not wm.decode_video_frames(h264_roundtrip(clip), key=KEY).found, name


def test_a_wrong_key_finds_nothing_in_marked_video(marked_h264):
    assert not wm.decode_video_frames(marked_h264["coffee-still"], key=b"another-key").found


def test_the_video_decoder_takes_a_stream_and_keeps_memory_flat(marked_h264):
    frames = marked_h264["astronaut-pan"]

    def stream(repeats: int) -> Iterator[np.ndarray]:
        for _ in range(repeats):
            yield from frames

    def peak(repeats: int) -> int:
        tracemalloc.start()
        wm.decode_video_frames(stream(repeats), key=KEY)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    short, long = peak(1), peak(3)
    assert long < short * 1.2


def test_an_empty_stream_is_reported_as_unmarked():
    result = wm.decode_video_frames(iter([]), key=KEY)
    assert (result.found, result.frames) == (False, 0)
