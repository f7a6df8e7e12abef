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
from licensing.services import organisation_create
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
