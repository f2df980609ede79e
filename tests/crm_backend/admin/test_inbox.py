from datetime import date
from pathlib import Path

import pytest
import yaml

from crm_backend.admin import inbox
from crm_backend.admin.intents import DomainNames
from crm_backend.errors import ValidationError

INTENTS = ("track_order", "cancel_order", "greet")


def user(text: str, intent: str, confidence: float, ts: float, language: str = "en") -> dict:
    return {
        "event": "user",
        "text": text,
        "timestamp": ts,
        "parse_data": {"intent": {"name": intent, "confidence": confidence}, "language": language},
    }


EVENTS = [
    {"event": "action", "name": "action_listen"},
    user("where is A1001? mail alice@example.com", "track_order", 0.93, 1764000000.0),
    {"event": "bot", "text": "Let me check."},
    user("/affirm", "affirm", 1.0, 1764000001.0),
    user("blorp", "nlu_fallback", 0.2, 1764000002.0),
    user("我的订单A1002在哪", "track_order", 0.41, 1764086400.0, "zh"),
]


def test_user_messages_are_masked_and_ordered_for_review():
    messages = inbox.user_messages("c1", EVENTS)
    assert len(messages) == 3  # the button payload is skipped
    assert "alice" not in messages[0].text and "A1001" not in messages[0].text
    ordered = inbox.select(messages, inbox.InboxFilter())
    assert [m.intent for m in ordered] == ["nlu_fallback", "track_order", "track_order"]
    assert ordered[1].language == "zh" and ordered[1].needs_review
    assert not ordered[2].needs_review
    only_zh = inbox.select(messages, inbox.InboxFilter(language="zh"))
    assert [m.language for m in only_zh] == ["zh"]
    by_day = inbox.select(messages, inbox.InboxFilter(day_from=date(2025, 11, 25)))
    assert [m.language for m in by_day] == ["zh"]
    assert inbox.select(messages, inbox.InboxFilter(intent="cancel_order")) == []


def test_annotations_are_stored_audited_and_updated(uow_factory, tmp_path: Path):
    fallback, low, _ok = inbox.select(inbox.user_messages("c1", EVENTS), inbox.InboxFilter())
    view = inbox.annotate(
        uow_factory(),
        message=fallback,
        status="corrected",
        intent="greet",
        known_intents=INTENTS,
        actor="staff:ada",
    )
    assert view.intent == "greet" and view.status == "corrected"
    again = inbox.annotate(
        uow_factory(),
        message=fallback,
        status="noise",
        intent=None,
        known_intents=INTENTS,
        actor="staff:ada",
    )
    assert again.id == view.id and again.intent is None
    inbox.annotate(
        uow_factory(),
        message=low,
        status="confirmed",
        intent=None,
        known_intents=INTENTS,
        actor="staff:bob",
    )
    with uow_factory() as uow:
        rows = uow.nlu.all()
        assert [(r.status, r.intent) for r in rows] == [
            ("noise", None),
            ("confirmed", "track_order"),
        ]
        assert "A1002" not in rows[1].text
        audit = uow.audit.list_for_entity("nlu_annotation", str(view.id))
        assert [a.details["status"] for a in audit] == ["corrected", "noise"]
        assert audit[1].details["before"] == {
            "status": "corrected",
            "intent": "greet",
            "entities": None,
        }
    shown = inbox.with_annotations(uow_factory(), [fallback, low])
    assert [m.status for m in shown] == ["noise", "confirmed"]
    summary = inbox.export_annotations(uow_factory, tmp_path)
    assert summary.train["zh"] + summary.test["zh"] == 1
    assert summary.train["en"] + summary.test["en"] == 0  # noise is not training data
    written = next(Path(f) for f in summary.files)
    assert yaml.safe_load(written.read_text())["nlu"][0]["intent"] == "track_order"


