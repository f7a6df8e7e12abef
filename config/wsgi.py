from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _refuse_to_serve_without_keys() -> None:
    # gunicorn runs no system checks: in production, a missing key file (keys.E001) stops the worker
    # here, before it answers a single request, instead of a key being generated at first use.
    from django.conf import settings
    from django.core import checks
    from django.core.exceptions import ImproperlyConfigured

    if settings.PRODUCTION:
        errors = [str(e) for e in checks.run_checks(tags=[checks.Tags.security]) if e.is_serious()]
        if errors:
            raise ImproperlyConfigured("refusing to start:\n" + "\n".join(errors))


_refuse_to_serve_without_keys()
