# ruff: noqa: RUF001 - Chinese punctuation in the expected sentences
"""A refused form comes back filled, with the refusal as a sentence in the reader's language next to
the field it concerns (never "message (code)" in the services' English, never a redirect that loses
what was typed).

Personas: a studio requesting a licence with a mistyped territory; an actor whose likeness is closed
to licences (the refusal then concerns the likeness field); a rights holder registering a file that
another work already holds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from config import clock
from licensing.invitations import invitation_create
from licensing.models import License, WorkFile
from likeness.services import likeness_set_licensable
from tests.factories import grant_adaptation, make_licensable_actor, make_rights_holder, make_studio, make_work

pytestmark = pytest.mark.django_db


def _request_form(language: str, *, territories: str, licensable: bool = True):
    actor = make_licensable_actor("ada")
    _, code = invitation_create(likeness=actor.likeness, actor=actor.user)  # how a studio names the likeness
    if not licensable:
        likeness_set_licensable(likeness=actor.likeness, licensable=False, actor=actor.user)
    holder = make_rights_holder("rights")
    studio = make_studio("studio")
    work = make_work(holder)
    grant_adaptation(work, holder=holder, studio=studio)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(studio.user)
    response = client.post(
        "/licences/request/",
        {
            "studio": str(studio.organisation.pk),
            "invitation": code,
            "works": [str(work.pk)],
            "purposes": ["film"],
            "media_types": ["image"],
            "territories": territories,
            "valid_until": (clock.now() + timedelta(days=30)).date().isoformat(),
            "max_renders": "7",
            "label_text": "Synthetic: licensed face",
        },
    )
    return response


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Give country codes such as FR or DE, or WORLD alone for everywhere."),
        ("zh-hans", "请填写国家代码，例如 FR 或 DE；如适用于全球，请只填写 WORLD。"),
    ],
)
def test_a_mistyped_territory_is_refused_next_to_the_territories_field_with_the_form_kept(
    clock, language: str, sentence: str
) -> None:
    response = _request_form(language, territories="FRA, DE")
    assert response.status_code == 200  # re-rendered, not redirected
    form = response.context["form"]
    assert form.errors == {"territories": [sentence]}
    page = response.content.decode()
    field = page[page.index('<label for="id_territories"') :]
    field = field[: field.index('<div class="field')]  # this field's own block, up to the next field
    assert sentence in field
    assert 'value="FRA, DE"' in page and 'value="7"' in page and 'value="Synthetic: licensed face"' in page
    assert "validation_failed" not in page and "ISO 3166" not in page  # no code, no service English
    assert not License.objects.exists()


def test_a_likeness_closed_to_licences_is_refused_on_the_likeness_field_in_chinese(clock) -> None:
    response = _request_form("zh-hans", territories="FR", licensable=False)
    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": ["此肖像不接受许可申请。"]}
    assert not License.objects.exists()


def test_a_file_already_registered_is_refused_on_the_file_field_of_the_work_page(clock) -> None:
    holder = make_rights_holder("rights")
    first = make_work(holder, title="First")
    second = make_work(holder, title="Second")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(holder.user)
    taken = SimpleUploadedFile("same.mp4", b"the same bytes")
    client.post(f"/works/{first.pk}/files/", {"file": taken, "media_type": "video"})
    again = SimpleUploadedFile("same.mp4", b"the same bytes")
    response = client.post(f"/works/{second.pk}/files/", {"file": again, "media_type": "video"})
    assert response.status_code == 400  # the refused form, kept as filled
    assert response.context["file_form"].errors == {"file": ["此媒体文件已登记在某个作品下。"]}
    assert WorkFile.objects.filter(work=second).count() == 1  # only the one it was registered with
