"""`python manage.py demo`: the whole story of the platform, told step by step on this instance.

An actor enrols her face, a rights holder registers a work and lets a studio adapt it, the studio
asks for a licence that the actor reads in plain words and signs, the studio renders a still and a
clip, the actor revokes and the next render is refused, and an auditor verifies the trail and signs
a checkpoint. Every step goes through the same services as the API and the workers (the render is
submitted with `render_job_submit` and run by the Celery task: inline on the embedded defaults, by a
worker when a broker is configured), so what the demo prints is what production does.

Nothing is downloaded: the actor is the public-domain astronaut photo shipped with scikit-image, the
work is Grace Hopper's public-domain portrait shipped with matplotlib (tools/sample_media.py).

It can run again on the same database: the people, their organisations, the enrolled likeness and
the work are found and reused (a second enrolment of the same face would rightly be frozen as a
duplicate, and a file belongs to one work only); each run requests, signs, uses and revokes a new
licence.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.roles import Role
from accounts.services import role_grant, user_create
from audit.access import AUDITOR_GROUP
from audit.checkpoints import audit_checkpoint_create
from audit.selectors import audit_chain_verify
from config import clock
from licensing.documents import parse
from licensing.lifecycle import LicenseTerms, license_approve, license_request, license_revoke
from licensing.models import License, Organisation, OrganisationKind, RightKind, WorkFile, WorkKind
from licensing.parties import organisation_create
from licensing.refusals import RefusalReason
from licensing.scope import Scope, describe
from licensing.works import WorkFileSpec, WorkRightSpec, adaptation_grant_create, work_file_add, work_register
from likeness.engines import get_engine
from likeness.liveness_samples import genuine_clip
from likeness.models import Likeness, LikenessOwner, LikenessStatus
from likeness.proof import liveness_challenge_issue, liveness_submit
from likeness.services import PhotoUpload, likeness_create, likeness_enrol, owner_register
from render.c2pa_manifest import read_manifest
from render.contact_sheet import write_contact_sheet
from render.limits import verify_limits
from render.models import TERMINAL_STATUSES, JobStatus, RenderJob
from render.pipeline import read_image
from render.provenance import watermark_key
from render.submission import render_job_submit
from render.verification import verify_media_file
from render.video import iter_frames
from render.watermark import decode_image, decode_video_frames
from tools.sample_media import astronaut, hopper, jpeg_bytes, png_bytes, write_push_in_clip

ACTOR, RIGHTS_HOLDER, STUDIO_MEMBER, AUDITOR = "demo-ada", "demo-rita", "demo-sam", "demo-audrey"
RIGHTS_HOLDER_ORG, STUDIO_ORG = "Demo Films", "Demo Pictures"
WORK_TITLE = "Amazing Grace"
JOB_WAIT_SECONDS = 300  # with a real broker, how long to wait for a worker to finish a render

Say = Callable[[str], object]


class DemoFailed(Exception):
    """A step did not turn out as the story needs (the message says which and why)."""


@dataclass(frozen=True)
class DemoOutput:
    kind: str  # still or clip
    path: Path
    sha256: str
    mark_id: int
    c2pa_state: str
    watermark_mark_id: int | None


@dataclass
class DemoResult:
    outputs: list[DemoOutput] = field(default_factory=list)
    refusal_reason: str = ""
    chain_ok: bool = False
    chain_entries: int = 0
    checkpoint_size: int = 0


@dataclass(frozen=True)
class _Cast:
    actor: Any
    rights_holder: Any
    studio_member: Any
    auditor: Any
    holder_org: Organisation
    studio_org: Organisation


def _user(username: str, say: Say, role: str) -> Any:
    existing = get_user_model().objects.filter(username=username).first()
    if existing is not None:
        say(f"   {role}: {username} (already here from an earlier run; reused)")
        return existing
    say(f"   {role}: {username} (created)")
    return user_create(username=username)


def _organisation(name: str, kind: OrganisationKind, creator: Any) -> Organisation:
    existing = Organisation.objects.filter(name=name, kind=kind, memberships__user=creator).first()
    return existing or organisation_create(name=name, kind=kind, creator=creator, actor=creator)


def _cast(say: Say) -> _Cast:
    say("1. The people")
    actor = _user(ACTOR, say, "actor")
    rights_holder = _user(RIGHTS_HOLDER, say, "rights holder")
    studio_member = _user(STUDIO_MEMBER, say, "studio member")
    auditor = _user(AUDITOR, say, "auditor")
    if not auditor.groups.filter(name=AUDITOR_GROUP).exists():
        role_grant(user=auditor, role=Role.AUDITOR, actor=None)
    holder_org = _organisation(RIGHTS_HOLDER_ORG, OrganisationKind.RIGHTS_HOLDER, rights_holder)
    studio_org = _organisation(STUDIO_ORG, OrganisationKind.STUDIO, studio_member)
    say(f"   {rights_holder.username} manages the rights holder “{holder_org.name}”")
    say(f"   {studio_member.username} manages the studio “{studio_org.name}”")
    say(f"   {auditor.username} holds the auditor role")
    return _Cast(actor, rights_holder, studio_member, auditor, holder_org, studio_org)


def _enrolled_likeness(cast: _Cast, say: Say) -> Likeness:
    say("2. The actor registers and enrols her likeness")
    owner = LikenessOwner.objects.filter(user=cast.actor).first()
    if owner is None:
        owner = owner_register(user=cast.actor, display_name="Ada Actor", actor=cast.actor)
    likeness = Likeness.objects.filter(owner=owner, status=LikenessStatus.ENROLLED).first()
    if likeness is not None:
        say(f"   likeness {likeness.pk} is already enrolled (from an earlier run); reused")
        return likeness
    likeness = Likeness.objects.filter(owner=owner, status=LikenessStatus.DRAFT).first() or likeness_create(
        owner=owner, display_name="Ada's face", actor=cast.actor
    )
    face = astronaut()
    photos = [
        PhotoUpload(name="astronaut.png", data=png_bytes(face)),
        PhotoUpload(name="astronaut-mirrored.png", data=png_bytes(face[:, ::-1].copy())),
    ]
    say("   photos: the public-domain astronaut photo (scikit-image) and a mirrored copy")
    likeness = likeness_enrol(likeness=likeness, photos=photos, actor=cast.actor)
    if likeness.status != LikenessStatus.ENROLLED:
        raise DemoFailed(
            f"the likeness is {likeness.status}, not enrolled: this face is already enrolled as another "
            "likeness on this database (the impostor check froze it for review)"
        )
    engine = likeness.embeddings.values_list("engine", flat=True).first()
    say(f"   likeness {likeness.pk} enrolled with the {engine} engine; photos and embeddings encrypted at rest")
    challenge = liveness_challenge_issue(likeness=likeness, actor=cast.actor)
    say(f"   live capture: challenge {' / '.join(challenge.sequence)} (a synthetic clip stands in for the camera)")
    clip = genuine_clip(get_engine(engine), face, list(challenge.sequence))
    liveness_submit(likeness=likeness, challenge_id=challenge.pk, clip=clip, actor=cast.actor)
    say("   proof of person passed: the likeness is open to licences")
    return likeness


@dataclass(frozen=True)
class _Media:
    still: bytes
    clip: bytes


def _media(work_dir: Path) -> _Media:
    clip_path = work_dir / "amazing-grace.mp4"
    write_push_in_clip(clip_path, seconds=2.0, fps=12)
    return _Media(still=jpeg_bytes(hopper()), clip=clip_path.read_bytes())


def _work(cast: _Cast, media: _Media, say: Say) -> Any:
    say("3. The rights holder registers a work and grants the studio the right to adapt it")
    say("   media: Grace Hopper's public-domain portrait (matplotlib's sample data) as a still,")
    say("          and a 2-second clip of it with a slow push-in and a 440 Hz tone")
    files = [
        WorkFileSpec(sha256=hashlib.sha256(media.still).hexdigest(), media_type="image", name="amazing-grace.jpg"),
        WorkFileSpec(sha256=hashlib.sha256(media.clip).hexdigest(), media_type="video", name="amazing-grace.mp4"),
    ]
    registered = {f.sha256: f for f in WorkFile.objects.filter(sha256__in=[f.sha256 for f in files])}
    works = {f.work for f in registered.values()}
    if any(w.holder_id != cast.holder_org.pk for w in works) or len(works) > 1:
        raise DemoFailed("the demo's media files are registered to someone else's work on this database")
    if works:
        work = works.pop()
        for spec in files:
            if spec.sha256 not in registered:
                work_file_add(work=work, file=spec, actor=cast.rights_holder)
        say(f"   work {work.pk} “{work.title}” is already registered (from an earlier run); reused")
    else:
        since = clock.now() - timedelta(days=365)
        work = work_register(
            holder=cast.holder_org,
            title=WORK_TITLE,
            kind=WorkKind.FILM,
            identifiers={},
            files=files,
            rights=[
                WorkRightSpec(right=kind, territories=["WORLD"], valid_from=since)
                for kind in (RightKind.REPRODUCE, RightKind.ADAPT, RightKind.DISTRIBUTE)
            ],
            actor=cast.rights_holder,
        )
        say(f"   work {work.pk} “{work.title}” registered by {cast.holder_org.name}")
    for spec in files:
        say(f"   file {spec.name}: sha256 {spec.sha256}")
    now = clock.now()
    adaptation_grant_create(
        work=work,
        studio=cast.studio_org,
        territories=["WORLD"],
        valid_from=now - timedelta(minutes=1),
        valid_until=now + timedelta(days=30),
        actor=cast.rights_holder,
    )
    say(f"   {cast.holder_org.name} grants {cast.studio_org.name} the right to adapt it, worldwide, for 30 days")
    return work


def _license(cast: _Cast, likeness: Likeness, work: Any, say: Say) -> License:
    say("4. The studio requests a licence; the actor reads it in plain words")
    now = clock.now()
    license = license_request(
        studio=cast.studio_org,
        likeness_id=likeness.pk,
        terms=LicenseTerms(
            work_ids=[work.pk],
            purposes=["film"],
            media_types=["image", "video"],
            territories=["FR", "DE", "GB"],
            valid_until=now + timedelta(days=30),
            max_renders=5,
            max_output_seconds=60,
            label_text="AI-altered: licensed likeness",
            attribution="Face of Ada Actor, used under licence",
        ),
        actor=cast.studio_member,
    )
    say(f"   licence {license.pk} requested by {cast.studio_org.name}:")
    for line in describe(Scope.from_document(parse(license.document)["scope"])):
        say(f"     {line}")
    say("5. The actor signs; the platform countersigns")
    license = license_approve(license=license, actor=cast.actor)
    say(f"   licence {license.pk} is {license.status}, signed with owner key {license.owner_key_id}")
    return license


def _wait(job: RenderJob) -> RenderJob:
    """On the embedded defaults the task ran inline already; with a broker, a worker runs it."""
    deadline = time.monotonic() + JOB_WAIT_SECONDS
    job.refresh_from_db()
    while job.status not in TERMINAL_STATUSES:
        if time.monotonic() > deadline:
            raise DemoFailed(
                f"render job {job.pk} is still {job.status} after {JOB_WAIT_SECONDS} s; is a worker running?"
            )
        time.sleep(0.5)
        job.refresh_from_db()
    return job


def _submit(cast: _Cast, license: License, *, name: str, data: bytes, content_type: str) -> RenderJob:
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    job = render_job_submit(
        user=cast.studio_member, license_id=license.pk, upload=upload, purpose="film", territory="FR"
    )
    return _wait(job)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _render(cast: _Cast, license: License, *, kind: str, data: bytes, out_dir: Path, say: Say) -> DemoOutput:
    suffix, content_type = (".jpg", "image/jpeg") if kind == "still" else (".mp4", "video/mp4")
    started = time.perf_counter()
    job = _submit(cast, license, name=f"amazing-grace{suffix}", data=data, content_type=content_type)
    elapsed = time.perf_counter() - started
    if job.status != JobStatus.COMPLETED:
        raise DemoFailed(
            f"the {kind} render ended {job.status}: {job.refusal_reason or job.error_code} {job.error_message}".strip()
        )
    path = out_dir / f"{kind}-{job.pk.hex[:8]}{suffix}"
    with default_storage.open(job.output_name, "rb") as stored, path.open("wb") as local:
        shutil.copyfileobj(stored, local)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    if sha256 != job.output_sha256:
        raise DemoFailed(f"{path} does not match the stored output's sha256")
    manifest = read_manifest(path)
    if kind == "still":
        decoded = decode_image(read_image(path), key=watermark_key())
    else:
        decoded = decode_video_frames(iter_frames(path), key=watermark_key())
    assert job.mark_id is not None
    say(
        f"   {kind}: job {job.pk} {job.status} in {elapsed:.1f} s "
        f"({_count(job.frames_done, 'frame')}, {_count(job.faces_replaced, 'face')} replaced, "
        f"engine {job.engine})"
    )
    say(f"     wrote {path}")
    say(f"     contact sheet (target, actor, output): {write_contact_sheet(path, target=data, actor=astronaut())}")
    say(f"     sha256 {sha256}")
    say(f"     mark id {job.mark_id}; invisible watermark reads back {decoded.mark_id if decoded.found else 'nothing'}")
    say(
        f"     C2PA manifest: {manifest.state or 'absent'}"
        + (f" ({'; '.join(manifest.failures)})" if manifest.failures else "")
    )
    return DemoOutput(
        kind=kind,
        path=path,
        sha256=sha256,
        mark_id=job.mark_id,
        c2pa_state=manifest.state,
        watermark_mark_id=decoded.mark_id if decoded.found else None,
    )


def run_demo(*, out_dir: Path, say: Say) -> DemoResult:
    """Walk the whole story, printing each step with `say`; outputs are written to `out_dir`."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    broker = "inline (no broker)" if settings.CELERY_TASK_ALWAYS_EAGER else "a Celery broker"
    storage = settings.STORAGES["default"]["BACKEND"].rsplit(".", 1)[-1]
    say(
        f"The likeness licensing platform, end to end: database {connection.vendor}, storage {storage}, tasks {broker}."
    )
    say(f"Outputs go to {out_dir.resolve()}")
    result = DemoResult()
    cast = _cast(say)
    likeness = _enrolled_likeness(cast, say)
    with tempfile.TemporaryDirectory(prefix="demo-media-") as tmp:
        media = _media(Path(tmp))
    work = _work(cast, media, say)
    license = _license(cast, likeness, work, say)

    say("6. The studio renders the still and the clip (licence gate, face swap, label, watermark, C2PA)")
    result.outputs.append(_render(cast, license, kind="still", data=media.still, out_dir=out_dir, say=say))
    result.outputs.append(_render(cast, license, kind="clip", data=media.clip, out_dir=out_dir, say=say))

    say("7. The actor revokes the licence; the studio's next render is refused")
    license = license_revoke(license=license, reason="Ada withdrew her consent (demo)", actor=cast.actor)
    say(f"   licence {license.pk} is {license.status}")
    refused = _submit(cast, license, name="amazing-grace.jpg", data=media.still, content_type="image/jpeg")
    if refused.status != JobStatus.REFUSED:
        raise DemoFailed(f"the render after revocation ended {refused.status}, not refused")
    result.refusal_reason = refused.refusal_reason
    label = RefusalReason(refused.refusal_reason).label if refused.refusal_reason in RefusalReason.values else ""
    say(f"   job {refused.pk} refused: {refused.refusal_reason} ({label})")
    still = result.outputs[0].path
    report = verify_media_file(still, limits=verify_limits())
    say(f"   anyone checking {still.name} now reads: {'; '.join(report.summary)}")

    say("8. The auditor verifies the audit trail and signs a checkpoint")
    chain = audit_chain_verify()
    result.chain_ok, result.chain_entries = chain.ok, chain.entries_checked
    if chain.ok:
        say(f"   audit chain verifies: {chain.entries_checked} entries, head {chain.head_hash}")
    else:
        say(f"   audit chain does NOT verify: first bad entry {chain.first_bad_seq}: {chain.problem}")
    checkpoint = audit_checkpoint_create()
    result.checkpoint_size = checkpoint.tree_size
    say(
        f"   checkpoint: tree size {checkpoint.tree_size}, root {checkpoint.root_hash}, signed by key "
        f"{checkpoint.key_id}, stored as {checkpoint.storage_name}"
    )
    say(f"Done in {time.perf_counter() - started:.1f} s.")
    if not chain.ok:
        raise DemoFailed("the audit chain does not verify")
    return result
