"""Works, their files and the rights held on them.

Personas:
- a rights holder (Rights Films): registers works and grants studios the right to adapt them;
- a studio: sees works granted to it; may register a work it holds itself, as its own holder;
- a rival studio: sees neither, and may not claim files already registered;
- an outsider: sees nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from audit.models import AuditEntry
from licensing.models import WorkFile
from tests.factories import fingerprint, grant_adaptation, make_persona, make_rights_holder, make_studio, make_work

pytestmark = pytest.mark.django_db


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def work_body(holder, sha256: str, **overrides) -> dict:
    body = {
        "holder_id": str(holder.organisation.pk),
        "title": "Night Train",
        "kind": "film",
        "files": [{"sha256": sha256, "media_type": "video", "name": "night-train.mp4"}],
        "rights": [{"right": "adapt", "territories": ["WORLD"], "valid_from": "2020-01-01T00:00:00Z"}],
    }
    body.update(overrides)
    return body


def test_a_rights_holder_registers_a_work_with_files_and_rights(clock):
    rights_holder = make_rights_holder()
    sha256 = fingerprint("night-train.mp4")
    response = rights_holder.client().post("/api/v1/works/", work_body(rights_holder, sha256.upper()), format="json")
    assert response.status_code == 201, response.content
    work = response.json()
    assert work["holder_name"] == rights_holder.organisation.name
    assert [f["sha256"] for f in work["files"]] == [sha256]  # stored lower-case
    assert work["rights"][0]["right"] == "adapt" and work["rights"][0]["territories"] == ["WORLD"]
    actions = set(AuditEntry.objects.filter(target_id=work["id"]).values_list("action", flat=True))
    assert actions == {"work.registered", "work_file.registered", "work_right.registered"}


def test_a_second_claim_on_the_same_file_is_a_conflict(clock):
    rights_holder, rival = make_rights_holder("rights"), make_studio("rival")
    sha256 = fingerprint("night-train.mp4")
    assert (
        rights_holder.client().post("/api/v1/works/", work_body(rights_holder, sha256), format="json").status_code
        == 201
    )
    response = rival.client().post("/api/v1/works/", work_body(rival, sha256, title="Our Night Train"), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "work_file_taken"
    assert response.json()["error"]["detail"]["sha256"] == sha256
    assert WorkFile.objects.count() == 1
    assert rival.client().get("/api/v1/works/").json()["results"] == []  # the whole registration rolled back


def test_adding_an_already_registered_file_to_a_work_is_a_conflict(clock):
    rights_holder = make_rights_holder()
    work = make_work(rights_holder)
    response = rights_holder.client().post(
        f"/api/v1/works/{work.pk}/files/", {"sha256": work.file_sha256, "media_type": "video"}, format="json"
    )
    assert response.status_code == 409 and response.json()["error"]["detail"]["same_work"] is True


def test_a_studio_that_holds_a_work_registers_it_as_its_own_holder(clock):
    studio = make_studio()
    response = studio.client().post("/api/v1/works/", work_body(studio, fingerprint("own.mp4")), format="json")
    assert response.status_code == 201
    assert response.json()["holder_id"] == str(studio.organisation.pk)


def test_nobody_registers_a_work_for_an_organisation_they_do_not_belong_to(clock):
    rights_holder, outsider = make_rights_holder(), make_persona("outsider")
    response = outsider.client().post("/api/v1/works/", work_body(rights_holder, fingerprint("x")), format="json")
    assert response.status_code == 404


def test_a_rights_holder_grants_and_revokes_the_adaptation_right(clock):
    rights_holder, studio, rival = make_rights_holder(), make_studio("studio"), make_studio("rival")
    work = make_work(rights_holder)
    response = rights_holder.client().post(
        f"/api/v1/works/{work.pk}/grants/",
        {
            "studio_id": str(studio.organisation.pk),
            "territories": ["FR"],
            "valid_from": iso(clock.now()),
            "valid_until": iso(clock.now() + timedelta(days=90)),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    grant_id = response.json()["id"]
    # The studio now sees the work; the rival does not.
    assert studio.client().get(f"/api/v1/works/{work.pk}/").status_code == 200
    assert rival.client().get(f"/api/v1/works/{work.pk}/").status_code == 404
    # Only the holder revokes.
    assert studio.client().post(f"/api/v1/adaptation-grants/{grant_id}/revoke/", {}, format="json").status_code == 403
    assert rival.client().post(f"/api/v1/adaptation-grants/{grant_id}/revoke/", {}, format="json").status_code == 404
    response = rights_holder.client().post(
        f"/api/v1/adaptation-grants/{grant_id}/revoke/", {"reason": "contract ended"}, format="json"
    )
    assert response.status_code == 200 and response.json()["revoke_reason"] == "contract ended"
    assert AuditEntry.objects.filter(target_id=grant_id, action="adaptation_grant.revoked").exists()


def test_a_holder_without_the_adaptation_right_cannot_grant_it(clock):
    rights_holder, studio = make_rights_holder(), make_studio()
    work = make_work(rights_holder, adapt=False)
    response = rights_holder.client().post(
        f"/api/v1/works/{work.pk}/grants/",
        {
            "studio_id": str(studio.organisation.pk),
            "territories": ["WORLD"],
            "valid_from": iso(clock.now()),
            "valid_until": iso(clock.now() + timedelta(days=9)),
        },
        format="json",
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "holder_lacks_adaptation_right"


def test_adaptation_rights_go_to_studios_only(clock):
    rights_holder, other_holder = make_rights_holder("rights"), make_rights_holder("other")
    work = make_work(rights_holder)
    with pytest.raises(Exception, match="no such studio"):
        from licensing.selectors import studio_by_id

        studio_by_id(other_holder.organisation.pk)
    grant_adaptation(work, holder=rights_holder, studio=make_studio())


def test_territories_must_be_iso_codes_or_world_alone(clock):
    rights_holder = make_rights_holder()
    for territories in (["France"], ["WORLD", "FR"], ["fr", ""]):
        body = work_body(
            rights_holder,
            fingerprint(str(territories)),
            rights=[{"right": "adapt", "territories": territories, "valid_from": "2020-01-01T00:00:00Z"}],
        )
        response = rights_holder.client().post("/api/v1/works/", body, format="json")
        assert response.status_code == 400, territories
