"""Builders for the mandate stories: Ada (the actor) with a pending licence request from a studio,
and the people who may act for her — Maya her agent, an estate's executor, a guardian."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from licensing.gate import Authorization, license_authorize
from licensing.verification import cache_clear
from tests.factories import LicensedStory, make_licensed_story, make_persona

GATE_REQUEST = {"purpose": "film", "media_type": "video", "duration_seconds": 60.0, "territory": "FR"}


def ada_with_a_request(**overrides: Any) -> LicensedStory:
    cache_clear()
    return make_licensed_story(approve=False, **overrides)


def grant_by_api(story: LicensedStory, representative: Any, **fields: Any) -> Any:
    body: dict[str, Any] = {"representative": representative.user.username, "kind": "agent", "acts": ["approve"]}
    body.update(fields)
    return story.actor.client().post("/api/v1/mandates/", body, format="json")


def iso(moment: datetime) -> str:
    return moment.isoformat()


def render_check(story: LicensedStory) -> Authorization:
    return license_authorize(
        license_id=story.license.pk,
        studio=story.studio.organisation,
        work_file_sha256=story.work.file_sha256,
        **GATE_REQUEST,  # type: ignore[arg-type]
    )


def new_persona(name: str) -> Any:
    return make_persona(name)
