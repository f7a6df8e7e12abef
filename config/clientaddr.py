"""The client's address, as rate limits count it: never a header the client could have written.

With TRUSTED_PROXY_COUNT = 0 (the default) X-Forwarded-For is ignored and the socket's address
(REMOTE_ADDR) is the client's. Behind N trusted proxies, each of which appends the address it
received the request from, the client is the N-th address from the right of X-Forwarded-For: the
ones to its left were written by whoever sent the request, so they choose nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings


def client_address(meta: Mapping[str, Any], *, trusted_proxies: int | None = None) -> str:
    proxies = settings.TRUSTED_PROXY_COUNT if trusted_proxies is None else trusted_proxies
    remote = str(meta.get("REMOTE_ADDR") or "")
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        # Fewer hops than proxies configured: the request did not come through them all, so the
        # header is not theirs; count the socket's address.
        return remote
    return forwarded[-proxies]
