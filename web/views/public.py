"""Pages anyone may open: the media verifier."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.errors import DomainError
from render.limits import verify_limits
from render.verification import verify_media_upload
from web.forms import VerifyForm


def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = verify_media_upload(upload.chunks(), size=upload.size or 0, limits=verify_limits())
        except DomainError as exc:
            form.add_error("file", exc.message)
    # A refused file answers 400 (the page still explains why), so scripts and proxies see a client error.
    status = 400 if form.errors else 200
    return render(request, "web/verify.html", {"form": form, "report": report}, status=status)
