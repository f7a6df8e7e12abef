"""Failed sign-ins counted per client address and per account, for the web sign-in and the admin login.

Only failures count, so people who type their password right are never slowed. The per-address
limit (LOGIN_FAILURE_RATE) stops one client guessing many accounts; the per-account limit
(LOGIN_ACCOUNT_FAILURE_RATE, looser) stops many clients, or one behind a shared ingress address,
guessing one account, and cannot be used to lock everyone out at once as a per-address limit alone
can behind a proxy. The address is the one the API's limits count (config/clientaddr.py: behind
TRUSTED_PROXY_COUNT proxies, never a header the client wrote). Counters live in the default cache.
If the cache is unreachable the check fails open, logged and counted like the API's limits:
refusing every sign-in during a Redis outage would lock out the operators who must fix it, and the
password check itself still runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle

from config.clientaddr import client_address
from config.throttling import cache_is_unreachable, rate_limit_unavailable


@dataclass(frozen=True)
class _Window:
    key: str
    limit: int
    seconds: int


def _parse(rate: str) -> tuple[int, int]:
    limit, seconds = SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type]
    return int(limit or 0), int(seconds or 60)


def _windows(request: HttpRequest, username: str) -> list[_Window]:
    address = client_address(request.META)
    windows = [_Window(f"sign-in-failures:addr:{address}", *_parse(str(settings.LOGIN_FAILURE_RATE)))]
    account = username.strip().casefold()
    if account:
        digest = hashlib.sha256(account.encode()).hexdigest()[:32]  # keys stay short and printable
        windows.append(_Window(f"sign-in-failures:user:{digest}", *_parse(str(settings.LOGIN_ACCOUNT_FAILURE_RATE))))
    return windows


def sign_in_blocked_for(request: HttpRequest, username: str) -> int | None:
    """Seconds to wait before trying again, or None when a sign-in may be attempted now."""
    try:
        for window in _windows(request, username):
            if int(cache.get(window.key, 0)) >= window.limit:
                return window.seconds
    except Exception as exc:
        if not cache_is_unreachable(exc):
            raise
        rate_limit_unavailable("sign-in", exc)
    return None


def sign_in_failed(request: HttpRequest, username: str) -> None:
    try:
        for window in _windows(request, username):
            if cache.add(window.key, 1, timeout=window.seconds) is False:
                try:
                    cache.incr(window.key)
                except ValueError:  # expired between add and incr
                    cache.add(window.key, 1, timeout=window.seconds)
    except Exception as exc:
        if not cache_is_unreachable(exc):
            raise
        rate_limit_unavailable("sign-in", exc)
