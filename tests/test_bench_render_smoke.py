"""`bench render` times the real per-frame path and leaves the engine as it found it.

(`python manage.py bench render --smoke` runs every measurement small, in CI's smoke step; this test
checks the frames/s measurement itself on a clip of ten small frames, in a second or two.)
"""

from __future__ import annotations

from likeness.engines.base import SwapSource, get_engine
from tools.render_bench import DET_SIZE, FACE_CALLS, render_throughput
from tools.sample_media import astronaut, write_moving_clip


def test_the_frames_per_second_figure_counts_every_frame_and_times_detect_swap_and_mark(tmp_path):
    clip = tmp_path / "clip.mp4"
    write_moving_clip(clip, width=320, height=180, fps=25, seconds=0.4, marker_det_size=DET_SIZE)
    engine = get_engine("dlib")
    face = astronaut()
    found = engine.detect(face)[0]
    source = SwapSource(image=face, face=found, embedding=engine.embed(face, found))

    baseline = render_throughput(clip=clip, engine=None, source=None, label="copy-through")
    measured = render_throughput(clip=clip, engine=engine, source=source, label="dlib", repeat=2)

    assert baseline.frames == measured.frames == 10
    assert len(measured.seconds) == 2 and measured.fps > 0 and baseline.fps > 0
    assert measured.faces_replaced == 10  # Hopper's face is found in every frame
    assert measured.detect_ms > 0 and measured.swap_ms > 0 and measured.mark_ms > 0
    assert not set(FACE_CALLS) & set(vars(engine))  # the timing wrappers are gone
