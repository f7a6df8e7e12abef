"""The sign-in page, limited in failed attempts per client address (LOGIN_FAILURE_RATE).

Only failures count, so people who type their password right are never slowed; after the limit a
POST answers 429 until the window passes. Counters live in the default cache, like the API's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle


def _window() -> tuple[int, int]:
    limit, seconds = SimpleRateThrottle.parse_rate(None, str(settings.LOGIN_FAILURE_RATE))  # type: ignore[arg-type]
    return int(limit or 0), int(seconds or 60)


def _key(request: HttpRequest) -> str:
    return f"sign-in-failures:{request.META.get('REMOTE_ADDR', '')}"


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit, seconds = _window()
        if int(cache.get(_key(request), 0)) >= limit:
            response = HttpResponse(_("Too many failed sign-ins; try again later."), status=429)
            response["Retry-After"] = str(seconds)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        key = _key(self.request)
        _limit, seconds = _window()
        if cache.add(key, 1, timeout=seconds) is False:
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=seconds)
        return super().form_invalid(form)
