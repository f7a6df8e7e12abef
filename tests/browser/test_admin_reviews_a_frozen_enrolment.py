"""Story: an actor enrols a face that is already enrolled; her page says her likeness is held for
review and what comes next (no "enrolled"); an admin opens the staff page, sees the match and
decides; she is told in her inbox and reads the outcome on her likeness page. On a desktop the admin
approves her as the same person; on a phone he rejects her as an impostor (her photos and face
data are erased), so both outcomes are read in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from likeness.models import Likeness, LikenessStatus
from tests.browser.conftest import Reader, assert_reads_in_language, shoot, sign_in
from tests.factories import astronaut_photos, make_actor, make_admin, make_enrolled_actor

pytestmark = pytest.mark.browser


def _as(page: Any, user: Any, reader: Reader) -> None:
    url = page.url
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": reader.language, "url": url}])
    sign_in(page, user, reader)


def test_an_admin_decides_a_frozen_enrolment_and_the_owner_reads_the_outcome(
    reader_page: Any, reader: Reader, tmp_path: Any
) -> None:
    page, t = reader_page, reader.t
    shot = f"frozen-{reader.name}"
    approve = reader.device == "desktop"
    first = make_enrolled_actor("ada")
    twin = make_actor("twin")
    photo = astronaut_photos()[0]
    path = tmp_path / photo.name
    path.write_bytes(photo.data)

    sign_in(page, twin.user, reader)
    page.goto(f"/likenesses/{twin.likeness.pk}/")
    assert_reads_in_language(page, reader)
    page.get_by_label(t("Photos of your face")).set_input_files(str(path))
    page.get_by_role("button", name=t("Upload and enrol")).click()
    page.wait_for_selector("#frozen-explained")
    assert Likeness.objects.get(pk=twin.likeness.pk).status == LikenessStatus.FROZEN
    explained = page.locator("#frozen-explained").inner_text()
    assert t("Held for review: not enrolled yet") in explained
    assert t("You will see the outcome here.") in explained
    assert t("If it is not the same person, they reject it: your photos and face data are erased.") in explained
    assert_reads_in_language(page, reader)
    shoot(page, shot, "1-owner-told-what-comes-next")

    admin = make_admin()
    _as(page, admin.user, reader)
    page.get_by_role("link", name=t("Enrolment reviews")).click()
    card = page.locator(f"#frozen-{twin.likeness.pk}")
    assert "Ada Person" in card.locator(".match").inner_text(), "the likeness it matched is shown"
    assert_reads_in_language(page, reader)
    shoot(page, shot, "2-admin-review-page")
    if approve:
        card.get_by_role("button", name=t("Approve as the same person")).click()
        assert page.get_by_text(t("Approved: the likeness is enrolled as the same person.")).is_visible()
    else:
        card.get_by_role("button", name=t("Reject and erase")).click()
        assert page.get_by_text(t("Rejected: the likeness and its face data are erased.")).is_visible()
    assert page.locator("#no-frozen").is_visible()
    outcome = LikenessStatus.ENROLLED if approve else LikenessStatus.ERASED
    assert Likeness.objects.get(pk=twin.likeness.pk).status == outcome
    assert Likeness.objects.get(pk=first.likeness.pk).status == LikenessStatus.ENROLLED
    assert_reads_in_language(page, reader)
    shoot(page, shot, "3-admin-decided")

    # She hears of it in her inbox, and the message leads to her likeness page.
    _as(page, twin.user, reader)
    assert page.locator("#unread-count").inner_text() == "1"
    page.locator("#inbox-link").click()
    page.wait_for_url("**/inbox/")
    notice = page.locator("#inbox .notification.unread")
    sentence = (
        "The platform reviewed the enrolment of “%(likeness)s” and approved it: your likeness is enrolled."
        if approve
        else "The platform reviewed the enrolment of “%(likeness)s” and rejected it, because the face belongs "
        "to another enrolled likeness. Your photos and face data were erased."
    )
    assert t(sentence) % {"likeness": twin.likeness.display_name} in notice.inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, shot, "4-owner-notified")
    notice.get_by_role("link", name=t("Open")).click()
    page.wait_for_url(f"**/likenesses/{twin.likeness.pk}/")
    said = (
        "The platform reviewed your enrolment and approved it: your likeness is enrolled."
        if approve
        else "The platform reviewed your enrolment and rejected it, because the face belongs to another enrolled "
        "likeness. Your photos and face data were erased."
    )
    assert page.locator("#review-outcome").inner_text() == t(said)
    assert page.locator("#frozen-explained").count() == 0
    assert page.locator("#unread-count").count() == 0  # opening the message read it
    assert_reads_in_language(page, reader)
    shoot(page, shot, "5-owner-reads-the-outcome")
