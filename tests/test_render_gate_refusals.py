"""Every reason the licence gate refuses a render reaches the studio's job, through the render API.

Personas: Ada (the actor) licensed her likeness to Studio for Rights' film "Amazing Grace" (a still
and a two-second clip): film and series, image and video, FR/DE/GB, 30 days, 10 renders of at most
120 s. Rival is another studio. Each case breaks one condition, submits a job as a studio and
expects: the job REFUSED with the gate's reason code and its human explanation, one audit entry
`render_job.refused` naming the reason, no output stored, no licence use taken, and Ada's identity
never decrypted (the gate runs before the materials are touched).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from audit.actions import AuditAction
from audit.models import AuditEntry
from licensing.documents import countersign_payload, parse, sign
from licensing.lifecycle import license_approve, license_request, license_revoke
from licensing.models import AdaptationGrant, License, RightKind, WorkKind
from licensing.refusals import RefusalReason
from licensing.works import WorkFileSpec, WorkRightSpec, adaptation_grant_revoke, work_register
from likeness.models import Likeness, LikenessStatus
from likeness.services import likeness_erase
from render.models import JobStatus, RenderJob
from tests.custody_attacks import countersign_with_inserted_platform_key, set_status_by_hand, widen_with_inserted_keys
from tests.factories import grant_adaptation, license_terms, make_studio, unique
from tests.render_checks import job_actions, job_entries, stored_outputs
from tests.render_story import RenderStory, hopper, make_render_story

pytestmark = pytest.mark.django_db


def another_still() -> bytes:
    """The portrait mirrored: a real, readable JPEG that is not the registered file."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(hopper()[:, ::-1])).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def tamper(story: RenderStory, **fields: Any) -> None:
    License.objects.filter(pk=story.license.pk).update(**fields)


def second_licence(story: RenderStory, *, approve: bool) -> License:
    """Studio asks Ada for another licence on the same film (Ada signs it or not)."""
    license = license_request(
        studio=story.studio.organisation,
        likeness_id=story.actor.likeness.pk,
        terms=license_terms([story.work]),
        actor=story.studio.user,
    )
    return license_approve(license=license, actor=story.actor.user) if approve else license


# Each case: terms for the story's licence, then an arrangement that breaks one gate condition and
# returns the form fields (and the client) of the submission.
Arrange = Callable[[RenderStory, Any], dict[str, Any]]


def a_rival_studio_submits_studios_licence(story: RenderStory, clock: Any) -> dict[str, Any]:
    return {"client": make_studio("rival").client()}


def the_file_is_registered_to_no_work(story: RenderStory, clock: Any) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("other.jpg", another_still(), content_type="image/jpeg")}


def the_files_work_is_not_named_in_the_licence(story: RenderStory, clock: Any) -> dict[str, Any]:
    data = another_still()
    other = work_register(
        holder=story.rights_holder.organisation,
        title=unique("Another Film"),
        kind=WorkKind.STILL,
        identifiers={},
        files=[WorkFileSpec(sha256=hashlib.sha256(data).hexdigest(), media_type="image", name="other.jpg")],
        rights=[
            WorkRightSpec(right=kind, territories=["WORLD"], valid_from=clock.now() - timedelta(days=365))
            for kind in (RightKind.REPRODUCE, RightKind.ADAPT, RightKind.DISTRIBUTE)
        ],
        actor=story.rights_holder.user,
    )
    grant_adaptation(other, holder=story.rights_holder, studio=story.studio)
    return {"file": SimpleUploadedFile("other.jpg", data, content_type="image/jpeg")}


def rights_revoked_studios_adaptation_grant(story: RenderStory, clock: Any) -> dict[str, Any]:
    grant = AdaptationGrant.objects.get(work=story.work, studio=story.studio.organisation)
    adaptation_grant_revoke(grant=grant, reason="the deal fell through", actor=story.rights_holder.user)
    return {}


def the_purpose_is_not_permitted(story: RenderStory, clock: Any) -> dict[str, Any]:
    return {"purpose": "advertising"}


