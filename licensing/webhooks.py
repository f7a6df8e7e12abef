"""Webhook signing and sending. Pure logic and one HTTP POST; the delivery state lives in services.

Each request carries

    Likeness-Webhook-Id:        <event id>           (the same on every retry: deduplicate on it)
    Likeness-Webhook-Timestamp: <unix seconds>
    Likeness-Webhook-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

A receiver recomputes the HMAC with its secret, compares in constant time and rejects timestamps
older than a few minutes, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

EVENT_TYPES = (
    "license.requested",
    "license.approved",
    "license.declined",
    "license.revoked",
    "license.expired",
    "license.exhausted",
)
SIGNATURE_HEADER = "Likeness-Webhook-Signature"
TIMESTAMP_HEADER = "Likeness-Webhook-Timestamp"
ID_HEADER = "Likeness-Webhook-Id"
EVENT_HEADER = "Likeness-Webhook-Event"
_LOOPBACK_NAMES = {"localhost"}


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def signature_valid(*, secret: str, timestamp: int, body: bytes, header: str) -> bool:
    return hmac.compare_digest(signature(secret=secret, timestamp=timestamp, body=body), header)


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str, *, allow_insecure_loopback: bool) -> str | None:
    """Why `url` may not be a webhook endpoint, or None. https only; http only to loopback, if allowed."""
    parts = urlsplit(url)
    if not parts.hostname:
        return "the URL names no host"
    if parts.username or parts.password:
        return "credentials do not belong in the URL; authenticate the signature instead"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and allow_insecure_loopback and _is_loopback(parts.hostname):
        return None
    return "webhook URLs must use https://"


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could send a signed event somewhere its owner never registered: treat it as a failure.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked when the endpoint is registered
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    started = time.perf_counter()
    try:
        with _opener.open(request, timeout=timeout) as response:
            status: int | None = response.status
            error = ""
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        status, error = None, str(getattr(exc, "reason", exc))[:500]
    return PostResult(status_code=status, error=error, duration_ms=int((time.perf_counter() - started) * 1000))
