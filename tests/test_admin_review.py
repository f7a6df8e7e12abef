"""Django admin: auditors read the audit trail there; nobody can change it; non-staff are kept out.

Personas: an auditor (staff, auditor group); an admin (superuser); a studio member (not staff).
"""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from tests.factories import make_actor, make_admin, make_auditor, make_studio

pytestmark = pytest.mark.django_db


def signed_in(persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def test_the_auditor_reads_entries_but_cannot_change_or_delete_them():
    make_actor()
    auditor = signed_in(make_auditor())
    assert auditor.get("/admin/audit/auditentry/").status_code == 200
    assert auditor.get("/admin/audit/auditentry/?action__exact=likeness.created").status_code == 200
    detail = auditor.get("/admin/audit/auditentry/1/change/")
    assert detail.status_code == 200 and b"Save" not in detail.content
    assert auditor.post("/admin/audit/auditentry/1/delete/").status_code == 403
    assert AuditEntry.objects.filter(seq=1).exists()
    # The auditor sees only the audit trail, not the likenesses it mentions.
    assert auditor.get("/admin/likeness/likeness/").status_code == 403


def test_the_admin_sees_every_model_read_only():
    make_actor()
    make_studio()
    admin = signed_in(make_admin())
    for url in [
        "/admin/audit/auditentry/",
        "/admin/accounts/apitoken/",
        "/admin/likeness/likeness/",
        "/admin/likeness/likenessowner/",
        "/admin/licensing/organisation/",
        "/admin/licensing/membership/",
    ]:
        assert admin.get(url).status_code == 200, url
    assert admin.get("/admin/likeness/likeness/add/").status_code == 403


def test_a_studio_member_is_not_let_into_admin():
    studio = signed_in(make_studio())
    response = studio.get("/admin/audit/auditentry/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
