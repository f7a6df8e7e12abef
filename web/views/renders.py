"""Render jobs: submit, watch live (the page polls a small JSON view), download, read refusals;
thumbnails of outputs for the studio and for the likeness owner."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from config import clock
from licensing.documents import parse
from licensing.models import License, LicenseStatus
from licensing.scope import date_in_words
from licensing.selectors import license_effective_status
from render.downloads import render_job_download_url
from render.models import TERMINAL_STATUSES, FaceSelection, JobStatus, RenderJob
from render.selectors import render_job_seen_by_party, render_job_visible_to, render_jobs_visible_to
from render.submission import render_job_submit
from web.explanations import explain, licence_unusable_reason
from web.forms import RenderSubmitForm
from web.pages import attempt, page
from web.selectors import licences_of_studios
from web.thumbnails import output_thumbnail


def _licence_label(license: License) -> str:
    works = ", ".join(w.get("title", "") for w in parse(license.document)["scope"].get("works", []))
    return _("%(works)s — %(owner)s, until %(until)s") % {
        "works": works,
        "owner": license.likeness.owner.display_name,
        "until": date_in_words(license.valid_until),
    }


@page
def render_list(request: HttpRequest) -> HttpResponse:
    licenses = list(licences_of_studios(request.user).exclude(status=LicenseStatus.DECLINED))
    now = clock.now()
    unusable: dict[str, str] = {}
    choices: list[tuple[str, str]] = []
    for lic in licenses:
        reason = licence_unusable_reason(license_effective_status(lic, at=now).status)
        label = _licence_label(lic)
        if reason:
            unusable[str(lic.pk)] = reason
            label = f"{label} ({reason})"
        choices.append((str(lic.pk), label))
    choices.sort(key=lambda choice: choice[0] in unusable)
    chosen = request.GET.get("license", "")  # "Render under this licence" on the licence's page
    initial = {"license": chosen} if chosen in dict(choices) and chosen not in unusable else {}
    form = RenderSubmitForm(
        request.POST or None, request.FILES or None, licenses=choices, unusable=unusable, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        license = next(lic for lic in licenses if str(lic.pk) == data["license"])
        job = attempt(
            request,
            lambda: render_job_submit(
                user=request.user,
                license_id=license.pk,
                upload=data["file"],
                purpose=data["purpose"],
                territory=data["territory"],
                face_selection=FaceSelection(data["faces"]),
                studio_id=license.licensee_id,
            ),
            done=lambda job: _submitted_note(request.user, job),
            form=form,
            aliases={"license_id": "license", "face_index": "faces"},
        )
        if job is not None:
            return redirect("web:job", job_id=job.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "web/renders.html",
        {"jobs": render_jobs_visible_to(request.user).select_related("license")[:50], "form": form},
        status=status,
    )


def _submitted_note(user: Any, job: RenderJob) -> str | None:
    """ "Submitted", unless the gate has already refused the job (tasks run inline on the embedded
    defaults): a success note over a refusal would contradict the page, which says why."""
    if render_job_visible_to(user, job.pk).status in (JobStatus.REFUSED, JobStatus.FAILED):
        return None
    return _("Render job submitted.")


def _output_withdrawn(job: RenderJob) -> bool:
    """A completed output whose licence was revoked: it may no longer be used nor downloaded."""
    return job.status == JobStatus.COMPLETED and job.license is not None and job.license.status == LicenseStatus.REVOKED


def _state(job: RenderJob) -> dict[str, object]:
    return {
        "id": str(job.pk),
        "status": job.status,
        "status_label": str(JobStatus(job.status).label),
        "progress": job.progress,
        "frames_done": job.frames_done,
        "frames_total": job.frames_total,
        "terminal": job.status in TERMINAL_STATUSES,
        "refusal_reason": job.refusal_reason,
        "refusal_explanation": explain(job.refusal_reason),
        "download": reverse("web:job-download", args=[job.pk])
        if job.status == JobStatus.COMPLETED and not _output_withdrawn(job)
        else None,
        "licence_revoked": _output_withdrawn(job),
    }


@page
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = render_job_visible_to(request.user, job_id)
    return render(request, "web/job.html", {"job": job, "state": _state(job)})


@page
def job_state(request: HttpRequest, job_id: uuid.UUID) -> JsonResponse:
    return JsonResponse(_state(render_job_visible_to(request.user, job_id)))


@page
def job_download(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = render_job_visible_to(request.user, job_id)
    url = attempt(
        request,
        lambda: render_job_download_url(job=job, actor=request.user, request_base=request.build_absolute_uri("/")[:-1]),
        done=_("Download started."),
    )
    return redirect(url) if url else redirect("web:job", job_id=job_id)


@page
def job_thumbnail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = render_job_seen_by_party(request.user, job_id)
    if job.status != JobStatus.COMPLETED or not job.output_name:
        raise Http404
    response = HttpResponse(output_thumbnail(job), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=300"
    return response
