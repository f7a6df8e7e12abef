"""Signing a licence as a ceremony: the owner reads every term on a review page, ticks that she has
read and agrees, confirms on a second step, and gets a receipt she keeps (a printable page and the
signed document as a download). Self-custody owners download the exact canonical bytes, sign them
with their own key and paste (or upload) the detached signature; the page calls the same service
the API's approve calls."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import NotFound
from licensing.documents import digest, parse
from licensing.lifecycle import license_approve
from licensing.mandates import likeness_ids_represented_by
from licensing.models import KeyCustody, License, LicenseStatus, OwnerKey
from licensing.scope import Scope, describe
from licensing.selectors import license_visible_to
from web.forms import AgreeForm, SignatureForm
from web.pages import attempt, page


def _terms(license: License, *, to_studio: bool = False) -> dict[str, Any]:
    document = parse(license.document)
    scope = Scope.from_document(document["scope"])
    return {
        "licence": license,
        "works": [work.get("title", "") for work in document["scope"].get("works", [])],
        "scope": describe(scope, to_studio=to_studio),
        "fee": scope.fee_per_render,
        "attribution": scope.attribution,
        "self_custody": OwnerKey.objects.filter(kid=license.owner_key_id, custody=KeyCustody.SELF).exists(),
        "document_sha256": digest(license.document.encode()),
    }


def _owners_request(request: HttpRequest, license_id: uuid.UUID) -> License:
    """A licence the signed-in person may sign: hers, or one on a likeness she represents under a
    live mandate (the service still decides whether that mandate covers approving it)."""
    license = license_visible_to(request.user, license_id)
    is_owner = license.likeness.owner.user_id == request.user.pk
    if not is_owner and str(license.likeness_id) not in likeness_ids_represented_by(request.user):
        raise NotFound("no such licence")
    return license


@page
def licence_review(request: HttpRequest, license_id: uuid.UUID) -> HttpResponse:
    """Step 1: every term, in her language, and the explicit agreement."""
    license = _owners_request(request, license_id)
    if license.status != LicenseStatus.REQUESTED:
        return redirect("web:licence", license_id=license_id)
    return render(request, "web/licence_review.html", {**_terms(license), "form": AgreeForm()})


@page
@require_POST
def licence_confirm(request: HttpRequest, license_id: uuid.UUID) -> HttpResponse:
    """Step 2: she ticked the agreement; one last look before she signs."""
    license = _owners_request(request, license_id)
    if license.status != LicenseStatus.REQUESTED:
        return redirect("web:licence", license_id=license_id)
    form = AgreeForm(request.POST)
    if not form.is_valid():
        return render(request, "web/licence_review.html", {**_terms(license), "form": form}, status=400)
    return render(request, "web/licence_confirm.html", {**_terms(license), "signature_form": SignatureForm()})


@page
@require_POST
def licence_sign(request: HttpRequest, license_id: uuid.UUID) -> HttpResponse:
    """Step 3: sign (custodially, or with her detached signature), then the receipt."""
    license = _owners_request(request, license_id)
    agree = AgreeForm(request.POST)
    if not agree.is_valid():
        return render(request, "web/licence_review.html", {**_terms(license), "form": agree}, status=400)
    terms = _terms(license)
    form = SignatureForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "web/licence_confirm.html", {**terms, "signature_form": form}, status=400)
    signature = (form.given_signature() or None) if terms["self_custody"] else None
    signed = attempt(
        request,
        lambda: license_approve(license=license, actor=request.user, signature=signature),
        done=_("You signed the licence. It is active now."),
        form=form,
    )
    if signed is None:
        return render(request, "web/licence_confirm.html", {**terms, "signature_form": form}, status=400)
    return redirect("web:licence-receipt", license_id=license_id)


@page
def licence_canonical(request: HttpRequest, license_id: uuid.UUID) -> HttpResponse:
    """The exact bytes a self-custody owner signs (RFC 8785 canonical JSON)."""
    license = _owners_request(request, license_id)
    response = HttpResponse(license.document.encode(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="licence-{license.pk}-to-sign.json"'
    return response


def _signed_record(request: HttpRequest, license: License) -> dict[str, Any]:
    return {
        "license_id": str(license.pk),
        "document": parse(license.document),
        "canonical_document": license.document,
        "document_sha256": digest(license.document.encode()),
        "signatures": {
            "owner": {"key_id": license.owner_key_id, "signature": license.owner_signature},
            "platform": {"key_id": license.platform_key_id, "signature": license.platform_signature},
        },
        "status_url": request.build_absolute_uri(reverse("license-status", args=[license.pk])),
        "public_keys_url": request.build_absolute_uri(reverse("jwks")),
    }


@page
def licence_receipt(request: HttpRequest, license_id: uuid.UUID) -> HttpResponse:
    """The receipt both parties keep: printable, with the signatures and where to check the status."""
    license = license_visible_to(request.user, license_id)
    if not license.owner_signature:
        return redirect("web:licence", license_id=license_id)
    signer = license.likeness.owner.user_id == request.user.pk or str(
        license.likeness_id
    ) in likeness_ids_represented_by(request.user)
    context = {
        **_terms(license, to_studio=not signer),
        "record": _signed_record(request, license),
        "studio_view": not signer,
    }
    return render(request, "web/licence_receipt.html", context)


@page
def licence_signed_download(request: HttpRequest, license_id: uuid.UUID) -> HttpResponse:
    license = license_visible_to(request.user, license_id)
    if not license.owner_signature:
        return redirect("web:licence", license_id=license_id)
    body = json.dumps(_signed_record(request, license), indent=2, ensure_ascii=False)
    response = HttpResponse(body.encode(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="licence-{license.pk}-signed.json"'
    return response
