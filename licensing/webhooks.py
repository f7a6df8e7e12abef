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
import http.client
import ipaddress
import json
import logging
import re
import socket
import ssl
import time
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
    "render_job.completed",
    "render_job.refused",
    "render_job.revoked",
    "license.awaiting_cosign",  # an agent approved under a mandate that needs the owner's co-signature
)
SIGNATURE_HEADER = "Likeness-Webhook-Signature"
TIMESTAMP_HEADER = "Likeness-Webhook-Timestamp"
ID_HEADER = "Likeness-Webhook-Id"
EVENT_HEADER = "Likeness-Webhook-Event"
_LOOPBACK_NAMES = {"localhost"}
logger = logging.getLogger(__name__)


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


# Destinations a webhook may never reach, whatever a name resolves to: an endpoint is chosen by an
# outside registrant, so without this the platform becomes their port scanner of its own network
# (loopback admin ports, the cloud metadata service at 169.254.169.254, private ranges).
_METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class DestinationRefused(ValueError):
    """A webhook destination that resolves to an address outside the public internet."""


def address_problem(address: str, *, allow_insecure_loopback: bool) -> str | None:
    """Why a connection to this IP address is refused, or None. Only public unicast addresses pass;
    loopback passes only when the development escape hatch is on."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback and allow_insecure_loopback:
        return None
    if ip in _METADATA_ADDRESSES or ip.is_link_local:
        return "the URL points at a link-local or metadata address"
    if ip.is_loopback or ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified or not ip.is_global:
        return "the URL points at a private, loopback or reserved address"
    return None


def resolve(host: str, port: int) -> list[str]:
    """The system resolver's addresses for host, deduplicated, in its order (tests replace this)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def resolve_checked(host: str, port: int, *, allow_insecure_loopback: bool) -> list[str]:
    """Every address `host` resolves to, refusing (DestinationRefused) if any is not allowed, so a name
    with one public and one private record cannot be used to reach the private one."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise DestinationRefused("the URL's host name does not resolve") from exc
    if not addresses:
        raise DestinationRefused("the URL's host name does not resolve")
    for address in addresses:
        if problem := address_problem(address, allow_insecure_loopback=allow_insecure_loopback):
            raise DestinationRefused(problem)
    return addresses


def url_problem(url: str, *, allow_insecure_loopback: bool, resolve: bool = True) -> str | None:
    """Why `url` may not be a webhook endpoint, or None. https only (http only to loopback, if allowed),
    and every address the host resolves to must be public."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "the URL's port is not a number from 0 to 65535"
    problem = _form_problem(parts.scheme, parts.hostname, parts.username or parts.password, allow_insecure_loopback)
    if problem or not resolve:
        return problem
    try:
        resolve_checked(str(parts.hostname), port, allow_insecure_loopback=allow_insecure_loopback)
    except DestinationRefused as exc:
        return str(exc)
    return None


def _form_problem(scheme: str, host: str | None, credentials: str | None, allow_insecure_loopback: bool) -> str | None:
    if not host:
        return "the URL names no host"
    if credentials:
        return "credentials do not belong in the URL; authenticate the signature instead"
    if scheme == "https" or (scheme == "http" and allow_insecure_loopback and _is_loopback(host)):
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


class DeliveryError(StrEnum):
    """What a registrant is told about a failed attempt. Generic on purpose: the precise socket or
    TLS error would tell an outsider what listens where inside the platform's network."""

    DESTINATION_REFUSED = "destination_refused"
    CONNECTION_FAILED = "connection_failed"
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"


def _connection(host: str, address: str, port: int, *, https: bool, timeout: float) -> http.client.HTTPConnection:
    """A connection to the already-checked `address`, with TLS verified against `host`: connecting by
    name again would resolve again, and a second answer (DNS rebinding) could point inside."""

    class Pinned(http.client.HTTPSConnection if https else http.client.HTTPConnection):  # type: ignore[misc]
        def connect(self) -> None:
            self.sock = socket.create_connection((address, port), timeout=timeout)
            if https:
                self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=host)

    return Pinned(host, port, timeout=timeout)


def post(
    *, url: str, body: bytes, headers: dict[str, str], timeout: float, allow_insecure_loopback: bool = False
) -> PostResult:
    """POST once to `url`: resolve, check every address, connect to a checked one. Redirects are
    failures (one could send a signed event somewhere its owner never registered)."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    started = time.perf_counter()

    def done(status: int | None, error: str) -> PostResult:
        return PostResult(status_code=status, error=error, duration_ms=int((time.perf_counter() - started) * 1000))

    host = parts.hostname or ""
    if url_problem(url, allow_insecure_loopback=allow_insecure_loopback, resolve=False):
        return done(None, DeliveryError.DESTINATION_REFUSED)
    port = parts.port or (443 if https else 80)
    try:
        addresses = resolve_checked(host, port, allow_insecure_loopback=allow_insecure_loopback)
    except DestinationRefused as exc:
        logger.warning("webhook destination refused: %s (%s)", host, exc)
        return done(None, DeliveryError.DESTINATION_REFUSED)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    connection = _connection(host, addresses[0], port, https=https, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
        status = connection.getresponse().status
    except TimeoutError as exc:
        logger.warning("webhook delivery to %s timed out: %s", host, exc)
        return done(None, DeliveryError.TIMEOUT)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        logger.warning("webhook delivery to %s failed: %s", host, exc)
        return done(None, DeliveryError.CONNECTION_FAILED)
    finally:
        connection.close()
    return done(status, "" if 200 <= status < 300 else DeliveryError.HTTP_ERROR)
