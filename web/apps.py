from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    """Server-rendered pages for actors, studios and rights holders, over the same services as the API."""

    name = "web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        from config.errors import register_codes
        from web.codes import WebCode

        register_codes("web", WebCode)
