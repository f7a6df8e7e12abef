"""Webhooks as rows and deliveries: endpoints (create, disable, secret), emitting events to the
parties' endpoints, and delivering them with retries. The wire format is in licensing/webhooks.py."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from accounts.actors import Actor
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Forbidden, Invalid
from licensing.codes import LicensingCode
from licensing.documents import (
    format_time,
)
from licensing.keys import decrypt, encrypt
from licensing.models import (
    DeliveryStatus,
    Organisation,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from licensing.parties import require_member
from licensing.webhooks import (
    EVENT_HEADER,
    EVENT_TYPES,
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    post,
    signature,
    url_problem,
)
from likeness.models import LikenessOwner


def webhook_endpoint_create(
    *,
    url: str,
    events: list[str],
    organisation: Organisation | None,
    owner: LikenessOwner | None,
    actor: Actor,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for an organisation (its members) or a likeness owner (themselves).

    Returns the endpoint and its signing secret, which is shown this once and stored encrypted.
    """
    if (organisation is None) == (owner is None):
        raise Invalid(
            "an endpoint belongs to one organisation or to you as a likeness owner", detail={"field": "organisation_id"}
        )
    if organisation is not None:
        require_member(actor, organisation, "register its webhooks")
    elif owner is not None and owner.user_id != getattr(actor, "pk", None):
        raise Forbidden("only the owner registers their webhooks")
    if problem := url_problem(url, allow_insecure_loopback=settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK):
        raise Invalid(problem, code=LicensingCode.WEBHOOK_URL_REFUSED, detail={"field": "url"})
    if unknown := sorted(set(events) - set(EVENT_TYPES)):
        raise Invalid(f"unknown events: {', '.join(unknown)}", detail={"field": "events"})
    active = WebhookEndpoint.objects.filter(organisation=organisation, owner=owner, disabled_at__isnull=True)
    if active.count() >= settings.WEBHOOK_MAX_ENDPOINTS:
        raise Conflict(
            f"at most {settings.WEBHOOK_MAX_ENDPOINTS} active webhook endpoints each; disable one first",
            code=LicensingCode.WEBHOOK_ENDPOINT_LIMIT,
        )
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        organisation=organisation, owner=owner, url=url, events=sorted(set(events)), created_at=clock.now()
    )
    endpoint.encrypted_secret = encrypt(secret.encode(), context=f"webhook:{endpoint.pk}")
    with transaction.atomic():
        endpoint.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_ENDPOINT_CREATED,
            target=endpoint,
            data={
                "url": url,
                "events": endpoint.events,
                "organisation_id": None if organisation is None else str(organisation.pk),
            },
        )
    return endpoint, secret


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookEndpoint:
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if endpoint.disabled_at is None:
            endpoint.disabled_at = clock.now()
            endpoint.save(update_fields=["disabled_at"])
            audit_record(actor=actor, action=AuditAction.WEBHOOK_ENDPOINT_DISABLED, target=endpoint)
    return endpoint


def webhook_secret(endpoint: WebhookEndpoint) -> str:
    return decrypt(bytes(endpoint.encrypted_secret), context=f"webhook:{endpoint.pk}").decode()


def webhook_emit(*, event_type: str, organisation_ids: list[Any], owner_ids: list[Any], data: dict[str, Any]) -> int:
    """Queue one delivery per subscribed endpoint of the parties; sent after the caller commits."""
    endpoints = WebhookEndpoint.objects.filter(disabled_at__isnull=True).filter(
        Q(organisation_id__in=organisation_ids) | Q(owner_id__in=owner_ids)
    )
    now = clock.now()
    deliveries = []
    for endpoint in endpoints:
        if endpoint.events and event_type not in endpoint.events:
            continue
        delivery = WebhookDelivery(endpoint=endpoint, event_type=event_type, created_at=now, next_attempt_at=now)
        delivery.payload = json.dumps(
            {"id": str(delivery.event_id), "type": event_type, "created_at": format_time(now), "data": data},
            sort_keys=True,
        )
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    if deliveries:
        ids = [str(d.pk) for d in deliveries]
        transaction.on_commit(lambda: _enqueue_deliveries(ids))
    return len(deliveries)


def _enqueue_deliveries(ids: list[str]) -> None:
    from licensing.tasks import webhook_deliver_task

    for delivery_id in ids:
        webhook_deliver_task.delay(delivery_id)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))


def webhook_delivery_attempt(*, delivery_id: uuid.UUID | str) -> WebhookDelivery | None:
    """Try one delivery once, if it is still pending and due. Returns it, or None if not claimed.

    The claim is a conditional UPDATE that pushes `next_attempt_at` forward, so two workers (a
    retry and the sweep, or a task delivered twice by the broker) never post the same attempt
    twice; the POST itself runs outside any transaction. Receivers deduplicate on the event id.
    """
    now = clock.now()
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 2 + 5)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=lease)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = delivery.payload.encode()
    timestamp = int(now.timestamp())
    result = post(
        url=endpoint.url,
        body=body,
        headers={
            ID_HEADER: str(delivery.event_id),
            EVENT_HEADER: delivery.event_type,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret=webhook_secret(endpoint), timestamp=timestamp, body=body),
        },
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        allow_insecure_loopback=settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK,
    )
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
        )
        if result.ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = clock.now()
            delivery.next_attempt_at = None
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or endpoint.disabled_at is not None:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + _backoff(delivery.attempts)
        delivery.save(update_fields=["status", "delivered_at", "next_attempt_at"])
    return delivery


def webhook_deliveries_due() -> list[str]:
    due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now())
    return [str(pk) for pk in due.values_list("pk", flat=True)[:500]]
