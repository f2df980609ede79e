"""Who and which order: the order number / e-mail-or-phone reading every order-related
form shares (order status, orders & delivery, after-sales, accounts).

- :func:`find_order_number` / :func:`find_identity`: from free text;
- :class:`OrderIdentityValidation`: ``validate_order_number`` / ``validate_identity`` for
  any ``FormValidationAction`` that asks for an order, re-asking clearly;
- small readers of slots and of the latest message, and :func:`identity_of`.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from crm_backend.services.access import Identity, parse_identity

logger = logging.getLogger(__name__)

_ORDER_NUMBER = re.compile(r"(?<![A-Za-z0-9])([A-Za-z])\s?-?(\d{4,8})(?!\d)")
# "orderA1002": customers sometimes glue the number to the word before it
_ORDER_NUMBER_AFTER_WORD = re.compile(r"(?<![0-9])([A-Z])-?(\d{4,8})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+?\d[\d ()-]{6,18}\d")
MAX_SLOT_TEXT = 500


def find_order_number(text: object) -> Optional[str]:
    """The first order number in free text (``a1023``, ``A-1023`` → ``A1023``), or None."""
    if not isinstance(text, str):
        return None
    text = _EMAIL.sub(" ", text[:MAX_SLOT_TEXT])
    match = _ORDER_NUMBER.search(text) or _ORDER_NUMBER_AFTER_WORD.search(text)
    return f"{match.group(1).upper()}{match.group(2)}" if match else None


def find_identity(text: object) -> Optional[str]:
    """An e-mail address or phone number found in free text, or None."""
    if not isinstance(text, str):
        return None
    text = text[:MAX_SLOT_TEXT]
    email = _EMAIL.search(text)
    if email:
        return email.group().lower()
    phone = _PHONE.search(text)
    if phone and len(re.sub(r"\D", "", phone.group())) >= 7:
        return phone.group().strip()
    return None


def slot_text(value: Any, max_chars: Optional[int] = None) -> Optional[str]:
    """A slot value usable as text (entity mappings may give a list), optionally cut."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    if not isinstance(value, str) or not value.strip():
        return None
    return value[:max_chars] if max_chars else value


def latest_text(tracker: Tracker, max_chars: Optional[int] = None) -> str:
    text = (tracker.latest_message or {}).get("text")
    if not isinstance(text, str):
        return ""
    return text[:max_chars] if max_chars else text


def latest_intent(tracker: Tracker) -> Optional[str]:
    intent = (tracker.latest_message or {}).get("intent") or {}
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if isinstance(name, str) else None


def identity_of(value: object) -> Identity:
    """The Identity for an ``identity`` slot value (e-mail or phone).

    Raises:
        ValidationError: neither an e-mail address nor a phone number.
    """
    text = find_identity(slot_text(value)) or ""
    if "@" in text:
        return parse_identity(email=text)
    return parse_identity(phone=text)


def log_failure(what: str, tracker: Tracker) -> None:
    """Log an unexpected failure with its traceback, without personal data."""
    logger.exception("%s failed in conversation %s", what, tracker.sender_id)


class OrderIdentityValidation:
    """``validate_order_number`` / ``validate_identity`` for forms asking for an order
    (mix in before ``FormValidationAction``)."""

    def validate_order_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        order_number = find_order_number(slot_text(slot_value))
        if order_number is None:
            dispatcher.utter_message(response="utter_invalid_order_number")
        return {"order_number": order_number}

    def validate_identity(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        identity = find_identity(slot_text(slot_value))
        if identity is None:
            dispatcher.utter_message(response="utter_invalid_identity")
        return {"identity": identity}
