"""The sign-in page, limited in failed attempts per client address (LOGIN_FAILURE_RATE).

Only failures count, so people who type their password right are never slowed; after the limit a
POST answers 429 until the window passes. Counters live in the default cache, like the API's, keyed
by the client address the API's limits use (config/clientaddr.py); when the cache is unreachable the
limit fails open, logged and counted, as the API's do (config/throttling.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from config.clientaddr import client_address
from config.throttling import cache_is_unreachable, rate_limit_unavailable


def _window() -> tuple[int, int]:
    limit, seconds = SimpleRateThrottle.parse_rate(None, str(settings.LOGIN_FAILURE_RATE))  # type: ignore[arg-type]
    return int(limit or 0), int(seconds or 60)


def _key(request: HttpRequest) -> str:
    return f"sign-in-failures:{client_address(request.META)}"


def _failures(request: HttpRequest) -> int:
    try:
        return int(cache.get(_key(request), 0))
    except Exception as exc:
        if not cache_is_unreachable(exc):
            raise
        rate_limit_unavailable("sign-in", exc)
        return 0


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit, seconds = _window()
        if _failures(request) >= limit:
            response = HttpResponse(_("Too many failed sign-ins; try again later."), status=429)
            response["Retry-After"] = str(seconds)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        key = _key(self.request)
        _limit, seconds = _window()
        try:
            if cache.add(key, 1, timeout=seconds) is False:
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, timeout=seconds)
        except Exception as exc:
            if not cache_is_unreachable(exc):
                raise
            rate_limit_unavailable("sign-in", exc)
        return super().form_invalid(form)
