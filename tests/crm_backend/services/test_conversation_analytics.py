"""record_conversation(): idempotent upsert of a conversation's analytics row."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Callable

from crm_backend.analytics.summary import ConversationSummary, summarize
from crm_backend.models import Interaction, Language
from crm_backend.services.conversation_analytics import (
    STALE,
    UNCHANGED,
    WRITTEN,
    record_conversation,
)
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.crm_backend.analytics.events import conversation, turn
from tests.crm_backend.services.shop_fixtures import make_shop

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


def _summary(cid: str = "conv-1") -> ConversationSummary:
    summary = summarize(cid, conversation())
    assert summary is not None
    return summary


def _row(make_uow: UowFactory, cid: str = "conv-1") -> Interaction:
    with make_uow() as uow:
        row = uow.interactions.get_by_conversation_id(cid)
        assert row is not None
        uow.session.expunge(row)  # a detached copy with its loaded values
        return row


def test_first_record_inserts_the_row_and_links_the_customer(uow_factory: UowFactory) -> None:
    make_shop(uow_factory)
    result = record_conversation(uow_factory(), _summary())
    assert (result.status, result.turns) == (WRITTEN, 5)
    row = _row(uow_factory)
    assert row.turns == 5 and row.channel == "web" and row.language == Language.ZH
    assert row.intents == ["greet", "track_order", "inform", "delivery_period", "thanks"]
    assert row.sentiment_avg == 0.0 and row.outcome == "resolved" and row.handoff is False
    assert row.customer_id is not None  # alice@example.com from the identity slot
    assert row.ended_at == _summary().ended_at


def test_recording_again_never_double_counts(uow_factory: UowFactory) -> None:
    record_conversation(uow_factory(), _summary())
    for _ in range(3):  # redelivered events -> the same recomputed summary
        assert record_conversation(uow_factory(), _summary()).status == UNCHANGED
    with uow_factory() as uow:
        assert len(uow.interactions.list()) == 1
    assert _row(uow_factory).turns == 5


def test_an_older_recomputation_never_overwrites_a_newer_row(uow_factory: UowFactory) -> None:
    newest = _summary()
    older = summarize("conv-1", conversation()[:-10])  # two turns fewer
    assert older is not None and older.turns == 3
    record_conversation(uow_factory(), newest)
    assert record_conversation(uow_factory(), older).status == STALE
    same_turns_older = dataclasses.replace(newest, ended_at=newest.ended_at - timedelta(seconds=1))
    assert record_conversation(uow_factory(), same_turns_older).status == STALE
    assert _row(uow_factory).turns == 5


def test_a_newer_recomputation_updates_the_row(uow_factory: UowFactory) -> None:
    record_conversation(uow_factory(), summarize("conv-1", conversation()[:-10]))  # type: ignore[arg-type]
    assert _row(uow_factory).turns == 3
    assert record_conversation(uow_factory(), _summary()).status == WRITTEN
    assert _row(uow_factory).turns == 5


def test_columns_other_services_own_are_kept(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:  # the handoff service created the row and a rating came in
        uow.interactions.add(
            Interaction(
                conversation_id="conv-1",
                channel="web",
                turns=0,
                intents=[],
                handoff=True,
                outcome="handoff",
                csat=4,
            )
        )
        uow.commit()
    assert record_conversation(uow_factory(), _summary()).status == WRITTEN
    row = _row(uow_factory)
    assert row.csat == 4 and row.handoff is True and row.outcome == "handoff"
    assert row.turns == 5


def test_unknown_identity_leaves_the_customer_empty(uow_factory: UowFactory) -> None:
    events = [
        *turn(1, "greet"),
        {
            "event": "slot",
            "timestamp": 1_764_000_002.0,
            "name": "identity",
            "value": "nobody@example.com",
        },
    ]
    summary = summarize("conv-2", events)
    assert summary is not None
    record_conversation(uow_factory(), summary)
    assert _row(uow_factory, "conv-2").customer_id is None
