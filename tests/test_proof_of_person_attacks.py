"""Attacks on the live capture, each refused through the API with its own reason code.

Personas: an impostor who enrolled two public photos of a film star (the astronaut) and now tries
to pass the live capture without being her: a printed photo waved at the camera, the right face
turning in the wrong order, a clip that passed before, his own face, a clip older than the
challenge, a challenge that expired or was already used, and bytes that are no video.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from audit.models import AuditEntry
from likeness.models import LivenessChallenge
from likeness.services import likeness_enrol
from tests import liveness_clips
from tests.factories import astronaut_photos, make_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def impostor():
    actor = make_actor("impostor")
    actor.likeness = likeness_enrol(likeness=actor.likeness, photos=astronaut_photos(), actor=actor.user)
    return actor


def refused(response, code: str) -> dict:
    assert response.status_code in (400, 404, 409), response.content
    error = response.json()["error"]
    assert error["code"] == code, error
    return dict(error)


def assert_not_verified(actor) -> None:
    response = actor.client().get(f"/api/v1/likenesses/{actor.likeness.pk}/")
    assert response.json()["person_verified"] is False


def test_a_printed_photo_moved_in_front_of_the_camera_shows_no_head_turn(impostor):
    issued = liveness_clips.challenge(impostor)
    refused(liveness_clips.submit(impostor, issued["id"], liveness_clips.still("astronaut")), "liveness_no_motion")
    assert_not_verified(impostor)
    entry = AuditEntry.objects.filter(action="likeness.liveness_checked", target_id=str(impostor.likeness.pk)).get()
    assert entry.data["outcome"] == "liveness_no_motion"


def test_the_right_face_turning_in_the_wrong_order_is_refused(impostor):
    issued = liveness_clips.challenge(impostor)
    order = liveness_clips.wrong_order(issued["sequence"])
    error = refused(
        liveness_clips.submit(impostor, issued["id"], liveness_clips.genuine("astronaut", order)),
        "liveness_wrong_order",
    )
    assert error["detail"]["seen"] == list(order[:-1])
    assert_not_verified(impostor)


def test_another_face_doing_the_right_moves_does_not_match_the_enrolment_photos(impostor):
    issued = liveness_clips.challenge(impostor)
    clip = liveness_clips.genuine("hopper", tuple(issued["sequence"]))
    refused(liveness_clips.submit(impostor, issued["id"], clip), "liveness_face_mismatch")
    assert_not_verified(impostor)


def test_a_clip_that_passed_before_is_refused_as_a_replay_even_for_its_own_order(impostor):
    first = liveness_clips.challenge(impostor)
    clip = liveness_clips.genuine("astronaut", tuple(first["sequence"]))
    assert liveness_clips.submit(impostor, first["id"], clip).status_code == 200
    second = liveness_clips.challenge(impostor)
    refused(liveness_clips.submit(impostor, second["id"], clip), "liveness_replayed")
    assert LivenessChallenge.objects.get(pk=second["id"]).outcome == "liveness_replayed"


def test_a_clip_recorded_before_the_challenge_was_issued_is_not_fresh(impostor):
    issued = liveness_clips.challenge(impostor)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    clip = liveness_clips.genuine("astronaut", tuple(issued["sequence"]), "mp4", yesterday)
    refused(liveness_clips.submit(impostor, issued["id"], clip, name="old.mp4"), "liveness_not_fresh")
    assert_not_verified(impostor)


def test_an_expired_challenge_is_refused_and_a_used_one_cannot_be_tried_again(impostor, clock):
    issued = liveness_clips.challenge(impostor)
    clock.advance(seconds=121)
    refused(liveness_clips.submit(impostor, issued["id"], b"not even read"), "liveness_challenge_expired")
    assert LivenessChallenge.objects.get(pk=issued["id"]).used_at is None

    fresh = liveness_clips.challenge(impostor)
    refused(liveness_clips.submit(impostor, fresh["id"], b"\x00" * 2048), "liveness_unreadable_clip")
    refused(liveness_clips.submit(impostor, fresh["id"], b"\x01" * 2048), "liveness_challenge_used")


def test_someone_else_cannot_use_or_see_the_impostors_challenges(impostor):
    from tests.factories import make_persona

    issued = liveness_clips.challenge(impostor)
    outsider = make_persona("outsider")
    response = outsider.client().post(
        f"/api/v1/likenesses/{impostor.likeness.pk}/liveness/", {"challenge_id": issued["id"]}, format="multipart"
    )
    assert response.status_code == 404
