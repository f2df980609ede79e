import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from crm_backend.admin.entities import EntityMark, check_marks, from_json, markup, to_json
from crm_backend.admin.masking import mask_with_spans
from crm_backend.errors import ValidationError

ENTITIES = ("order_number", "email", "product")


def parsed(line: str) -> list:
    """What Rasa reads from one exported example: its text and entities."""
    data = RasaYAMLReader().reads(
        f'version: "3.1"\nnlu:\n- intent: track_order\n  examples: |\n    - {line}\n'
    )
    message = data.intent_examples[0]
    return [message.get("text"), message.get("entities") or []]


def test_marks_after_masked_data_keep_their_offsets_and_export_as_rasa_markup():
    text, placeholders = mask_with_spans("mail alice@example.com: the lamp, order A1001")
    lamp = text.index("lamp")
    order = text.index("A****")
    marks = check_marks(
        text,
        [(lamp, lamp + 4, "product", "lamp"), (order, order + 5, "order_number", None)],
        ENTITIES,
        placeholders,
    )
    line = markup(text, marks)
    assert line == "mail a****@example.com: the [lamp](product), order [A****](order_number)"
    rasa_text, entities = parsed(text)[0], parsed(line)[1]
    assert rasa_text == text  # no marks: Rasa sees the message as it is
    values = [(e["value"], e["entity"]) for e in entities]
    assert values == [("lamp", "product"), ("A****", "order_number")]
    read_text = parsed(line)[0]
    assert [read_text[e["start"] : e["end"]] for e in entities] == ["lamp", "A****"]


def test_marks_are_trimmed_sorted_and_round_trip_through_json():
    text = "the  big lamp  please"
    marks = check_marks(text, [(8, 15, "product", None), (0, 3, "product", "the")], ENTITIES)
    assert marks == (EntityMark(0, 3, "product"), EntityMark(9, 13, "product"))
    assert from_json(to_json(marks)) == marks
    assert to_json(()) is None and from_json("not json") == () and from_json('[{"x": 1}]') == ()
    assert markup(text, marks) == "[the](product) big [lamp](product) please"


def test_chinese_marks_and_injected_markup_are_neutralised():
    text = "我想买[台灯](product)和台灯"
    start = text.rindex("台灯")
    marks = check_marks(text, [(start, start + 2, "product", "台灯")], ENTITIES)
    line = markup(text, marks)
    assert line == "我想买(台灯)(product)和[台灯](product)"
    assert [e["value"] for e in parsed(line)[1]] == ["台灯"]


@pytest.mark.parametrize(
    "marks",
    [
        [(0, 4, "city", None)],  # not a domain entity
        [(0, 99, "product", None)],  # outside the text
        [(3, 3, "product", None)],  # empty
        [(3, 4, "product", None)],  # only a blank
        [(0, 4, "product", "nope")],  # not what the admin selected
        [(0, 8, "product", None), (5, 12, "email", None)],  # overlapping
        [(10, 14, "email", None)],  # cuts through the masked e-mail
    ],
)
def test_bad_marks_are_refused(marks):
    text, placeholders = mask_with_spans("the lamp alice@example.com")
    with pytest.raises(ValidationError):
        check_marks(text, marks, ENTITIES, placeholders)
