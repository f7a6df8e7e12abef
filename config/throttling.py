"""Rate limits whose rates come from settings, read at each request (so tests and operators can change them).

DRF's scoped throttle, counters in the default cache (Redis via CACHE_URL when several web
processes run), a 429 with the API's error body and Retry-After. Authenticated callers are counted
per user, anonymous ones per client address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle


class SettingsRateThrottle(ScopedRateThrottle):
    setting: str = ""

    def get_rate(self) -> str:
        return str(getattr(settings, self.setting))

    def allow_request(self, request: Any, view: Any) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super(ScopedRateThrottle, self).allow_request(request, view)


class TokenIssueRateThrottle(SettingsRateThrottle):
    """POST /api/v1/tokens/ (TOKEN_ISSUE_RATE): a stolen session cannot mint tokens in bulk."""

    scope = "token-issue"
    setting = "TOKEN_ISSUE_RATE"


class VerifyRateThrottle(SettingsRateThrottle):
    """POST /api/v1/verify (VERIFY_RATE): public and unauthenticated, so limited per client address."""

    scope = "verify"
    setting = "VERIFY_RATE"


class RenderSubmitRateThrottle(SettingsRateThrottle):
    """POST /api/v1/render-jobs/ (RENDER_SUBMIT_RATE): each submission stores and probes an upload."""

    scope = "render-submit"
    setting = "RENDER_SUBMIT_RATE"


def throttles_for_post(request: Any, throttle: type[SettingsRateThrottle]) -> list[SettingsRateThrottle]:
    """Only writes are limited: listing stays free."""
    return [throttle()] if request.method == "POST" else []
