"""Entity marks of the NLU inbox: spans of a message's *masked* text labelled with one of
the domain's entity types, exported as Rasa's ``[text](entity)`` markup.

Offsets are Python string indices (code points) into the masked text, the text that is
stored with the annotation and exported, so masking can never shift them. A mark is
trimmed of surrounding blanks, must not overlap another mark and may cover a masking
placeholder (``a****@example.com``) whole but never cut through one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from crm_backend.errors import ValidationError

MAX_MARKS = 20
MAX_MARK_LENGTH = 200
MARKUP_CHARS = str.maketrans("[]{}", "()()")


@dataclass(frozen=True, order=True)
class EntityMark:
    start: int
    end: int
    entity: str

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "entity": self.entity}


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, field="entities")


def _trimmed(text: str, start: int, end: int) -> Tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def check_marks(
    text: str,
    marks: Iterable[Tuple[int, int, str, Optional[str]]],
    known_entities: Sequence[str],
    placeholders: Sequence[Tuple[int, int]] = (),
) -> Tuple[EntityMark, ...]:
    """Validated marks, sorted. Each input is ``(start, end, entity, selected_text)``;
    ``selected_text``, when given, must be what the admin saw at those offsets."""
    found: List[EntityMark] = []
    for start, end, entity, selected in marks:
        if entity not in known_entities:
            raise _refuse(f"Unknown entity type {entity!r}.")
        if not (0 <= start < end <= len(text)):
            raise _refuse("An entity mark is outside the message.")
        if selected is not None and " ".join(selected.split()) != " ".join(text[start:end].split()):
            raise _refuse("The marked text does not match the message; reload the page.")
        start, end = _trimmed(text, start, end)
        if start == end:
            raise _refuse("An entity mark is empty.")
        if end - start > MAX_MARK_LENGTH:
            raise _refuse("An entity mark is too long.")
        for p_start, p_end in placeholders:
            overlaps = start < p_end and p_start < end
            if overlaps and not (start <= p_start and p_end <= end):
                raise _refuse("An entity mark cuts through masked personal data.")
        found.append(EntityMark(start, end, entity))
    if len(found) > MAX_MARKS:
        raise _refuse(f"At most {MAX_MARKS} entity marks per message.")
    found.sort()
    for before, after in zip(found, found[1:], strict=False):
        if after.start < before.end:
            raise _refuse("Entity marks overlap.")
    return tuple(found)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).translate(MARKUP_CHARS)


def markup(text: str, marks: Sequence[EntityMark] = ()) -> str:
    """One line of Rasa NLU training data: ``text`` with each mark as ``[span](entity)``.
    The message's own brackets and braces become parentheses (no injected labels);
    whitespace runs become one space."""
    parts: List[str] = []
    position = 0
    for mark in sorted(marks):
        if mark.start < position or mark.end > len(text):
            continue  # inconsistent with the text: drop the mark, keep the example
        span = _flat(text[mark.start : mark.end]).strip()
        parts.append(_flat(text[position : mark.start]))
        parts.append(f"[{span}]({mark.entity})" if span else "")
        position = mark.end
    parts.append(_flat(text[position:]))
    return "".join(parts).strip()


def to_json(marks: Sequence[EntityMark]) -> Optional[str]:
    return json.dumps([m.as_dict() for m in marks]) if marks else None


def from_json(value: Optional[str]) -> Tuple[EntityMark, ...]:
    """Stored marks (malformed items are skipped)."""
    if not value:
        return ()
    try:
        items: Any = json.loads(value)
    except ValueError:
        return ()
    marks: List[EntityMark] = []
    for item in items if isinstance(items, list) else []:
        try:
            marks.append(EntityMark(int(item["start"]), int(item["end"]), str(item["entity"])))
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(sorted(marks))
