"""The auditor's review page in Django admin: the chain and checkpoints verified, green or red.

Personas: an auditor; an attacker with database access; a studio member kept out.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from audit.evidence import verify_bundle
from audit.triggers import drop_guard
from tests.factories import make_actor, make_auditor, make_studio

pytestmark = pytest.mark.django_db


def signed_in(persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def test_an_intact_trail_shows_green():
    make_actor()
    call_command("audit_checkpoint", stdout=io.StringIO())
    page = signed_in(make_auditor()).get("/admin/audit/auditentry/review/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="chain-status" data-ok="true"' in html
    assert 'id="checkpoint-status" data-ok="true"' in html


def test_an_edited_entry_shows_red_with_the_first_bad_entry():
    make_actor()
    call_command("audit_checkpoint", stdout=io.StringIO())
    auditor = signed_in(make_auditor())
    drop_guard(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_entry SET actor_label = 'mallory' WHERE seq = 2")
    html = auditor.get("/admin/audit/auditentry/review/").content.decode()
    assert 'id="chain-status" data-ok="false"' in html
    assert "first bad entry #2 (hash_mismatch)" in html
    assert 'id="checkpoint-status" data-ok="false"' in html


def test_a_targets_whole_history_is_one_click_and_exports_as_evidence():
    actor = make_actor()
    make_actor("other")
    auditor = signed_in(make_auditor())
    listing = auditor.get("/admin/audit/auditentry/")
    history_url = f"target_type=likeness.likeness&amp;target_id={actor.likeness.pk}"
    assert history_url in listing.content.decode()
    history = auditor.get(
        "/admin/audit/auditentry/", {"target_type": "likeness.likeness", "target_id": str(actor.likeness.pk)}
    )
    assert history.status_code == 200
    assert history.context["cl"].result_count == 1
    export_url = history.context["evidence_url"]
    bundle = auditor.get(export_url)
    assert bundle["Content-Type"] == "application/zip"
    assert verify_bundle(bundle.content).ok
    assert "README.md" in zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()


def test_studio_members_cannot_open_the_review_page():
    studio = signed_in(make_studio())
    assert studio.get("/admin/audit/auditentry/review/").status_code == 302
