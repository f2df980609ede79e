"""A customer with data in every table, for the GDPR export and erasure tests.

Each person has unique markers (name, e-mail, phone, address, a sentence only they
wrote) so a test can search the whole database (and the tracker store) for leftovers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Dict, Iterator, List, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crm_backend.analytics.tracker_events import EVENTS, TrackerEvents
from crm_backend.models import (
    Address,
    ConversationMessage,
    Customer,
    CustomerScore,
    DataRequest,
    DataRequestKind,
    Interaction,
    Invoice,
    NluAnnotation,
    OfferType,
    Order,
    OrderItem,
    OrderStatus,
    OutboxChannel,
    OutboxMessage,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Product,
    Refund,
    RetentionOffer,
    Return,
    ReturnItem,
    Review,
    Ticket,
    metadata,
)
from crm_backend.services import signing
from crm_backend.services.account_deletion import request_account_deletion
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

UowFactory = Callable[[], SqlAlchemyUnitOfWork]
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Person:
    tag: str
    name: str
    email: str
    phone: str
    street: str
    secret: str  # a sentence only this person wrote (chat, review, ticket, return)

    def conversation(self, n: int) -> str:
        return f"conv-{self.tag}-{n}"

    @property
    def needles(self) -> Tuple[str, ...]:
        return (self.name, self.email, self.phone, self.street, self.secret)


ALICE = Person(
    "alice",
    "Alicia Quenby-Marchetti",
    "alicia.quenby@example.com",
    "+44 7700 900417",
    "17 Pomegranate Mews",
    "my zebra-striped teapot arrived cracked",
)
BOB = Person(
    "bob",
    "Bartholomew Okonkwo-Lind",
    "bart.okonkwo@example.org",
    "+44 7700 900932",
    "5 Juniper Causeway",
    "the walnut chessboard smells of vinegar",
)


@dataclass(frozen=True)
class Seeded:
    customer_id: int
    order_id: int
    invoice_number: str
    delete_request_id: int
    export_request_id: int


def chat(person: Person, n: int) -> List[Dict[str, Any]]:
    t = T0.timestamp() + n * 100
    return [
        {"event": "action", "timestamp": t, "name": "action_session_start"},
        {
            "event": "user",
            "timestamp": t + 1,
            "text": f"hi, I'm {person.name} ({person.email}, {person.phone}): {person.secret}",
            "parse_data": {"intent": {"name": "complaint", "confidence": 0.9}},
        },
        {"event": "slot", "timestamp": t + 2, "name": "customer_email", "value": person.email},
        {"event": "bot", "timestamp": t + 3, "text": f"Sorry to hear that, {person.name}."},
    ]


def store_chats(tracker: TrackerEvents, person: Person) -> None:
    """Conversations 1 (interaction + ticket), 2 (interaction only), 3 (deletion request)."""
    with tracker.engine.begin() as conn:
        for n in (1, 2, 3):
            for event in chat(person, n):
                conn.execute(
                    EVENTS.insert().values(
                        sender_id=person.conversation(n),
                        type_name=event["event"],
                        timestamp=event["timestamp"],
                        data=json.dumps(event),
                    )
                )


def tracker_count(tracker: TrackerEvents, person: Person) -> int:
    stmt = sa.select(sa.func.count()).where(EVENTS.c.sender_id.like(f"conv-{person.tag}-%"))
    with tracker.engine.connect() as conn:
        return int(conn.execute(stmt).scalar() or 0)


def seed_person(
    make_uow: UowFactory, person: Person, *, order_status: OrderStatus = OrderStatus.DELIVERED
) -> Seeded:
    """The person with a row in every table that can hold data about a customer."""
    with make_uow() as uow:
        s = uow.session
        customer = Customer(
            name=person.name,
            email=person.email,
            phone=person.phone,
            external_ref=f"ext-{person.tag}",
            country="GB",
            marketing_consent=True,
            newsletter=True,
            created_at=T0,
        )
        customer.addresses.append(
            Address(line1=person.street, city="Bath", postcode="BA1 1AA", country="GB")
        )
        product = Product(
            sku=f"SKU-{person.tag}", name_en="Teapot", category="kitchen", price=Decimal("20")
        )
        s.add_all([customer, product])
        s.flush()
        order = Order(
            order_number=f"A{customer.id:04d}{len(person.tag)}",
            customer_id=customer.id,
            status=order_status,
            placed_at=T0,
            paid_at=T0,
            ship_name=person.name,
            ship_line1=person.street,
            ship_city="Bath",
            ship_postcode="BA1 1AA",
            ship_country="GB",
            tracking_number=f"TRK-{person.tag}",
            total=Decimal("40.00"),
        )
        item = OrderItem(product=product, quantity=2, unit_price=Decimal("20.00"))
        order.items.append(item)
        order.payments.append(
            Payment(
                method=PaymentMethod.CARD,
                amount=Decimal("40.00"),
                status=PaymentStatus.SUCCEEDED,
                reference=f"PAY-{person.tag}",
            )
        )
        invoice = Invoice(invoice_number=f"INV-{person.tag}", amount=Decimal("40.00"), issued_at=T0)
        order.invoices.append(invoice)
        s.add(order)
        s.flush()
        ret = Return(order_id=order.id, reason=person.secret)
        ret.items.append(ReturnItem(order_item_id=item.id, quantity=1))
        s.add(ret)
        s.flush()
        s.add(Refund(order_id=order.id, return_id=ret.id, amount=Decimal("20.00")))
        ticket = Ticket(
            customer_id=customer.id,
            order_id=order.id,
            conversation_id=person.conversation(1),
            subject=f"Complaint: {person.secret}",
            notes=f"{person.name} wrote: {person.secret}",
            tags=["complaint"],
        )
        s.add(ticket)
        for n in (1, 2):
            s.add(
                Interaction(
                    conversation_id=person.conversation(n),
                    customer_id=customer.id,
                    turns=1,
                    intents=["complaint"],
                    started_at=T0,
                )
            )
        s.add(
            ConversationMessage(
                conversation_id=person.conversation(1),
                seq=1,
                sender="user",
                text=person.secret,
                folded=person.secret.casefold(),
                sent_at=T0,
            )
        )
        s.add(
            NluAnnotation(
                message_key=f"key-{person.tag}",
                conversation_id=person.conversation(1),
                text=person.secret,
                language="en",
                status="confirmed",
                intent="complaint",
                annotated_by="staff:admin",
            )
        )
        s.add(
            RetentionOffer(
                customer_id=customer.id,
                type=OfferType.DISCOUNT,
                value=Decimal("10"),
                code=f"SAVE-{person.tag}",
                reason="churn risk",
            )
        )
        s.add(Review(customer_id=customer.id, order_id=order.id, rating=2, text=person.secret))
        s.add(
            OutboxMessage(
                channel=OutboxChannel.SMS,
                recipient=person.phone,
                body=f"Hello {person.name}, your order is on its way.",
                payload={"name": person.name},
            )
        )
        s.add(CustomerScore(customer_id=customer.id, segment="At risk", churn_score=0.7))
        export = DataRequest(customer_id=customer.id, kind=DataRequestKind.EXPORT)
        s.add(export)
        uow.audit.record(
            "bot",
            "customer.created",
            "customer",
            str(customer.id),
            {"conversation_id": person.conversation(1), "consent": {"newsletter": True}},
        )
        uow.audit.record("bot", "order.cancel_refused", "order", order.order_number, {})
        uow.audit.record(
            "bot",
            "verification.issued",
            "verification",
            signing.email_fingerprint(person.email),
            {"customer_id": customer.id, "conversation_id": person.conversation(1), "digest": "x"},
        )
        uow.flush()
        ids = (int(customer.id), int(order.id), str(invoice.invoice_number), int(export.id))
        uow.commit()
    deletion = request_account_deletion(
        make_uow(), ids[0], language="en", conversation_id=person.conversation(3), now=T0
    )  # the real path: data request, audit entry, confirmation e-mail
    return Seeded(ids[0], ids[1], ids[2], deletion.id, ids[3])


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def every_value(engine: Engine) -> Iterator[Tuple[str, str, str]]:
    """(table, column, text) of every non-null value of every CRM table."""
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for record in conn.execute(sa.select(table)).mappings():
                for column, value in record.items():
                    if value is not None:
                        yield table.name, column, _text(value)


def leftovers(engine: Engine, needles: Tuple[str, ...]) -> List[Tuple[str, str, str]]:
    """Where any of ``needles`` still appears (case-insensitive): (table, column, needle)."""
    wanted = [needle.casefold() for needle in needles]
    return [
        (table, column, needle)
        for table, column, text in every_value(engine)
        for needle in wanted
        if needle in text.casefold()
    ]


def snapshot(engine: Engine) -> Dict[str, List[Tuple[str, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(
                tuple(_text(v) for v in row) for row in conn.execute(sa.select(table))
            )
            for table in metadata.sorted_tables
        }
