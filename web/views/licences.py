"""Licences, seen by the likeness owner (approve, decline, revoke, renders made under each) and by
the licensee studio (request one, follow its status)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError
from licensing.documents import parse
from licensing.invitations import invitation_open as invitation_lookup
from licensing.lifecycle import LicenseTerms, license_decline, license_request, license_revoke
from licensing.mandates import renders_hidden_from
from licensing.models import LicenseStatus, OrganisationKind
from licensing.scope import Scope, describe
from licensing.selectors import is_member, license_visible_to, organisations_visible_to, works_visible_to
from render.selectors import render_jobs_under_license, work_titles_of_files
from web.explanations import explain, explain_invitation
from web.forms import DeclineForm, LicenseRequestForm, RevokeForm, end_of_day, territory_list
from web.pages import attempt, page
from web.selectors import licences_of_owner, licences_of_studios


@page
def licence_list(request: HttpRequest) -> HttpResponse:
    mine = licences_of_owner(request.user)
    return render(
        request,
        "web/licences.html",
        {
            "requests": mine.filter(status=LicenseStatus.REQUESTED),
            "active": mine.filter(status=LicenseStatus.ACTIVE),
            "past": mine.exclude(status__in=[LicenseStatus.REQUESTED, LicenseStatus.ACTIVE]),
            "studio_licences": licences_of_studios(request.user),
        },
    )


@page
def licence_detail(request: HttpRequest, license_id: uuid.UUID) -> HttpResponse:
    return _licence_page(request, license_id)


def _licence_page(request: HttpRequest, license_id: uuid.UUID, **forms: object) -> HttpResponse:
    """The licence's page; a form passed in (refused, kept as filled) replaces its empty twin."""
    license = license_visible_to(request.user, license_id)
    jobs = [] if renders_hidden_from(request.user, license) else list(render_jobs_under_license(license))
    titles = work_titles_of_files([job.target_sha256 for job in jobs])
    is_owner = license.likeness.owner.user_id == request.user.pk
    is_licensee = is_member(request.user, license.licensee)
    for job in jobs:
        job.explanation = explain(job.refusal_reason)  # type: ignore[attr-defined]
        job.work_title = titles.get(job.target_sha256, "")  # type: ignore[attr-defined]
    return render(
        request,
        "web/licence.html",
        {
            "licence": license,
            # Addressed to the owner; anyone else (the studio, a representative) reads of "the owner".
            "scope": describe(Scope.from_document(parse(license.document)["scope"]), to_studio=not is_owner),
            "is_owner": is_owner,
            "is_licensee": is_licensee,
            "jobs": jobs,
            "decline_form": DeclineForm(),
            "revoke_form": RevokeForm(),
            **forms,
        },
    )


@page
@require_POST
def licence_decline(request: HttpRequest, license_id: uuid.UUID) -> HttpResponse:
    license = license_visible_to(request.user, license_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _licence_page(request, license_id, decline_form=form)
    declined = attempt(
        request,
        lambda: license_decline(license=license, reason=form.cleaned_data["reason"], actor=request.user),
        done=_("You declined the request."),
        form=form,
    )
    if declined is None:
        return _licence_page(request, license_id, decline_form=form)
    return redirect("web:licence", license_id=license_id)


@page
@require_POST
def licence_revoke(request: HttpRequest, license_id: uuid.UUID) -> HttpResponse:
    license = license_visible_to(request.user, license_id)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _licence_page(request, license_id, revoke_form=form, revoke_open=True)
    revoked = attempt(
        request,
        lambda: license_revoke(license=license, reason=form.cleaned_data["reason"], actor=request.user),
        done=_("The licence is revoked. Every output made under it now verifies as revoked."),
        form=form,
    )
    if revoked is None:
        return _licence_page(request, license_id, revoke_form=form, revoke_open=True)
    return redirect("web:licence", license_id=license_id)


def _invitation_code(value: str) -> str:
    """The code from a pasted code or a whole invitation link."""
    return value.strip().rstrip("/").rsplit("/", 1)[-1]


@page
def invitation_open(request: HttpRequest, code: str) -> HttpResponse:
    """A studio member follows an owner's invitation link: the request form, filled from it."""
    return redirect(f"{reverse('web:licence-request')}?invitation={code}")


@page
def licence_request(request: HttpRequest) -> HttpResponse:
    studios = [(str(o.pk), o.name) for o in organisations_visible_to(request.user).filter(kind=OrganisationKind.STUDIO)]
    works = [(str(w.pk), w.title) for w in works_visible_to(request.user)]
    code = _invitation_code(request.POST.get("invitation") or request.GET.get("invitation") or "")
    invitation, refusal = None, ""
    if code:
        try:
            invitation = invitation_lookup(code)
        except DomainError as exc:
            refusal = explain_invitation(exc.code)
    initial = {"invitation": code, "studio": studios[0][0] if len(studios) == 1 else None}
    form = LicenseRequestForm(request.POST or None, studios=studios, works=works, initial=initial)
    if request.method == "POST" and form.is_valid():
        if invitation is None:
            form.add_error("invitation", refusal or _("Paste the invitation link the owner sent you."))
        else:
            license = _send_request(request, form, invitation.likeness_id)
            if license is not None:
                return redirect("web:licence", license_id=license.pk)
    return render(
        request,
        "web/licence_request.html",
        {"form": form, "invitation": invitation, "invitation_refusal": refusal},
    )


def _send_request(request: HttpRequest, form: LicenseRequestForm, likeness_id: uuid.UUID) -> Any:
    data = form.cleaned_data
    studio = organisations_visible_to(request.user).get(pk=data["studio"])
    terms = LicenseTerms(
        work_ids=[uuid.UUID(w) for w in data["works"]],
        purposes=data["purposes"],
        media_types=data["media_types"],
        territories=territory_list(data["territories"]),
        valid_until=end_of_day(data["valid_until"]),
        max_renders=data["max_renders"],
        max_output_seconds=data["max_output_seconds"],
        label_text=data["label_text"] or None,
        attribution=data["attribution"] or None,
    )
    return attempt(
        request,
        lambda: license_request(studio=studio, likeness_id=likeness_id, terms=terms, actor=request.user),
        done=_("Request sent. The owner will read the terms and approve or decline."),
        form=form,
        aliases={"studio_id": "studio", "work_ids": "works", "likeness_id": "invitation"},
    )
