"""An owner invites a studio with a link instead of her likeness's id: a short random code, stored
only hashed, expiring and revocable. Following it, a studio member finds the request form filled in
and the likeness chosen by the code.

Personas: Ada owns the likeness and invites; Studio follows the link; an outsider tries to invite.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest

from config.errors import Forbidden, NotFound
from licensing.invitations import invitation_create, invitation_revoke
from licensing.models import LicenceInvitation, License
from tests.factories import (
    grant_adaptation,
    make_licensable_actor,
    make_persona,
    make_rights_holder,
    make_studio,
    make_work,
)

pytestmark = pytest.mark.django_db


def invitation_link(client, actor) -> str:
    page = client.post(f"/likenesses/{actor.likeness.pk}/invitations/", {"note": "Studio", "days": 14})
    assert page.status_code == 200
    found = re.search(r'id="invitation-link" type="text" readonly value="([^"]+)"', page.content.decode())
    assert found, "the new link is shown once"
    return found.group(1)


def request_fields(work, code: str, studio) -> dict[str, object]:
    return {
        "invitation": code,
        "studio": str(studio.organisation.pk),
        "works": [str(work.pk)],
        "purposes": ["film"],
        "media_types": ["image"],
        "territories": "FR",
        "valid_until": "2099-01-01",
        "max_renders": 3,
    }


def test_the_link_holds_a_short_code_kept_only_as_its_hash(client):
    actor = make_licensable_actor("ada")
    client.force_login(actor.user)
    link = invitation_link(client, actor)
    code = link.rstrip("/").rsplit("/", 1)[-1]
    assert 10 <= len(code) <= 16 and str(actor.likeness.pk) not in link
    stored = LicenceInvitation.objects.get(likeness=actor.likeness)
    assert stored.code_sha256 == hashlib.sha256(code.encode()).hexdigest()
    assert code not in str(LicenceInvitation.objects.values().get())


def test_a_studio_follows_the_link_and_requests_without_any_id(client, clock):
    actor = make_licensable_actor("ada")
    holder, studio = make_rights_holder(), make_studio()
    work = make_work(holder)
    grant_adaptation(work, holder=holder, studio=studio)
    client.force_login(actor.user)
    link = invitation_link(client, actor)

    client.force_login(studio.user)
    assert "/licences/request/" in client.get("/licences/").content.decode(), "offered before any licence exists"
    opened = client.get(link, follow=True)
    page = opened.content.decode()
    assert "Ada Person invited you to request a licence" in page
    code = link.rstrip("/").rsplit("/", 1)[-1]
    assert f'value="{code}"' in page
    sent = client.post("/licences/request/", request_fields(work, code, studio))
    assert sent.status_code == 302
    assert License.objects.get().likeness_id == actor.likeness.pk


def test_a_revoked_or_expired_invitation_is_refused_on_the_form(client, clock):
    actor = make_licensable_actor("ada")
    holder, studio = make_rights_holder(), make_studio()
    work = make_work(holder)
    grant_adaptation(work, holder=holder, studio=studio)
    revoked, revoked_code = invitation_create(likeness=actor.likeness, actor=actor.user)
    invitation_revoke(invitation=revoked, actor=actor.user)
    _, expiring_code = invitation_create(likeness=actor.likeness, actor=actor.user, days=1)
    clock.advance(timedelta(days=2))
    client.force_login(studio.user)
    for code, words in ((revoked_code, "The owner revoked this invitation"), (expiring_code, "has expired")):
        answer = client.post("/licences/request/", request_fields(work, code, studio))
        assert answer.status_code == 200 and words in answer.content.decode()
    assert not License.objects.exists()


def test_only_the_owner_invites_and_revokes():
    actor = make_licensable_actor("ada")
    outsider = make_persona("outsider")
    with pytest.raises(Forbidden):
        invitation_create(likeness=actor.likeness, actor=outsider.user)
    invitation, _ = invitation_create(likeness=actor.likeness, actor=actor.user)
    with pytest.raises(NotFound):
        invitation_revoke(invitation=invitation, actor=outsider.user)
    assert LicenceInvitation.objects.get().revoked_at is None
