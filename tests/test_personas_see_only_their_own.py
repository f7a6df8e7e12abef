"""Object-level access through the API.

Personas:
- an actor (likeness owner): sees their own likenesses, none of the others';
- a studio member: sees their studio, not another studio;
- an outsider with a valid token: sees nothing and may read no audit entry;
- an auditor: reads the audit trail, but not likenesses or organisations;
- an admin: sees everything.
Someone else's object answers 404, never 403, so ids do not reveal what exists.
"""

from __future__ import annotations

import pytest

from tests.factories import make_actor, make_admin, make_auditor, make_persona, make_rights_holder, make_studio

pytestmark = pytest.mark.django_db


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_each_persona_reports_its_roles():
    actor, studio, rights_holder = make_actor(), make_studio(), make_rights_holder()
    auditor, admin, outsider = make_auditor(), make_admin(), make_persona("outsider")
    assert actor.client().get("/api/v1/me/").json()["roles"] == ["owner"]
    assert studio.client().get("/api/v1/me/").json()["roles"] == ["studio_member"]
    assert rights_holder.client().get("/api/v1/me/").json()["roles"] == ["rights_holder_member"]
    assert auditor.client().get("/api/v1/me/").json()["roles"] == ["auditor"]
    assert admin.client().get("/api/v1/me/").json()["roles"] == ["admin"]
    assert outsider.client().get("/api/v1/me/").json()["roles"] == []


def test_an_actor_sees_only_their_own_likenesses():
    actor, other_actor = make_actor("actor"), make_actor("other")
    assert ids(actor.client().get("/api/v1/likenesses/")) == {str(actor.likeness.pk)}
    assert actor.client().get(f"/api/v1/likenesses/{actor.likeness.pk}/").status_code == 200
    response = actor.client().get(f"/api/v1/likenesses/{other_actor.likeness.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_actor_cannot_change_another_actors_likeness():
    actor, other_actor = make_actor("actor"), make_actor("other")
    response = actor.client().post(
        f"/api/v1/likenesses/{other_actor.likeness.pk}/licensability/", {"licensable": False}, format="json"
    )
    assert response.status_code == 404
    other_actor.likeness.refresh_from_db()
    assert other_actor.likeness.licensable is True


def test_an_actor_marks_their_likeness_not_licensable():
    actor = make_actor()
    response = actor.client().post(
        f"/api/v1/likenesses/{actor.likeness.pk}/licensability/", {"licensable": False}, format="json"
    )
    assert response.status_code == 200 and response.json()["licensable"] is False


def test_a_studio_sees_its_own_organisation_and_not_another():
    studio, rival = make_studio("studio"), make_studio("rival")
    assert ids(studio.client().get("/api/v1/organisations/")) == {str(studio.organisation.pk)}
    assert studio.client().get(f"/api/v1/organisations/{rival.organisation.pk}/").status_code == 404
    assert studio.client().get(f"/api/v1/organisations/{rival.organisation.pk}/members/").status_code == 404


def test_an_outsider_sees_nothing():
    actor, studio, outsider = make_actor(), make_studio(), make_persona("outsider")
    client = outsider.client()
    assert ids(client.get("/api/v1/likenesses/")) == set()
    assert ids(client.get("/api/v1/organisations/")) == set()
    assert client.get(f"/api/v1/likenesses/{actor.likeness.pk}/").status_code == 404
    assert client.get(f"/api/v1/organisations/{studio.organisation.pk}/").status_code == 404
    response = client.get("/api/v1/audit/entries/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_an_outsider_cannot_create_a_likeness_without_being_an_owner():
    outsider = make_persona("outsider")
    response = outsider.client().post("/api/v1/likenesses/", {"display_name": "Borrowed face"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_an_owner"


def test_the_auditor_reads_the_audit_trail_but_not_likenesses():
    actor, auditor = make_actor(), make_auditor()
    entries = auditor.client().get("/api/v1/audit/entries/", {"target_id": str(actor.likeness.pk)})
    assert entries.status_code == 200
    assert [e["action"] for e in entries.json()["results"]] == ["likeness.created"]
    assert ids(auditor.client().get("/api/v1/likenesses/")) == set()


def test_actors_and_studios_cannot_read_the_audit_trail():
    actor, studio = make_actor(), make_studio()
    assert actor.client().get("/api/v1/audit/entries/").status_code == 403
    assert studio.client().get("/api/v1/audit/entries/1/").status_code == 403
    assert studio.client().get("/api/v1/audit/verify/").status_code == 403


def test_an_admin_sees_everything():
    actor, studio, admin = make_actor(), make_studio(), make_admin()
    assert str(actor.likeness.pk) in ids(admin.client().get("/api/v1/likenesses/"))
    assert str(studio.organisation.pk) in ids(admin.client().get("/api/v1/organisations/"))
    assert admin.client().get("/api/v1/audit/entries/").status_code == 200


def test_a_studio_manager_adds_a_member_who_then_sees_the_studio():
    studio, colleague, outsider = make_studio(), make_persona("colleague"), make_persona("outsider")
    url = f"/api/v1/organisations/{studio.organisation.pk}/members/"
    added = studio.client().post(url, {"username": colleague.user.username}, format="json")
    assert added.status_code == 201 and added.json()["role"] == "member"
    assert ids(colleague.client().get("/api/v1/organisations/")) == {str(studio.organisation.pk)}
    # A plain member may not add others.
    refused = colleague.client().post(url, {"username": outsider.user.username}, format="json")
    assert refused.status_code == 403


def test_the_last_manager_cannot_be_removed():
    studio = make_studio()
    url = f"/api/v1/organisations/{studio.organisation.pk}/members/{studio.user.pk}/"
    response = studio.client().delete(url)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_manager"