@pytest.mark.parametrize(
    "status,intent",
    [
        ("corrected", "no_such_intent"),
        ("corrected", None),
        ("corrected", "nlu_fallback"),
        ("bogus", "greet"),
    ],
)
def test_bad_annotations_are_refused(uow_factory, status, intent):
    message = inbox.user_messages("c1", EVENTS)[0]
    with pytest.raises(ValidationError):
        inbox.annotate(
            uow_factory(),
            message=message,
            status=status,
            intent=intent,
            known_intents=INTENTS,
            actor="staff:ada",
        )
    with uow_factory() as uow:
        assert uow.nlu.all() == []


DOMAIN = DomainNames(intents=INTENTS, entities=("order_number", "email", "product"))


def test_new_intents_and_entity_marks_are_stored_audited_and_exported(uow_factory, tmp_path: Path):
    # "where is A1001? mail alice@example.com" -> masked; offsets are into the masked text
    message = inbox.user_messages("c1", EVENTS)[0]
    text = message.text
    order = text.index("A****")
    mail = text.index("a****@")
    marks = [
        (order, order + 5, "order_number", "A****"),
        (mail, len(text), "email", text[mail:]),
    ]
    view = inbox.annotate(
        uow_factory(),
        message=message,
        status="corrected",
        intent="ask_parcel_photo",
        new_intent=True,
        entities=marks,
        known_intents=INTENTS,
        domain=DOMAIN,
        actor="staff:ada",
    )
    assert view.new_intent and view.intent == "ask_parcel_photo"
    assert [e["text"] for e in view.entities] == ["A****", text[mail:]]
    assert inbox.created_intents(uow_factory(), INTENTS) == ["ask_parcel_photo"]
    # once created, other messages may use it without ticking "new"
    zh = inbox.user_messages("c1", EVENTS)[2]
    again = inbox.annotate(
        uow_factory(),
        message=zh,
        status="corrected",
        intent="ask_parcel_photo",
        known_intents=INTENTS,
        domain=DOMAIN,
        actor="staff:bob",
    )
    assert not again.new_intent
    with uow_factory() as uow:
        audit = uow.audit.list_for_entity("nlu_annotation", str(view.id))
        assert audit[0].details["new_intent"] is True
        assert audit[0].details["entities"][0] == {
            "start": order,
            "end": order + 5,
            "entity": "order_number",
        }
        assert "alice" not in str(audit[0].details)
    shown = inbox.with_annotations(uow_factory(), [message])[0]
    assert [m.entity for m in shown.entities] == ["order_number", "email"]

    summary = inbox.export_annotations(uow_factory, tmp_path)
    assert summary.intents == ("ask_parcel_photo",)
    written = "".join(Path(f).read_text() for f in summary.files)
    assert "where is [A****](order_number)? mail [a****@example.com](email)" in written
    assert "alice" not in written and "A1001" not in written
    # noise drops the marks
    inbox.annotate(
        uow_factory(),
        message=message,
        status="noise",
        intent=None,
        entities=marks,
        known_intents=INTENTS,
        domain=DOMAIN,
        actor="staff:ada",
    )
    with uow_factory() as uow:
        assert uow.nlu.by_key(message.key).entities is None


@pytest.mark.parametrize(
    "intent,new,entities",
    [
        ("Bad Name", True, []),
        ("greet", True, []),  # exists: not new
        ("utter_hello", True, []),
        ("ask_parcel_photo", False, []),  # unknown and not ticked as new
        ("greet", False, [(0, 5, "city", None)]),  # not a domain entity
        ("greet", False, [(10, 13, "order_number", None)]),  # cuts through "A****"
    ],
)
def test_bad_new_intents_and_marks_are_refused(uow_factory, intent, new, entities):
    message = inbox.user_messages("c1", EVENTS)[0]
    with pytest.raises(ValidationError):
        inbox.annotate(
            uow_factory(),
            message=message,
            status="corrected",
            intent=intent,
            new_intent=new,
            entities=entities,
            known_intents=INTENTS,
            domain=DOMAIN,
            actor="staff:ada",
        )
    with uow_factory() as uow:
        assert uow.nlu.all() == []
