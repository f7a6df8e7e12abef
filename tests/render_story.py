"""The render story's cast and props: an enrolled actor (the astronaut), a rights holder whose work
holds real media (Grace Hopper's public-domain portrait, as a still and as a short clip), a studio
with the adaptation right, and an approved licence covering both files."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from render.video import write_clip
from tests.factories import (
    Actor,
    Member,
    grant_adaptation,
    license_terms,
    make_enrolled_actor,
    make_licensable_actor,
    make_rights_holder,
    make_studio,
    unique,
)


@lru_cache(maxsize=1)
def hopper() -> np.ndarray:
    """Grace Hopper's official US Navy portrait (public domain), shipped with matplotlib."""
    from matplotlib import cbook

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as image:
        return np.asarray(image.convert("RGB"))


def hopper_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(hopper()).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def hopper_clip(path: Path, *, frames: int = 24, fps: int = 12, audio: bool = True) -> bytes:
    """The portrait with a slow push-in, so every frame differs, plus a tone when `audio`."""
    base = hopper()[:592]

    def frame(i: int) -> np.ndarray:
        crop = 8 + i % 16
        cropped = base[crop : base.shape[0] - crop, crop : base.shape[1] - crop]
        return np.asarray(Image.fromarray(cropped).resize((base.shape[1] // 2 * 2, base.shape[0] // 2 * 2)))

    write_clip(path, (frame(i) for i in range(frames)), fps=fps, audio_seconds=frames / fps if audio else 0)
    return path.read_bytes()


@dataclass
class RenderStory:
    actor: Actor
    rights_holder: Member
    studio: Member
    work: Any
    license: Any
    still: bytes
    clip: bytes

    def upload(self, kind: str = "still") -> SimpleUploadedFile:
        data = self.still if kind == "still" else self.clip
        name, content_type = ("hopper.jpg", "image/jpeg") if kind == "still" else ("hopper.mp4", "video/mp4")
        return SimpleUploadedFile(name, data, content_type=content_type)

    def submit(self, client: Any = None, *, kind: str = "still", **fields: Any) -> Any:
        body = {"license_id": str(self.license.pk), "file": self.upload(kind), "purpose": "film", "territory": "FR"}
        body.update(fields)
        # The job is enqueued on commit; inside a test transaction, run those callbacks (the
        # worker runs inline when no broker is configured) as a real commit would.
        with TestCase.captureOnCommitCallbacks(execute=True):
            return (client or self.studio.client()).post("/api/v1/render-jobs/", body, format="multipart")


def make_render_story(tmp_path: Path, *, enrol: bool = True, **terms: Any) -> RenderStory:
    """`enrol=False` skips the face engines (Ada is ENROLLED on paper only): for jobs that never pass the gate."""
    from licensing.lifecycle import license_approve, license_request
    from licensing.models import RightKind, WorkKind
    from licensing.works import WorkFileSpec, WorkRightSpec, work_register

    actor = make_enrolled_actor("ada") if enrol else make_licensable_actor("ada")
    rights_holder = make_rights_holder("rights")
    studio = make_studio("studio")
    still, clip = hopper_jpeg(), hopper_clip(tmp_path / "hopper.mp4")
    from config import clock

    since = clock.now().replace(year=clock.now().year - 1)
    work = work_register(
        holder=rights_holder.organisation,
        title=unique("Amazing Grace"),
        kind=WorkKind.FILM,
        identifiers={},
        files=[
            WorkFileSpec(sha256=hashlib.sha256(still).hexdigest(), media_type="image", name="hopper.jpg"),
            WorkFileSpec(sha256=hashlib.sha256(clip).hexdigest(), media_type="video", name="hopper.mp4"),
        ],
        rights=[
            WorkRightSpec(right=kind, territories=["WORLD"], valid_from=since)
            for kind in (RightKind.REPRODUCE, RightKind.ADAPT, RightKind.DISTRIBUTE)
        ],
        actor=rights_holder.user,
    )
    grant_adaptation(work, holder=rights_holder, studio=studio)
    license = license_request(
        studio=studio.organisation,
        likeness_id=actor.likeness.pk,
        terms=license_terms([work], **terms),
        actor=studio.user,
    )
    license = license_approve(license=license, actor=actor.user)
    return RenderStory(
        actor=actor, rights_holder=rights_holder, studio=studio, work=work, license=license, still=still, clip=clip
    )
