"""Fixtures and helpers for the account & feedback action tests.

``crm_url`` is a seeded database of each backend that these tests may write to (one per
backend and test session; tests create their own customers or use unique e-mail
addresses, and never rely on another test's changes), and
``use_crm`` points the actions at it.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import crm
from actions.account_common import verified_slots
from crm_backend.db import make_engine, make_session_factory
from crm_backend.models import OutboxMessage
from crm_backend.seed import seed
from crm_backend.services import accounts
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

_CRM_URLS: Dict[str, str] = {}  # backend -> writable seeded database, one per test session
_FACTORIES: Dict[str, Any] = {}  # url -> session factory


@pytest.fixture(name="crm_url")
def crm_url_fixture(backend: str, database_factory: Any, seed_now: Any) -> str:
    if backend not in _CRM_URLS:
        url = str(database_factory.migrated("accounts_actions"))
        seed(url, now=seed_now)
        _CRM_URLS[backend] = url
    return _CRM_URLS[backend]


@pytest.fixture(name="use_crm")
def use_crm_fixture(crm_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    factory = _factory(crm_url)
    monkeypatch.setattr(crm, "session_factory", lambda: factory)
    yield crm_url


def _factory(url: str) -> Any:
    if url not in _FACTORIES:
        _FACTORIES[url] = make_session_factory(make_engine(url))
    return _FACTORIES[url]


def uow(url: str) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(_factory(url))


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


def new_customer(url: str, *, newsletter: bool = False, language: str = "en") -> Tuple[int, str]:
    email = unique_email("cust")
    view = accounts.create_account(
        uow(url), name="Test Customer", email=email, language=language, newsletter=newsletter
    )
    return view.id, email


def tracker(
    slots: Optional[Dict[str, Any]] = None,
    text: str = "",
    intent: str = "inform",
    sender: str = "test-accounts",
    entities: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    return Tracker(
        sender_id=sender,
        slots=dict(slots or {}),
        latest_message={"text": text, "intent": {"name": intent}, "entities": entities or []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


def verified(customer_id: int, **slots: Any) -> Dict[str, Any]:
    return {**verified_slots(customer_id), "language": "en", **slots}


def run(action: Action, slots: Dict[str, Any], text: str = "", intent: str = "inform"):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker(slots, text, intent), {}))
    return responses(dispatcher), dispatcher.messages, events


def validate(validator: Any, slot: str, value: Any, slots: Optional[Dict[str, Any]] = None):
    dispatcher = CollectingDispatcher()
    method = getattr(validator, f"validate_{slot}")
    result = method(value, dispatcher, tracker(slots), {})
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return result, responses(dispatcher), dispatcher.messages


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [m.get("response") for m in dispatcher.messages]


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def last_email(url: str, recipient: str, template: str) -> OutboxMessage:
    with uow(url) as unit:
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.recipient == recipient, OutboxMessage.template == template)
            .order_by(OutboxMessage.id.desc())
        )
        message = unit.session.execute(stmt).scalars().first()
        assert message is not None, f"no {template} e-mail to {recipient}"
        unit.session.expunge_all()
        return message


def code_of(message: OutboxMessage) -> str:
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match
    return match.group(1)
