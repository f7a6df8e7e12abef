"""A likeness owner's pages: create and enrol a likeness, licensability, erasure."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError
from config.throttling import EnrolRateThrottle, page_allowed
from config.uploads import upload_limit
from licensing.attestations import attestations_of
from licensing.invitations import invitation_create, invitation_revoke, invitations_of
from licensing.models import LicenceInvitation
from likeness.codes import PhotoCode
from likeness.models import LikenessStatus
from likeness.proof import person_verified
from likeness.selectors import likeness_visible_to, owner_of, review_outcome
from likeness.services import (
    PhotoUpload,
    likeness_check_enrollable,
    likeness_create,
    likeness_enrol,
    likeness_erase,
    likeness_set_licensable,
)
from web.forms import EnrolForm, EraseForm, InvitationForm, LicensableForm, LikenessCreateForm
from web.pages import attempt, page
from web.refusals import refusal_sentence


@page
@require_POST
def likeness_new(request: HttpRequest) -> HttpResponse:
    form = LikenessCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the likeness a name."))
        return redirect("web:dashboard")
    owner = owner_of(request.user)
    likeness = attempt(
        request,
        lambda: likeness_create(owner=owner, display_name=form.cleaned_data["display_name"], actor=request.user),
        done=_("Likeness created. Now upload photos to enrol it."),
    )
    return redirect("web:likeness", likeness_id=likeness.pk) if likeness else redirect("web:dashboard")


def _likeness_page(request: HttpRequest, likeness_id: uuid.UUID, **context: object) -> HttpResponse:
    likeness = likeness_visible_to(request.user, likeness_id)
    return render(
        request,
        "web/likeness.html",
        {
            "likeness": likeness,
            "photos": likeness.photos.order_by("position"),
            "enrol_form": context.pop("enrol_form", EnrolForm()),
            "licensable_form": LicensableForm(initial={"licensable": likeness.licensable}),
            "person_verified": person_verified(likeness),
            "attestations": attestations_of(likeness),
            "review_outcome": review_outcome(likeness),
            "is_owner": likeness.owner.user_id == request.user.pk,
            "invitations": invitations_of(likeness),
            "invitation_form": InvitationForm(),
            **context,
        },
    )


@page
def likeness_detail(request: HttpRequest, likeness_id: uuid.UUID) -> HttpResponse:
    return _likeness_page(request, likeness_id)


@upload_limit("LIKENESS_PHOTO_MAX_BYTES", max_files=5, too_large_code=PhotoCode.IMAGE_TOO_LARGE)
@page
@require_POST
def likeness_enrol_photos(request: HttpRequest, likeness_id: uuid.UUID) -> HttpResponse:
    likeness = likeness_visible_to(request.user, likeness_id)
    # Limited like the API's enrolment (one counter per user), and checked before the photos are read.
    allowed, wait = page_allowed(request, EnrolRateThrottle)
    if not allowed:  # her own page again, with the sentence where messages show: never a bare text page
        messages.error(request, _("Too many enrolment attempts; try again in %(seconds)d seconds.") % {"seconds": wait})
        response = _likeness_page(request, likeness_id)
        response.status_code = 429
        response["Retry-After"] = str(wait)
        return response
    try:
        likeness_check_enrollable(likeness)
    except DomainError as exc:
        messages.error(request, refusal_sentence(exc))
        return redirect("web:likeness", likeness_id=likeness_id)
    form = EnrolForm(request.POST, request.FILES)
    if not form.is_valid():
        return _likeness_page(request, likeness_id, enrol_form=form)
    uploads = form.cleaned_data["photos"]
    photos = [PhotoUpload(name=upload.name or f"photo-{i + 1}", data=upload.read()) for i, upload in enumerate(uploads)]
    try:
        enrolled = likeness_enrol(likeness=likeness, photos=photos, actor=request.user)
    except DomainError as exc:
        sentence = refusal_sentence(exc)
        failed = exc.detail.get("index")
        failed_pair = exc.detail.get("indices") or []
        results = [
            {
                "name": photo.name,
                "problem": sentence if i == failed or i in failed_pair else "",
                "checked": failed is not None and i < failed,
            }
            for i, photo in enumerate(photos)
        ]
        messages.error(request, _("Enrolment was refused; nothing was stored. See each photo's result below."))
        return _likeness_page(request, likeness_id, enrol_form=form, results=results, refusal=sentence)
    if enrolled.status == LikenessStatus.FROZEN:
        messages.warning(
            request,
            _("Your photos were stored, but your likeness is not enrolled yet: it is held for a review. See below."),
        )
    else:
        messages.success(request, _("Your likeness is enrolled. Each accepted photo is listed below."))
    return redirect("web:likeness", likeness_id=likeness_id)


@page
@require_POST
def likeness_licensable(request: HttpRequest, likeness_id: uuid.UUID) -> HttpResponse:
    likeness = likeness_visible_to(request.user, likeness_id)
    form = LicensableForm(request.POST)
    form.is_valid()
    licensable = bool(form.cleaned_data.get("licensable"))
    attempt(
        request,
        lambda: likeness_set_licensable(likeness=likeness, licensable=licensable, actor=request.user),
        done=_("Studios may now request licences.") if licensable else _("Your likeness is now not licensable."),
    )
    return redirect("web:likeness", likeness_id=likeness_id)


@page
def likeness_erase_confirm(request: HttpRequest, likeness_id: uuid.UUID) -> HttpResponse:
    likeness = likeness_visible_to(request.user, likeness_id)
    if likeness.owner.user_id != request.user.pk:
        raise Http404
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        erased = attempt(
            request,
            lambda: likeness_erase(likeness=likeness, actor=request.user),
            done=_("Your likeness was erased. Its photos, face data and key are gone."),
        )
        if erased is not None:
            return redirect("web:likeness", likeness_id=likeness_id)
    return render(request, "web/likeness_erase.html", {"likeness": likeness, "form": form})


@page
@require_POST
def invitation_new(request: HttpRequest, likeness_id: uuid.UUID) -> HttpResponse:
    likeness = likeness_visible_to(request.user, likeness_id)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _likeness_page(request, likeness_id)
    made = attempt(
        request,
        lambda: invitation_create(
            likeness=likeness, actor=request.user, note=form.cleaned_data["note"], days=form.cleaned_data["days"]
        ),
        done=_("Invitation created. Copy the link now: it is shown only once."),
    )
    if made is None:
        return redirect("web:likeness", likeness_id=likeness_id)
    link = request.build_absolute_uri(reverse("web:invitation", args=[made[1]]))
    return _likeness_page(request, likeness_id, new_invitation_link=link, new_invitation_code=made[1])


@page
@require_POST
def invitation_revoke_view(request: HttpRequest, invitation_id: uuid.UUID) -> HttpResponse:
    invitation = LicenceInvitation.objects.select_related("likeness__owner").filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    likeness = likeness_visible_to(request.user, invitation.likeness_id)
    attempt(
        request,
        lambda: invitation_revoke(invitation=invitation, actor=request.user),
        done=_("Invitation revoked: its link no longer works."),
    )
    return redirect("web:likeness", likeness_id=likeness.pk)
