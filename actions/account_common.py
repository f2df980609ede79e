"""Shared pieces of the account & feedback flows: their slots, the verified customer,
free-text parsing, and the action that starts every flow with a clean slate."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.order_identity import find_identity, find_order_number
from crm_backend.errors import ValidationError
from crm_backend.services.feedback import clean_rating

logger = logging.getLogger(__name__)

VERIFIED_SLOT, VERIFIED_UNTIL_SLOT = "verified_customer_id", "verified_until"
VERIFIED_FOR_SECONDS = 30 * 60  # a verification is reused in the conversation this long
FLOW_SLOTS = (
    "account_email",
    "account_code",
    "account_challenge",
    "account_issue",
    "account_name",
    "account_newsletter",
    "account_confirm",
    "account_field",
    "account_new_value",
    "account_new_email_code",
    "account_newsletter_choice",
    "account_delete_confirm",
    "feedback_complaint",
    "feedback_order",
    "feedback_rating",
    "feedback_text",
)
# flows that verify the customer first: an e-mail in the opening message starts that
# (not for edit_account, where an address in the message is more likely the new one)
VERIFYING_INTENTS = {"newsletter_subscription", "delete_account", "review"}
MAX_TEXT = 2000
NONE = "none"  # "no order" / "skip" answers of optional questions

_FIELDS = (
    ("email", re.compile(r"e-?mail|mail address|邮箱|邮件|电子邮", re.I)),
    ("phone", re.compile(r"phone|mobile|number|tel|手机|电话|号码", re.I)),
    ("language", re.compile(r"language|english|chinese|语言|中文|英文", re.I)),
    ("name", re.compile(r"name|姓名|名字|用户名|称呼|姓", re.I)),
)
_LANGUAGES = (
    ("zh", re.compile(r"chinese|mandarin|中文|汉语|普通话|zh|简体", re.I)),
    ("en", re.compile(r"english|英文|英语|en\b", re.I)),
)
_YES = re.compile(
    r"^(y|yes|yeah|yep|sure|ok|okay|please|yes please|go ahead|do it|confirm|create it|delete it"
    r"|是|是的|好|好的|可以|行|嗯|对|确定|确认|没问题|要|需要|订阅吧)[.!。！ ]*$",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^(n|no|nope|nah|no thanks|no thank you|not now|skip|none|nothing|cancel|keep it"
    r"|不|不是|不要|不用|不用了|否|算了|没有|没|跳过|取消|不需要|不了|保留)[.!。！ ]*$",
    re.IGNORECASE,
)
_UNSUBSCRIBE = re.compile(
    r"unsubscri|un-subscri|opt[ -]?out|stop (sending|receiving|getting|the)|no more"
    r"|don'?t (want|send)"
    r"|remove me|take me off|cancel (my |the )?(newsletter|subscription)"
    r"|退订|取消订阅|取消.{0,6}订阅|不想.{0,4}收|别再|不要再|停止.{0,4}(接收|订阅|推送)|关掉|关闭.{0,4}(订阅|推送|邮件)",
    re.IGNORECASE,
)
_SUBSCRIBE = re.compile(r"subscri|sign (me )?up|opt[ -]?in|join|订阅|订|加入", re.IGNORECASE)
_GENERIC_COMPLAINT = re.compile(
    r"(i\s+(want|would like|need|wish|'d like)\s+to\s+)?(make|file|lodge|submit|raise|register)?"
    r"\s*(a\s+)?(formal\s+)?complain(t|ts|ing)?(\s+about)?|can i|how (do|can) i|please|help"
    r"|我?(要|想)?(提交|正式)?投诉(一下)?|我有意见",
    re.IGNORECASE,
)
_RATING_IN_TEXT = re.compile(
    r"(?<![\d.])[1-5]\s*(/\s*5|out of 5|stars?|星|分)|[一二两三四五]\s*颗?\s*[星分]|★",
    re.IGNORECASE,
)


def verified_customer(tracker: Tracker) -> Optional[int]:
    """The customer id verified in this conversation, if the verification is recent."""
    try:
        customer_id = int(tracker.get_slot(VERIFIED_SLOT))
        until = float(tracker.get_slot(VERIFIED_UNTIL_SLOT))
    except (TypeError, ValueError):
        return None
    return customer_id if customer_id > 0 and until > time.time() else None


def verified_slots(customer_id: int) -> Dict[Text, Any]:
    return {
        VERIFIED_SLOT: str(customer_id),
        VERIFIED_UNTIL_SLOT: time.time() + VERIFIED_FOR_SECONDS,
    }


def signed_out_events() -> List[EventType]:
    return [SlotSet(VERIFIED_SLOT, None), SlotSet(VERIFIED_UNTIL_SLOT, None)]


def reset_events(tracker: Optional[Tracker] = None) -> List[EventType]:
    """Clear the account & feedback form slots (not the verified customer); given the
    tracker, only those that hold a value."""
    return [
        SlotSet(slot, None)
        for slot in FLOW_SLOTS
        if tracker is None or tracker.get_slot(slot) is not None
    ]


def latest_text(tracker: Tracker) -> str:
    text = (tracker.latest_message or {}).get("text") or ""
    return text[:MAX_TEXT] if isinstance(text, str) else ""


def find_email(text: object) -> Optional[str]:
    """The first e-mail address in free text (lower-cased), or None."""
    found = find_identity(text)
    return found if found and "@" in found else None


def clean_free_text(value: object, limit: int = MAX_TEXT) -> str:
    """Printable text, whitespace-trimmed and cut to ``limit`` characters."""
    if not isinstance(value, str):
        return ""
    text = "".join(
        ch for ch in value[: limit * 2] if ch == "\n" or unicodedata.category(ch)[0] != "C"
    )
    return text.strip()[:limit]


def yes_or_no(value: object) -> Optional[str]:
    """``"yes"``/``"no"`` from a button value or a short answer in English or Chinese."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip().lower()
    if text in {"yes", "no"}:
        return text
    if _YES.match(text):
        return "yes"
    if _NO.match(text):
        return "no"
    return None


