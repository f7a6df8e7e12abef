"""Celery entry points for licensing: they take ids and call services, and are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from licensing.lifecycle import license_expire_due
from licensing.models import DeliveryStatus
from licensing.notices import license_expiring_notify
from licensing.webhook_delivery import webhook_deliveries_due, webhook_delivery_attempt


@shared_task(name="licensing.tasks.webhook_deliver_task", acks_late=True)
def webhook_deliver_task(delivery_id: str) -> str | None:
    """One attempt. A failure is rescheduled with exponential backoff: by a delayed task when a
    broker runs, and in every case by the sweep below, which picks up whatever is due (so a lost
    task, or the inline mode of the embedded default, never strands a delivery)."""
    delivery = webhook_delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return None  # delivered, given up, or being attempted elsewhere
    if delivery.status == DeliveryStatus.PENDING and not settings.CELERY_TASK_ALWAYS_EAGER:
        assert delivery.next_attempt_at is not None
        webhook_deliver_task.apply_async((delivery_id,), eta=delivery.next_attempt_at)
    return str(delivery.status)


@shared_task(name="licensing.tasks.webhook_retry_due_task", acks_late=True)
def webhook_retry_due_task() -> int:
    due = webhook_deliveries_due()
    for delivery_id in due:
        webhook_deliver_task.delay(delivery_id)
    return len(due)


@shared_task(name="licensing.tasks.license_expire_due_task", acks_late=True)
def license_expire_due_task() -> int:
    return license_expire_due()


@shared_task(name="licensing.tasks.license_expiring_notify_task", acks_late=True)
def license_expiring_notify_task() -> int:
    return license_expiring_notify()
