"""Webhooks: signed POSTs to a real HTTP server, retried with backoff, with a delivery log.

Personas: a studio and Ada (actor) each register an endpoint; a real HTTP server on 127.0.0.1
receives the events and checks the HMAC with the secret it was given; an outsider may not see or
register endpoints for either.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from licensing.lifecycle import license_revoke
from licensing.models import DeliveryStatus, WebhookDelivery
from licensing.tasks import webhook_deliver_task, webhook_retry_due_task
from licensing.webhook_delivery import webhook_endpoint_disable
from licensing.webhooks import signature_valid
from tests.factories import make_licensed_story, make_persona

pytestmark = pytest.mark.django_db


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what arrives and answers `status` (or a queue of them)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[str]:
        return [json.loads(r["body"])["type"] for r in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    server = Receiver()
    yield server
    server.close()


def register(persona, url: str, **extra) -> dict:
    response = persona.client().post("/api/v1/webhooks/", {"url": url, **extra}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["secret"].startswith("whsec_")
    return response.json()


def test_licence_events_reach_both_parties_signed_with_their_secret(
    clock, receiver, django_capture_on_commit_callbacks
):
    story = make_licensed_story(approve=False)
    owner_hook = register(story.actor, receiver.url)
    studio_hook = register(story.studio, receiver.url, organisation_id=str(story.studio.organisation.pk))
    assert "secret" not in story.actor.client().get("/api/v1/webhooks/").json()[0]

    with django_capture_on_commit_callbacks(execute=True):
        response = story.actor.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json")
    assert response.status_code == 200

    assert receiver.events() == ["license.approved", "license.approved"]
    secrets = {owner_hook["secret"], studio_hook["secret"]}
    for request in receiver.received:
        headers = request["headers"]
        assert headers["Likeness-Webhook-Event"] == "license.approved"
        verified_by = [
            s
            for s in secrets
            if signature_valid(
                secret=s,
                timestamp=int(headers["Likeness-Webhook-Timestamp"]),
                body=request["body"],
                header=headers["Likeness-Webhook-Signature"],
            )
        ]
        assert len(verified_by) == 1
        assert json.loads(request["body"])["data"]["license_id"] == str(story.license.pk)
    log = story.studio.client().get(f"/api/v1/webhooks/{studio_hook['id']}/deliveries/").json()
    assert [(d["status"], d["attempts"], d["log"][0]["status_code"]) for d in log] == [("delivered", 1, 200)]


def test_a_tampered_body_fails_the_receivers_signature_check(clock, receiver, django_capture_on_commit_callbacks):
    story = make_licensed_story()
    hook = register(story.studio, receiver.url, organisation_id=str(story.studio.organisation.pk))
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(license=story.license, reason="withdrawn", actor=story.actor.user)
    request = receiver.received[0]
    payload = json.loads(request["body"])
    assert payload["type"] == "license.revoked" and payload["data"]["reason"] is None  # the owner's words stay hers
    assert b"withdrawn" not in request["body"]
    timestamp = int(request["headers"]["Likeness-Webhook-Timestamp"])
    header = request["headers"]["Likeness-Webhook-Signature"]
    assert signature_valid(secret=hook["secret"], timestamp=timestamp, body=request["body"], header=header)
    forged = request["body"].replace(b'"owner"', b'"admin"')
    assert forged != request["body"]
    assert not signature_valid(secret=hook["secret"], timestamp=timestamp, body=forged, header=header)
    assert not signature_valid(secret=hook["secret"], timestamp=timestamp + 1, body=request["body"], header=header)


def test_a_failed_delivery_is_retried_with_backoff_until_it_succeeds(
    clock, receiver, django_capture_on_commit_callbacks
):
    story = make_licensed_story()
    register(story.studio, receiver.url, organisation_id=str(story.studio.organisation.pk))
    receiver.statuses = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(license=story.license, reason="withdrawn", actor=story.actor.user)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=30)

    assert webhook_retry_due_task() == 0  # not due yet
    clock.advance(seconds=30)
    assert webhook_retry_due_task() == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at == clock.now() + timedelta(seconds=60)  # doubled

    clock.advance(seconds=60)
    webhook_retry_due_task()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert list(delivery.log.values_list("status_code", flat=True)) == [500, 503, 200]
    assert len({r["headers"]["Likeness-Webhook-Id"] for r in receiver.received}) == 1  # same event id each time


def test_a_delivery_gives_up_after_the_last_attempt(clock, receiver, django_capture_on_commit_callbacks):
    story = make_licensed_story()
    register(story.studio, receiver.url, organisation_id=str(story.studio.organisation.pk))
    receiver.statuses = [500] * 10
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(license=story.license, reason="withdrawn", actor=story.actor.user)
    for _ in range(5):
        clock.advance(hours=1)
        webhook_retry_due_task()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 3, None)


def test_running_a_delivery_task_twice_posts_once(clock, receiver, django_capture_on_commit_callbacks):
    story = make_licensed_story()
    register(story.studio, receiver.url, organisation_id=str(story.studio.organisation.pk))
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(license=story.license, reason="withdrawn", actor=story.actor.user)
    delivery = WebhookDelivery.objects.get()
    assert webhook_deliver_task(str(delivery.pk)) is None
    assert len(receiver.received) == 1


def test_an_unreachable_endpoint_is_logged_and_retried(clock, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK = True
    story = make_licensed_story()
    register(story.studio, "http://127.0.0.1:9/nothing-listens", organisation_id=str(story.studio.organisation.pk))
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(license=story.license, reason="withdrawn", actor=story.actor.user)
    delivery = WebhookDelivery.objects.get()
    attempt = delivery.log.get()
    assert delivery.status == DeliveryStatus.PENDING and attempt.status_code is None and attempt.error


def test_a_disabled_endpoint_gets_no_new_events(clock, receiver, django_capture_on_commit_callbacks):
    story = make_licensed_story()
    hook = register(story.studio, receiver.url, organisation_id=str(story.studio.organisation.pk))
    from licensing.models import WebhookEndpoint

    webhook_endpoint_disable(endpoint=WebhookEndpoint.objects.get(pk=hook["id"]), actor=story.studio.user)
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(license=story.license, reason="withdrawn", actor=story.actor.user)
    assert receiver.received == []


@pytest.mark.parametrize(
    ("url", "loopback_allowed"),
    [
        ("http://hooks.example.com/x", True),
        ("http://127.0.0.1:8080/x", False),
        ("ftp://hooks.example.com/x", True),
        ("https://user:pw@hooks.example.com/x", True),
    ],
)
def test_webhook_urls_must_be_https(clock, settings, url, loopback_allowed):
    settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK = loopback_allowed
    story = make_licensed_story(approve=False)
    response = story.studio.client().post(
        "/api/v1/webhooks/", {"url": url, "organisation_id": str(story.studio.organisation.pk)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"webhook_url_refused", "validation_failed"}


def test_an_outsider_neither_sees_nor_registers_a_partys_endpoints(clock, receiver):
    story = make_licensed_story(approve=False)
    hook = register(story.studio, "https://hooks.example.com/studio", organisation_id=str(story.studio.organisation.pk))
    outsider = make_persona("outsider")
    assert outsider.client().get("/api/v1/webhooks/").json() == []
    assert outsider.client().get(f"/api/v1/webhooks/{hook['id']}/deliveries/").status_code == 404
    response = outsider.client().post(
        "/api/v1/webhooks/",
        {"url": "https://evil.example.com/", "organisation_id": str(story.studio.organisation.pk)},
        format="json",
    )
    assert response.status_code == 404
    response = outsider.client().post("/api/v1/webhooks/", {"url": "https://evil.example.com/"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_an_owner"
