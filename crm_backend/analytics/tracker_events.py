"""Access to Rasa's SQL tracker store (the ``events`` table Rasa 3.6 creates): reads,
plus deleting a customer's conversations on GDPR erasure (``delete_conversations``).

Rasa's ``SQLTrackerStore`` appends one row per event (``id`` grows with insertion,
``data`` is the serialised event). The analytics writer reads whole conversations from
it, and finds conversations that changed by scanning ids past a cursor. Works on SQLite
(embedded profile) and PostgreSQL (scale profile).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import NoSuchTableError

from crm_backend.db import is_sqlite, make_engine

_metadata = sa.MetaData()
EVENTS = sa.Table(
    "events",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("data", sa.Text),
)


class TrackerEvents:
    """The events of Rasa's tracker store at ``url``."""

    def __init__(self, url: str) -> None:
        kwargs: Dict[str, Any] = {}
        if is_sqlite(url):
            kwargs["connect_args"] = {"timeout": 15}
        self.engine: Engine = make_engine(url, **kwargs)

    def ready(self) -> bool:
        """True once Rasa has created its ``events`` table."""
        try:
            return bool(sa.inspect(self.engine).has_table("events"))
        except NoSuchTableError:
            return False

    def max_id(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(EVENTS.c.id))).scalar() or 0)

    def senders_between(self, low: int, high: int) -> List[str]:
        """Conversations with an event whose id is in ``(low, high]``."""
        stmt = (
            sa.select(EVENTS.c.sender_id).where(EVENTS.c.id > low, EVENTS.c.id <= high).distinct()
        )
        with self.engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(stmt)]

    def conversations(
        self, sender_ids: Iterable[str], max_id: Optional[int] = None
    ) -> Dict[str, List[Dict[str, Any]]]:
        """Every event of each conversation (up to event id ``max_id``), in tracker order."""
        wanted = sorted(set(sender_ids))
        found: Dict[str, List[Dict[str, Any]]] = {sender: [] for sender in wanted}
        if not wanted:
            return found
        stmt = (
            sa.select(EVENTS.c.sender_id, EVENTS.c.data)
            .where(EVENTS.c.sender_id.in_(wanted))
            .order_by(EVENTS.c.id)
        )
        if max_id is not None:
            stmt = stmt.where(EVENTS.c.id <= max_id)
        with self.engine.connect() as conn:
            for sender, data in conn.execute(stmt):
                try:
                    event = json.loads(data or "null")
                except ValueError:
                    continue
                if isinstance(event, dict):
                    found[str(sender)].append(event)
        return found

    def delete_conversations(self, sender_ids: Iterable[str]) -> int:
        """Delete every event of these conversations (GDPR erasure); the number deleted.

        Nothing to delete (or no ``events`` table yet) is not an error: 0.
        """
        wanted = sorted({str(sender) for sender in sender_ids})
        if not wanted or not self.ready():
            return 0
        deleted = 0
        with self.engine.begin() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                result = conn.execute(EVENTS.delete().where(EVENTS.c.sender_id.in_(chunk)))
                deleted += int(result.rowcount or 0)
        return deleted

    def dispose(self) -> None:
        self.engine.dispose()
