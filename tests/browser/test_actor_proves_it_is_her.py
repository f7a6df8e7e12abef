"""Story: an actor enrols her face with three photos, then proves at the live-capture page that the
enrolled face is hers, with a camera.

Chromium's fake camera plays a generated clip of the astronaut turning left, right and up, then
holding still (likeness/liveness_samples.py, written as Y4M); the challenge is pinned to that order
for this story (the order is random in production). Her likeness page says what is missing and
leads her there; the page records the camera with MediaRecorder, uploads the WebM, and shows the
server's verdict; back on her likeness page nothing is missing any more. In English and in Chinese,
on a desktop and on a phone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from likeness.models import Likeness, LikenessStatus, LivenessChallenge
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Reader, assert_reads_in_language, shoot, sign_in
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


@pytest.fixture(scope="module")
def camera_browser(chromium: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Chromium whose camera plays the astronaut doing SEQUENCE (made once for every reader)."""
    from likeness.engines import get_engine
    from likeness.liveness_samples import FPS, genuine_frames, sample_faces

    frames = genuine_frames(get_engine("dlib"), sample_faces()["astronaut"], SEQUENCE)
    clip = tmp_path_factory.mktemp("camera") / "camera.y4m"
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
    yield browser
    browser.close()


@pytest.fixture
def camera_page(camera_browser: Any, live_server: Any, committed_db: None, reader: Reader) -> Iterator[Any]:
    """A page in that Chromium, in the reader's language and size."""
    context = camera_browser.new_context(
        base_url=live_server.url,
        viewport=reader.viewport,
        locale="zh-CN" if reader.language == "zh-hans" else "en-GB",
    )
    context.add_cookies([{"name": "django_language", "value": reader.language, "url": live_server.url}])
    context.grant_permissions(["camera"])
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def test_the_actor_records_the_challenge_and_the_page_shows_the_verdict(
    camera_page: Any, reader: Reader, monkeypatch: Any, tmp_path: Path
) -> None:
    t = reader.t
    monkeypatch.setattr("likeness.proof.new_sequence", lambda: list(SEQUENCE))
    actor = make_actor("ada")
    photos = []
    for photo in astronaut_photos():
        photos.append(tmp_path / photo.name)
        photos[-1].write_bytes(photo.data)
    page = camera_page
    sign_in(page, actor.user, reader)
    page.goto(f"/likenesses/{actor.likeness.pk}/")
    assert_reads_in_language(page, reader)
    page.get_by_label(t("Photos of your face")).set_input_files([str(path) for path in photos])
    page.get_by_role("button", name=t("Upload and enrol")).click()
    page.wait_for_url(f"**/likenesses/{actor.likeness.pk}/")
    assert page.get_by_text(t("Your likeness is enrolled. Each accepted photo is listed below.")).is_visible()
    assert Likeness.objects.get(pk=actor.likeness.pk).status == LikenessStatus.ENROLLED
    shoot(page, f"live-capture-{reader.name}", "0-enrolled")
    assert page.locator("#person-not-verified").is_visible()  # what is missing, and the way to it
    assert_reads_in_language(page, reader)
    page.locator("#person-not-verified").get_by_role("link", name=t("Live capture: prove it is you")).click()
    page.wait_for_url("**/live-capture/")
    assert_reads_in_language(page, reader)
    page.get_by_role("button", name=t("Start the live capture")).click()
    page.wait_for_selector("#liveness-verdict[data-code]", timeout=120_000)
    shoot(page, f"live-capture-{reader.name}", "1-verdict")
    code = page.locator("#liveness-verdict").get_attribute("data-code")
    verdict = page.locator("#liveness-verdict").inner_text()
    challenge = LivenessChallenge.objects.get(likeness=actor.likeness)
    assert challenge.outcome == code and challenge.clip_storage_name  # the clip reached the server and was checked
    assert code == "passed", verdict
    assert verdict.startswith(t("Passed: it is you. Your likeness can now be licensed, if you allow it."))
    assert_reads_in_language(page, reader)

    page.get_by_role("link", name=t("Back to the likeness")).click()
    page.wait_for_url(f"**/likenesses/{actor.likeness.pk}/")
    assert page.locator("#person-not-verified").count() == 0
    assert_reads_in_language(page, reader)
    shoot(page, f"live-capture-{reader.name}", "2-likeness-verified")
