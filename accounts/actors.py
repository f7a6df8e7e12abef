"""Who a service acts for: `Actor` is the signed-in user behind a request, or None for the platform
itself (a worker, a beat task); audit entries record it. Services take `actor: Actor`."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User

Actor: TypeAlias = User | AnonymousUser | None
