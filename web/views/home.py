"""The signed-in user's dashboard: one section per role they hold."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from licensing.models import LicenseStatus
from licensing.selectors import organisations_visible_to
from likeness.selectors import owner_of
from render.selectors import render_jobs_visible_to
from web.pages import page
from web.selectors import licences_of_owner


@page
def dashboard(request: HttpRequest) -> HttpResponse:
    owner = owner_of(request.user)
    return render(
        request,
        "web/dashboard.html",
        {
            "owner": owner,
            "likenesses": owner.likenesses.order_by("-created_at") if owner else [],
            "requests": licences_of_owner(request.user).filter(status=LicenseStatus.REQUESTED),
            "organisations": organisations_visible_to(request.user),
            "jobs": render_jobs_visible_to(request.user)[:10],
        },
    )
