"""A faster ``copy.copy`` for Rasa's slots.

Every new ``DialogueStateTracker`` copies each of the domain's slots (43 here) with
``copy.copy``; Rasa makes several trackers per turn (``tracker.copy()`` before every
action, a temporary tracker for every form validation, the replay of ``past_states``).
``copy.copy`` goes through ``__reduce_ex__`` and ``copyreg``; for a plain object it
amounts to a new instance with the same ``__dict__`` entries, which is what
:func:`shallow_copy` does directly (~4x faster). Slot classes define no ``__copy__``,
``__reduce__``, ``__getstate__``/``__setstate__`` or non-empty ``__slots__``;
``install`` checks that before adding ``Slot.__copy__`` and leaves Rasa alone otherwise.
"""

from __future__ import annotations

from typing import TypeVar

from rasa.shared.core.slots import Slot
from rasa.shared.utils.common import all_subclasses

_MARK = "_shop_shallow_copy"
T = TypeVar("T")
_CUSTOM = ("__copy__", "__reduce__", "__reduce_ex__", "__getstate__", "__setstate__")


def shallow_copy(obj: T) -> T:
    """A new instance of ``obj``'s class with the same attributes (``copy.copy``)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def _plain(cls: type) -> bool:
    """Does ``cls`` copy as a plain object: below ``object``, nothing customises copying
    and no non-empty ``__slots__`` keeps attributes outside ``__dict__``?"""
    for klass in cls.__mro__[:-1]:
        if vars(klass).get("__slots__") or any(name in vars(klass) for name in _CUSTOM):
            return False  # (abc.ABC's empty __slots__ is harmless)
    return True


def install() -> None:
    """Give ``Slot`` a ``__copy__`` if every slot class copies as a plain object."""
    if "__copy__" in vars(Slot):  # installed already, or Rasa has its own
        return
    if not all(_plain(cls) for cls in [Slot, *all_subclasses(Slot)]):
        return

    def copy_slot(self: Slot) -> Slot:
        return shallow_copy(self)

    setattr(copy_slot, _MARK, True)
    setattr(Slot, "__copy__", copy_slot)  # noqa: B010 - Slot declares no __copy__
