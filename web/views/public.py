"""Pages anyone may open: the media verifier."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.errors import DomainError
from config.throttling import VerifyRateThrottle, page_allowed
from config.uploads import upload_limit
from render.limits import verify_limits
from render.verification import verify_media_upload
from web.forms import VerifyForm
from web.refusals import refusal_sentence


@upload_limit("VERIFY_MAX_BYTES")
def verify(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # Checked before the body is parsed: the page shares POST /api/v1/verify's limit per client.
        allowed, wait = page_allowed(request, VerifyRateThrottle)
        if not allowed:
            # The page itself, the sentence on its file field (the body is never read).
            refused = VerifyForm(data={})
            refused.full_clean()
            sentence = _("Too many verifications from your address; try again in %(seconds)d seconds.")
            refused.errors["file"] = refused.error_class([sentence % {"seconds": wait}])
            response = render(request, "web/verify.html", {"form": refused, "report": None}, status=429)
            response["Retry-After"] = str(wait)
            return response
    form = VerifyForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = verify_media_upload(upload.chunks(), size=upload.size or 0, limits=verify_limits())
        except DomainError as exc:
            form.add_error("file", refusal_sentence(exc))  # the reader's words, never the service's English
    # A refused file answers 400 (the page still explains why), so scripts and proxies see a client error.
    status = 400 if form.errors else 200
    return render(request, "web/verify.html", {"form": form, "report": report}, status=status)
