"""Renders a studio would keep: the offline swap measured on real faces, against the targets of issue 18.

The actor is skimage's astronaut; the targets are Grace Hopper's portrait as a still, beside a
second person (the studio asks for the second face from the left), moving in a short clip, held
still under film grain (where detector jitter would flicker), and
with her head turned. Each output is measured with likeness/engines/quality.py, the same
functions `manage.py bench swap_quality` prints.
"""

from __future__ import annotations

import numpy as np
import pytest

from likeness.engines import get_engine
from likeness.engines.quality import ClipReport, measure
from render.swap_quality_bench import (
    FLICKER_LIMIT,
    IDENTITY_LIMIT,
    IDENTITY_SHARE,
    SEAM_LIMIT,
    SPILL_LIMIT,
    Case,
    actor_source,
    cases,
    run_after,
    run_before,
    turned_head,
)


@pytest.fixture(scope="module")
def engine():
    return get_engine("dlib")


@pytest.fixture(scope="module")
def actor(engine):
    return actor_source(engine)


def rendered(engine, actor, case: Case, run=run_after) -> ClipReport:
    outputs, boxes, untouched = run(engine, actor, case)
    return measure(
        engine, originals=case.frames, outputs=outputs, boxes=boxes, actor=actor.embedding, untouched=untouched
    )


@pytest.mark.parametrize("name", ["still", "two people, index 1", "moving clip", "held shot"])
def test_the_swap_is_her_without_a_seam_flicker_or_spill(engine, actor, name):
    case = next(c for c in cases(clip_frames=6) if c.name.startswith(name))
    report = rendered(engine, actor, case)
    assert report.swapped == len(case.frames)
    assert report.identity_share(IDENTITY_LIMIT) >= IDENTITY_SHARE, report.to_actor
    # And no longer the original person.
    assert min(report.to_original) > 0.35, report.to_original
    assert report.seam <= SEAM_LIMIT
    assert report.spill <= SPILL_LIMIT
    if len(case.frames) > 1:
        assert report.flicker <= FLICKER_LIMIT


def test_the_second_person_is_the_one_replaced_and_the_first_is_untouched(engine, actor):
    case = next(c for c in cases(clip_frames=1) if c.selection == "index")
    (output,), (box,), _ = run_after(engine, actor, case)
    assert box is not None and box[0] > case.frames[0].shape[1] / 2
    half = case.frames[0].shape[1] // 2
    assert np.array_equal(output[:, :half], case.frames[0][:, :half])


def test_unlike_the_old_ellipse_it_carries_no_hair_or_background(engine, actor):
    case = cases(clip_frames=1)[0]
    before = rendered(engine, actor, case, run=run_before)
    after = rendered(engine, actor, case)
    assert before.spill > 0.15  # the measure sees the old swap's hair and jaw patches
    assert after.spill < before.spill / 5


def test_a_turned_head_is_left_untouched_and_reported(engine, actor):
    frame = turned_head()
    outputs, boxes, untouched = run_after(engine, actor, Case("turned", [frame]))
    assert untouched == 1 and boxes == [None]
    assert np.array_equal(outputs[0], frame)