def the_use_is_prohibited(story: RenderStory, clock: Any) -> dict[str, Any]:
    return {"purpose": "political_campaigning"}


def a_still_under_a_video_only_licence(story: RenderStory, clock: Any) -> dict[str, Any]:
    return {"kind": "still"}


def the_territory_is_not_permitted(story: RenderStory, clock: Any) -> dict[str, Any]:
    return {"territory": "US"}


def the_clip_is_longer_than_the_licence_allows(story: RenderStory, clock: Any) -> dict[str, Any]:
    return {"kind": "video"}  # the clip lasts 2 s; this licence allows 1 s


def ada_revoked_the_licence(story: RenderStory, clock: Any) -> dict[str, Any]:
    license_revoke(license=story.license, reason="I no longer agree", actor=story.actor.user)
    return {}


def the_licence_term_has_ended(story: RenderStory, clock: Any) -> dict[str, Any]:
    clock.advance(days=31)
    return {}


def the_licence_term_has_not_started(story: RenderStory, clock: Any) -> dict[str, Any]:
    clock.advance(days=-1)  # the licence runs from a minute before the story began
    return {}


def ada_never_signed_the_licence(story: RenderStory, clock: Any) -> dict[str, Any]:
    return {"license_id": str(second_licence(story, approve=False).pk)}


def another_licences_signed_document_was_copied_onto_this_one(story: RenderStory, clock: Any) -> dict[str, Any]:
    other = second_licence(story, approve=True)
    tamper(
        story,
        document=other.document,
        owner_key_id=other.owner_key_id,
        owner_signature=other.owner_signature,
        platform_key_id=other.platform_key_id,
        platform_signature=other.platform_signature,
    )
    return {}


def the_owner_signature_is_forged(story: RenderStory, clock: Any) -> dict[str, Any]:
    tamper(story, owner_signature=sign(Ed25519PrivateKey.generate(), story.license.document.encode()))
    return {}


def the_countersignature_is_forged(story: RenderStory, clock: Any) -> dict[str, Any]:
    payload = countersign_payload(
        document=parse(story.license.document),
        owner_signature=story.license.owner_signature,
        platform_key_id=story.license.platform_key_id,
    )
    tamper(story, platform_signature=sign(Ed25519PrivateKey.generate(), payload))
    return {}


def a_database_writer_inserted_keys_and_widened_the_scope(story: RenderStory, clock: Any) -> dict[str, Any]:
    # Rows written by hand (tests/custody_attacks.py): an owner key and a platform key, and the
    # licence re-signed with them for a purpose Ada never allowed.
    widen_with_inserted_keys(story.license, purposes=["advertising"])
    return {"purpose": "advertising"}


def a_database_writer_countersigned_with_an_inserted_platform_key(story: RenderStory, clock: Any) -> dict[str, Any]:
    countersign_with_inserted_platform_key(story.license)
    return {}


def ada_revoked_and_a_database_writer_set_the_status_back(story: RenderStory, clock: Any) -> dict[str, Any]:
    license_revoke(license=story.license, reason="I no longer agree", actor=story.actor.user)
    set_status_by_hand(story.license, "active")
    return {}


def the_licence_does_not_exist(story: RenderStory, clock: Any) -> dict[str, Any]:
    return {"license_id": str(uuid.uuid4())}


def the_likeness_is_erased(story: RenderStory, clock: Any) -> dict[str, Any]:
    # The row alone, as the gate sees it in the instant before the erasure's licence revocation.
    # (The whole erasure ends the licence too: see the test after the table.)
    Likeness.objects.filter(pk=story.actor.likeness.pk).update(status=LikenessStatus.ERASED)
    return {}


def the_likeness_is_frozen_for_review(story: RenderStory, clock: Any) -> dict[str, Any]:
    Likeness.objects.filter(pk=story.actor.likeness.pk).update(status=LikenessStatus.FROZEN)
    return {}


def the_likeness_is_under_dispute(story: RenderStory, clock: Any) -> dict[str, Any]:
    """A claim's effect (tests/test_claim_takes_a_likeness_back.py files a real one)."""
    Likeness.objects.filter(pk=story.actor.likeness.pk).update(status=LikenessStatus.DISPUTED)
    return {}


