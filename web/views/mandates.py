"""Mandates on the site: the owner grants and ends them; a representative sees the likenesses he
acts for and the requests waiting, and decides on them from the licence page."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.services import user_by_username
from licensing.mandate_models import MandateKind
from licensing.mandate_selectors import representation_of
from licensing.mandates import MandateTerms, mandate_end, mandate_grant, mandates_visible_to
from likeness.selectors import owner_of
from web.forms import end_of_day
from web.mandate_forms import MandateEndForm, MandateGrantForm
from web.pages import attempt, page


def _page(request: HttpRequest, form: MandateGrantForm | None = None) -> HttpResponse:
    owner = owner_of(request.user)
    mandates = mandates_visible_to(request.user)
    likenesses, waiting = representation_of(request.user)
    return render(
        request,
        "web/mandates.html",
        {
            "granted": mandates.filter(owner=owner) if owner else [],
            "held": mandates.filter(representative_id=request.user.pk),
            "represented": likenesses,
            "waiting": waiting,
            "form": form or (MandateGrantForm() if owner else None),
            "end_form": MandateEndForm(),
        },
    )


@page
def mandate_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    form = MandateGrantForm(request.POST)
    owner = owner_of(request.user)
    if owner is None or not form.is_valid():
        return _page(request, form)
    data = form.cleaned_data

    def grant() -> object:
        until = data["valid_until"]
        return mandate_grant(
            owner=owner,
            terms=MandateTerms(
                representative=user_by_username(data["representative"]),
                kind=MandateKind(data["kind"]),
                acts=list(data["acts"]),
                purposes=list(data["purposes"]) or None,
                valid_until=None if until is None else end_of_day(until),
                require_owner_cosign=data["require_owner_cosign"],
            ),
            actor=request.user,
        )

    if attempt(request, grant, done=_("The mandate is signed and in force."), form=form) is None:
        return _page(request, form)
    return redirect("web:mandates")


@page
@require_POST
def mandate_end_page(request: HttpRequest, mandate_id: uuid.UUID) -> HttpResponse:
    form = MandateEndForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    attempt(
        request,
        lambda: mandate_end(mandate_id=mandate_id, reason=reason, actor=request.user),
        done=_("The mandate has ended. Licences already signed under it stay in force until you revoke them."),
    )
    return redirect("web:mandates")
