from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    """Server-rendered pages for actors, studios and rights holders, over the same services as the API."""

    name = "web"
    verbose_name = "Web pages"
