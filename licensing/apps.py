from __future__ import annotations

from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = "Parties, works and licences"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.roles import register_role_provider
        from licensing.selectors import membership_roles

        register_role_provider(membership_roles)

        from licensing.erasure import register as register_erasure_hook

        register_erasure_hook()

        from audit.evidence import register_document_check
        from licensing.evidence import DOCUMENT_KIND, check_license_evidence

        register_document_check(DOCUMENT_KIND, check_license_evidence)

        from config.errors import register_codes
        from licensing.codes import LicensingCode
        from licensing.refusals import RefusalReason

        register_codes("licensing", RefusalReason)
        register_codes("licensing", LicensingCode)

        from licensing.mandate_models import MandateRefusal

        register_codes("mandates", MandateRefusal)
