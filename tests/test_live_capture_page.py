"""The live-capture page: an actor gets a challenge and uploads a recording; the verdict comes back
in her language. The page's script is a static file (no inline script, for a strict CSP).

Personas: an actor with enrolled photos (the astronaut), reading the site in English or Chinese;
an outsider who must not see her page.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from likeness.services import likeness_enrol
from tests import liveness_clips
from tests.factories import astronaut_photos, make_actor, make_persona

pytestmark = pytest.mark.django_db


def enrolled_actor():
    actor = make_actor("ada")
    actor.likeness = likeness_enrol(likeness=actor.likeness, photos=astronaut_photos(), actor=actor.user)
    return actor


def test_the_page_loads_its_script_from_a_file_and_speaks_chinese() -> None:
    actor = enrolled_actor()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(actor.user)
    page = client.get(f"/likenesses/{actor.likeness.pk}/live-capture/").content.decode()
    assert "证明是您本人" in page and "请把头转向您的左侧" in page  # "Prove it is you", "Turn your head to your left"
    assert "/static/web/liveness.js" in page and "<script>" not in page
    likeness_page = client.get(f"/likenesses/{actor.likeness.pk}/").content.decode()
    assert f"/likenesses/{actor.likeness.pk}/live-capture/" in likeness_page
    assert "制片方无法申请许可" in likeness_page  # "Studios cannot request licences until…"


def test_a_still_photo_recorded_on_the_page_gets_a_translated_refusal() -> None:
    actor = enrolled_actor()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(actor.user)
    challenge = client.post(f"/likenesses/{actor.likeness.pk}/live-capture/challenge/").json()
    assert challenge["sequence"][-1] == "hold"
    clip = SimpleUploadedFile("capture.webm", liveness_clips.still("astronaut"), content_type="video/webm")
    response = client.post(
        f"/likenesses/{actor.likeness.pk}/live-capture/clip/", {"challenge_id": challenge["id"], "clip": clip}
    )
    assert response.status_code == 400
    verdict = response.json()
    assert verdict["passed"] is False and verdict["code"] == "liveness_no_motion"
    assert "没有看到头部动作" in verdict["message"]  # "No head movement was seen"


def test_an_outsider_cannot_open_the_actors_live_capture() -> None:
    actor, outsider = enrolled_actor(), make_persona("outsider")
    client = Client()
    client.force_login(outsider.user)
    assert client.get(f"/likenesses/{actor.likeness.pk}/live-capture/").status_code == 404
    assert client.post(f"/likenesses/{actor.likeness.pk}/live-capture/challenge/").status_code == 404
