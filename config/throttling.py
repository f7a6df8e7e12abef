"""Rate limits whose rates come from settings, read at each request (so tests and operators can change them).

DRF's scoped throttle, counters in the default cache (Redis via CACHE_URL when several web
processes run), a 429 with the API's error body and Retry-After. Authenticated callers are counted
per user, anonymous ones per client address (config/clientaddr.py: X-Forwarded-For only as far as
TRUSTED_PROXY_COUNT says it was written by our own proxies).

When the cache cannot be reached the limit fails open: the request goes through, with a warning in
the log and `likeness_rate_limit_unavailable_total` counted (config/metrics.py). A cache outage must
not take submissions down with it; the limits come back with the cache.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle

from config.clientaddr import client_address
from config.metrics import RATE_LIMIT_UNAVAILABLE

logger = logging.getLogger(__name__)


def cache_is_unreachable(exc: BaseException) -> bool:
    """A cache that is down (refused, reset, timed out), as opposed to a bug in the caller."""
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis is a dependency
        return isinstance(exc, OSError)
    return isinstance(exc, RedisError | OSError)


def rate_limit_unavailable(scope: str, exc: BaseException) -> None:
    """Log and count a limit that could not be checked (the request is let through)."""
    logger.warning("rate limit %s not checked, the cache is unreachable (%s); letting the request through", scope, exc)
    RATE_LIMIT_UNAVAILABLE.labels(scope=scope).inc()


class SettingsRateThrottle(ScopedRateThrottle):
    setting: str = ""

    def get_rate(self) -> str:
        return str(getattr(settings, self.setting))

    def get_ident(self, request: Any) -> str:
        return client_address(request.META)

    def allow_request(self, request: Any, view: Any) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super(ScopedRateThrottle, self).allow_request(request, view)
        except Exception as exc:
            if not cache_is_unreachable(exc):
                raise
            rate_limit_unavailable(str(self.scope), exc)
            return True


class TokenIssueRateThrottle(SettingsRateThrottle):
    """POST /api/v1/tokens/ (TOKEN_ISSUE_RATE): a stolen session cannot mint tokens in bulk."""

    scope = "token-issue"
    setting = "TOKEN_ISSUE_RATE"


class VerifyRateThrottle(SettingsRateThrottle):
    """POST /api/v1/verify and the web /verify/ page (VERIFY_RATE, one budget for both): public and
    unauthenticated, so limited per client address."""

    scope = "verify"
    setting = "VERIFY_RATE"


class RenderSubmitRateThrottle(SettingsRateThrottle):
    """POST /api/v1/render-jobs/ (RENDER_SUBMIT_RATE): each submission stores and probes an upload."""

    scope = "render-submit"
    setting = "RENDER_SUBMIT_RATE"


class EnrolRateThrottle(SettingsRateThrottle):
    """Likeness enrolment, API and web page (ENROL_RATE): each one decodes and embeds up to five photos."""

    scope = "enrol"
    setting = "ENROL_RATE"


def throttles_for_post(request: Any, throttle: type[SettingsRateThrottle]) -> list[SettingsRateThrottle]:
    """Only writes are limited: listing stays free."""
    return [throttle()] if request.method == "POST" else []


def page_allowed(request: Any, throttle: type[SettingsRateThrottle]) -> tuple[bool, int]:
    """A web page's use of an API throttle (same counters): (allowed, seconds to wait if not)."""
    check = throttle()
    if check.allow_request(request, None):
        return True, 0
    return False, int(check.wait() or 1)
