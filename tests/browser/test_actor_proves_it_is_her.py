"""Story: an actor proves at the live-capture page that the enrolled face is hers, with a camera.

Chromium's fake camera plays a generated clip of the astronaut turning left, right and up, then
holding still (likeness/liveness_samples.py, written as Y4M); the challenge is pinned to that order
for this story (the order is random in production). The page records the camera with
MediaRecorder, uploads the WebM, and shows the server's verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from likeness.models import LivenessChallenge
from likeness.services import likeness_enrol
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, shoot, sign_in
from tests.factories import astronaut_photos, make_actor

pytestmark = pytest.mark.browser

SEQUENCE = ["left", "right", "up", "hold"]


def write_y4m(path: Path, frames: list[np.ndarray], fps: int) -> None:
    height, width = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())


@pytest.fixture
def camera_page(chromium: Any, live_server: Any, committed_db: None, tmp_path: Path) -> Iterator[Any]:
    """A page in a Chromium whose camera plays the astronaut doing SEQUENCE."""
    from likeness.engines import get_engine
    from likeness.liveness_samples import FPS, genuine_frames, sample_faces

    frames = genuine_frames(get_engine("dlib"), sample_faces()["astronaut"], SEQUENCE)
    clip = tmp_path / "camera.y4m"
    write_y4m(clip, frames + [frames[-1]] * FPS * 3, FPS)
    browser = chromium.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ],
    )
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1100, "height": 900})
    context.grant_permissions(["camera"])
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()
    browser.close()


def test_the_actor_records_the_challenge_and_the_page_shows_the_verdict(camera_page: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("likeness.proof.new_sequence", lambda: list(SEQUENCE))
    actor = make_actor("ada")
    likeness_enrol(likeness=actor.likeness, photos=astronaut_photos(), actor=actor.user)
    page = camera_page
    sign_in(page, actor.user)
    page.goto(f"/likenesses/{actor.likeness.pk}/live-capture/")
    page.get_by_role("button", name="Start the live capture").click()
    page.wait_for_selector("#liveness-verdict[data-code]", timeout=120_000)
    shoot(page, "live-capture", "1-verdict")
    code = page.locator("#liveness-verdict").get_attribute("data-code")
    verdict = page.locator("#liveness-verdict").inner_text()
    challenge = LivenessChallenge.objects.get(likeness=actor.likeness)
    assert challenge.outcome == code and challenge.clip_storage_name  # the clip reached the server and was checked
    assert code == "passed", verdict
    assert verdict.startswith("Passed: it is you.")
