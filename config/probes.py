"""Liveness and readiness probes answer on any Host header.

The kubelet probes a pod at `<pod-ip>:8000` and compose's health check at `127.0.0.1:8000`; neither
is a public host name, so ALLOWED_HOSTS (checked by CommonMiddleware and everything that calls
`request.get_host()`) would answer 400 and the pod would never become ready. This middleware sits
before them and serves exactly the probe paths without host validation; every other path still
goes through ALLOWED_HOSTS. The probes reveal nothing host-specific, so no host is a risk to them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from config.health import healthz, readyz

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
