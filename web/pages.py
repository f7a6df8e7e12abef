"""What every page view shares: sign-in required, someone else's object is a 404, and a refused
service call becomes a sentence in the reader's language (web/refusals.py) instead of an error page:
next to the field it concerns when the page has a form, else as a message on the page.

Pages hold no business rules: each view parses its form, calls one service (or selector) and
renders or redirects. The rules and their stable codes stay in the services; only the wording a
person reads of each code lives on the web side.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from config.errors import DomainError, NotFound
from web.refusals import refusal_sentence, refused_field

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


def attempt(
    request: HttpRequest,
    call: Callable[[], T],
    *,
    done: str | Callable[[T], str | None],
    form: forms.Form | None = None,
    aliases: dict[str, str] | None = None,
) -> T | None:
    """Run one service call; on success say `done` (or what `done(result)` says, if anything). A
    refusal is said in the reader's language: on
    the field of `form` it concerns (`aliases` maps the service's field names to the form's), on the
    form as a whole if it concerns none of them, or as a page message when there is no form. The
    caller re-renders the form (kept as filled) when this returns None."""
    try:
        result = call()
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        sentence = refusal_sentence(exc)
        if form is None:
            messages.error(request, sentence)
        else:
            field = refused_field(exc, aliases)
            form.add_error(field if field in form.fields else None, sentence)
        return None
    said = done(result) if callable(done) else done
    if said:
        messages.success(request, said)
    return result
