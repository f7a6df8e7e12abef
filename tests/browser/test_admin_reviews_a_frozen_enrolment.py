"""Story: an actor enrols a face that is already enrolled; her page says her likeness is held for
review and what comes next (no "enrolled"); an admin opens the staff page, sees the match and
approves her as the same person; she then reads the outcome on her likeness page."""

from __future__ import annotations

from typing import Any

import pytest

from likeness.models import Likeness, LikenessStatus
from tests.browser.conftest import shoot, sign_in
from tests.factories import astronaut_photos, make_actor, make_admin, make_enrolled_actor

pytestmark = pytest.mark.browser


def test_an_admin_approves_a_frozen_enrolment_and_the_owner_reads_the_outcome(page: Any, tmp_path: Any) -> None:
    first = make_enrolled_actor("ada")
    twin = make_actor("twin")
    photo = astronaut_photos()[0]
    path = tmp_path / photo.name
    path.write_bytes(photo.data)

    sign_in(page, twin.user)
    page.goto(f"/likenesses/{twin.likeness.pk}/")
    page.get_by_label("Photos of your face").set_input_files(str(path))
    page.get_by_role("button", name="Upload and enrol").click()
    page.wait_for_selector("#frozen-explained")
    assert Likeness.objects.get(pk=twin.likeness.pk).status == LikenessStatus.FROZEN
    assert not page.get_by_text("Your likeness is enrolled").is_visible()
    assert page.get_by_text("held for a review", exact=False).first.is_visible()
    assert "they reject it: your photos and face data are erased" in page.locator("#frozen-explained").inner_text()
    shoot(page, "frozen", "1-owner-told-what-comes-next")

    page.context.clear_cookies()
    admin = make_admin()
    sign_in(page, admin.user)
    page.get_by_role("link", name="Enrolment reviews").click()
    card = page.locator(f"#frozen-{twin.likeness.pk}")
    assert "Ada Person" in card.locator(".match").inner_text(), "the likeness it matched is shown"
    shoot(page, "frozen", "2-admin-review-page")
    card.get_by_role("button", name="Approve as the same person").click()
    assert page.get_by_text("Approved: the likeness is enrolled as the same person.").is_visible()
    assert page.locator("#no-frozen").is_visible()
    assert Likeness.objects.get(pk=twin.likeness.pk).status == LikenessStatus.ENROLLED
    assert Likeness.objects.get(pk=first.likeness.pk).status == LikenessStatus.ENROLLED
    shoot(page, "frozen", "3-admin-approved")

    page.context.clear_cookies()
    sign_in(page, twin.user)
    page.goto(f"/likenesses/{twin.likeness.pk}/")
    assert "approved it: your likeness is enrolled" in page.locator("#review-outcome").inner_text()
    shoot(page, "frozen", "4-owner-reads-the-outcome")
