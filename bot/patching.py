"""Replacing a method of Rasa 3.6 once per process (the project's few targeted patches:
``action_failures``, ``action_validation``, ``nlu.language_slot``, ``session_pause``).

Each patch is idempotent: the replacement carries a mark, and installing again (the
channel module and the NLU components are imported more than once in tests) is a no-op.
"""

from __future__ import annotations

from typing import Any, Callable


def patch_once(owner: Any, name: str, mark: str, make: Callable[[Any], Any]) -> None:
    """Set ``owner.name`` to ``make(original)`` unless it already carries ``mark``."""
    original = getattr(owner, name)
    if getattr(original, mark, False):
        return
    replacement = make(original)
    setattr(replacement, mark, True)
    setattr(owner, name, replacement)
