"""Video flows frame by frame through a transform, with its soundtrack copied untouched."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from render.video import iter_frames, transcode, write_clip


def moving_square(frames: int, height: int = 120, width: int = 160):
    for i in range(frames):
        frame = np.full((height, width, 3), 40, np.uint8)
        frame[30:70, (i * 3) % 100 : (i * 3) % 100 + 40] = 220
        yield frame


def test_every_frame_passes_through_the_transform_and_audio_is_copied(tmp_path):
    source, target = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(source, moving_square(50), fps=25, audio_seconds=2.0)
    seen: list[int] = []
    stats = transcode(source, target, transform=lambda frame, index: (seen.append(index), 255 - frame)[1])
    assert stats.frames == 50 and seen == list(range(50))
    with av.open(str(source)) as original, av.open(str(target)) as rendered:
        assert rendered.streams.audio[0].codec_context.name == "aac"
        original_audio = [bytes(p) for p in original.demux(original.streams.audio[0]) if p.size]
        rendered_audio = [bytes(p) for p in rendered.demux(rendered.streams.audio[0]) if p.size]
        assert rendered_audio == original_audio, "the soundtrack is copied, not re-encoded"
    first_in, first_out = next(iter_frames(source)), next(iter_frames(target))
    assert abs(float(first_out.mean()) - (255 - float(first_in.mean()))) < 6


def test_progress_is_reported_and_can_stop_the_render(tmp_path):
    source = tmp_path / "in.mp4"
    write_clip(source, moving_square(40), fps=20)
    reports: list[tuple[int, int]] = []

    def stop_at_ten(done: int, total: int) -> None:
        reports.append((done, total))
        if done == 10:
            raise RuntimeError("licence revoked")

    with pytest.raises(RuntimeError, match="licence revoked"):
        transcode(source, tmp_path / "out.mp4", transform=lambda frame, _: frame, progress=stop_at_ten)
    assert reports[-1] == (10, 40)


def test_a_hard_frame_limit_holds_even_if_the_header_lies(tmp_path):
    source = tmp_path / "in.mp4"
    write_clip(source, moving_square(30), fps=25)
    with pytest.raises(ValueError, match="more than 20 frames"):
        transcode(source, tmp_path / "out.mp4", transform=lambda frame, _: frame, max_frames=20)


def test_odd_sizes_are_trimmed_to_what_yuv420p_can_hold(tmp_path):
    source = tmp_path / "odd.mp4"
    write_clip(source, moving_square(5, height=121, width=161), fps=25)
    stats = transcode(source, tmp_path / "out.mp4", transform=lambda frame, _: frame)
    assert (stats.width % 2, stats.height % 2) == (0, 0)
    assert Path(tmp_path / "out.mp4").stat().st_size > 0
