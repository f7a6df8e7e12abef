"""Licences end when the likeness is erased, and when their term runs out.

Personas: Ada (actor) licensed her likeness to a studio, then erases it; another licence simply
reaches the end of its term; anyone reads the public status.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEntry
from licensing.erasure import end_licences_on_erasure
from licensing.lifecycle import license_expire_due, license_request
from licensing.models import License, LicenseStatus
from licensing.tasks import license_expire_due_task
from likeness.erasure import erasure_hooks
from tests.factories import license_terms, make_licensed_story

pytestmark = pytest.mark.django_db


def public_status(license_id) -> dict:
    return APIClient().get(f"/api/v1/licenses/{license_id}/status").json()["statement"]


def test_the_licensing_hook_is_registered_with_the_likeness_app():
    assert end_licences_on_erasure in erasure_hooks()


def test_the_erasure_hook_revokes_active_licences_and_declines_pending_requests(clock):
    story = make_licensed_story()
    pending = license_request(
        studio=story.studio.organisation,
        likeness_id=story.actor.likeness.pk,
        terms=license_terms([story.work]),
        actor=story.studio.user,
    )
    end_licences_on_erasure(likeness=story.actor.likeness, actor=story.actor.user)

    active = License.objects.get(pk=story.license.pk)
    assert (active.status, active.revoke_reason) == (LicenseStatus.REVOKED, "likeness_erased")
    assert '"revoked_by":"platform"' in active.revocation
    pending.refresh_from_db()
    assert (pending.status, pending.decline_reason) == (LicenseStatus.DECLINED, "likeness_erased")
    statement = public_status(story.license.pk)
    assert (statement["status"], statement["reason"]) == ("revoked", "likeness_erased")
    assert AuditEntry.objects.filter(target_id=str(active.pk), action="license.revoked").count() == 1


def test_erasing_a_likeness_through_the_likeness_app_ends_its_licences(clock):
    from likeness.services import likeness_erase

    story = make_licensed_story()
    likeness_erase(likeness=story.actor.likeness, actor=story.actor.user)
    assert License.objects.get(pk=story.license.pk).status == LicenseStatus.REVOKED
    assert public_status(story.license.pk)["reason"] == "likeness_erased"


def test_a_licence_past_its_term_reads_expired_and_the_sweep_records_it(clock):
    story = make_licensed_story(valid_until=clock.now() + timedelta(days=2))
    end = License.objects.get(pk=story.license.pk).valid_until
    clock.advance(days=3)
    # Before the sweep: the public status already says expired, since the end of the term.
    statement = public_status(story.license.pk)
    assert statement["status"] == "expired"
    assert statement["since"] == end.strftime("%Y-%m-%dT%H:%M:%SZ")

    assert license_expire_due_task() == 1
    assert license_expire_due() == 0  # running it again changes nothing
    license = License.objects.get(pk=story.license.pk)
    assert (license.status, license.status_changed_at) == (LicenseStatus.EXPIRED, end)
    assert AuditEntry.objects.filter(target_id=str(license.pk), action="license.expired").count() == 1


def test_a_licence_within_its_term_is_left_alone_by_the_sweep(clock):
    story = make_licensed_story()
    clock.advance(days=29)
    assert license_expire_due() == 0
    assert public_status(story.license.pk)["status"] == "active"


def test_the_status_of_an_unknown_licence_is_not_found():
    import uuid

    response = APIClient().get(f"/api/v1/licenses/{uuid.uuid4()}/status")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
