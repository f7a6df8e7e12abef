"""A marked still or clip is still traced after what people do to reposted media (issue 20 part 6).

Each attack in the issue's list is applied to scikit-image's astronaut photo (public domain) at 720p
and to a short, slowly panning 720p clip of it, and the decoder, given only the received pixels (no hint of the
size or angle), must name the mark id. The rates over a hundred photos are in
`python manage.py bench watermark`.
"""

from __future__ import annotations

import numpy as np
import pytest

from render import watermark as wm
from render.verification import SCALES as VERIFICATION_SCALES
from tools.watermark_bench import (
    avif,
    crop_edges,
    decode_clip,
    encode_clip,
    fit,
    gif,
    gif_roundtrip,
    h264_roundtrip,
    jpeg,
    panning_clip,
    photos,
    resize,
    rotate,
    screenshot_png,
    webp,
)

KEY = b"test-watermark-key"
MARK_ID = 0x5EED_0F_C0FFEE


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return fit(photos()["astronaut"], height=720, width=1280)


@pytest.fixture(scope="module")
def marked_still(astronaut: np.ndarray) -> np.ndarray:
    return wm.watermarker_for(KEY).embed(astronaut, MARK_ID)


@pytest.fixture(scope="module")
def marked_clip() -> list[np.ndarray]:
    # A slow pan: H.264's motion-compensated blocks drag a screen-fixed mark along with a fast one,
    # which at crf 35 leaves too little of it (the bench's rows show the rate by pan speed).
    clip = panning_clip(photos()["astronaut"], frames=16, height=720, width=1280, speed=1.0)
    return [wm.watermarker_for(KEY).embed(frame, MARK_ID) for frame in clip]


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(lambda image: jpeg(image, quality=30), id="jpeg-q30"),
        pytest.param(webp, id="webp"),
        pytest.param(avif, id="avif"),
        pytest.param(gif, id="gif-palette"),
        pytest.param(screenshot_png, id="screenshot"),
        pytest.param(lambda image: resize(image, 0.5), id="half-size"),
        pytest.param(lambda image: resize(image, 0.33), id="resize-33-percent"),
        pytest.param(lambda image: resize(image, 0.25), id="resize-25-percent"),
        pytest.param(lambda image: crop_edges(image, fraction=0.25), id="crop-25-percent-per-side"),
        pytest.param(lambda image: rotate(image, 3.0), id="rotate-3-degrees"),
        pytest.param(lambda image: rotate(image, -5.0), id="rotate-minus-5-degrees"),
        pytest.param(lambda image: jpeg(resize(rotate(image, 5.0), 0.5)), id="rotate-5-half-size-jpeg"),
        pytest.param(lambda image: h264_roundtrip([image], crf=35)[0], id="h264-crf35-single-frame"),
    ],
)
def test_a_reposted_still_still_names_its_mark(marked_still, attack):
    result = wm.decode_image(attack(marked_still), key=KEY)
    assert (result.found, result.mark_id) == (True, MARK_ID), result


def test_the_decoder_reports_the_rotation_and_scale_it_undid(marked_still):
    result = wm.decode_image(resize(rotate(marked_still, 4.0), 0.5), key=KEY)
    assert result.mark_id == MARK_ID
    assert abs(abs(result.angle) - 4.0) < 0.3
    assert abs(result.scale - 2.0) < 0.05


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(lambda clip: h264_roundtrip(clip, crf=28), id="h264-crf28"),
        pytest.param(lambda clip: h264_roundtrip(clip, crf=35), id="h264-crf35"),
        pytest.param(lambda clip: decode_clip(encode_clip(clip, container="mov", crf=28)), id="mov"),
        pytest.param(
            lambda clip: decode_clip(encode_clip(clip, container="webm", codec="libvpx-vp9", crf=35)), id="webm-vp9"
        ),
        pytest.param(lambda clip: h264_roundtrip(clip[::2], crf=28, fps=12), id="15-fps"),
        pytest.param(gif_roundtrip, id="animated-gif"),
        pytest.param(lambda clip: h264_roundtrip([rotate(f, 5.0) for f in clip], crf=28), id="rotate-5-degrees"),
        pytest.param(lambda clip: h264_roundtrip([resize(f, 0.5) for f in clip], crf=28), id="half-size"),
    ],
)
def test_a_reposted_clip_still_names_its_mark(marked_clip, attack):
    result = wm.decode_video_frames(attack(marked_clip), key=KEY)
    assert (result.found, result.mark_id) == (True, MARK_ID), result


def test_without_the_search_a_rotated_copy_is_not_read(marked_still):
    """The geometry search is what reads it: the plain fold at the received size does not."""
    rotated = rotate(marked_still, 5.0)
    assert not wm.watermarker_for(KEY).decode(rotated, search=False).found
    assert wm.watermarker_for(KEY).decode(rotated, search=True).mark_id == MARK_ID


def test_a_half_size_h264_copy_of_a_panning_shot_is_read_at_the_scales_verification_tries():
    """Half size is tried directly: in this copy the lattice search alone finds the pan's streaks, not the grid."""
    pan = panning_clip(photos()["coffee"], frames=48, height=720, width=1280, speed=1.5, seed=1)
    copy = h264_roundtrip([wm.watermarker_for(KEY).embed(frame, MARK_ID) for frame in pan], crf=28, scale=0.5)
    assert not wm.decode_video_frames(copy, key=KEY, scales=(1.0,)).found
    result = wm.decode_video_frames(copy, key=KEY, scales=VERIFICATION_SCALES)
    assert (result.found, result.mark_id, result.scale) == (True, MARK_ID, 2.0), result


def test_a_quarter_size_copy_of_grass_is_read_at_the_scales_verification_tries():
    """Quarter size is tried directly: grass repeats enough that the lattice search alone loses the grid."""
    grass = fit(photos()["grass"], height=720, width=1280)
    copy = resize(wm.watermarker_for(KEY).embed(grass, MARK_ID), 0.25)
    assert not wm.decode_image(copy, key=KEY).found
    result = wm.decode_image(copy, key=KEY, scales=VERIFICATION_SCALES)
    assert (result.found, result.mark_id, result.scale) == (True, MARK_ID, 4.0), result
