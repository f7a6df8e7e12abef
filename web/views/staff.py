"""Staff pages (platform admins only; anyone else gets a 404): frozen enrolments awaiting review."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from likeness.selectors import frozen_enrolments, likeness_visible_to
from likeness.services import likeness_review
from web.forms import ReviewForm
from web.pages import attempt, page


@page
def frozen_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/staff_frozen.html", {"enrolments": frozen_enrolments(request.user)})


@page
@require_POST
def frozen_decide(request: HttpRequest, likeness_id: uuid.UUID) -> HttpResponse:
    frozen_enrolments(request.user)  # admins only: anyone else gets a 404 before anything is read
    likeness = likeness_visible_to(request.user, likeness_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return redirect("web:staff-frozen")
    approve = form.cleaned_data["decision"] == "approve"
    attempt(
        request,
        lambda: likeness_review(likeness=likeness, approve=approve, actor=request.user),
        done=_("Approved: the likeness is enrolled as the same person.")
        if approve
        else _("Rejected: the likeness and its face data are erased."),
    )
    return redirect("web:staff-frozen")
