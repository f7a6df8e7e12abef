"""Story: an actor reads a studio's request on a review page (studio, work, every term, fee, credit),
ticks that she has read and agrees, confirms, and keeps a receipt: a printable page and the signed
document as a download. In English and in Chinese, on a desktop and on a phone, under the production
security headers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from licensing.models import License
from tests.browser.conftest import Reader, assert_reads_in_language, shoot, sign_in
from tests.factories import make_licensed_story

pytestmark = pytest.mark.browser


def test_an_actor_reads_agrees_confirms_and_keeps_a_receipt(reader_page: Any, reader: Reader, settings: Any) -> None:
    page, t = reader_page, reader.t
    settings.SECURITY_HEADERS = True
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    story = make_licensed_story(approve=False)
    sign_in(page, story.actor.user, reader)
    page.goto(f"/licences/{story.license.pk}/")
    assert_reads_in_language(page, reader)
    page.get_by_role("link", name=t("Approve and sign")).click()
    page.wait_for_url("**/review/")
    assert page.locator("#terms-studio").inner_text() == story.studio.organisation.name
    assert story.work.title in page.locator("#terms-works").inner_text()
    fee = t("%(amount)s %(currency)s per render") % {"amount": "25.00", "currency": "EUR"}
    assert page.locator("#terms-fee").inner_text() == fee
    assert "Face of Ada Person, used under licence" in page.locator("#terms-credit").inner_text()
    assert reader.tn("At most %(n)s render.", "At most %(n)s renders.", 10) in page.locator("#scope").inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, f"ceremony-{reader.name}", "1-review")

    # Continuing without the tick is stopped by the browser; nothing is signed.
    page.get_by_role("button", name=t("Continue")).click()
    assert "/review/" in page.url
    agreement = t("I have read every term above and I agree to license my likeness on these terms.")
    page.get_by_label(agreement).check()
    page.get_by_role("button", name=t("Continue")).click()
    page.wait_for_url("**/confirm/")
    assert story.studio.organisation.name in page.locator("#confirm-summary").inner_text()
    assert License.objects.get(pk=story.license.pk).status == "requested"
    assert_reads_in_language(page, reader)
    shoot(page, f"ceremony-{reader.name}", "2-confirm")

    page.get_by_role("button", name=t("Sign the licence")).click()
    page.wait_for_url("**/receipt/")
    assert page.get_by_text(t("You signed the licence. It is active now.")).is_visible()
    assert_reads_in_language(page, reader)
    licence = License.objects.get(pk=story.license.pk)
    assert licence.status == "active"
    assert page.locator("#receipt-owner-kid").inner_text() == licence.owner_key_id
    assert page.locator("#receipt-status-url").inner_text().endswith(f"/api/v1/licenses/{licence.pk}/status")
    shoot(page, f"ceremony-{reader.name}", "3-receipt")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=t("Download the signed licence (JSON)")).click()
    record = json.loads(Path(download_info.value.path()).read_text())
    assert record["canonical_document"] == licence.document
    assert record["signatures"]["owner"] == {"key_id": licence.owner_key_id, "signature": licence.owner_signature}
    assert record["signatures"]["platform"]["signature"] == licence.platform_signature

    # Printed, the receipt is the document alone: no navigation, no buttons.
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("#signed-download").is_visible()
    assert page.locator("#receipt").is_visible()
    shoot(page, f"ceremony-{reader.name}", "4-receipt-printed")
    assert violations == []
