"""Who may open which page. Personas: Ada (actor, owns the likeness), the studio's member (licensee),
Bea (another actor, sees nothing of Ada's), an anonymous visitor (only sign-in and verify)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import make_actor, make_licensed_story

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    story = make_licensed_story(approve=False)
    for url in ["/", "/licences/", f"/licences/{story.license.pk}/", "/works/", "/renders/"]:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/sign-in/?next="), url


def test_the_verify_and_sign_in_pages_are_public() -> None:
    assert Client().get("/verify/").status_code == 200
    assert Client().get("/sign-in/").status_code == 200


def test_another_actors_licence_page_is_not_found() -> None:
    story = make_licensed_story(approve=False)
    bea = make_actor("bea")
    assert signed_in(bea.user).get(f"/licences/{story.license.pk}/").status_code == 404
    assert signed_in(bea.user).post(f"/licences/{story.license.pk}/approve/").status_code == 404
    assert signed_in(bea.user).get(f"/likenesses/{story.actor.likeness.pk}/").status_code == 404


def test_the_owner_and_the_licensee_both_see_the_licence_in_plain_words() -> None:
    story = make_licensed_story(approve=False)
    owner_page = signed_in(story.actor.user).get(f"/licences/{story.license.pk}/")
    assert owner_page.status_code == 200
    assert "Your likeness may be used only in" in owner_page.content.decode()
    assert "Approve and sign" in owner_page.content.decode()
    studio_page = signed_in(story.studio.user).get(f"/licences/{story.license.pk}/")
    assert studio_page.status_code == 200
    assert "Approve and sign" not in studio_page.content.decode()


def test_a_studio_cannot_approve_its_own_request() -> None:
    story = make_licensed_story(approve=False)
    signed_in(story.studio.user).post(f"/licences/{story.license.pk}/approve/")
    story.license.refresh_from_db()
    assert story.license.status == "requested"


def test_revoking_needs_a_reason_and_a_confirmation() -> None:
    story = make_licensed_story()
    client = signed_in(story.actor.user)
    client.post(f"/licences/{story.license.pk}/revoke/", {"reason": "changed my mind"})
    story.license.refresh_from_db()
    assert story.license.status == "active"
    client.post(f"/licences/{story.license.pk}/revoke/", {"reason": "changed my mind", "confirm": "on"})
    story.license.refresh_from_db()
    assert story.license.status == "revoked"
    assert story.license.revoke_reason == "changed my mind"


def test_a_job_thumbnail_of_someone_elses_render_is_not_found() -> None:
    import uuid

    bea = make_actor("bea")
    assert signed_in(bea.user).get(f"/renders/{uuid.uuid4()}/thumbnail.jpg").status_code == 404
