"""Story: a rights holder registers a work by uploading one of its files, then grants studios the
right to adapt it without knowing any id: the studio it dealt with before is chosen by name from a
list, and a newcomer by typing its exact name (a mistyped name is refused next to that field, the
form kept as filled). The newcomer's member then finds the work among those it may adapt.
In English and in Chinese, on a desktop and on a phone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from config import clock
from licensing.models import AdaptationGrant, Work
from tests.browser.conftest import Reader, assert_reads_in_language, shoot, sign_in, sign_out
from tests.factories import grant_adaptation, make_rights_holder, make_studio, make_work, unique
from tests.render_story import hopper_jpeg

pytestmark = pytest.mark.browser


def test_a_rights_holder_registers_a_work_and_grants_studios_by_name(
    reader_page: Any, reader: Reader, tmp_path: Path
) -> None:
    page, t, story_name = reader_page, reader.t, f"grant-{reader.name}"
    holder = make_rights_holder("rights")
    known, newcomer = make_studio("known"), make_studio("newcomer")
    grant_adaptation(make_work(holder, title=unique("The Long Take")), holder=holder, studio=known)
    title = unique("Portrait of a Pilot")
    still = tmp_path / "pilot.jpg"
    still.write_bytes(hopper_jpeg())

    sign_in(page, holder.user, reader)
    page.get_by_role("link", name=t("Works"), exact=True).click()
    page.wait_for_url("**/works/")
    page.get_by_label(t("Title")).fill(title)
    page.get_by_label(t("Kind of work")).select_option("still")
    page.get_by_label(t("Media file")).set_input_files(str(still))
    page.get_by_label(t("Media type")).select_option("image")
    assert page.get_by_label(t("Rights holder")).input_value() == str(holder.organisation.pk)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "1-register-a-work")
    page.get_by_role("button", name=t("Register"), exact=True).click()
    page.wait_for_url("**/works/*-*/")
    work = Work.objects.get(title=title)
    assert page.get_by_text(t("Work registered.")).is_visible()
    assert page.locator("h1").inner_text().startswith(title)
    assert_reads_in_language(page, reader)

    today = clock.now().date()
    until = (today + timedelta(days=365)).isoformat()

    # The studio it dealt with before: chosen from the list by its name.
    page.get_by_label(t("Studio"), exact=True).select_option(label=known.organisation.name)
    page.get_by_label(t("From")).fill(today.isoformat())
    page.get_by_label(t("Until")).fill(until)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    shoot(page, story_name, "2-grant-by-choosing-the-studio")
    page.get_by_role("button", name=t("Grant"), exact=True).click()
    page.wait_for_url(f"**/works/{work.pk}/")
    assert page.get_by_text(t("Adaptation right granted.")).is_visible()
    assert AdaptationGrant.objects.filter(work=work, studio=known.organisation).exists()
    assert_reads_in_language(page, reader)

    # A newcomer, by its exact name: mistyped first, refused next to the field, the form kept.
    mistyped = newcomer.organisation.name + "s"
    page.get_by_label(t("…or another studio, by its exact name")).fill(mistyped)
    page.get_by_label(t("Territories")).fill("FR")
    page.get_by_label(t("From")).fill(today.isoformat())
    page.get_by_label(t("Until")).fill(until)
    page.get_by_role("button", name=t("Grant"), exact=True).click()
    page.wait_for_load_state()
    invalid = page.locator(".field.invalid")
    assert invalid.count() == 1 and invalid.locator("#id_studio_name").count() == 1
    refusal = t("No studio is called “%(name)s”. Check the exact name.") % {"name": mistyped}
    assert invalid.locator(".errors").inner_text().strip() == refusal
    assert page.get_by_label(t("Territories")).input_value() == "FR"
    assert page.get_by_label(t("Until")).input_value() == until
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "3-mistyped-name-refused")
    page.get_by_label(t("…or another studio, by its exact name")).fill(newcomer.organisation.name)
    page.get_by_role("button", name=t("Grant"), exact=True).click()
    page.wait_for_url(f"**/works/{work.pk}/")
    grants = page.locator(".card").filter(has_text=t("Adaptation grants to studios"))
    assert newcomer.organisation.name in grants.inner_text() and known.organisation.name in grants.inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "4-both-studios-granted")

    # The newcomer's member finds the work among those it may adapt.
    sign_out(page, reader)
    sign_in(page, newcomer.user, reader)
    page.get_by_role("link", name=t("Works"), exact=True).click()
    page.wait_for_url("**/works/")
    assert page.get_by_role("link", name=title).is_visible()
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "5-the-studio-sees-the-work")
