"""What erasing a likeness does to its licences.

`likeness.services.likeness_erase` calls its registered erasure hooks inside its own transaction,
after locking the likeness row. This one ends every live licence on the likeness (revoked with the
reason `likeness_erased`, or declined if still a request), audited, with webhooks queued for after
the commit. Registered from LicensingConfig.ready(), since likeness may not import licensing.
"""

from __future__ import annotations

from accounts.actors import Actor
from likeness.models import Likeness


def end_licences_on_erasure(*, likeness: Likeness, actor: Actor) -> None:
    from licensing.lifecycle import licenses_end_for_erased_likeness

    licenses_end_for_erased_likeness(likeness=likeness, actor=actor)


def register() -> None:
    from likeness.erasure import register_erasure_hook

    register_erasure_hook(end_licences_on_erasure)
