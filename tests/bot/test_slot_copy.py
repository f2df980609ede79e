"""bot/slot_copy.py: copying a slot the fast way gives what ``copy.copy`` gave."""

from __future__ import annotations

import copy
from typing import Iterator

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

from bot import slot_copy
from crm_backend.settings import PROJECT_ROOT


@pytest.fixture
def installed() -> Iterator[None]:
    had = "__copy__" in vars(Slot)
    slot_copy.install()
    slot_copy.install()  # idempotent
    assert getattr(vars(Slot)["__copy__"], slot_copy._MARK)
    yield
    if not had:  # other tests see Rasa's own copying
        delattr(Slot, "__copy__")


def test_every_project_slot_copies_like_copy_copy(installed: None) -> None:
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    for slot in domain.slots:
        slot.value = "x" if slot.type_name in ("text", "any", "categorical") else slot.value
        fast = copy.copy(slot)
        plain = slot_copy.shallow_copy(slot)
        assert type(fast) is type(slot) and fast is not slot
        assert vars(fast) == vars(slot) == vars(plain)
        fast.reset()
        assert vars(slot) != vars(fast) or slot.value == slot.initial_value


def test_trackers_built_with_it_are_independent(installed: None) -> None:
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    first = DialogueStateTracker("a", domain.slots)
    first.update(SlotSet("language", "zh"))
    second = first.init_copy()
    assert first.get_slot("language") == "zh"
    assert second.get_slot("language") != "zh"  # init_copy resets, the original keeps it


def test_a_class_that_customises_copying_keeps_copy_copy() -> None:
    class Custom:
        def __getstate__(self) -> dict:
            return {}

    class Slotted:
        __slots__ = ("a",)

    class Plain:
        pass

    assert not slot_copy._plain(Custom) and not slot_copy._plain(Slotted)
    assert slot_copy._plain(Plain)
