"""A rights holder registers a work from the page (it answered "Server Error (500)" every time).

Personas: a rights holder registering a film with its file and rights; the work page then lists it.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from licensing.models import OrganisationKind, Work
from licensing.parties import organisation_create
from tests.factories import make_persona

pytestmark = pytest.mark.django_db


def test_a_rights_holder_registers_a_work_with_its_file_and_rights(clock):
    holder = make_persona("holder")
    organisation = organisation_create(
        name="Lumen Rights", kind=OrganisationKind.RIGHTS_HOLDER, creator=holder.user, actor=holder.user
    )
    client = Client()
    client.force_login(holder.user)
    response = client.post(
        "/works/",
        {
            "holder": str(organisation.pk),
            "title": "Night Train",
            "kind": "film",
            "rights": ["reproduce", "adapt"],
            "territories": "WORLD",
            "media_type": "video",
            "file": SimpleUploadedFile("night-train.mp4", b"\x00\x00\x00\x18ftypmp42 not really a film"),
        },
    )
    assert response.status_code == 302, response.content[:500]
    work = Work.objects.get(title="Night Train")
    assert response["Location"] == f"/works/{work.pk}/"
    assert sorted(r.right for r in work.rights.all()) == ["adapt", "reproduce"]
    assert work.files.get().media_type == "video"
    assert "Night Train" in client.get(f"/works/{work.pk}/").content.decode()
