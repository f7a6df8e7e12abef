"""Builders for the people and things the stories in the tests need.

Each builder goes through the real services, so what it makes is audited exactly as in production.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.services import role_grant, token_issue, user_create
from licensing.models import Organisation, OrganisationKind
from licensing.parties import organisation_create
from likeness.models import Likeness, LikenessOwner
from likeness.services import likeness_create, owner_register

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


@dataclass
class Persona:
    user: Any
    token: str

    def client(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.token}")
        return client


def make_persona(name: str) -> Persona:
    user = user_create(username=unique(name))
    return Persona(user=user, token=token_issue(user=user, name="tests", actor=user).plaintext)


@dataclass
class Actor(Persona):
    owner: LikenessOwner
    likeness: Likeness


def make_actor(name: str = "actor") -> Actor:
    persona = make_persona(name)
    owner = owner_register(user=persona.user, display_name=f"{name.title()} Person", actor=persona.user)
    likeness = likeness_create(owner=owner, display_name=f"{name.title()}'s face", actor=persona.user)
    return Actor(user=persona.user, token=persona.token, owner=owner, likeness=likeness)


@dataclass
class Member(Persona):
    organisation: Organisation


def make_studio(name: str = "studio") -> Member:
    persona = make_persona(name)
    organisation = organisation_create(
        name=unique(f"{name.title()} Pictures"), kind=OrganisationKind.STUDIO, creator=persona.user, actor=persona.user
    )
    return Member(user=persona.user, token=persona.token, organisation=organisation)


def make_rights_holder(name: str = "rightsholder") -> Member:
    persona = make_persona(name)
    organisation = organisation_create(
        name=unique(f"{name.title()} Films"),
        kind=OrganisationKind.RIGHTS_HOLDER,
        creator=persona.user,
        actor=persona.user,
    )
    return Member(user=persona.user, token=persona.token, organisation=organisation)


def make_auditor(name: str = "auditor") -> Persona:
    persona = make_persona(name)
    role_grant(user=persona.user, role=Role.AUDITOR, actor=None)
    return persona


def make_admin(name: str = "admin") -> Persona:
    persona = make_persona(name)
    role_grant(user=persona.user, role=Role.ADMIN, actor=None)
    return persona


# --- likeness enrolment: real photos of a real face ------------------------------------------------


def astronaut() -> Any:
    """skimage's public-domain photo of a real face (Eileen Collins), RGB uint8 512x512."""
    from skimage import data

    return data.astronaut()


def photo_bytes(image: Any, fmt: str = "PNG", **save: Any) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def astronaut_photos() -> list[Any]:
    """Three photos of one face: as taken, mirrored, and rescaled to 600 pixels as a JPEG."""
    import numpy as np
    from PIL import Image

    from likeness.services import PhotoUpload

    image = astronaut()
    mirrored = np.ascontiguousarray(image[:, ::-1])
    larger = np.asarray(Image.fromarray(image).resize((600, 600)))
    return [
        PhotoUpload(name="front.png", data=photo_bytes(image)),
        PhotoUpload(name="mirrored.png", data=photo_bytes(mirrored)),
        PhotoUpload(name="larger.jpg", data=photo_bytes(larger, "JPEG", quality=90)),
    ]


def make_enrolled_actor(name: str = "actor") -> Actor:
    from likeness.services import likeness_enrol

    actor = make_actor(name)
    from likeness.liveness_samples import mark_person_verified_for_fixtures

    actor.likeness = likeness_enrol(likeness=actor.likeness, photos=astronaut_photos(), actor=actor.user)
    mark_person_verified_for_fixtures(actor.likeness)
    return actor


# --- licensing: works, rights and licences ---------------------------------------------------------


def make_licensable_actor(name: str = "actor") -> Actor:
    """An actor whose likeness is ENROLLED, licensable and person-verified, without running the face engines."""
    from config import clock
    from likeness.models import Likeness, LikenessStatus

    actor = make_actor(name)
    from likeness.liveness_samples import mark_person_verified_for_fixtures

    Likeness.objects.filter(pk=actor.likeness.pk).update(status=LikenessStatus.ENROLLED, updated_at=clock.now())
    actor.likeness.refresh_from_db()
    mark_person_verified_for_fixtures(actor.likeness)
    return actor


def fingerprint(label: str) -> str:
    """A stand-in sha256 for a media file called `label`."""
    import hashlib

    return hashlib.sha256(label.encode()).hexdigest()


