"""Story 1: an actor signs in, reads a studio's request in plain words, approves (signs) it, and
later revokes it with a reason after confirming."""

from __future__ import annotations

from typing import Any

import pytest

from licensing.models import License
from tests.browser.conftest import shoot, sign_in, sign_out
from tests.factories import make_licensed_story

pytestmark = pytest.mark.browser


def test_an_actor_approves_a_request_and_later_revokes_it(page: Any) -> None:
    story = make_licensed_story(approve=False)
    sign_in(page, story.actor.user)
    assert page.get_by_text("1 licence request awaits your decision").is_visible()
    shoot(page, "actor", "1-dashboard")

    page.get_by_role("link", name="1 licence request awaits your decision").click()
    page.get_by_role("link", name=story.work.title, exact=False).first.click()
    scope = page.locator("#scope")
    assert "Your likeness may be used only in" in scope.inner_text()
    assert "in these territories only: Germany, France and United Kingdom." in scope.inner_text()
    assert "At most 10 renders." in scope.inner_text()
    shoot(page, "actor", "2-request-in-plain-words")

    page.get_by_role("link", name="Approve and sign").click()
    page.get_by_label("I have read every term above and I agree", exact=False).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Sign the licence").click()
    page.wait_for_url("**/receipt/")
    assert page.get_by_text("You signed the licence. It is active now.").is_visible()
    assert page.locator("#receipt-status").inner_text() == "Active (signed and countersigned)"
    assert License.objects.get(pk=story.license.pk).status == "active"
    shoot(page, "actor", "3-approved")
    sign_out(page)

    # Later: the actor changes their mind.
    sign_in(page, story.actor.user)
    page.goto(f"/licences/{story.license.pk}/")
    page.get_by_text("Revoke this licence…").click()
    page.get_by_label("Reason (optional)").fill("I no longer want my face in this film")
    shoot(page, "actor", "4-revoke-confirmation")
    page.get_by_role("button", name="Confirm revocation").click()
    # The browser refuses to send the form until the confirmation is ticked.
    assert License.objects.get(pk=story.license.pk).status == "active"
    page.get_by_label("Yes, revoke this licence.", exact=False).check()
    page.get_by_role("button", name="Confirm revocation").click()
    assert page.get_by_text("The licence is revoked.", exact=False).is_visible()
    assert page.locator("#licence-status").inner_text() == "Revoked"
    licence = License.objects.get(pk=story.license.pk)
    assert licence.status == "revoked"
    assert licence.revoke_reason == "I no longer want my face in this film"
    assert page.get_by_text("I no longer want my face in this film").is_visible()  # she sees her own reason
    shoot(page, "actor", "5-revoked")
