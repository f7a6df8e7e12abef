"""A frozen enrolment says what happened and what comes next; an admin reviews frozen enrolments on
a staff page (approve as the same person, or reject); the owner reads the outcome on her likeness
page and in her inbox, and the decision is audited.

Personas: Ada enrolled first; Twin enrols the same face again; an admin reviews; an outsider and
Twin herself cannot.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from accounts.notifications import notification_text, notifications_of
from audit.models import AuditEntry
from likeness.models import Likeness, LikenessStatus
from likeness.services import likeness_enrol, likeness_review
from tests.factories import astronaut_photos, make_actor, make_admin, make_enrolled_actor, make_persona

pytestmark = pytest.mark.django_db


def test_a_frozen_enrolment_is_explained_reviewed_by_an_admin_and_its_outcome_shown(client):
    ada = make_enrolled_actor("ada")
    twin, impostor = make_actor("twin"), make_actor("impostor")
    photo = astronaut_photos()[0]
    client.force_login(twin.user)
    enrolled = client.post(
        f"/likenesses/{twin.likeness.pk}/enrol/",
        {"photos": [SimpleUploadedFile(photo.name, photo.data, content_type="image/png")]},
        follow=True,
    )
    page = enrolled.content.decode()
    assert Likeness.objects.get(pk=twin.likeness.pk).status == LikenessStatus.FROZEN
    assert "Your likeness is enrolled" not in page
    assert "Held for review: not enrolled yet" in page
    assert "If it is not the same person, they reject it" in page
    likeness_enrol(likeness=impostor.likeness, photos=[photo], actor=impostor.user)

    for someone in (make_persona("outsider").user, twin.user):
        client.force_login(someone)
        assert client.get("/staff/enrolments/").status_code == 404
        assert client.post(f"/staff/enrolments/{twin.likeness.pk}/", {"decision": "approve"}).status_code == 404
    assert Likeness.objects.get(pk=twin.likeness.pk).status == LikenessStatus.FROZEN

    admin = make_admin()
    client.force_login(admin.user)
    review = client.get("/staff/enrolments/").content.decode()
    assert escape(twin.likeness.display_name) in review and escape(impostor.likeness.display_name) in review
    assert escape(ada.likeness.display_name) in review, "each frozen likeness shows the likeness it matched"
    client.post(f"/staff/enrolments/{twin.likeness.pk}/", {"decision": "approve"})
    client.post(f"/staff/enrolments/{impostor.likeness.pk}/", {"decision": "reject"})
    assert Likeness.objects.get(pk=twin.likeness.pk).status == LikenessStatus.ENROLLED
    assert Likeness.objects.get(pk=impostor.likeness.pk).status == LikenessStatus.ERASED
    decisions = {
        e.target_id: e.data["decision"] for e in AuditEntry.objects.filter(action="likeness.reviewed", actor=admin.user)
    }
    assert decisions == {str(twin.likeness.pk): "approve", str(impostor.likeness.pk): "reject"}
    assert "No enrolment is waiting for review." in client.get("/staff/enrolments/").content.decode()

    client.force_login(twin.user)
    assert "reviewed your enrolment and approved it" in client.get(f"/likenesses/{twin.likeness.pk}/").content.decode()
    client.force_login(impostor.user)
    assert (
        "reviewed your enrolment and rejected it" in client.get(f"/likenesses/{impostor.likeness.pk}/").content.decode()
    )


def test_the_owner_hears_of_the_decision_in_her_inbox(django_capture_on_commit_callbacks):
    make_enrolled_actor("ada")
    twin, impostor = make_actor("twin"), make_actor("impostor")
    photo = astronaut_photos()[0]
    for person in (twin, impostor):
        likeness_enrol(likeness=person.likeness, photos=[photo], actor=person.user)
    admin = make_admin()
    with django_capture_on_commit_callbacks(execute=True):
        likeness_review(likeness=Likeness.objects.get(pk=twin.likeness.pk), approve=True, actor=admin.user)
        likeness_review(likeness=Likeness.objects.get(pk=impostor.likeness.pk), approve=False, actor=admin.user)

    (approved,) = notifications_of(twin.user)
    assert approved.kind == "likeness.approved" and approved.link == f"/likenesses/{twin.likeness.pk}/"
    assert "approved it: your likeness is enrolled" in notification_text(approved)
    (rejected,) = notifications_of(impostor.user)
    assert rejected.kind == "likeness.rejected"
    assert "Your photos and face data were erased." in notification_text(rejected)
