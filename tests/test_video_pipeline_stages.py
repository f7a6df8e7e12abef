"""A video's steps run side by side (decode, each stage, encode), in order, and a failing step stops them all.

Persona: the render worker, whose face stage and provenance stage run in threads of their own.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from render.video import QUEUE_FRAMES, iter_frames, transcode, write_clip
from tests.test_video_streaming import moving_square


def two_stages(record: list[tuple[str, int, str]]):
    def faces(frame: np.ndarray, index: int) -> tuple[np.ndarray, int]:
        record.append(("faces", index, threading.current_thread().name))
        return 255 - frame, index

    def mark(item: tuple[np.ndarray, int], index: int) -> np.ndarray:
        frame, seen = item
        record.append(("mark", index, threading.current_thread().name))
        assert seen == index  # the item of this frame, not of another
        out = frame.copy()
        out[:8, :8] = 0
        return out

    return [faces, mark]


def test_stages_overlap_in_threads_and_every_frame_comes_out_in_order_as_a_serial_run_makes_it(tmp_path):
    source = tmp_path / "in.mp4"
    write_clip(source, moving_square(30), fps=25, audio_seconds=1.2)
    piped_record: list[tuple[str, int, str]] = []
    serial_record: list[tuple[str, int, str]] = []
    piped = transcode(source, tmp_path / "piped.mp4", transform=two_stages(piped_record))
    serial = transcode(source, tmp_path / "serial.mp4", transform=two_stages(serial_record), pipelined=False)
    assert piped == serial and piped.frames == 30 and piped.audio_packets > 0
    for stage in ("faces", "mark"):
        assert [i for name, i, _ in piped_record if name == stage] == list(range(30))
    # Each stage ran in a thread of its own; the serial run stayed in the caller's.
    assert {thread for name, _, thread in piped_record if name == "faces"}.isdisjoint(
        {thread for name, _, thread in piped_record if name == "mark"}
    )
    assert {thread for _, _, thread in serial_record} == {threading.current_thread().name}
    for a, b in zip(iter_frames(tmp_path / "piped.mp4"), iter_frames(tmp_path / "serial.mp4"), strict=True):
        assert np.array_equal(a, b)


def test_a_failing_stage_stops_the_render_and_its_error_reaches_the_caller(tmp_path):
    source = tmp_path / "in.mp4"
    write_clip(source, moving_square(60), fps=25)
    seen: list[int] = []

    def faces(frame: np.ndarray, index: int) -> np.ndarray:
        if index == 7:
            raise RuntimeError("engine broke on frame 7")
        return frame

    def mark(frame: np.ndarray, index: int) -> np.ndarray:
        seen.append(index)
        return frame

    before = threading.active_count()
    with pytest.raises(RuntimeError, match="frame 7"):
        transcode(source, tmp_path / "out.mp4", transform=[faces, mark])
    assert seen == list(range(7))  # nothing after the failure went on
    assert threading.active_count() == before  # every step's thread has ended


def test_a_slow_stage_holds_back_the_decoder_so_only_a_few_frames_are_ever_in_flight(tmp_path):
    source = tmp_path / "in.mp4"
    write_clip(source, moving_square(80), fps=25)
    decoded = [0]
    ahead: list[int] = []

    def fast(frame: np.ndarray, index: int) -> np.ndarray:
        decoded[0] = index + 1
        return frame

    def slow(frame: np.ndarray, index: int) -> np.ndarray:
        time.sleep(0.004)
        ahead.append(decoded[0] - index)
        return frame

    transcode(source, tmp_path / "out.mp4", transform=[fast, slow])
    # However long the video, the frames between the decoder and the slowest stage are bounded by
    # the queues (one queue between each pair of steps, plus the frame each step holds).
    assert len(ahead) == 80
    assert max(ahead) <= 2 * QUEUE_FRAMES + 3
    assert max(ahead) >= QUEUE_FRAMES  # and the fast steps did run ahead: they overlap the slow one
