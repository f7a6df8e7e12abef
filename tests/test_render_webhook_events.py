"""A render job's end reaches the studio's and the owner's webhooks, signed, without any pixels.

Personas: Ada licensed her likeness to Studio; both registered an endpoint (a real HTTP server on
127.0.0.1). Studio renders a still: completed. Studio asks for a territory the licence does not
name: refused. Ada revokes while the still renders: revoked. Each event carries the job id, the
licence id, the status and the reason code, signed with each receiver's own secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from config import clock as platform_clock
from licensing.lifecycle import license_revoke
from licensing.webhooks import webhook_signature_verify
from render import provenance
from render.models import RenderJob
from tests.render_story import RenderStory, make_render_story
from tests.test_webhooks import Receiver, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK = True
    server = Receiver()
    yield server
    server.close()


def hooks(story: RenderStory, receiver: Receiver) -> dict[str, str]:
    """Register Ada's and Studio's endpoints; returns each party's secret."""
    return {
        "owner": register(story.actor, receiver.url)["secret"],
        "studio": register(story.studio, receiver.url, organisation_id=str(story.studio.organisation.pk))["secret"],
    }


def render_events(receiver: Receiver, secrets: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(party, event type, data) of every render_job.* delivery, each checked as a receiver would."""
    found = []
    for request in receiver.received:
        matches = []
        for party, secret in secrets.items():
            try:
                verified = webhook_signature_verify(
                    secret=secret, body=request["body"], headers=request["headers"], now=platform_clock.now()
                )
            except ValueError:
                continue
            matches.append((party, verified))
        assert len(matches) == 1, "each delivery verifies with exactly one party's secret"
        party, verified = matches[0]
        if verified.event_type.startswith("render_job."):
            found.append((party, verified.event_type, verified.payload["data"]))
    return sorted(found, key=lambda item: item[0])


def expected(job: RenderJob, event: str, status: str, reason: str | None) -> list[tuple[str, str, dict[str, Any]]]:
    data = {"job_id": str(job.pk), "license_id": str(job.requested_license_id), "status": status, "reason": reason}
    return [("owner", event, data), ("studio", event, data)]


def submitted(story: RenderStory, **fields: Any) -> RenderJob:
    response = story.submit(**fields)
    assert response.status_code == 201, response.content
    return RenderJob.objects.get(pk=response.json()["id"])


def test_a_completed_render_is_announced_to_both_parties(tmp_path, clock, receiver):
    story = make_render_story(tmp_path)
    secrets = hooks(story, receiver)
    job = submitted(story)
    assert job.status == "completed"
    events = render_events(receiver, secrets)
    assert events == expected(job, "render_job.completed", "completed", None)
    assert all(set(data) == {"job_id", "license_id", "status", "reason"} for _p, _e, data in events)


def test_a_refused_render_is_announced_with_its_reason_code(tmp_path, clock, receiver):
    story = make_render_story(tmp_path, enrol=False)
    secrets = hooks(story, receiver)
    job = submitted(story, territory="US")  # the licence names FR, DE and GB
    assert (job.status, job.refusal_reason) == ("refused", "territory_not_permitted")
    assert render_events(receiver, secrets) == expected(job, "render_job.refused", "refused", "territory_not_permitted")


def test_a_render_revoked_mid_render_is_announced_as_revoked(tmp_path, clock, receiver, monkeypatch):
    story = make_render_story(tmp_path)
    secrets = hooks(story, receiver)
    original = provenance.frame_marker

    def revoking_marker(job: Any) -> Callable[..., Any]:
        mark = original(job)

        def revoke_then_mark(image: Any, frame_index: int, faces: Any) -> Any:
            license_revoke(license=story.license, reason="I changed my mind", actor=story.actor.user)
            return mark(image, frame_index, faces)

        return revoke_then_mark

    monkeypatch.setattr(provenance, "frame_marker", revoking_marker)
    job = submitted(story)
    assert job.status == "revoked"
    assert render_events(receiver, secrets) == expected(job, "render_job.revoked", "revoked", "license_revoked")
    assert "license.revoked" in [json.loads(r["body"])["type"] for r in receiver.received]


def test_a_party_may_subscribe_to_render_events_only(tmp_path, clock, receiver):
    story = make_render_story(tmp_path)
    hook = register(
        story.studio, receiver.url, organisation_id=str(story.studio.organisation.pk), events=["render_job.completed"]
    )
    assert hook["events"] == ["render_job.completed"]
    job = submitted(story)
    assert render_events(receiver, {"studio": hook["secret"]}) == [
        ("studio", "render_job.completed", expected(job, "render_job.completed", "completed", None)[0][2])
    ]
