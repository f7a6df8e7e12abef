"""The deployment files hold together: the compose file has every service with a health check and
named volumes, workers consume the right queues; the Kubernetes manifests pass the Kubernetes API's
own schema (kubernetes-validate) and probe /readyz and /healthz.

There is no `docker compose` plugin and no container engine on the test machines, so the compose
file is checked by parsing it and asserting the structure the platform relies on, not by Docker.
"""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def k8s_documents() -> list[dict]:
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_compose_runs_web_workers_beat_and_the_three_backing_services_with_health_checks(compose):
    services = compose["services"]
    assert set(services) == {"web", "worker-renders", "worker-default", "beat", "postgres", "redis", "seaweedfs"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        assert service.get("restart") == "unless-stopped", name
    assert services["web"]["command"][0] == "gunicorn"
    for name in ("web", "worker-renders", "worker-default", "beat"):
        depends = services[name]["depends_on"]
        assert {d: c["condition"] for d, c in depends.items()} == dict.fromkeys(
            ("postgres", "redis", "seaweedfs"), "service_healthy"
        )
        assert services[name]["environment"]["PRODUCTION"] == "true"


def test_compose_presigns_download_links_for_the_published_s3_port(compose):
    environment = compose["x-app"]["environment"]
    assert environment["S3_ENDPOINT_URL"] == "http://seaweedfs:8333", "the platform's own, internal address"
    assert environment["S3_PUBLIC_ENDPOINT_URL"].startswith("${S3_PUBLIC_ENDPOINT_URL:?"), "required, from .env"
    assert "8333:8333" in compose["services"]["seaweedfs"]["ports"]


def test_compose_workers_consume_separate_queues(compose):
    services = compose["services"]
    renders = " ".join(services["worker-renders"]["command"])
    default = " ".join(services["worker-default"]["command"])
    assert "--queues=renders" in renders and "RENDER_WORKER_CONCURRENCY" in renders
    assert "--queues=default" in default
    assert "beat" in services["beat"]["command"]


def test_compose_keeps_data_in_named_volumes_and_mounts_models_read_only(compose):
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "s3data", "keys", "models"}
    web_volumes = compose["services"]["web"]["volumes"]
    assert "models:/models:ro" in web_volumes and "keys:/data" in web_volumes
    for name, target in (("postgres", "pgdata:"), ("redis", "redisdata:"), ("seaweedfs", "s3data:")):
        assert any(v.startswith(target) for v in compose["services"][name]["volumes"]), name


def test_kubernetes_manifests_pass_the_kubernetes_schema():
    documents = k8s_documents()
    assert {d["kind"] for d in documents} >= {"Deployment", "Service", "PersistentVolumeClaim", "Namespace"}
    for document in documents:
        kubernetes_validate.validate(document, "1.30", strict=True)


def test_kubernetes_web_pods_probe_readyz_and_healthz_and_workers_split_the_queues():
    deployments = {d["metadata"]["name"]: d for d in k8s_documents() if d["kind"] == "Deployment"}
    assert set(deployments) == {"web", "worker-renders", "worker-default", "beat"}
    web = deployments["web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert deployments["beat"]["spec"]["replicas"] == 1
    assert deployments["beat"]["spec"]["strategy"]["type"] == "Recreate"
    for name, queue in (("worker-renders", "renders"), ("worker-default", "default")):
        command = " ".join(deployments[name]["spec"]["template"]["spec"]["containers"][0]["command"])
        assert f"--queues={queue}" in command, name
    for deployment in deployments.values():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        container = pod["containers"][0]
        assert [e.get("configMapRef", e.get("secretRef"))["name"] for e in container["envFrom"]] == [
            "likeness-config",
            "likeness-secrets",
        ]


def test_kubernetes_config_comes_from_env_files_in_env_example_format():
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    assert kustomization["configMapGenerator"][0]["envs"] == ["config.env"]
    assert kustomization["secretGenerator"][0]["envs"] == ["secret.env"]
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (DEPLOY / "env.example").read_text().splitlines()
        if "=" in line
    }
    for name in ("config.env", "secret.env.example"):
        for line in (DEPLOY / "k8s" / name).read_text().splitlines():
            if line and not line.startswith("#"):
                assert line.split("=", 1)[0] in documented, (name, line)
