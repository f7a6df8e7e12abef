"""A rights holder grants a studio by choosing it by name: from the studios it has dealt with, or by
the studio's exact name. A refused grant keeps what was typed.

Personas: Rights (holder of a work); Studio, granted before; Newcomer, known only by name.
"""

from __future__ import annotations

import pytest

from licensing.models import AdaptationGrant
from tests.factories import grant_adaptation, make_rights_holder, make_studio, make_work

pytestmark = pytest.mark.django_db

DATES = {"territories": "WORLD", "valid_from": "2026-01-01", "valid_until": "2099-12-31"}


def test_studios_the_holder_dealt_with_are_offered_by_name(client):
    holder, studio, stranger = make_rights_holder(), make_studio(), make_studio("stranger")
    earlier, work = make_work(holder, title="Earlier"), make_work(holder, title="Next")
    grant_adaptation(earlier, holder=holder, studio=studio)
    client.force_login(holder.user)
    page = client.get(f"/works/{work.pk}/").content.decode()
    assert f'<option value="{studio.organisation.pk}">{studio.organisation.name}</option>' in page
    assert stranger.organisation.name not in page
    assert client.post(f"/works/{work.pk}/grants/", {"studio": str(studio.organisation.pk), **DATES}).status_code == 302
    assert AdaptationGrant.objects.filter(work=work, studio=studio.organisation).exists()


def test_a_studio_is_found_by_its_exact_name(client):
    holder, newcomer = make_rights_holder(), make_studio("newcomer")
    work = make_work(holder)
    client.force_login(holder.user)
    typed = newcomer.organisation.name.upper()
    assert client.post(f"/works/{work.pk}/grants/", {"studio_name": typed, **DATES}).status_code == 302
    assert AdaptationGrant.objects.get(work=work).studio == newcomer.organisation


def test_an_unknown_name_is_refused_next_to_the_field_and_the_form_keeps_what_was_typed(client):
    holder = make_rights_holder()
    work = make_work(holder)
    client.force_login(holder.user)
    answer = client.post(f"/works/{work.pk}/grants/", {"studio_name": "Nobody Pictures", **DATES})
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "No studio is called “Nobody Pictures”" in page
    assert 'value="Nobody Pictures"' in page and 'value="2099-12-31"' in page
    assert not AdaptationGrant.objects.exists()
