"""Who may do what, for every API endpoint and the main web pages, in one table.

The story: Ada (an enrolled, licensable actor) licensed her face to a studio for a rights holder's
work, and the studio rendered a still under that licence. Beside them stand another actor (Bob) and
another studio, who hold nothing of the story's, an auditor and an admin.

Personas (columns):
- anon: no credentials;
- actor: Ada, the likeness owner and licensor;
- other_actor: Bob, an owner of his own likeness only;
- studio: the licensee, which submitted the render;
- other_studio: a studio with no part in the story;
- holder: the rights holder of the work (and grantor of the adaptation right);
- auditor: reads the audit trail and exports evidence, sees no one's objects otherwise;
- admin: a superuser.

Cells read `200`, `201`, `204`, `302` (a web page sending the visitor to sign in) or a refusal:
`400`, `401`, `403`, `404`, `409` with their default codes (validation_failed, not_authenticated,
permission_denied, not_found, conflict), or `<status>:<code>` when the code is another. Someone
else's object is a 404 wherever its existence is private. Every request runs in a savepoint that is
rolled back, so each cell sees the same story and mutating cells may use real, valid bodies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver
from rest_framework.test import APIClient

from config import clock
from render.models import RenderJob
from tests.factories import Actor, Member, Persona, make_actor, make_admin, make_auditor, make_persona, make_studio
from tests.render_story import RenderStory, make_render_story

pytestmark = pytest.mark.django_db

PERSONAS = ("anon", "actor", "other_actor", "studio", "other_studio", "holder", "auditor", "admin")
DEFAULT_CODES = {
    400: "validation_failed",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    409: "conflict",
}


@dataclass
class World:
    story: RenderStory
    job: RenderJob
    other_actor: Actor
    other_studio: Member
    personas: dict[str, Persona | None]
    webhook_id: str
    grant_id: str
    media: Path
    mandate_id: str = ""
    representative: str = ""

    def ids(self) -> dict[str, Any]:
        story = self.story
        return {
            "likeness": story.actor.likeness.pk,
            "studio_org": story.studio.organisation.pk,
            "studio_user": story.studio.user.pk,
            "work": story.work.pk,
            "grant": self.grant_id,
            "license": story.license.pk,
            "job": self.job.pk,
            "token": story.actor.user.api_tokens.first().pk,
            "webhook": self.webhook_id,
            "mandate": self.mandate_id,
        }


Body = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # the Django route under /api/v1/ (or `web:` + the page path), for the coverage check
    path: str  # the concrete path, formatted with World.ids()
    expect: str  # one outcome per persona, in PERSONAS order, separated by spaces
    body: Body | None = None
    multipart: bool = False


def _soon(days: int) -> str:
    return (clock.now() + timedelta(days=days)).isoformat()


def _hello_upload(name: str = "x.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"hello, I am not a photo", content_type="image/jpeg")


API = "/api/v1/"
L = "likenesses/<uuid:likeness_id>/"
ORG = "organisations/<uuid:organisation_id>/"
W = "works/<uuid:work_id>/"
LI = "licenses/<uuid:license_id>/"
J = "render-jobs/<uuid:job_id>/"
A = "audit/"

# Cells in PERSONAS order: anon actor other_actor studio other_studio holder auditor admin.
ROWS: list[Row] = [
    # accounts: everyone signed in has their own tokens; another's token id is a 404.
    Row("GET", "me/", "me/", "401 200 200 200 200 200 200 200"),
    Row("GET", "tokens/", "tokens/", "401 200 200 200 200 200 200 200"),
    Row("POST", "tokens/", "tokens/", "401 201 201 201 201 201 201 201", lambda w: {"name": "matrix"}),
    Row("DELETE", "tokens/<int:token_id>/", "tokens/{token}/", "401 200 404 404 404 404 404 404"),
    # likeness: only the owner (and admins, for review) touches a likeness.
    Row(
        "POST",
        "owners/",
        "owners/",
        "401 409:already_owner 409:already_owner 201 201 201 201 201",
        lambda w: {"display_name": "Matrix"},
    ),
    Row("GET", "likenesses/", "likenesses/", "401 200 200 200 200 200 200 200"),
    Row(
        "POST",
        "likenesses/",
        "likenesses/",
        "401 201 201 403:not_an_owner 403:not_an_owner 403:not_an_owner 403:not_an_owner 403:not_an_owner",
        lambda w: {"display_name": "Second face"},
    ),
    Row("GET", L, "likenesses/{likeness}/", "401 200 404 404 404 404 404 200"),
    Row(
        "POST",
        L + "licensability/",
        "likenesses/{likeness}/licensability/",
        "401 200 404 404 404 404 404 200",
        lambda w: {"licensable": False},
    ),
    Row(
        "POST",
        L + "enrolment/",
        "likenesses/{likeness}/enrolment/",
        "401 409:not_a_draft 404 404 404 404 404 409:not_a_draft",
        lambda w: {"photos": [_hello_upload()]},
        multipart=True,
    ),
    Row("POST", L + "erasure/", "likenesses/{likeness}/erasure/", "401 200 404 404 404 404 404 200"),
    Row(
        "POST",
        L + "review/",
        "likenesses/{likeness}/review/",
        "401 404 404 404 404 404 404 409:not_frozen",
        lambda w: {"decision": "approve"},
    ),
    # proof of person: the owner records her live capture; anyone signed in may claim a face as hers.
    Row(
        "POST",
        L + "liveness/challenges/",
        "likenesses/{likeness}/liveness/challenges/",
        "401 201 404 404 404 404 404 201",
    ),
    Row(
        "POST",
        L + "liveness/",
        "likenesses/{likeness}/liveness/",
        "401 404:liveness_challenge_unknown 404 404 404 404 404 404:liveness_challenge_unknown",
        lambda w: {"challenge_id": "00000000-0000-4000-8000-000000000000", "clip": _hello_upload("clip.webm")},
        multipart=True,
    ),
    Row(
        "POST",
        L + "protection/challenges/",
        "likenesses/{likeness}/protection/challenges/",
        "401 404 404 404 404 404 404 409:not_protectable",
    ),
    Row(
        "POST",
        L + "protection/",
        "likenesses/{likeness}/protection/",
        "401 404 404 404 404 404 404 409:not_protectable",
        lambda w: {"challenge_id": "00000000-0000-4000-8000-000000000000", "clip": _hello_upload("clip.webm")},
        multipart=True,
    ),
    Row(
        "POST",
        "organisations/<uuid:organisation_id>/attester-trust/",
        "organisations/{studio_org}/attester-trust/",
        "401 404 404 404 404 404 404 201",
        lambda w: {"note": "talent agency of record"},
    ),
    Row("GET", L + "attestations/", "likenesses/{likeness}/attestations/", "401 200 404 404 404 404 404 200"),
    Row(
        "POST",
        L + "attestations/",
        "likenesses/{likeness}/attestations/",
        "401 404 404 403:attester_not_trusted 404 404 404 404",
        lambda w: {"organisation_id": str(w.story.studio.organisation.pk), "statement": "We represent her."},
    ),
    Row(
        "POST",
        L + "claims/challenges/",
        "likenesses/{likeness}/claims/challenges/",
        "401 409:claim_own_likeness 201 201 201 201 201 201",
    ),
    Row(
        "POST",
        L + "claims/",
        "likenesses/{likeness}/claims/",
        "401 409:claim_own_likeness " + " ".join(["404:liveness_challenge_unknown"] * 6),
        lambda w: {"challenge_id": "00000000-0000-4000-8000-000000000000", "clip": _hello_upload("clip.webm")},
        multipart=True,
    ),
    Row(
        "POST",
        "claims/<uuid:claim_id>/decision/",
        "claims/00000000-0000-4000-8000-000000000000/decision/",
        "401 404 404 404 404 404 404 404",
        lambda w: {"decision": "reject"},
    ),
    # organisations: members see theirs; others get 404.
    Row("GET", "organisations/", "organisations/", "401 200 200 200 200 200 200 200"),
    Row(
        "POST",
        "organisations/",
        "organisations/",
        "401 201 201 201 201 201 201 201",
        lambda w: {"name": "Matrix Films", "kind": "studio"},
    ),
    Row("GET", ORG, "organisations/{studio_org}/", "401 404 404 200 404 404 404 200"),
    Row("GET", ORG + "members/", "organisations/{studio_org}/members/", "401 404 404 200 404 404 404 200"),
    Row(
        "POST",
        ORG + "members/",
        "organisations/{studio_org}/members/",
        "401 404 404 201 404 404 404 201",
        lambda w: {"username": w.other_actor.user.get_username()},
    ),
    Row(
        "DELETE",
        ORG + "members/<int:user_id>/",
        "organisations/{studio_org}/members/{studio_user}/",
        "401 404 404 409:last_manager 404 404 404 409:last_manager",
    ),
    # works: the holder manages; the studio holding a grant reads; others 404.
    Row("GET", "works/", "works/", "401 200 200 200 200 200 200 200"),
    Row(
        "POST",
        "works/",
        "works/",
        "401 404 404 404 404 201 404 201",
        lambda w: {"holder_id": str(w.story.rights_holder.organisation.pk), "title": "Matrix", "kind": "film"},
    ),
    Row("GET", W, "works/{work}/", "401 404 404 200 404 200 404 200"),
    Row(
        "POST",
        W + "files/",
        "works/{work}/files/",
        "401 404 404 403 404 201 404 201",
        lambda w: {"sha256": "ab" * 32, "media_type": "image"},
    ),
    Row(
        "POST",
        W + "rights/",
        "works/{work}/rights/",
        "401 404 404 403 404 201 404 201",
        lambda w: {"right": "reproduce", "territories": ["FR"], "valid_from": _soon(0)},
    ),
    Row("GET", W + "grants/", "works/{work}/grants/", "401 404 404 200 404 200 404 200"),
    Row(
        "POST",
        W + "grants/",
        "works/{work}/grants/",
        "401 404 404 403 404 201 404 201",
        lambda w: {
            "studio_id": str(w.other_studio.organisation.pk),
            "territories": ["FR"],
            "valid_from": _soon(0),
            "valid_until": _soon(30),
        },
    ),
    Row(
        "POST",
        "adaptation-grants/<uuid:grant_id>/revoke/",
        "adaptation-grants/{grant}/revoke/",
        "401 404 404 403 404 200 404 200",
        lambda w: {"reason": "matrix"},
    ),
    # owner keys: owners only.
    Row(
        "GET",
        "owner-keys/",
        "owner-keys/",
        "401 200 200 403:not_an_owner 403:not_an_owner 403:not_an_owner 403:not_an_owner 403:not_an_owner",
    ),
    Row(
        "POST",
        "owner-keys/",
        "owner-keys/",
        "401 201 201 403:not_an_owner 403:not_an_owner 403:not_an_owner 403:not_an_owner 403:not_an_owner",
        lambda w: {"custody": "custodial"},
    ),
    # licences: the two parties see it; only the owner signs or declines; either party revokes.
    Row("GET", "licenses/", "licenses/", "401 200 200 200 200 200 200 200"),
    Row(
        "POST",
        "licenses/",
        "licenses/",
        "401 404 404 201 404 404 404 201",
        lambda w: {
            "studio_id": str(w.story.studio.organisation.pk),
            "likeness_id": str(w.story.actor.likeness.pk),
            "works": [str(w.story.work.pk)],
            "purposes": ["film"],
            "media_types": ["image"],
            "territories": ["FR"],
            "valid_until": _soon(10),
            "max_renders": 1,
        },
    ),
    Row("GET", LI, "licenses/{license}/", "401 200 404 200 404 404 404 200"),
    Row(
        "POST",
        LI + "approve/",
        "licenses/{license}/approve/",
        "401 409:license_not_pending 404 403:not_the_owner 404 404 404 403:not_the_owner",
        lambda w: {},
    ),
    Row(
        "POST",
        LI + "decline/",
        "licenses/{license}/decline/",
        "401 409:license_not_pending 404 403:not_the_owner 404 404 404 403:not_the_owner",
        lambda w: {"reason": "matrix"},
    ),
    Row(
        "POST",
        LI + "revoke/",
        "licenses/{license}/revoke/",
        "401 200 404 403:not_the_owner 404 404 404 200",
        lambda w: {"reason": "matrix"},
    ),
    Row(
        "POST",
        LI + "check/",
        "licenses/{license}/check/",
        "401 403:not_the_licensee 404 200 404 404 404 403:not_the_licensee",
        lambda w: {
            "work_file_sha256": hashlib.sha256(w.story.still).hexdigest(),
            "purpose": "film",
            "media_type": "image",
            "territory": "FR",
            "duration_seconds": 0,
        },
    ),
    Row("GET", "licenses/<uuid:license_id>/status", "licenses/{license}/status", "200 200 200 200 200 200 200 200"),
    Row("GET", "licenses/<uuid:license_id>/evidence", "licenses/{license}/evidence", "401 200 404 200 404 404 200 200"),
    # webhooks: the registering organisation's members only.
    Row("GET", "webhooks/", "webhooks/", "401 200 200 200 200 200 200 200"),
    Row(
        "POST",
        "webhooks/",
        "webhooks/",
        "401 404 404 201 404 404 404 201",
        lambda w: {"url": "https://hooks.example.com/in", "organisation_id": str(w.story.studio.organisation.pk)},
    ),
    Row(
        "POST", "webhooks/<uuid:endpoint_id>/disable/", "webhooks/{webhook}/disable/", "401 404 404 200 404 404 404 200"
    ),
    Row(
        "GET",
        "webhooks/<uuid:endpoint_id>/deliveries/",
        "webhooks/{webhook}/deliveries/",
        "401 404 404 200 404 404 404 200",
    ),
    # mandates: an owner grants (signed), an admin grants an estate's on evidence; the owner, the
    # representative (Maya, no column here) and admins see and end one.
    Row("GET", "mandates/", "mandates/", "401 200 200 200 200 200 200 200"),
    Row(
        "POST",
        "mandates/",
        "mandates/",
        "401 201 201 403:not_an_owner 403:not_an_owner 403:not_an_owner 403:not_an_owner 403:not_an_owner",
        lambda w: {"representative": w.representative, "kind": "agent", "acts": ["approve"]},
    ),
    Row(
        "POST",
        "mandates/estate/",
        "mandates/estate/",
        "401 " + " ".join(["403:not_an_admin"] * 6) + " 201",
        lambda w: {
            "owner_id": w.story.actor.owner.pk,
            "representative": w.representative,
            "kind": "estate",
            "acts": ["approve"],
            "evidence": SimpleUploadedFile("letter.pdf", b"letter of administration", content_type="application/pdf"),
        },
        multipart=True,
    ),
    Row("GET", "mandates/<uuid:mandate_id>/", "mandates/{mandate}/", "401 200 404 404 404 404 404 200"),
    Row("POST", "mandates/<uuid:mandate_id>/end/", "mandates/{mandate}/end/", "401 200 404 404 404 404 404 200"),
    Row("GET", "representation/", "representation/", "401 200 200 200 200 200 200 200"),
    # render jobs: the studio, and the likeness's owner for reading; outputs go to the studio only.
    Row("GET", "render-jobs/", "render-jobs/", "401 200 200 200 200 200 200 200"),
    Row(
        "POST",
        "render-jobs/",
        "render-jobs/",
        "401 403:not_a_studio_member 403:not_a_studio_member 201 201 "
        "403:not_a_studio_member 403:not_a_studio_member 403:not_a_studio_member",
        lambda w: {
            "license_id": str(w.story.license.pk),
            "file": w.story.upload(),
            "purpose": "film",
            "territory": "FR",
        },
        multipart=True,
    ),
    Row("GET", J, "render-jobs/{job}/", "401 404 404 200 404 404 404 200"),
    Row(
        "POST",
        "render-jobs/<uuid:job_id>/cancel",
        "render-jobs/{job}/cancel",
        "401 404 404 409:job_finished 404 404 404 409:job_finished",
    ),
    Row("GET", "render-jobs/<uuid:job_id>/download", "render-jobs/{job}/download", "401 404 404 200 404 404 404 200"),
    Row(
        "GET",
        "render-jobs/<uuid:job_id>/file",
        "render-jobs/{job}/file",
        "403:link_invalid 403:link_invalid 403:link_invalid 403:link_invalid 403:link_invalid 403:link_invalid "
        "403:link_invalid 403:link_invalid",
    ),
    Row("GET", "render-jobs/<uuid:job_id>/evidence", "render-jobs/{job}/evidence", "401 200 404 200 404 404 200 200"),
    # Everyone signed in reads the fee ledger; each sees only fees on her likenesses or her studios' licences.
    Row("GET", "fees", "fees", "401 200 200 200 200 200 200 200"),
    Row(
        "POST",
        "verify",
        "verify",
        " ".join(["400:media_unsupported_type"] * 8),
        lambda w: {"file": _hello_upload()},
        multipart=True,
    ),
    # audit: auditors and admins only; to everyone else the trail is a 403 (its existence is public).
    Row("GET", A + "entries/", "audit/entries/", "401 403 403 403 403 403 200 200"),
    Row("GET", A + "entries/<int:seq>/", "audit/entries/1/", "401 403 403 403 403 403 200 200"),
    Row("GET", A + "entries/<int:seq>/proof", "audit/entries/1/proof?tree_size=2", "401 403 403 403 403 403 200 200"),
    Row("GET", A + "consistency", "audit/consistency?first=1&second=2", "401 403 403 403 403 403 200 200"),
    Row("GET", A + "checkpoints/", "audit/checkpoints/", "401 403 403 403 403 403 200 200"),
    Row("POST", A + "checkpoints/", "audit/checkpoints/", "401 403 403 403 403 403 201 201"),
    Row(
        "GET",
        A + "evidence",
        "audit/evidence?target_type=licensing.license&target_id={license}",
        "401 403 403 403 403 403 200 200",
    ),
    Row("GET", A + "verify/", "audit/verify/", "401 403 403 403 403 403 200 200"),
    # audit custody: checkpoints and cosignatures are public (a cosignature is authenticated by its signature).
    # (the story has made no checkpoint yet, so the newest is a 404 with its own code, for everyone alike)
    Row("GET", A + "checkpoints/latest", "audit/checkpoints/latest", " ".join(["404:no_checkpoint"] * 8)),
    Row(
        "GET",
        A + "checkpoints/<int:tree_size>/cosignatures",
        "audit/checkpoints/1/cosignatures",
        " ".join(["404:unknown_checkpoint"] * 8),
    ),
    Row("POST", A + "checkpoints/<int:tree_size>/cosignatures", "audit/checkpoints/1/cosignatures", "400 " * 7 + "400"),
    # the schema and the docs are public.
    Row("GET", "schema/", "schema/", "200 200 200 200 200 200 200 200"),
    Row("GET", "docs/", "docs/", "200 200 200 200 200 200 200 200"),
    # web pages (session sign-in): anonymous visitors are sent to sign in; someone else's page is a 404.
    Row("GET", "web:", "/", "302 200 200 200 200 200 200 200"),
    Row("GET", "web:verify/", "/verify/", "200 200 200 200 200 200 200 200"),
    Row("GET", "web:sign-in/", "/sign-in/", "200 302 302 302 302 302 302 302"),
    Row("GET", "web:likenesses/<id>/", "/likenesses/{likeness}/", "302 200 404 404 404 404 404 200"),
    Row("GET", "web:licences/", "/licences/", "302 200 200 200 200 200 200 200"),
    Row("GET", "web:licences/<id>/", "/licences/{license}/", "302 200 404 200 404 404 404 200"),
    Row("GET", "web:works/", "/works/", "302 200 200 200 200 200 200 200"),
    Row("GET", "web:works/<id>/", "/works/{work}/", "302 404 404 200 404 200 404 200"),
    Row("GET", "web:renders/", "/renders/", "302 200 200 200 200 200 200 200"),
    Row("GET", "web:renders/<id>/", "/renders/{job}/", "302 404 404 200 404 404 404 200"),
    Row("GET", "web:renders/<id>/state.json", "/renders/{job}/state.json", "302 404 404 200 404 404 404 200"),
    Row("GET", "web:renders/<id>/thumbnail.jpg", "/renders/{job}/thumbnail.jpg", "302 200 404 200 404 404 404 200"),
    Row("GET", "web:fees/", "/fees/", "302 200 200 200 200 200 200 200"),
    Row("GET", "web:fees.csv", "/fees.csv", "302 200 200 200 200 200 200 200"),
    Row("GET", "web:inbox/", "/inbox/", "302 200 200 200 200 200 200 200"),
]


def outcome(response: Any) -> str:
    status = response.status_code
    if status < 400 or not response.get("Content-Type", "").startswith("application/json"):
        return str(status)
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return f"{status}:?"
    return str(status) if DEFAULT_CODES.get(status) == code else f"{status}:{code}"


def call(world: World, row: Row, persona: str) -> str:
    who = world.personas[persona]
    path = row.path.format(**world.ids())
    if row.route.startswith("web:"):
        web = Client()
        if who is not None:
            web.force_login(who.user)
        response = web.get(path)
        return outcome(response)
    client = who.client() if who is not None else APIClient()
    data = row.body(world) if row.body else None
    kwargs: dict[str, Any] = {"format": "multipart" if row.multipart else "json"}
    send = getattr(client, row.method.lower())
    return outcome(send(API + path, data, **kwargs))


class _Rollback(Exception):
    pass


def run_cell(world: World, row: Row, persona: str) -> str:
    """One request in a savepoint that is rolled back, so the next cell sees the same story."""
    result = ""
    cache.clear()  # rate-limit counters
    before = set(world.media.rglob("*"))
    try:
        with transaction.atomic():
            result = call(world, row, persona)
            raise _Rollback
    except _Rollback:
        pass
    # Files are not transactional: drop what the cell stored (a checkpoint written by a rolled-back
    # cell would otherwise read as a fork of the log to the next one).
    for stored in sorted(set(world.media.rglob("*")) - before, reverse=True):
        stored.unlink() if stored.is_file() else stored.rmdir()
    return result


def table(rows: list[tuple[Row, list[str], list[str]]]) -> str:
    width = max(len(f"{r.method} {r.path}") for r, _, _ in rows)
    cells = [max(len(c) for _, got, want in rows for c in (got[i], want[i])) for i in range(len(PERSONAS))]
    cells = [max(c, len(p)) for c, p in zip(cells, PERSONAS, strict=True)]
    lines = ["  " + " " * width + " | " + " | ".join(p.ljust(w) for p, w in zip(PERSONAS, cells, strict=True))]
    for row, got, want in rows:
        marks = [g if g == e else f"{g}!={e}" for g, e in zip(got, want, strict=True)]
        flag = "  " if got == want else "X "
        lines.append(
            flag
            + f"{row.method} {row.path}".ljust(width)
            + " | "
            + " | ".join(m.ljust(w) for m, w in zip(marks, cells, strict=True))
        )
    return "\n".join(lines)


@pytest.fixture
def world(tmp_path: Path, isolated_media: Path) -> World:
    from licensing.mandate_models import MandateKind
    from licensing.mandates import MandateTerms, mandate_grant
    from licensing.models import AdaptationGrant
    from licensing.webhook_delivery import webhook_endpoint_create

    cache.clear()
    story = make_render_story(tmp_path)
    response = story.submit()
    assert response.status_code == 201, response.content
    job = RenderJob.objects.get(pk=response.json()["id"])
    assert job.status == "completed", job.status
    other_actor, other_studio = make_actor("bob"), make_studio("other")
    endpoint, _ = webhook_endpoint_create(
        url="https://hooks.example.com/studio",
        events=[],
        organisation=story.studio.organisation,
        owner=None,
        actor=story.studio.user,
    )
    grant = AdaptationGrant.objects.filter(work=story.work).first()
    assert grant is not None
    maya = make_persona("maya")
    mandate = mandate_grant(
        owner=story.actor.owner,
        terms=MandateTerms(
            representative=maya.user, kind=MandateKind.AGENT, acts=["review"], purposes=None, valid_until=None
        ),
        actor=story.actor.user,
    )
    personas: dict[str, Persona | None] = {
        "anon": None,
        "actor": story.actor,
        "other_actor": other_actor,
        "studio": story.studio,
        "other_studio": other_studio,
        "holder": story.rights_holder,
        "auditor": make_auditor(),
        "admin": make_admin(),
    }
    return World(
        story=story,
        job=job,
        other_actor=other_actor,
        other_studio=other_studio,
        personas=personas,
        webhook_id=str(endpoint.pk),
        grant_id=str(grant.pk),
        media=isolated_media,
        mandate_id=str(mandate.pk),
        representative=maya.user.username,
    )


def test_every_persona_gets_exactly_the_expected_outcome_on_every_endpoint(world: World) -> None:
    results = []
    for row in ROWS:
        expected = row.expect.split()
        assert len(expected) == len(PERSONAS), f"{row.method} {row.path}: {len(expected)} cells"
        got = [run_cell(world, row, persona) for persona in PERSONAS]
        results.append((row, got, expected))
    changed = [r for r in results if r[1] != r[2]]
    assert not changed, f"{len(changed)} rows changed (got!=expected):\n" + table(results)


def _api_routes() -> set[tuple[str, str]]:
    from config.urls import api_v1

    found: set[tuple[str, str]] = set()

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            view = getattr(pattern.callback, "view_class", None)
            methods = [m for m in ("get", "post", "put", "patch", "delete") if view and hasattr(view, m)]
            for method in methods:
                found.add((method.upper(), prefix + str(pattern.pattern)))

    walk(api_v1, "")
    return found


def test_every_api_route_and_method_appears_in_the_matrix() -> None:
    routes = _api_routes()
    assert len(routes) >= 50
    in_matrix = {(row.method, row.route) for row in ROWS if not row.route.startswith("web:")}
    assert routes - in_matrix == set(), "add these endpoints to ROWS in tests/test_permission_matrix.py"
    assert in_matrix - routes == set(), "these ROWS name routes that no longer exist"
