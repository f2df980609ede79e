"""The NLU inbox: customer messages with the live model's intent, for admins to annotate.

Messages come from Rasa's tracker store (:mod:`crm_backend.admin.tracker_source`); text is
masked (:mod:`crm_backend.admin.masking`) before it leaves this module. Annotations go to
``nlu_annotations`` (``uow.nlu``) with an ``audit_log`` entry; :func:`export_annotations`
writes them as Rasa training / test data (:mod:`crm_backend.admin.dataset`). An annotation
may create a new intent (:mod:`crm_backend.admin.intents`) and carry entity marks
(:mod:`crm_backend.admin.entities`, offsets into the masked text).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from crm_backend.admin import dataset
from crm_backend.admin.entities import EntityMark, check_marks, from_json, to_json
from crm_backend.admin.intents import DomainNames, check_new_intent
from crm_backend.admin.masking import Span, mask_with_spans
from crm_backend.errors import NotFound, ValidationError
from crm_backend.models.nlu import NluAnnotation
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

FALLBACK = "nlu_fallback"
LOW_CONFIDENCE = 0.6
STATUSES = ("confirmed", "corrected", "noise")


@dataclass(frozen=True)
class InboxMessage:
    key: str
    conversation_id: str
    timestamp: float
    text: str  # masked
    language: str
    intent: str
    confidence: float
    status: Optional[str] = None  # annotation status, if annotated
    label: Optional[str] = None  # the annotated intent
    placeholders: Tuple[Span, ...] = ()  # where ``text`` has masked personal data
    entities: Tuple[EntityMark, ...] = ()  # the annotation's entity marks

    @property
    def needs_review(self) -> bool:
        return self.intent == FALLBACK or self.confidence < LOW_CONFIDENCE

    @property
    def day(self) -> str:
        return datetime.fromtimestamp(self.timestamp, timezone.utc).date().isoformat()


@dataclass(frozen=True)
class AnnotationView:
    id: int
    message_key: str
    status: str
    intent: Optional[str]
    language: str
    text: str
    entities: Tuple[Dict[str, Any], ...] = ()
    new_intent: bool = False


MarkInput = Tuple[int, int, str, Optional[str]]  # start, end, entity, the text selected


def message_key(conversation_id: str, timestamp: float) -> str:
    return hashlib.sha256(f"{conversation_id}\0{timestamp!r}".encode()).hexdigest()[:40]


def user_messages(conversation_id: str, events: Iterable[Mapping[str, Any]]) -> List[InboxMessage]:
    """The customer's messages of one conversation (button payloads like ``/affirm``
    are skipped: they are not natural language)."""
    found: List[InboxMessage] = []
    for event in events:
        if event.get("event") != "user":
            continue
        text = str(event.get("text") or "").strip()
        if not text or text.startswith("/"):
            continue
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        timestamp = float(event.get("timestamp") or 0.0)
        language = str(parse.get("language") or "")
        masked, placeholders = mask_with_spans(text)
        found.append(
            InboxMessage(
                key=message_key(conversation_id, timestamp),
                conversation_id=conversation_id,
                timestamp=timestamp,
                text=masked,
                language=language if language in dataset.LANGUAGES else "unknown",
                intent=str(intent.get("name") or ""),
                confidence=round(float(intent.get("confidence") or 0.0), 3),
                placeholders=placeholders,
            )
        )
    return found


@dataclass(frozen=True)
class InboxFilter:
    intent: Optional[str] = None
    language: Optional[str] = None
    day_from: Optional[date] = None
    day_to: Optional[date] = None
    include_annotated: bool = True


def review_order(message: InboxMessage) -> tuple:
    """Fallbacks first, then by rising confidence, newest first among equals."""
    return (message.intent != FALLBACK, message.confidence, -message.timestamp)


def select(
    messages: Sequence[InboxMessage], chosen: InboxFilter, limit: int = 200
) -> List[InboxMessage]:
    def keep(message: InboxMessage) -> bool:
        day = date.fromisoformat(message.day)
        return (
            (not chosen.intent or message.intent == chosen.intent)
            and (not chosen.language or message.language == chosen.language)
            and (chosen.day_from is None or day >= chosen.day_from)
            and (chosen.day_to is None or day <= chosen.day_to)
            and (chosen.include_annotated or message.status is None)
        )

    return sorted(filter(keep, messages), key=review_order)[:limit]


def with_annotations(
    uow: SqlAlchemyUnitOfWork, messages: Sequence[InboxMessage]
) -> List[InboxMessage]:
    """The messages with their annotation status (read-only)."""
    with uow:
        known = uow.nlu.by_keys(m.key for m in messages)
        return [
            replace(
                m,
                status=known[m.key].status,
                label=known[m.key].intent,
                entities=from_json(known[m.key].entities),
            )
            if m.key in known
            else m
            for m in messages
        ]


def created_intents(uow: SqlAlchemyUnitOfWork, known_intents: Sequence[str]) -> List[str]:
    """Intents created in the inbox: annotated, but not among ``known_intents``."""
    with uow:
        return _created(uow, known_intents)


def _created(uow: SqlAlchemyUnitOfWork, known_intents: Sequence[str]) -> List[str]:
    used: Set[str] = {row.intent for row in uow.nlu.all() if row.intent}
    return sorted(used - set(known_intents) - {FALLBACK})


def _intent_for(
    uow: SqlAlchemyUnitOfWork,
    intent: Optional[str],
    new_intent: bool,
    known_intents: Sequence[str],
    domain: DomainNames,
) -> Tuple[str, bool]:
    """The annotation's intent and whether it creates one (validated)."""
    created = _created(uow, known_intents)
    if new_intent and intent not in created:
        return check_new_intent(intent, domain), True
    if not intent or intent == FALLBACK or intent not in (*known_intents, *created):
        raise ValidationError(
            "Choose one of the assistant's intents (or tick 'new intent').", field="intent"
        )
    return intent, False


