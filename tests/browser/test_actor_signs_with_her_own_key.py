"""Story: an actor who keeps her signing key herself (self-custody) signs a studio's request on the
site. The review page tells her she signs with her own key and gives her the exact bytes; she signs
them offline. A signature made with some other key is refused in her language, and she is left on
the same step to try again; the right one, uploaded as a file, signs the licence and she keeps the
receipt. In English and in Chinese, on a desktop and on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import translation

from licensing.documents import b64url, public_raw, sign
from licensing.models import License
from licensing.refusals import RefusalReason
from licensing.signing_keys import owner_key_register
from tests.browser.conftest import Reader, assert_reads_in_language, shoot, sign_in
from tests.factories import make_licensed_story
from web.explanations import EXPLANATIONS

pytestmark = pytest.mark.browser


def test_a_self_custody_owner_signs_on_the_page_with_a_detached_signature(
    reader_page: Any, reader: Reader, tmp_path: Path
) -> None:
    page, t = reader_page, reader.t
    shot = f"self-custody-{reader.name}"
    story = make_licensed_story(approve=False)
    key = Ed25519PrivateKey.generate()
    owner_key_register(owner=story.actor.owner, public_key=b64url(public_raw(key.public_key())), actor=story.actor.user)

    sign_in(page, story.actor.user, reader)
    page.goto(f"/licences/{story.license.pk}/")
    page.get_by_role("link", name=t("Approve and sign")).click()
    page.wait_for_url("**/review/")
    assert page.get_by_role("heading", name=t("You sign with your own key")).is_visible()
    assert_reads_in_language(page, reader)
    shoot(page, shot, "1-review-with-own-key")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=t("Download the document to sign")).first.click()
    to_sign = Path(download_info.value.path()).read_bytes()
    assert to_sign == License.objects.get(pk=story.license.pk).document.encode()

    page.get_by_label(t("I have read every term above and I agree to license my likeness on these terms.")).check()
    page.get_by_role("button", name=t("Continue")).click()
    page.wait_for_url("**/confirm/")
    assert_reads_in_language(page, reader)
    shoot(page, shot, "2-confirm-asks-for-the-signature")

    # A signature by some other key: refused, explained in her language, and she stays on this step.
    page.get_by_label(t("Your signature (base64url)")).fill(sign(Ed25519PrivateKey.generate(), to_sign))
    page.get_by_role("button", name=t("Sign the licence")).click()
    page.wait_for_url("**/sign/")
    with translation.override(reader.language):
        refusal = str(EXPLANATIONS[RefusalReason.OWNER_SIGNATURE_INVALID])
    field = page.locator(".field.invalid", has=page.get_by_label(t("Your signature (base64url)")))
    assert field.get_by_role("alert").inner_text() == refusal  # said at the field, with what a good one is
    assert t("Made with the key you registered as your own, over the document exactly as downloaded.") in (
        field.inner_text()
    )
    assert License.objects.get(pk=story.license.pk).status == "requested"
    assert page.get_by_role("button", name=t("Sign the licence")).is_visible()
    assert_reads_in_language(page, reader)
    shoot(page, shot, "3-wrong-key-refused")

    # Her own signature, as the file her signing tool wrote.
    signature = tmp_path / "licence.sig"
    signature.write_text(sign(key, to_sign) + "\n")
    page.get_by_label(t("Your signature (base64url)")).fill("")
    page.get_by_label(t("…or upload the signature file")).set_input_files(str(signature))
    page.get_by_role("button", name=t("Sign the licence")).click()
    page.wait_for_url("**/receipt/")
    assert page.get_by_text(t("You signed the licence. It is active now.")).is_visible()
    licence = License.objects.get(pk=story.license.pk)
    assert licence.status == "active" and licence.owner_signature == sign(key, to_sign)
    assert page.locator("#receipt-owner-kid").inner_text() == licence.owner_key_id
    assert_reads_in_language(page, reader)
    shoot(page, shot, "4-receipt")
