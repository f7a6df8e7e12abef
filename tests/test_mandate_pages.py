# ruff: noqa: RUF001 - the Chinese page text, with its own punctuation
"""The mandate pages, in English and Chinese: Ada (the actor) grants Maya (her agent) a mandate on
the site, Maya approves the studio's request from her page, the licence page says who signed for
whom, and Ada ends the mandate."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from licensing.mandate_models import Mandate
from licensing.models import License
from tests.mandate_story import ada_with_a_request, grant_by_api, new_persona

pytestmark = pytest.mark.django_db


def signed_in(user: Any, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_ada_grants_maya_signs_the_licence_page_names_her_and_ada_ends_it(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    ada = signed_in(story.actor.user)

    granted = ada.post(
        "/mandates/", {"representative": maya.user.username, "kind": "agent", "acts": ["review", "approve"]}
    )
    assert granted.status_code == 302
    mandate = Mandate.objects.get(owner=story.actor.owner)
    assert mandate.acts == ["approve", "review"] and mandate.purposes is None

    maya_page = signed_in(maya.user).get("/mandates/").content.decode()
    assert escape(story.actor.likeness.display_name) in maya_page
    assert f"/licences/{story.license.pk}/review/" in maya_page
    signed = signed_in(maya.user).post(f"/licences/{story.license.pk}/sign/", {"agree": "on"})
    assert signed.status_code == 302, signed.content[:300]
    assert License.objects.get(pk=story.license.pk).status == "active"

    licence_page = ada.get(f"/licences/{story.license.pk}/").content.decode()
    assert f"Signed by {maya.user.username}, Agent (acts beside a living owner), for" in licence_page
    chinese = signed_in(story.actor.user, "zh-hans").get(f"/licences/{story.license.pk}/").content.decode()
    assert "经纪人（与在世的所有人并行代理）" in chinese and "Signed by" not in chinese

    assert ada.post(f"/mandates/{mandate.pk}/end/").status_code == 302
    assert Mandate.objects.get(pk=mandate.pk).revoked_at is not None
    assert escape(story.actor.likeness.display_name) not in signed_in(maya.user).get("/mandates/").content.decode()


def test_a_guardian_without_an_end_date_is_refused_on_the_form_in_chinese(clock):
    story = ada_with_a_request()
    guardian = new_persona("guardian")
    response = signed_in(story.actor.user, "zh-hans").post(
        "/mandates/", {"representative": guardian.user.username, "kind": "guardian", "acts": ["approve"]}
    )
    assert response.status_code == 200
    assert not Mandate.objects.exists()
    assert "监护人的授权委托须有截止日期：请填写日期。" in response.content.decode()


def refused_render(story: Any, at: Any) -> Any:
    """A render the gate refused, recorded under Ada's licence (what the licence page lists)."""
    from render.models import RenderJob

    return RenderJob.objects.create(
        studio=story.studio.organisation,
        submitted_by=story.studio.user,
        license=story.license,
        requested_license_id=story.license.pk,
        target_name="targets/x.mp4",
        target_sha256=story.work.file_sha256,
        media_type="video",
        purpose="film",
        territory="FR",
        status="refused",
        refusal_reason="license_not_active",
        created_at=at,
    )


def test_maya_sees_the_renders_under_adas_licences_only_if_her_mandate_says_so(clock):
    story = ada_with_a_request()
    refused_render(story, clock.now())
    maya, reviewer = new_persona("maya"), new_persona("reviewer")
    grant_by_api(story, maya, acts=["review", "see_renders"])
    grant_by_api(story, reviewer, acts=["review"])
    page = f"/licences/{story.license.pk}/"
    assert "No renders yet." in signed_in(reviewer.user).get(page).content.decode()
    assert "No renders yet." not in signed_in(maya.user).get(page).content.decode()
    assert "No renders yet." not in signed_in(story.actor.user).get(page).content.decode()
    assert "No renders yet." not in signed_in(story.studio.user).get(page).content.decode()