def annotate(
    uow: SqlAlchemyUnitOfWork,
    *,
    message: InboxMessage,
    status: str,
    intent: Optional[str],
    known_intents: Sequence[str],
    actor: str,
    new_intent: bool = False,
    entities: Sequence[MarkInput] = (),
    domain: Optional[DomainNames] = None,
) -> AnnotationView:
    """Confirm the model's intent, correct it (possibly to a new intent), or mark the
    message as noise; confirmed and corrected messages may carry entity marks."""
    if status not in STATUSES:
        raise ValidationError("Choose confirm, correct or noise.", field="status")
    if message.language not in dataset.LANGUAGES:
        raise ValidationError("The message's language is unknown.", field="language")
    domain = domain or DomainNames(intents=tuple(known_intents))
    marks: Tuple[EntityMark, ...] = ()
    if status != "noise":
        marks = check_marks(message.text, entities, domain.entities, message.placeholders)
    with uow:
        created = False
        if status == "noise":
            intent = None
        elif status == "confirmed":
            intent, _ = _intent_for(uow, message.intent, False, known_intents, domain)
        else:
            intent, created = _intent_for(uow, intent, new_intent, known_intents, domain)
        row = uow.nlu.by_key(message.key)
        before = (
            None
            if row is None
            else {"status": row.status, "intent": row.intent, "entities": row.entities}
        )
        stored = to_json(marks)
        if row is None:
            row = uow.nlu.add(
                NluAnnotation(
                    message_key=message.key,
                    conversation_id=message.conversation_id,
                    text=message.text,
                    language=message.language,
                    predicted_intent=message.intent,
                    confidence=message.confidence,
                    status=status,
                    intent=intent,
                    entities=stored,
                    annotated_by=actor,
                )
            )
        else:
            row.status, row.intent, row.annotated_by = status, intent, actor
            row.text, row.entities = message.text, stored  # marks are offsets into this text
        uow.flush()
        uow.audit.record(
            actor,
            "nlu.annotate",
            "nlu_annotation",
            str(row.id),
            {
                "status": status,
                "intent": intent,
                "new_intent": created,
                "entities": [m.as_dict() for m in marks],  # offsets only: no personal data
                "predicted": message.intent,
                "language": message.language,
                "before": before,
            },
        )
        view = AnnotationView(
            row.id,
            row.message_key,
            row.status,
            row.intent,
            row.language,
            row.text,
            tuple({**m.as_dict(), "text": row.text[m.start : m.end]} for m in marks),
            created,
        )
        uow.commit()
        return view


def labelled(uow: SqlAlchemyUnitOfWork) -> List[dataset.LabelledText]:
    with uow:
        return [
            dataset.LabelledText(
                row.message_key, row.language, row.text, row.intent, from_json(row.entities)
            )
            for row in uow.nlu.all()
            if row.status != "noise" and row.intent
        ]


def export_annotations(
    make_uow: Callable[[], SqlAlchemyUnitOfWork], project_root: Path
) -> dataset.ExportSummary:
    """Write the annotations as ``data/nlu/<lang>/inbox.yml`` and
    ``tests/nlu/inbox_test_<lang>.yml`` under ``project_root``."""
    return dataset.export(
        labelled(make_uow()),
        nlu_dir=project_root / "data" / "nlu",
        tests_dir=project_root / "tests" / "nlu",
    )


def find_message(messages: Sequence[InboxMessage], key: str) -> InboxMessage:
    for message in messages:
        if message.key == key:
            return message
    raise NotFound("That message is no longer in the conversation.")


def counts(messages: Sequence[InboxMessage]) -> Dict[str, int]:
    return {
        "total": len(messages),
        "review": sum(1 for m in messages if m.needs_review),
        "annotated": sum(1 for m in messages if m.status),
    }
