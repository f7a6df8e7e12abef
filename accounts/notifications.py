"""Notifications: an inbox per person, and an e-mail for each message, in the recipient's language.

Any app may call `notify(...)` inside the transaction that makes the event happen: the inbox row is
written in that transaction (once per recipient and event: `event_key`), and the e-mail is sent
after it commits, through Django's mail system (EMAIL_BACKEND; the console backend by default).

A notification stores its kind and parameters, never sentences: the words come from `MESSAGES`,
rendered in the reader's language when the inbox is shown, and in the recipient's preferred
language (UserProfile.language) when mailed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Notification, UserProfile
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Invalid, NotFound

logger = logging.getLogger(__name__)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Message:
    subject: Promise
    body: Promise


# Every kind a notification may have. The parameters each one uses are named in its sentences.
MESSAGES: dict[str, Message] = {
    "license.requested": Message(
        _("New licence request from %(studio)s"),
        _("%(studio)s asks to license your likeness “%(likeness)s”. Open the request to approve or decline it."),
    ),
    "license.expiring": Message(
        _("A licence on your likeness ends soon"),
        _("The licence you granted %(studio)s on “%(likeness)s” ends on %(until)s."),
    ),
    "license.approved": Message(
        _("Your licence request was approved"),
        _("%(owner)s approved and signed the licence on “%(likeness)s”. You may render under it now."),
    ),
    "license.declined": Message(
        _("Your licence request was declined"),
        _("%(owner)s declined the licence request on “%(likeness)s”."),
    ),
    "license.revoked": Message(
        _("A licence was revoked"),
        _("The licence on “%(likeness)s” was revoked. No new renders are allowed under it."),
    ),
    "render.made": Message(
        _("A render was made under your licence"),
        _("%(studio)s completed a render with your likeness “%(likeness)s”."),
    ),
    "render.downloaded": Message(
        _("A render of your likeness was downloaded"),
        _("A member of %(studio)s downloaded a render made with your likeness “%(likeness)s”."),
    ),
    "render.completed": Message(
        _("Your render is done"),
        _("The render under the licence on “%(likeness)s” is complete and ready to download."),
    ),
    "render.refused": Message(
        _("Your render was refused"),
        _("The render under the licence on “%(likeness)s” was refused (%(reason)s)."),
    ),
    "likeness.approved": Message(
        _("Your enrolment was approved"),
        _("The platform reviewed the enrolment of “%(likeness)s” and approved it: your likeness is enrolled."),
    ),
    "likeness.rejected": Message(
        _("Your enrolment was rejected"),
        _(
            "The platform reviewed the enrolment of “%(likeness)s” and rejected it, because the face belongs "
            "to another enrolled likeness. Your photos and face data were erased."
        ),
    ),
    "render.revoked": Message(
        _("Your render was stopped"),
        _("The licence on “%(likeness)s” fell while your render ran (%(reason)s); its output was discarded."),
    ),
}


def _in_words(value: Any) -> Any:
    """An ISO date parameter ("2026-11-30", stored so rows stay language-free) the way the active
    language writes dates ("Nov. 30, 2026", "2026年11月30日"); anything else as it is."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date_format(date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    return value


def _words(template: Promise, params: dict[str, Any]) -> str:
    text = str(template)
    try:
        return text % {key: _in_words(value) for key, value in params.items()}
    except (KeyError, TypeError, ValueError):
        return text  # a parameter missing from an old row: the sentence without it, never a crash


def notification_subject(notification: Notification) -> str:
    """The subject line in the active language."""
    message = MESSAGES.get(notification.kind)
    return _words(message.subject, notification.params) if message else notification.kind


def notification_text(notification: Notification) -> str:
    """The sentence in the active language."""
    message = MESSAGES.get(notification.kind)
    return _words(message.body, notification.params) if message else notification.kind


def user_language(user: Any) -> str:
    """The recipient's preferred language, or the site default."""
    language = UserProfile.objects.filter(user=user).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def user_language_set(*, user: Any, language: str) -> UserProfile:
    """Remember the language a signed-in person chose on the site (for her e-mails). A change is
    audited with the old and new value in the same transaction; choosing the same one again writes
    nothing."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise Invalid(f"unknown language {language!r}", detail={"field": "language"})
    with transaction.atomic():
        profile, _created = UserProfile.objects.select_for_update().get_or_create(user=user)
        before = profile.language
        if before == language:
            return profile
        profile.language = language
        profile.save(update_fields=["language"])
        audit_record(
            actor=user,
            action=AuditAction.USER_LANGUAGE_CHANGED,
            target=profile,
            data={"user_id": user.pk, "from": before, "to": language},
        )
    return profile


def notify(*, user: Any, kind: str, event_key: str, params: dict[str, Any], link: str = "") -> Notification | None:
    """Put one message in `user`'s inbox (once per `event_key`) and mail it after the commit.

    Returns the new notification, or None when this event already notified this person.
    """
    if kind not in MESSAGES:
        raise ValueError(f"unknown notification kind {kind!r}")
    if user is None or not getattr(user, "pk", None):
        return None
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            recipient_id=user.pk,
            event_key=event_key[:120],
            defaults={"kind": kind, "params": params, "link": link, "created_at": clock.now()},
        )
    if not created:
        return None
    notification_id = notification.pk
    transaction.on_commit(lambda: notification_email_send(notification_id=notification_id))
    return notification


def notify_each(*, users: Any, kind: str, event_key: str, params: dict[str, Any], link: str = "") -> int:
    """`notify` every user in `users` (each once); returns how many were notified now."""
    return sum(
        notify(user=user, kind=kind, event_key=event_key, params=params, link=link) is not None for user in users
    )


def notification_email_send(*, notification_id: Any) -> bool:
    """Mail one notification to its recipient in her language; at most once. A failure is logged:
    the inbox still holds the message."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None or not notification.recipient.email:
        return False
    recipient: User = notification.recipient
    with translation.override(user_language(recipient)):
        subject = notification_subject(notification)
        body = notification_text(notification)
        if notification.link:
            body += "\n\n" + settings.PUBLIC_BASE_URL.rstrip("/") + notification.link
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    except OSError as exc:
        logger.warning("notification %s: the e-mail could not be sent (%s)", notification.pk, type(exc).__name__)
        return False
    Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=clock.now())
    return True


def notifications_of(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=getattr(user, "pk", None))


def notifications_unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return notifications_of(user).filter(read_at__isnull=True).count()


def notification_open(*, user: Any, notification_id: Any) -> str:
    """Opening one of the user's notifications reads it: marked read, and where it leads returned
    (empty when it leads nowhere)."""
    notification = notifications_of(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound("no such notification")
    notifications_mark_read(user=user, notification_id=notification.pk)
    return notification.link


def notifications_mark_read(*, user: Any, notification_id: Any = None) -> int:
    """Mark one of the user's notifications read (or all of them when no id is given)."""
    unread = notifications_of(user).filter(read_at__isnull=True)
    with transaction.atomic():
        if notification_id is not None:
            if not notifications_of(user).filter(pk=notification_id).exists():
                raise NotFound("no such notification")
            unread = unread.filter(pk=notification_id)
        return unread.update(read_at=clock.now())
