"""A person's language choice is remembered for her e-mails, and each change of it is audited with
the old and the new value, in the transaction that makes it; choosing the language she already has
writes nothing.

Personas: Ada, an actor signed in, who switches the site to Chinese, chooses Chinese again, then
goes back to English; a visitor who is not signed in switches too (nothing of hers is remembered).
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import notifications
from accounts.models import UserProfile
from audit.models import AuditEntry
from tests.factories import make_actor

pytestmark = pytest.mark.django_db

CHANGED = "user_profile.language_changed"


def choose(client: Client, language: str) -> None:
    assert client.post("/language/", {"language": language, "next": "/"}).status_code == 302


def language_entries(user) -> list[tuple[str | None, str, str, int | None]]:
    entries = AuditEntry.objects.filter(action=CHANGED, actor_id=user.pk).order_by("seq")
    return [(e.data["from"], e.data["to"], e.target_type, e.actor_id) for e in entries]


def test_each_change_of_her_language_is_audited_with_the_old_and_new_value(clock) -> None:
    ada = make_actor("ada")
    client = Client()
    client.force_login(ada.user)

    choose(client, "zh-hans")
    choose(client, "zh-hans")  # the same again: nothing changed, nothing written
    choose(client, "en")

    assert UserProfile.objects.get(user=ada.user).language == "en"
    profile = UserProfile.objects.get(user=ada.user)
    assert language_entries(ada.user) == [
        ("", "zh-hans", "accounts.userprofile", ada.user.pk),
        ("zh-hans", "en", "accounts.userprofile", ada.user.pk),
    ]
    assert {e.target_id for e in AuditEntry.objects.filter(action=CHANGED)} == {str(profile.pk)}


def test_a_visitor_switching_language_leaves_no_entry(clock) -> None:
    before = AuditEntry.objects.filter(action=CHANGED).count()
    choose(Client(), "zh-hans")
    assert AuditEntry.objects.filter(action=CHANGED).count() == before
    assert not UserProfile.objects.exists()


def test_the_change_and_its_entry_are_written_together_or_not_at_all(clock, monkeypatch) -> None:
    ada = make_actor("ada")
    notifications.user_language_set(user=ada.user, language="en")

    def audit_fails(**_: object) -> None:
        raise RuntimeError("the audit log could not be written")

    monkeypatch.setattr(notifications, "audit_record", audit_fails)
    with pytest.raises(RuntimeError):
        notifications.user_language_set(user=ada.user, language="zh-hans")
    assert UserProfile.objects.get(user=ada.user).language == "en", "no change without its audit entry"