CASES: list[tuple[RefusalReason, Arrange, dict[str, Any]]] = [
    (RefusalReason.WRONG_LICENSEE, a_rival_studio_submits_studios_licence, {}),
    (RefusalReason.WORK_FILE_UNKNOWN, the_file_is_registered_to_no_work, {}),
    (RefusalReason.WORK_NOT_IN_SCOPE, the_files_work_is_not_named_in_the_licence, {}),
    (RefusalReason.ADAPTATION_RIGHT_MISSING, rights_revoked_studios_adaptation_grant, {}),
    (RefusalReason.PURPOSE_NOT_PERMITTED, the_purpose_is_not_permitted, {}),
    (RefusalReason.USE_PROHIBITED, the_use_is_prohibited, {}),
    (RefusalReason.MEDIA_TYPE_NOT_PERMITTED, a_still_under_a_video_only_licence, {"media_types": ["video"]}),
    (RefusalReason.TERRITORY_NOT_PERMITTED, the_territory_is_not_permitted, {}),
    (RefusalReason.DURATION_EXCEEDED, the_clip_is_longer_than_the_licence_allows, {"max_output_seconds": 1}),
    (RefusalReason.LICENSE_REVOKED, ada_revoked_the_licence, {}),
    (RefusalReason.LICENSE_EXPIRED, the_licence_term_has_ended, {}),
    (RefusalReason.LICENSE_NOT_YET_VALID, the_licence_term_has_not_started, {}),
    (RefusalReason.LICENSE_NOT_ACTIVE, ada_never_signed_the_licence, {}),
    (RefusalReason.DOCUMENT_MISMATCH, another_licences_signed_document_was_copied_onto_this_one, {}),
    (RefusalReason.OWNER_SIGNATURE_INVALID, the_owner_signature_is_forged, {}),
    (RefusalReason.PLATFORM_SIGNATURE_INVALID, the_countersignature_is_forged, {}),
    (RefusalReason.KEY_NOT_CERTIFIED, a_database_writer_inserted_keys_and_widened_the_scope, {}),
    (RefusalReason.PLATFORM_KEY_NOT_PINNED, a_database_writer_countersigned_with_an_inserted_platform_key, {}),
    (RefusalReason.REVOCATION_ON_RECORD, ada_revoked_and_a_database_writer_set_the_status_back, {}),
    (RefusalReason.LICENSE_NOT_FOUND, the_licence_does_not_exist, {}),
    (RefusalReason.LIKENESS_ERASED, the_likeness_is_erased, {}),
    (RefusalReason.LIKENESS_FROZEN, the_likeness_is_frozen_for_review, {}),
    (RefusalReason.LIKENESS_DISPUTED, the_likeness_is_under_dispute, {}),
]


def job_as_the_studio_sees_it(response: Any, client: Any) -> dict[str, Any]:
    """The job's API body once the worker ran (the submission answers while the job is QUEUED)."""
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "queued"
    answer = client.get(f"/api/v1/render-jobs/{response.json()['id']}/")
    assert answer.status_code == 200
    return dict(answer.json())


def assert_refused_cleanly(
    body: dict[str, Any], reason: RefusalReason, *, uses_before: int, license_id: Any
) -> RenderJob:
    assert body["status"] == "refused", body
    assert body["refusal_reason"] == reason.value
    assert body["refusal_explanation"] == str(reason.label)
    assert body["refusal_explanation"] != reason.value and " " in body["refusal_explanation"]
    job = RenderJob.objects.get(pk=body["id"])
    assert (job.status, job.refusal_reason) == (JobStatus.REFUSED, reason.value)
    assert not job.use_reserved and job.attempts == 0 and job.started_at is None and job.finished_at is not None
    assert job.output_name == "" and job.mark_id is None
    assert job_actions(job) == [AuditAction.RENDER_JOB_SUBMITTED, AuditAction.RENDER_JOB_REFUSED]
    (refused,) = job_entries(job, AuditAction.RENDER_JOB_REFUSED)
    assert refused.data == {"reason": reason.value, "license_id": str(license_id)}
    assert stored_outputs() == []
    license = License.objects.filter(pk=license_id).first()
    if license is not None:
        assert license.renders_used == uses_before, "a refused job took a licence use"
    assert not AuditEntry.objects.filter(action=AuditAction.LIKENESS_MATERIALS_RELEASED).exists()
    return job


