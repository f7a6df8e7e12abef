"""Story: an actor reads a studio's request on a review page (studio, work, every term, fee, credit),
ticks that she has read and agrees, confirms, and keeps a receipt: a printable page and the signed
document as a download. On a desktop and on a phone, under the production security headers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from licensing.models import License
from tests.browser.conftest import shoot, sign_in
from tests.factories import make_licensed_story

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("device", "viewport"), [("desktop", (1100, 900)), ("phone", (390, 844))])
def test_an_actor_reads_agrees_confirms_and_keeps_a_receipt(
    page: Any, settings: Any, device: str, viewport: tuple[int, int]
) -> None:
    settings.SECURITY_HEADERS = True
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    story = make_licensed_story(approve=False)
    sign_in(page, story.actor.user)
    page.goto(f"/licences/{story.license.pk}/")
    page.get_by_role("link", name="Approve and sign").click()
    page.wait_for_url("**/review/")
    assert page.locator("#terms-studio").inner_text() == story.studio.organisation.name
    assert story.work.title in page.locator("#terms-works").inner_text()
    assert page.locator("#terms-fee").inner_text() == "25.00 EUR per render"
    assert "Face of Ada Person, used under licence" in page.locator("#terms-credit").inner_text()
    assert "At most 10 renders." in page.locator("#scope").inner_text()
    shoot(page, f"ceremony-{device}", "1-review")

    # Continuing without the tick is stopped by the browser; nothing is signed.
    page.get_by_role("button", name="Continue").click()
    assert "/review/" in page.url
    page.get_by_label("I have read every term above and I agree", exact=False).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/confirm/")
    assert "lets " + story.studio.organisation.name in page.locator("#confirm-summary").inner_text()
    assert License.objects.get(pk=story.license.pk).status == "requested"
    shoot(page, f"ceremony-{device}", "2-confirm")

    page.get_by_role("button", name="Sign the licence").click()
    page.wait_for_url("**/receipt/")
    assert page.get_by_text("You signed the licence. It is active now.").is_visible()
    licence = License.objects.get(pk=story.license.pk)
    assert licence.status == "active"
    assert page.locator("#receipt-owner-kid").inner_text() == licence.owner_key_id
    assert page.locator("#receipt-status-url").inner_text().endswith(f"/api/v1/licenses/{licence.pk}/status")
    shoot(page, f"ceremony-{device}", "3-receipt")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the signed licence (JSON)").click()
    record = json.loads(Path(download_info.value.path()).read_text())
    assert record["canonical_document"] == licence.document
    assert record["signatures"]["owner"] == {"key_id": licence.owner_key_id, "signature": licence.owner_signature}
    assert record["signatures"]["platform"]["signature"] == licence.platform_signature

    # Printed, the receipt is the document alone: no navigation, no buttons.
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("#signed-download").is_visible()
    assert page.locator("#receipt").is_visible()
    shoot(page, f"ceremony-{device}", "4-receipt-printed")
    assert violations == []
