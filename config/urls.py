from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz, readyz
from config.metrics import metrics
from licensing.api import JwksApi
from render.well_known import C2paTrustAnchorsApi, TrustRootsApi
from web.signin import limited_admin_login

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
    path("metrics", metrics, name="metrics"),
    path(".well-known/", TrustRootsApi.as_view(), name="trust-roots"),
    path(".well-known/jwks.json", JwksApi.as_view(), name="jwks"),
    path(".well-known/c2pa-trust-anchors.pem", C2paTrustAnchorsApi.as_view(), name="c2pa-trust-anchors"),
    path(".well-known/", include("audit.well_known_urls")),
    path("api/v1/", include(api_v1)),
    path("admin/login/", limited_admin_login(admin.site.login), name="admin-login-limited"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("web.urls")),
]

handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
