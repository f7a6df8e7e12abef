"""Works, their files and rights (rights holders and studios), and adaptation grants (rights holders)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config import clock
from config.errors import Conflict, NotFound
from licensing.models import Organisation, Work
from licensing.selectors import (
    grant_visible_to,
    grants_of,
    is_member,
    organisations_visible_to,
    studio_by_id,
    studio_by_name,
    studios_known_to_holder,
    work_visible_to,
    works_visible_to,
)
from licensing.works import (
    WorkFileSpec,
    WorkRightSpec,
    adaptation_grant_create,
    adaptation_grant_revoke,
    work_file_add,
    work_register,
)
from web.forms import GrantForm, WithdrawForm, WorkFileForm, WorkRegisterForm, end_of_day, sha256_of, start_of_day
from web.forms import territory_list as territories
from web.pages import attempt, page


@page
def work_list(request: HttpRequest) -> HttpResponse:
    holders = [(str(o.pk), str(o)) for o in organisations_visible_to(request.user)]
    form = WorkRegisterForm(request.POST or None, request.FILES or None, holders=holders)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        work = attempt(
            request,
            lambda: work_register(
                holder=organisations_visible_to(request.user).get(pk=data["holder"]),
                title=data["title"],
                kind=data["kind"],
                identifiers={},
                files=[WorkFileSpec(sha256=sha256_of(upload), media_type=data["media_type"], name=upload.name or "")],
                rights=[
                    WorkRightSpec(right=right, territories=territories(data["territories"]), valid_from=clock.now())
                    for right in data["rights"]
                ],
                actor=request.user,
            ),
            done=_("Work registered."),
            form=form,
            aliases={"sha256": "file"},
        )
        if work is not None:
            return redirect("web:work", work_id=work.pk)
    return render(request, "web/works.html", {"works": works_visible_to(request.user), "form": form})


def _grant_studios(request: HttpRequest, work: Work) -> list[tuple[str, str]]:
    return [(str(o.pk), o.name) for o in studios_known_to_holder(work.holder)]


def _work_page(request: HttpRequest, work: Work, *, status: int = 200, **forms: object) -> HttpResponse:
    """The work's page; a form passed in (refused, kept as filled) replaces its empty twin."""
    return render(
        request,
        "web/work.html",
        {
            "work": work,
            "grants": grants_of(work),
            "is_holder": is_member(request.user, work.holder),
            "file_form": WorkFileForm(),
            "grant_form": GrantForm(studios=_grant_studios(request, work)),
            "withdraw_form": WithdrawForm(),
            **forms,
        },
        status=status,
    )


@page
def work_detail(request: HttpRequest, work_id: uuid.UUID) -> HttpResponse:
    return _work_page(request, work_visible_to(request.user, work_id))


@page
@require_POST
def work_file_new(request: HttpRequest, work_id: uuid.UUID) -> HttpResponse:
    work = work_visible_to(request.user, work_id)
    form = WorkFileForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        spec = WorkFileSpec(sha256=sha256_of(upload), media_type=form.cleaned_data["media_type"], name=upload.name)
        added = attempt(
            request,
            lambda: work_file_add(work=work, file=spec, actor=request.user),
            done=_("File registered."),
            form=form,
            aliases={"sha256": "file"},
        )
        if added is not None:
            return redirect("web:work", work_id=work_id)
    return _work_page(request, work, status=400, file_form=form)


def _chosen_studio(form: GrantForm) -> Organisation | None:
    data = form.cleaned_data
    if data.get("studio"):
        return studio_by_id(uuid.UUID(data["studio"]))
    name = (data.get("studio_name") or "").strip()
    try:
        return studio_by_name(name)
    except NotFound:
        form.add_error("studio_name", _("No studio is called “%(name)s”. Check the exact name.") % {"name": name})
    except Conflict:
        form.add_error("studio_name", _("More than one studio is called “%(name)s”.") % {"name": name})
    return None


@page
@require_POST
def grant_new(request: HttpRequest, work_id: uuid.UUID) -> HttpResponse:
    work = work_visible_to(request.user, work_id)
    form = GrantForm(request.POST, studios=_grant_studios(request, work))
    studio = _chosen_studio(form) if form.is_valid() else None
    if studio is None:
        return _work_page(request, work, status=400, grant_form=form)
    data = form.cleaned_data
    granted = attempt(
        request,
        lambda: adaptation_grant_create(
            work=work,
            studio=studio,
            territories=territories(data["territories"]),
            valid_from=start_of_day(data["valid_from"]),
            valid_until=end_of_day(data["valid_until"]),
            actor=request.user,
        ),
        done=_("Adaptation right granted."),
        form=form,
    )
    if granted is None:
        return _work_page(request, work, status=400, grant_form=form)
    return redirect("web:work", work_id=work_id)


@page
@require_POST
def grant_withdraw(request: HttpRequest, grant_id: uuid.UUID) -> HttpResponse:
    grant = grant_visible_to(request.user, grant_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: adaptation_grant_revoke(grant=grant, reason=form.cleaned_data["reason"], actor=request.user),
            done=_("Adaptation right withdrawn."),
        )
    return redirect("web:work", work_id=grant.work_id)