@pytest.mark.parametrize(("reason", "arrange", "terms"), CASES, ids=[case[1].__name__ for case in CASES])
def test_the_job_is_refused_with_the_gate_reason_and_nothing_is_rendered_or_reserved(
    tmp_path, clock, reason, arrange, terms
):
    story = make_render_story(tmp_path, enrol=False, **terms)
    fields = arrange(story, clock)
    client = fields.pop("client", None)
    license_id = fields.get("license_id", story.license.pk)
    uses_before = License.objects.filter(pk=license_id).values_list("renders_used", flat=True).first() or 0
    client = client or story.studio.client()
    body = job_as_the_studio_sees_it(story.submit(client, **fields), client)
    job = assert_refused_cleanly(body, reason, uses_before=uses_before, license_id=license_id)
    assert job.requested_license_id == uuid.UUID(str(license_id))
    if reason == RefusalReason.LICENSE_NOT_FOUND:
        assert job.license is None


def test_every_refusal_reason_the_gate_knows_is_shown_above():
    # Exhaustion has its own test below; a representative's uncovered signature needs a mandate story,
    # refused by the gate in tests/test_mandate_gate_refuses_uncovered_signatures.py.
    assert {case[0] for case in CASES} == set(RefusalReason) - {
        RefusalReason.LICENSE_EXHAUSTED,
        RefusalReason.MANDATE_NOT_COVERING,
    }


def test_a_licence_whose_renders_are_used_up_refuses_the_next_job(tmp_path, clock):
    story = make_render_story(tmp_path, max_renders=1)
    client = story.studio.client()
    first = job_as_the_studio_sees_it(story.submit(client), client)
    assert first["status"] == "completed", first
    assert License.objects.get(pk=story.license.pk).renders_used == 1
    job = assert_refused_cleanly_after_a_render(job_as_the_studio_sees_it(story.submit(client), client), story)
    assert str(job.pk) != first["id"]


def assert_refused_cleanly_after_a_render(body: dict[str, Any], story: RenderStory) -> RenderJob:
    """As assert_refused_cleanly, for the second job of a licence whose first render completed."""
    assert (body["status"], body["refusal_reason"]) == ("refused", "license_exhausted")
    assert body["refusal_explanation"] == str(RefusalReason.LICENSE_EXHAUSTED.label)
    job = RenderJob.objects.get(pk=body["id"])
    assert not job.use_reserved and job.output_name == ""
    assert job_actions(job) == [AuditAction.RENDER_JOB_SUBMITTED, AuditAction.RENDER_JOB_REFUSED]
    assert job_entries(job, AuditAction.RENDER_JOB_REFUSED)[0].data["reason"] == "license_exhausted"
    assert len(stored_outputs()) == 1, "only the first job's output is stored"
    license = License.objects.get(pk=story.license.pk)
    assert (license.renders_used, license.status) == (1, "exhausted")
    assert AuditEntry.objects.filter(action=AuditAction.LIKENESS_MATERIALS_RELEASED).count() == 1
    return job


def test_after_ada_erases_her_likeness_a_new_job_is_refused_because_the_licence_ended(tmp_path, clock):
    story = make_render_story(tmp_path, enrol=False)
    likeness_erase(likeness=story.actor.likeness, actor=story.actor.user)
    client = story.studio.client()
    body = job_as_the_studio_sees_it(story.submit(client), client)
    # The erasure revoked the licence (reason likeness_erased), and the gate reports the licence first.
    job = assert_refused_cleanly(body, RefusalReason.LICENSE_REVOKED, uses_before=0, license_id=story.license.pk)
    assert License.objects.get(pk=story.license.pk).revoke_reason == "likeness_erased"
    assert job.license_id == story.license.pk
