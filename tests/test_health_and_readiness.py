"""`/healthz` says the process answers; `/readyz` checks the database, broker and storage for real."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import require_service

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_dependencies():
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_on_the_embedded_defaults_is_ready():
    body = Client().get("/readyz").json()
    assert body["status"] == "ready"
    assert body["checks"]["broker"]["detail"].startswith("inline")
    assert body["checks"]["storage"]["ok"] is True
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.parametrize(
    ("name", "port", "url"),
    [("Redis", 6379, "redis://127.0.0.1:6379/0"), ("RabbitMQ", 5672, "amqp://guest:guest@127.0.0.1:5672//")],
)
def test_readyz_reaches_a_real_broker(settings, name, port, url):
    require_service(name, "127.0.0.1", port)
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"]["ok"] is True
    assert "guest:guest" not in response.content.decode(), "credentials must not leak into the probe"


def test_readyz_is_503_when_the_broker_is_down(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_CONNECTION_TIMEOUT = 1
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_readyz_is_503_when_storage_cannot_be_written(settings, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the media directory should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocked)}},
    }
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


@pytest.mark.parametrize("host", ["10.42.3.17:8000", "127.0.0.1:8000", "[fd00::7]:8000"])
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_on_the_host_the_kubelet_and_compose_send(settings, host, path):
    # ALLOWED_HOSTS as in deploy/k8s/config.env: the probes' Host header (the pod IP) is not in it.
    settings.ALLOWED_HOSTS = ["platform.example"]
    response = Client().get(path, HTTP_HOST=host)
    assert response.status_code == 200, response.content
    assert response.json()["status"] in {"ok", "ready"}


@pytest.mark.parametrize("path", ["/api/v1/render-jobs/", "/", "/metrics", "/healthz/extra"])
def test_every_other_path_still_refuses_a_host_outside_allowed_hosts(settings, path):
    settings.ALLOWED_HOSTS = ["platform.example"]
    assert Client().get(path, HTTP_HOST="10.42.3.17:8000").status_code == 400
    assert Client().get(path, HTTP_HOST="platform.example").status_code != 400
