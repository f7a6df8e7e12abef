"""Who hears of what: an inbox per person and an e-mail in her own language, once per event.

Personas: Ada (an actor who reads simplified Chinese: she chose it on the site), Studio's member
(reads English, the default), and an outsider. Ada hears of requests to her, of her licences ending
soon, of renders made under them and of their downloads; Studio hears of approvals, declines,
revocations and of its jobs' ends.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils.html import escape

from accounts.models import Notification, UserProfile
from accounts.notifications import notifications_unread_count
from licensing.lifecycle import license_approve, license_decline, license_request, license_revoke
from licensing.notices import license_notify
from licensing.tasks import license_expiring_notify_task
from render.execution import render_job_execute
from render.models import RenderJob
from tests.factories import (
    grant_adaptation,
    license_terms,
    make_licensable_actor,
    make_licensed_story,
    make_persona,
    make_rights_holder,
    make_studio,
    make_work,
)
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db


def web_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def with_email(user, address: str):
    user.email = address
    user.save(update_fields=["email"])
    return user


def kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_a_request_reaches_the_owner_once_and_her_mail_is_in_the_language_she_chose(
    clock, django_capture_on_commit_callbacks
):
    ada = make_licensable_actor("ada")
    with_email(ada.user, "ada@example.org")
    assert web_client(ada.user).post("/language/", {"language": "zh-hans", "next": "/"}).status_code == 302
    assert UserProfile.objects.get(user=ada.user).language == "zh-hans"
    rights, studio = make_rights_holder("rights"), make_studio("studio")
    with_email(studio.user, "studio@example.org")
    work = make_work(rights)
    grant_adaptation(work, holder=rights, studio=studio)

    with django_capture_on_commit_callbacks(execute=True):
        license = license_request(
            studio=studio.organisation, likeness_id=ada.likeness.pk, terms=license_terms([work]), actor=studio.user
        )
    assert kinds(ada.user) == ["license.requested"]
    assert kinds(studio.user) == []
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ada@example.org"], f"来自 {studio.organisation.name} 的新许可申请")
    ]
    assert "申请许可使用您的肖像" in mail.outbox[0].body and f"/licences/{license.pk}/" in mail.outbox[0].body

    assert license_notify(license, "license.requested") == 0, "the same event notifies nobody twice"
    assert Notification.objects.filter(recipient=ada.user).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        license_approve(license=license, actor=ada.user)
    assert kinds(studio.user) == ["license.approved"]
    assert mail.outbox[-1].to == ["studio@example.org"]
    assert mail.outbox[-1].subject == "Your licence request was approved"  # English: his default


def test_studio_members_hear_of_declines_and_revocations(clock, django_capture_on_commit_callbacks):
    declined = make_licensed_story(approve=False)
    license_decline(license=declined.license, reason="not this film", actor=declined.actor.user)
    assert kinds(declined.studio.user) == ["license.declined"]

    revoked = make_licensed_story()
    license_revoke(license=revoked.license, reason="changed my mind", actor=revoked.actor.user)
    assert kinds(revoked.studio.user) == ["license.approved", "license.revoked"]
    assert kinds(revoked.actor.user) == ["license.requested"], "the owner is not told of her own decisions"


def test_renders_and_downloads_reach_the_owner_and_job_ends_reach_the_submitter(tmp_path, clock):
    story = make_render_story(tmp_path)
    response = story.submit()
    job = RenderJob.objects.get(pk=response.json()["id"])
    assert job.status == "completed"
    render_job_execute(job.pk)  # a second delivery of the task notifies nobody again
    assert kinds(story.studio.user) == ["license.approved", "render.completed"]
    assert kinds(story.actor.user) == ["license.requested", "render.made"]

    for _ in range(2):
        assert story.studio.client().get(f"/api/v1/render-jobs/{job.pk}/download").status_code == 200
    assert kinds(story.actor.user) == ["license.requested", "render.downloaded", "render.downloaded", "render.made"]

    refused = RenderJob.objects.get(pk=story.submit(territory="US").json()["id"])
    assert refused.status == "refused"
    refusal = Notification.objects.get(recipient=story.studio.user, kind="render.refused")
    assert refusal.params["reason"] == "territory_not_permitted" and refusal.link == f"/renders/{refused.pk}/"


def test_an_owner_hears_once_that_a_licence_ends_soon(clock, settings):
    settings.LICENSE_EXPIRING_NOTICE_DAYS = 7
    story = make_licensed_story()  # ends in 30 days
    assert license_expiring_notify_task.apply().get() == 0
    clock.advance(timedelta(days=24))
    assert license_expiring_notify_task.apply().get() == 1
    assert license_expiring_notify_task.apply().get() == 0  # the beat runs again: no second message
    notice = Notification.objects.get(recipient=story.actor.user, kind="license.expiring")
    assert notice.params["until"] == story.license.valid_until.date().isoformat()


def test_the_inbox_counts_unread_messages_and_marks_them_read(clock):
    story = make_licensed_story()
    license_revoke(license=story.license, reason="", actor=story.actor.user)
    studio = web_client(story.studio.user)
    page = studio.get("/inbox/").content.decode()
    assert 'id="unread-count"' in page and ">2</span>" in page
    assert "Your licence request was approved" not in page  # the inbox shows the sentence, not the subject
    assert escape(f"approved and signed the licence on “{story.actor.likeness.display_name}”") in page

    first = Notification.objects.filter(recipient=story.studio.user).order_by("created_at").first()
    assert first is not None
    assert studio.post("/inbox/read/", {"notification": str(first.pk)}).status_code == 302
    assert notifications_unread_count(story.studio.user) == 1

    outsider = make_persona("outsider")
    assert web_client(outsider.user).post("/inbox/read/", {"notification": str(first.pk)}).status_code == 404
    assert "unread-count" not in web_client(outsider.user).get("/inbox/").content.decode()

    studio.post("/inbox/read/")
    assert notifications_unread_count(story.studio.user) == 0
    assert 'id="unread-count"' not in studio.get("/inbox/").content.decode()


def test_opening_a_message_reads_it_and_follows_its_link(clock):
    story = make_licensed_story(approve=False)
    ada = web_client(story.actor.user)
    (request,) = Notification.objects.filter(recipient=story.actor.user)
    assert f'href="/inbox/{request.pk}/open/"' in ada.get("/inbox/").content.decode()
    opened = ada.get(f"/inbox/{request.pk}/open/")
    assert (opened.status_code, opened["Location"]) == (302, f"/licences/{story.license.pk}/")
    assert notifications_unread_count(story.actor.user) == 0
    outsider = web_client(make_persona("outsider").user)
    assert outsider.get(f"/inbox/{request.pk}/open/").status_code == 404
