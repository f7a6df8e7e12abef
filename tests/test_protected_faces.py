"""Protected faces: an admin registers a person's face on her own live capture; anyone who later
enrols that face gets a likeness frozen for review, which no studio can license.

Personas: the astronaut (a protected person: her likeness is not licensable, registered only to
protect her face); an admin who registers her, with her in front of the camera; an impostor who
later uploads public photos of her; a studio that asks for a licence.
"""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from config.errors import Conflict
from likeness.models import LikenessStatus, ProtectedFace
from likeness.services import likeness_create, likeness_enrol
from tests import liveness_clips
from tests.factories import astronaut_photos, make_actor, make_admin, make_persona

pytestmark = pytest.mark.django_db


def protected_person():
    person = make_actor("collins")
    person.likeness = likeness_create(
        owner=person.owner, display_name="Eileen's face (protected)", licensable=False, actor=person.user
    )
    person.likeness = likeness_enrol(likeness=person.likeness, photos=astronaut_photos(), actor=person.user)
    return person


def register(admin, likeness_id, face: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = admin.client()
    issued = client.post(f"/api/v1/likenesses/{likeness_id}/protection/challenges/")
    assert issued.status_code == 201, issued.content
    clip = liveness_clips.genuine(face, tuple(issued.json()["sequence"]))
    return client.post(
        f"/api/v1/likenesses/{likeness_id}/protection/",
        {"challenge_id": issued.json()["id"], "clip": SimpleUploadedFile("p.webm", clip, content_type="video/webm")},
        format="multipart",
    )


def test_a_protected_face_enrolled_later_by_someone_else_is_frozen_and_cannot_be_licensed():
    from licensing.lifecycle import license_request
    from likeness.liveness_samples import mark_person_verified_for_fixtures
    from tests.factories import grant_adaptation, license_terms, make_rights_holder, make_studio, make_work

    person, admin = protected_person(), make_admin()
    response = register(admin, person.likeness.pk, "astronaut")
    assert response.status_code == 201, response.content
    assert response.json()["protected"] is True
    assert ProtectedFace.objects.get(likeness=person.likeness).registered_by == admin.user
    assert AuditEntry.objects.filter(action="likeness.protected", target_id=str(person.likeness.pk)).exists()

    impostor = make_actor("impostor")
    impostor.likeness = likeness_enrol(likeness=impostor.likeness, photos=astronaut_photos(), actor=impostor.user)
    assert impostor.likeness.status == LikenessStatus.FROZEN
    mark_person_verified_for_fixtures(impostor.likeness)  # even a passed capture would not open it
    holder, studio = make_rights_holder(), make_studio()
    work = make_work(holder)
    grant_adaptation(work, holder=holder, studio=studio)
    with pytest.raises(Conflict) as refused:
        license_request(
            studio=studio.organisation, likeness_id=impostor.likeness.pk, terms=license_terms([work]), actor=studio.user
        )
    assert refused.value.code == "likeness_not_licensable"


def test_the_admin_cannot_register_a_face_on_someone_elses_recording():
    person, admin = protected_person(), make_admin()
    response = register(admin, person.likeness.pk, "hopper")
    assert response.status_code == 400 and response.json()["error"]["code"] == "liveness_face_mismatch"
    assert not ProtectedFace.objects.filter(likeness=person.likeness).exists()


def test_only_admins_register_protected_faces_and_only_not_licensable_likenesses():
    person = protected_person()
    own = person.client().post(f"/api/v1/likenesses/{person.likeness.pk}/protection/challenges/")
    assert own.status_code == 404
    outsider = make_persona("outsider")
    assert outsider.client().post(f"/api/v1/likenesses/{person.likeness.pk}/protection/challenges/").status_code == 404
    actor = make_actor("bob")
    actor.likeness = likeness_enrol(likeness=actor.likeness, photos=astronaut_photos()[:1], actor=actor.user)
    response = make_admin().client().post(f"/api/v1/likenesses/{actor.likeness.pk}/protection/challenges/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_protectable"
