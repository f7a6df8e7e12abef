"""Render jobs: submit, watch live (the page polls a small JSON view), download, read refusals;
thumbnails of outputs for the studio and for the likeness owner."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from licensing.models import LicenseStatus
from render.downloads import render_job_download_url
from render.models import TERMINAL_STATUSES, FaceSelection, JobStatus, RenderJob
from render.selectors import render_job_seen_by_party, render_job_visible_to, render_jobs_visible_to
from render.submission import render_job_submit
from web.explanations import explain
from web.forms import RenderSubmitForm
from web.pages import attempt, page
from web.selectors import licences_of_studios
from web.thumbnails import output_thumbnail


@page
def render_list(request: HttpRequest) -> HttpResponse:
    licenses = licences_of_studios(request.user).filter(status=LicenseStatus.ACTIVE)
    choices = [(str(lic.pk), f"{lic.likeness.owner.display_name} — {lic.licensee.name} ({lic.pk})") for lic in licenses]
    form = RenderSubmitForm(request.POST or None, request.FILES or None, licenses=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        license = licenses.get(pk=data["license"])
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
            done=_("Render job submitted."),
            form=form,
            aliases={"license_id": "license", "face_index": "faces"},
        )
        if job is not None:
            return redirect("web:job", job_id=job.pk)
    return render(request, "web/renders.html", {"jobs": render_jobs_visible_to(request.user)[:50], "form": form})


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
        "download": reverse("web:job-download", args=[job.pk]) if job.status == JobStatus.COMPLETED else None,
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
