"""Webhook signing and sending. Pure logic and one HTTP POST; the delivery state lives in services.

Each request carries

    Likeness-Webhook-Id:        <event id>           (the same on every retry: deduplicate on it)
    Likeness-Webhook-Timestamp: <unix seconds>
    Likeness-Webhook-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

A receiver recomputes the HMAC with its secret, compares in constant time and rejects timestamps
older than a few minutes, so a captured request cannot be replayed later. `webhook_signature_verify`
does all of that (and needs only the standard library, so an integrator may copy this module): it
returns the event, or raises `WebhookSignatureError` whose `code` (a `WebhookRefusal`) says why.
The Id and Event headers are not signed, so it checks them against the signed body; deduplicate on
the event id it returns, which comes from the signed body.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

EVENT_TYPES = (
    "license.requested",
    "license.approved",
    "license.declined",
    "license.revoked",
    "license.expired",
    "license.exhausted",
    "likeness.disputed",
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


# --- Receiving: what an integrator runs on each request ----------------------------------------

DEFAULT_TOLERANCE = timedelta(minutes=5)
# Unix seconds as the platform writes them (str(int)): digits, no sign, no leading zero, no spaces.
_TIMESTAMP = re.compile(r"0|[1-9][0-9]{0,11}")
_SIGNATURE = re.compile(r"v1=[0-9a-f]{64}")


class WebhookRefusal(StrEnum):
    """Why a request is not a genuine, fresh delivery. Stable codes: never renamed."""

    HEADER_MISSING = "header_missing"
    TIMESTAMP_MALFORMED = "timestamp_malformed"
    SIGNATURE_MALFORMED = "signature_malformed"
    SIGNATURE_MISMATCH = "signature_mismatch"
    TIMESTAMP_OUTSIDE_TOLERANCE = "timestamp_outside_tolerance"
    HEADER_MISMATCH = "header_mismatch"


class WebhookSignatureError(ValueError):
    def __init__(self, code: WebhookRefusal, message: str) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class VerifiedWebhook:
    event_id: str
    event_type: str
    timestamp: int
    payload: dict[str, Any]


def webhook_signature_verify(
    *,
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> VerifiedWebhook:
    """Check one received delivery: the HMAC over "<timestamp>.<body>" (constant-time), then that
    the timestamp is within `tolerance` of `now` either way, then that the unsigned Id and Event
    headers agree with the signed body. `headers` is looked up case-insensitively; `body` is the
    raw request body, byte for byte. Raises WebhookSignatureError (with a stable `code`) on any
    failure. A genuine but stale request (a replay) fails on its timestamp: the platform signs
    every attempt, retries included, with the time it is sent.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    given = {name.lower(): value for name, value in headers.items()}
    timestamp_text = given.get(TIMESTAMP_HEADER.lower())
    header = given.get(SIGNATURE_HEADER.lower())
    if timestamp_text is None or header is None:
        missing = TIMESTAMP_HEADER if timestamp_text is None else SIGNATURE_HEADER
        raise WebhookSignatureError(WebhookRefusal.HEADER_MISSING, f"no {missing} header")
    if not _TIMESTAMP.fullmatch(timestamp_text):
        raise WebhookSignatureError(WebhookRefusal.TIMESTAMP_MALFORMED, "the timestamp is not unix seconds")
    if not _SIGNATURE.fullmatch(header):
        raise WebhookSignatureError(WebhookRefusal.SIGNATURE_MALFORMED, "the signature is not v1=<64 hex digits>")
    timestamp = int(timestamp_text)
    if not signature_valid(secret=secret, timestamp=timestamp, body=body, header=header):
        raise WebhookSignatureError(
            WebhookRefusal.SIGNATURE_MISMATCH, "the signature does not match this body and timestamp"
        )
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        raise WebhookSignatureError(
            WebhookRefusal.TIMESTAMP_OUTSIDE_TOLERANCE,
            f"signed at {timestamp}, more than {int(tolerance.total_seconds())} s from now: a replay or a skewed clock",
        )
    payload = json.loads(body)  # signed by the platform, so a JSON object with id and type
    event_id, event_type = str(payload["id"]), str(payload["type"])
    for name, signed in ((ID_HEADER, event_id), (EVENT_HEADER, event_type)):
        value = given.get(name.lower())
        if value is not None and value != signed:
            raise WebhookSignatureError(WebhookRefusal.HEADER_MISMATCH, f"{name} disagrees with the signed body")
    return VerifiedWebhook(event_id=event_id, event_type=event_type, timestamp=timestamp, payload=payload)


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
