from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts, roles and API tokens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import schema  # noqa: F401 - registers the token scheme with drf-spectacular
        from accounts.codes import AccountsCode
        from config.errors import register_codes

        register_codes("accounts", AccountsCode)
