"""What erasing a likeness does to render jobs: every queued or running job under a licence for it
is refused (reason likeness_erased), inside the erasure's transaction. Registered from
RenderConfig.ready(), since likeness may not import render."""

from __future__ import annotations

from typing import Any

from accounts.actors import Actor


def refuse_jobs_on_erasure(*, likeness: Any, actor: Actor) -> None:
    from render.submission import render_jobs_refuse_for_erased_likeness

    render_jobs_refuse_for_erased_likeness(likeness=likeness, actor=actor)


def register() -> None:
    from likeness.erasure import register_erasure_hook

    register_erasure_hook(refuse_jobs_on_erasure)
