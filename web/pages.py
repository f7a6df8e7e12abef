"""What every page view shares: sign-in required, someone else's object is a 404, and a refused
service call becomes a message on the page instead of an error page.

Pages hold no business rules: each view parses its form, calls one service (or selector) and
renders or redirects. The rules, and the words of their refusals, stay in the services.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from config.errors import DomainError, NotFound

T = TypeVar("T")
View = Callable[..., HttpResponse]


def page(view: View) -> View:
    """Sign-in required; a NotFound from a selector or service answers 404 (never 403)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return login_required(wrapper)


def attempt(request: HttpRequest, call: Callable[[], T], *, done: str) -> T | None:
    """Run one service call; on success say `done`, on a refusal show the service's own reason."""
    try:
        result = call()
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, f"{exc.message} ({exc.code})")
        return None
    messages.success(request, done)
    return result
