"""Webhook destinations: an outside registrant cannot turn the platform into a scanner of its own network.

Personas: a studio registers endpoints. Its URLs may name only hosts whose every address is public;
loopback, private ranges, link-local and the cloud metadata service are refused at registration and
again at delivery (a name may resolve differently later: DNS rebinding). What the studio reads about
a failed attempt is a generic code, never the socket error that would reveal what listens where.
"""

from __future__ import annotations

import pytest

from licensing import webhooks
from licensing.lifecycle import license_revoke
from licensing.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from licensing.webhook_delivery import webhook_endpoint_disable
from tests.factories import make_licensed_story

pytestmark = pytest.mark.django_db


def register(persona, url: str, **extra):
    return persona.client().post("/api/v1/webhooks/", {"url": url, **extra}, format="json")


@pytest.fixture
def dns(monkeypatch):
    """Names under .test resolve to the addresses the test sets; the rest as the suite resolves them."""
    table: dict[str, list[str]] = {}
    real = webhooks.resolve

    def resolve(host: str, port: int) -> list[str]:
        if host.endswith(".test"):
            if host not in table:
                raise OSError("Name or service not known")
            return table[host]
        return real(host, port)

    monkeypatch.setattr(webhooks, "resolve", resolve)
    return table


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/x",
        "https://[::1]/x",
        "https://10.0.0.5/x",
        "https://172.16.3.4/x",
        "https://192.168.1.1/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fe80::1]/x",
        "https://[fd00:ec2::254]/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://0.0.0.0/x",
        "https://100.64.0.1/x",
        "https://localhost/x",
    ],
)
def test_a_studio_cannot_register_an_internal_address(clock, settings, url):
    settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK = False
    story = make_licensed_story(approve=False)
    response = register(story.studio, url, organisation_id=str(story.studio.organisation.pk))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "webhook_url_refused"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("addresses", "refused"),
    [
        (["10.1.2.3"], True),
        (["93.184.215.14", "192.168.0.7"], True),  # one private record among public ones is enough
        (["169.254.169.254"], True),
        (["93.184.215.14"], False),
        (["2606:2800:21f:cb07:6820:80da:af6b:8b2c"], False),
    ],
)
def test_a_name_is_judged_by_every_address_it_resolves_to(clock, settings, dns, addresses, refused):
    settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK = False
    dns["hooks.studio.test"] = addresses
    story = make_licensed_story(approve=False)
    response = register(story.studio, "https://hooks.studio.test/in", organisation_id=str(story.studio.organisation.pk))
    assert (response.status_code == 400) is refused, response.content
    if refused:
        assert response.json()["error"]["code"] == "webhook_url_refused"


def test_a_name_that_does_not_resolve_is_refused(clock, dns):
    story = make_licensed_story(approve=False)
    response = register(story.studio, "https://nowhere.test/in", organisation_id=str(story.studio.organisation.pk))
    assert response.status_code == 400 and response.json()["error"]["code"] == "webhook_url_refused"


def test_a_name_rebound_to_an_internal_address_after_registration_is_not_contacted(
    clock, settings, dns, monkeypatch, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK = False
    dns["hooks.studio.test"] = ["93.184.215.14"]
    story = make_licensed_story()
    response = register(story.studio, "https://hooks.studio.test/in", organisation_id=str(story.studio.organisation.pk))
    assert response.status_code == 201
    dns["hooks.studio.test"] = ["127.0.0.1"]
    connections: list[tuple] = []
    monkeypatch.setattr(webhooks.socket, "create_connection", lambda *a, **k: connections.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(license=story.license, reason="withdrawn", actor=story.actor.user)
    attempt = WebhookDelivery.objects.get().log.get()
    assert connections == []
    assert (attempt.status_code, attempt.error) == (None, "destination_refused")


def test_the_studio_reads_a_generic_error_not_the_socket_error(clock, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK = True
    story = make_licensed_story()
    response = register(
        story.studio, "http://127.0.0.1:9/nothing-listens", organisation_id=str(story.studio.organisation.pk)
    )
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(license=story.license, reason="withdrawn", actor=story.actor.user)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    log = story.studio.client().get(f"/api/v1/webhooks/{response.json()['id']}/deliveries/").json()
    text = str(log)
    assert "connection_failed" in text
    assert "refused" not in text.lower() and "errno" not in text.lower()


def test_an_organisation_has_a_bounded_number_of_active_endpoints(clock, settings):
    settings.WEBHOOK_MAX_ENDPOINTS = 2
    story = make_licensed_story(approve=False)
    organisation_id = str(story.studio.organisation.pk)
    first = register(story.studio, "https://a.example.com/in", organisation_id=organisation_id)
    assert register(story.studio, "https://b.example.com/in", organisation_id=organisation_id).status_code == 201
    third = register(story.studio, "https://c.example.com/in", organisation_id=organisation_id)
    assert third.status_code == 409 and third.json()["error"]["code"] == "webhook_endpoint_limit"
    webhook_endpoint_disable(endpoint=WebhookEndpoint.objects.get(pk=first.json()["id"]), actor=story.studio.user)
    assert register(story.studio, "https://c.example.com/in", organisation_id=organisation_id).status_code == 201