def field_of(value: object) -> Optional[str]:
    """``name``/``phone``/``email``/``language`` from a button or free text."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value)[:200]
    return next((field for field, pattern in _FIELDS if pattern.search(text)), None)


def language_of(value: object) -> Optional[str]:
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value)[:200]
    return next((code for code, pattern in _LANGUAGES if pattern.search(text)), None)


def newsletter_choice(value: object) -> Optional[str]:
    """``"subscribe"``/``"unsubscribe"`` from a message, or None if it doesn't say."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value)[:MAX_TEXT]
    if _UNSUBSCRIBE.search(text):
        return "unsubscribe"
    return "subscribe" if _SUBSCRIBE.search(text) else None


def is_informative_complaint(text: str) -> bool:
    """Does the message describe the problem (not just "I want to complain")?"""
    rest = _GENERIC_COMPLAINT.sub(" ", text)
    words = re.findall(r"[A-Za-z]{2,}", rest)
    han = re.findall(r"[\u4e00-\u9fff]", rest)
    return len(words) >= 3 or len(han) >= 5


def rating_in_text(text: str) -> Optional[str]:
    """An explicit star rating in a message ("5 stars", "4/5", "五星"), or None."""
    match = _RATING_IN_TEXT.search(unicodedata.normalize("NFKC", text))
    if match is None:
        return None
    try:
        return str(clean_rating(text if match.group() == "★" else match.group()))
    except ValidationError:
        return None


def technical_problem(dispatcher: CollectingDispatcher, tracker: Tracker, what: str) -> None:
    """Log the failure (no personal data) and apologise to the customer."""
    logger.exception("%s failed for conversation %s", what, tracker.sender_id)
    dispatcher.utter_message(response="utter_technical_problem")


class ActionAccountPrepare(Action):
    """Starts every account & feedback flow: clears stale form slots and pre-fills what the
    opening message already says (e-mail, subscribe/unsubscribe, complaint text, order,
    rating, problem description)."""

    def name(self) -> Text:
        return "action_account_prepare"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        text = latest_text(tracker)
        values: Dict[Text, Any] = {}
        email = find_email(text)
        if email and (
            intent in {"create_account", "recover_password", "registration_problems"}
            or (intent in VERIFYING_INTENTS and verified_customer(tracker) is None)
        ):
            values["account_email"] = email
        if intent == "edit_account":
            values["account_field"] = field_of(text)
            phone = find_identity(text)
            if values["account_field"] == "phone" and phone and "@" not in phone:
                values["account_new_value"] = phone
            elif values["account_field"] == "language":
                values["account_new_value"] = language_of(text)
        elif intent == "newsletter_subscription":
            values["account_newsletter_choice"] = newsletter_choice(text)
        elif intent == "registration_problems":
            values["account_issue"] = clean_free_text(text, 500) or None
        elif intent == "complaint":
            if is_informative_complaint(text):
                values["feedback_complaint"] = clean_free_text(text)
            values["feedback_order"] = find_order_number(text)
        elif intent == "review":
            values["feedback_rating"] = rating_in_text(text)
            values["feedback_order"] = find_order_number(text)
        events = reset_events(tracker)
        events += [SlotSet(slot, value) for slot, value in values.items() if value is not None]
        return events
