from __future__ import annotations

from django.apps import AppConfig


class LikenessConfig(AppConfig):
    name = "likeness"
    verbose_name = "Likenesses and their owners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.roles import register_role_provider
        from likeness import checks  # noqa: F401 - registers the face-model system check
        from likeness.erasure import register_erasure_hook
        from likeness.proof import shred_liveness_clips
        from likeness.selectors import owner_roles

        register_role_provider(owner_roles)
        register_erasure_hook(shred_liveness_clips)

        from config.errors import register_codes
        from likeness.codes import LikenessCode, PhotoCode

        register_codes("likeness", LikenessCode)
        register_codes("likeness", PhotoCode)
