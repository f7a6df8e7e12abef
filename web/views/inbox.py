"""The inbox: what happened that concerns the signed-in person (requests, renders, downloads,
decisions), newest first; marking messages read; and remembering the language she reads."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts.notifications import (
    notification_open,
    notification_text,
    notifications_mark_read,
    notifications_of,
    user_language_set,
)
from config.errors import Invalid
from web.explanations import explain
from web.pages import page


@page
def inbox(request: HttpRequest) -> HttpResponse:
    items = list(notifications_of(request.user)[:200])
    for item in items:
        reason = item.params.get("reason") if isinstance(item.params, dict) else None
        if reason:  # a refusal's code, said as the job page says it (in memory only: the row keeps the code)
            item.params = {**item.params, "reason": explain(str(reason)).rstrip(".。")}
        item.text = notification_text(item)  # type: ignore[attr-defined]  # in the reader's language
    return render(request, "web/inbox.html", {"notifications": items})


@page
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("notification", "")
    try:
        notification_id = uuid.UUID(raw) if raw else None
    except ValueError:
        notification_id = None
    notifications_mark_read(user=request.user, notification_id=notification_id)
    return redirect("web:inbox")


@page
def inbox_open(request: HttpRequest, notification_id: uuid.UUID) -> HttpResponse:
    """Follow a message's link; opening it reads it, so the unread count drops as she expects."""
    link = notification_open(user=request.user, notification_id=notification_id)
    if not link or not url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect("web:inbox")
    return redirect(link)


@require_POST
def language(request: HttpRequest) -> HttpResponseBase:
    """Django's language switch, which also remembers a signed-in person's choice for her e-mails."""
    response = set_language(request)
    if request.user.is_authenticated:
        try:
            user_language_set(user=request.user, language=request.POST.get("language", ""))
        except Invalid:
            pass  # an unknown code: Django's view ignored it too
    return response
