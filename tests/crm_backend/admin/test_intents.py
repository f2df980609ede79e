from pathlib import Path

import pytest

from crm_backend.admin.intents import (
    DomainNames,
    check_new_intent,
    domain_names,
    new_intents,
    write_domain_fragment,
)
from crm_backend.errors import ValidationError
from crm_backend.settings import PROJECT_ROOT

DOMAIN = DomainNames(
    intents=("track_order", "greet"),
    entities=("product",),
    other=frozenset({"language", "utter_greet", "action_track_order", "return_form"}),
)


def test_the_projects_domain_names():
    names = domain_names(PROJECT_ROOT)
    assert "track_order" in names.intents and "nlu_fallback" not in names.intents
    assert "order_number" in names.entities
    assert "language" in names.other  # a slot
    assert any(n.startswith("utter_") for n in names.other)  # responses of data/responses


@pytest.mark.parametrize("name", ["ask_gift_wrapping", "gift2", "ab"])
def test_valid_new_intent_names(name):
    assert check_new_intent(f" {name} ", DOMAIN) == name


@pytest.mark.parametrize(
    "name",
    [
        None,
        "",
        "a",  # too short for the exporter's intent pattern
        "Gift_Wrapping",
        "gift wrapping",
        "gift-wrapping",
        "gift__wrapping",
        "_gift",
        "gift_",
        "2gift",
        "gift/faq",  # a retrieval intent
        "x" * 61,
        "track_order",  # already an intent
        "product",  # an entity
        "language",  # a slot
        "return_form",
        "out_of_scope",  # Rasa's own intents
        "session_start",
        "nlu_fallback",
        "utter_gift",  # named like an action
        "action_gift",
        "validate_gift",
    ],
)
def test_invalid_or_clashing_new_intent_names_are_refused(name):
    with pytest.raises(ValidationError):
        check_new_intent(name, DOMAIN)


def test_new_intents_are_merged_into_a_domain_folder_rasa_trains_with(tmp_path: Path):
    from rasa.shared.core.domain import Domain

    created = new_intents(["track_order", "ask_gift_wrapping", "restart", "Bad Name"], DOMAIN)
    assert created == ["ask_gift_wrapping"]
    folder = write_domain_fragment(PROJECT_ROOT / "domain.yml", created, tmp_path / "domain")
    merged = Domain.load(str(folder))
    project = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    assert "ask_gift_wrapping" in merged.intents
    assert set(project.intents) < set(merged.intents)
    assert merged.entities == project.entities
    assert [s.name for s in merged.slots] == [s.name for s in project.slots]
    assert (PROJECT_ROOT / "domain.yml").read_bytes() == (folder / "domain.yml").read_bytes()
