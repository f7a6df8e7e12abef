"""Erasure hooks: how apps to the right take part in erasing a likeness without being imported here.

`likeness_erase` calls every registered hook as `hook(likeness=likeness, actor=actor)` inside its
transaction, before committing, after the likeness row is locked. A hook that raises aborts the
erasure as a whole (nothing is erased, nothing audited), so hooks do their own writes and audit
entries and raise only when erasure must not happen. The licensing app registers one that ends the
likeness's active licences; the render app one that refuses its queued jobs.
"""

from __future__ import annotations

from collections.abc import Callable

ErasureHook = Callable[..., None]
_hooks: list[ErasureHook] = []


def register_erasure_hook(hook: ErasureHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def unregister_erasure_hook(hook: ErasureHook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def erasure_hooks() -> list[ErasureHook]:
    return list(_hooks)
