from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz, readyz
from licensing.api import JwksApi

api_v1: list[URLPattern | URLResolver] = [
    path("", include("accounts.urls")),
    path("", include("likeness.urls")),
    path("", include("licensing.urls")),
    path("", include("render.urls")),
    path("", include("audit.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path(".well-known/jwks.json", JwksApi.as_view(), name="jwks"),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
