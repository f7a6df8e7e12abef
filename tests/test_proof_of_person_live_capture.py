"""Proof of person at enrolment: a likeness is open to licences only after its owner's live capture.

Personas: an actor who enrols photos of her face (the astronaut) and records the head-turn
challenge; a studio that asks for a licence. The clips are generated from the same face with
synthetic head turns (tests/liveness_clips.py).
"""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from likeness.models import LivenessChallenge
from likeness.services import likeness_enrol
from tests import liveness_clips
from tests.factories import astronaut_photos, make_actor, make_studio

pytestmark = pytest.mark.django_db


def enrolled_actor():
    actor = make_actor("ada")
    actor.likeness = likeness_enrol(likeness=actor.likeness, photos=astronaut_photos(), actor=actor.user)
    return actor


def request_licence(studio, likeness_id):
    from licensing.lifecycle import license_request
    from tests.factories import grant_adaptation, license_terms, make_rights_holder, make_work

    holder = make_rights_holder()
    work = make_work(holder)
    grant_adaptation(work, holder=holder, studio=studio)
    return license_request(
        studio=studio.organisation, likeness_id=likeness_id, terms=license_terms([work]), actor=studio.user
    )


def test_the_owner_passes_the_live_capture_and_only_then_studios_may_ask_for_licences(isolated_media):
    from config.errors import Conflict

    actor, studio = enrolled_actor(), make_studio()
    with pytest.raises(Conflict) as refused:
        request_licence(studio, actor.likeness.pk)
    assert refused.value.code == "likeness_not_licensable" and refused.value.detail["person_verified"] is False

    issued = liveness_clips.challenge(actor)
    assert issued["sequence"][-1] == "hold" and len(issued["sequence"]) == 4
    response = liveness_clips.submit(
        actor, issued["id"], liveness_clips.genuine("astronaut", tuple(issued["sequence"]))
    )
    assert response.status_code == 200, response.content
    assert response.json()["challenge"]["outcome"] == "passed"
    assert response.json()["likeness"]["person_verified"] is True

    license = request_licence(studio, actor.likeness.pk)
    assert license.likeness_id == actor.likeness.pk

    challenge = LivenessChallenge.objects.get(pk=issued["id"])
    stored = (isolated_media / challenge.clip_storage_name).read_bytes()
    assert stored and b"webm" not in stored[:64] and b"\x1a\x45\xdf\xa3" not in stored[:64]  # sealed, not a video
    entry = AuditEntry.objects.get(action="likeness.liveness_checked", target_id=str(actor.likeness.pk))
    assert entry.data["outcome"] == "passed" and entry.data["challenge_id"] == issued["id"]
    assert entry.data["engine"] == "dlib" and "dlib_face_recognition_resnet_model_v1.dat" in entry.data["models"]
    assert set(entry.data) <= {
        "challenge_id",
        "purpose",
        "outcome",
        "engine",
        "models",
        "turns_seen",
        "samples",
        "seconds",
    }


def test_erasing_the_likeness_shreds_the_stored_clip(isolated_media, django_capture_on_commit_callbacks):
    from likeness.services import likeness_erase

    actor = enrolled_actor()
    issued = liveness_clips.challenge(actor)
    clip = liveness_clips.still("astronaut")  # a refused clip is kept as evidence too
    assert liveness_clips.submit(actor, issued["id"], clip).status_code == 400
    name = LivenessChallenge.objects.get(pk=issued["id"]).clip_storage_name
    assert (isolated_media / name).exists()
    with django_capture_on_commit_callbacks(execute=True):
        likeness_erase(likeness=actor.likeness, actor=actor.user)
    assert not (isolated_media / name).exists()
    assert LivenessChallenge.objects.get(pk=issued["id"]).clip_storage_name == ""


def test_a_draft_without_photos_gets_no_challenge():
    actor = make_actor("bea")
    response = actor.client().post(f"/api/v1/likenesses/{actor.likeness.pk}/liveness/challenges/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "liveness_not_enrolled"
