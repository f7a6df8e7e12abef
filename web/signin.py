"""The sign-in pages (the web's and the admin's), limited in failed attempts per address and per account.

After a limit (accounts.signin_limits) a POST answers 429 with Retry-After until the window passes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.signin_limits import sign_in_blocked_for, sign_in_failed


def _too_many(request: HttpRequest, seconds: int, template: str = "web/login.html") -> HttpResponse:
    """The sign-in page again, empty, with the sentence where messages show (never a bare text page)."""
    messages.error(request, _("Too many failed sign-ins; try again later."))
    response = render(request, template, {"form": AuthenticationForm(request)}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (seconds := sign_in_blocked_for(request, request.POST.get("username", ""))) is not None:
            return _too_many(request, seconds)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        sign_in_failed(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)


def limited_admin_login(login: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap the admin site's login view with the same limits: a failed POST re-renders the form (200)."""

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return login(request, *args, **kwargs)
        username = request.POST.get("username", "")
        if (seconds := sign_in_blocked_for(request, username)) is not None:
            return _too_many(request, seconds)
        response = login(request, *args, **kwargs)
        if response.status_code == 200:
            sign_in_failed(request, username)
        return response

    return view