def make_work(
    holder: Member,
    *,
    title: str = "The Long Take",
    media_type: str = "video",
    adapt_territories: list[str] | None = None,
    adapt: bool = True,
) -> Any:
    """A work with one file (its `.file_sha256`) whose holder declares reproduce, distribute and
    (unless adapt=False) adapt rights, worldwide unless told otherwise, from a year ago, open-ended."""
    from datetime import timedelta

    from config import clock
    from licensing.models import RightKind, WorkKind
    from licensing.works import WorkFileSpec, WorkRightSpec, work_register

    since = clock.now() - timedelta(days=365)
    kinds = [RightKind.REPRODUCE, RightKind.DISTRIBUTE] + ([RightKind.ADAPT] if adapt else [])
    sha256 = fingerprint(unique(title))
    work = work_register(
        holder=holder.organisation,
        title=title,
        kind=WorkKind.FILM if media_type == "video" else WorkKind.STILL,
        identifiers={"isan": unique("0000-0000-ISAN")},
        files=[WorkFileSpec(sha256=sha256, media_type=media_type, name=f"{title}.mp4")],
        rights=[
            WorkRightSpec(
                right=kind,
                territories=(adapt_territories or ["WORLD"]) if kind == RightKind.ADAPT else ["WORLD"],
                valid_from=since,
            )
            for kind in kinds
        ],
        actor=holder.user,
    )
    work.file_sha256 = sha256  # type: ignore[attr-defined]
    return work


def grant_adaptation(
    work: Any, *, holder: Member, studio: Member, days: int = 365, territories: list[str] | None = None
) -> Any:
    from datetime import timedelta

    from config import clock
    from licensing.works import adaptation_grant_create

    now = clock.now()
    return adaptation_grant_create(
        work=work,
        studio=studio.organisation,
        territories=territories or ["WORLD"],
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=days),
        actor=holder.user,
    )


def license_terms(works: list[Any], **overrides: Any) -> Any:
    """Generous but finite terms: film and series, image and video, FR/DE/GB, 30 days, 10 renders, 120 s."""
    from datetime import timedelta

    from config import clock
    from licensing.lifecycle import LicenseTerms

    now = clock.now()
    terms: dict[str, Any] = {
        "work_ids": [w.pk for w in works],
        "purposes": ["film", "series"],
        "media_types": ["image", "video"],
        "territories": ["FR", "DE", "GB"],
        "valid_from": now - timedelta(minutes=1),
        "valid_until": now + timedelta(days=30),
        "max_renders": 10,
        "max_output_seconds": 120,
        "label_text": "AI-altered: licensed likeness",
        "attribution": "Face of Ada Person, used under licence",
        "fee_per_render": {"amount": "25.00", "currency": "EUR"},
    }
    terms.update(overrides)
    return LicenseTerms(**terms)


@dataclass
class LicensedStory:
    """An actor, a rights holder, a studio holding an adaptation grant on a work, and a licence."""

    actor: Actor
    rights_holder: Member
    studio: Member
    work: Any
    license: Any


def make_licensed_story(*, approve: bool = True, **overrides: Any) -> LicensedStory:
    from licensing.lifecycle import license_approve, license_request

    actor = make_licensable_actor("ada")
    rights_holder = make_rights_holder("rights")
    studio = make_studio("studio")
    work = make_work(rights_holder)
    grant_adaptation(work, holder=rights_holder, studio=studio)
    license = license_request(
        studio=studio.organisation,
        likeness_id=actor.likeness.pk,
        terms=license_terms([work], **overrides),
        actor=studio.user,
    )
    if approve:
        license = license_approve(license=license, actor=actor.user)
    return LicensedStory(actor=actor, rights_holder=rights_holder, studio=studio, work=work, license=license)


def ask_the_gate(story: LicensedStory, *, reserve: bool, purpose: str = "film") -> Any:
    """The studio's render worker asks the gate about the story's licence (a 30 s video, DE)."""
    from licensing.gate import license_authorize

    return license_authorize(
        license_id=story.license.pk,
        studio=story.studio.organisation,
        work_file_sha256=story.work.file_sha256,
        purpose=purpose,
        media_type="video",
        duration_seconds=30,
        territory="DE",
        reserve=reserve,
    )


def reserve_a_render(story: LicensedStory) -> Any:
    """One use of the story's licence for a film, as a render takes it."""
    return ask_the_gate(story, reserve=True)
