"""Payment methods, a customer's payments and payment problems, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm_backend.errors import OrderNotFound, ValidationError
from crm_backend.models import Ticket, TicketKind, TicketPriority
from crm_backend.services import payment_methods, payments
from crm_backend.services.access import parse_identity
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.crm_backend.services.aftersales_data import NOW, make_shop


def tickets(uow_factory) -> list:
    """Stored tickets as plain dicts (read inside the session)."""
    with uow_factory() as uow:
        rows = uow.session.execute(select(Ticket).order_by(Ticket.id)).scalars()
        return [
            {
                "id": t.id,
                "kind": t.kind,
                "priority": t.priority,
                "notes": t.notes,
                "order": t.order.order_number if t.order else None,
                "subject": t.subject,
                "customer_id": t.customer_id,
                "conversation_id": t.conversation_id,
                "created_at": t.created_at,
            }
            for t in rows
        ]


def test_methods_per_region():
    codes = lambda region: {m.code for m in payment_methods.payment_methods(region)}  # noqa: E731
    assert codes(None) == {"card", "paypal", "apple_pay", "alipay", "wechat_pay", "bank_transfer"}
    assert codes("CN") == {"card", "alipay", "wechat_pay"}
    assert codes("UK") == codes("EU") == {"card", "paypal", "apple_pay", "bank_transfer"}
    assert codes("Mars") == codes(None)
    alipay = next(m for m in payment_methods.PAYMENT_METHODS if m.code == "alipay")
    assert alipay.name("zh") == "支付宝" and alipay.currencies == ("CNY",)


@pytest.mark.parametrize(
    "country, region",
    [
        ("GB", "UK"),
        ("gb", "UK"),
        ("CN", "CN"),
        ("DE", "EU"),
        ("IE", "EU"),
        ("US", None),
        ("", None),
        (None, None),
    ],
)
def test_region_for_country(country, region):
    assert payment_methods.region_for_country(country) == region


@pytest.mark.parametrize(
    "text, region",
    [
        ("what can I pay with in the UK?", "UK"),
        ("在中国可以用什么付款", "CN"),
        ("I live in Germany", "EU"),
        ("can I pay in euros? eur", "EU"),
        ("payment options", None),
        ("", None),
        (None, None),
        ("duke of york", None),  # "uk" only as a whole word
    ],
)
def test_region_in_text(text, region):
    assert payment_methods.region_in_text(text) == region


@pytest.mark.parametrize(
    "text, code",
    [
        ("do you take Alipay?", "alipay"),
        ("可以用微信支付吗", "wechat_pay"),
        ("can i pay with apple pay", "apple_pay"),
        ("接受PayPal吗", "paypal"),
        ("Visa ok?", "card"),
        ("bitcoin?", None),
        ("klarna", None),
        (None, None),
    ],
)
def test_method_in_text(text, code):
    found = payment_methods.method_in_text(text)
    assert (found.code if found else None) == code


def test_order_payments(seeded_session_factory):
    (payment,) = payments.order_payments(
        SqlAlchemyUnitOfWork(seeded_session_factory), "A1001", parse_identity("alice@example.com")
    )
    assert payment.amount == Decimal("18.65") and payment.status == "succeeded"
    with pytest.raises(OrderNotFound):
        payments.order_payments(
            SqlAlchemyUnitOfWork(seeded_session_factory),
            "A1001",
            parse_identity("wangfang@example.cn"),
        )


@pytest.mark.parametrize(
    "description, category, priority",
    [
        ("I was charged twice for my order", "double_charge", "high"),
        ("被扣了两次钱", "double_charge", "high"),
        ("double charged!!", "double_charge", "high"),
        ("there is a charge I don't recognise", "unknown_charge", "high"),
        ("my card was declined", "payment_failed", "normal"),
        ("支付宝付款失败", "payment_failed", "normal"),
        ("something odd with my bill", "payment_other", "normal"),
    ],
)
def test_issue_priority(uow_factory, description, category, priority):
    view = payments.report_payment_issue(uow_factory(), description, conversation_id="c1")
    assert view.created and view.category == category and view.priority == priority
    (ticket,) = tickets(uow_factory)
    assert view.reference == f"T-{ticket['id']:06d}" and ticket["kind"] is TicketKind.PAYMENT
    assert ticket["priority"] is TicketPriority(priority) and ticket["notes"] == description
    assert ticket["order"] is None and ticket["conversation_id"] == "c1"


def test_issue_linked_to_the_customers_order(uow_factory):
    shop = make_shop(uow_factory)
    view = payments.report_payment_issue(
        uow_factory(), "Charged twice", order_number="b1001", identity=shop.emma, now=NOW
    )
    assert view.order_number == "B1001"
    (ticket,) = tickets(uow_factory)
    assert ticket["customer_id"] == shop.emma_id and ticket["order"] == "B1001"
    assert ticket["subject"] == "B1001: charged twice" and ticket["created_at"] == NOW


def test_someone_elses_order_opens_nothing(uow_factory):
    shop = make_shop(uow_factory)
    with pytest.raises(OrderNotFound):
        payments.report_payment_issue(
            uow_factory(), "charged twice", order_number="B2001", identity=shop.emma
        )
    with pytest.raises(ValidationError) as caught:
        payments.report_payment_issue(uow_factory(), "charged twice", order_number="B1001")
    assert caught.value.field == "identity"
    assert tickets(uow_factory) == []


def test_contact_without_order_is_kept_for_the_agent(uow_factory):
    payments.report_payment_issue(
        uow_factory(), "card declined", identity=parse_identity(phone="+44 7700 900999")
    )
    (ticket,) = tickets(uow_factory)
    assert "447700900999" in ticket["notes"] and ticket["customer_id"] is None


def test_same_report_twice_in_a_conversation_is_one_ticket(uow_factory):
    first = payments.report_payment_issue(
        uow_factory(), "charged twice", conversation_id="c9", now=NOW
    )
    again = payments.report_payment_issue(
        uow_factory(), "  charged   twice ", conversation_id="c9", now=NOW + timedelta(minutes=5)
    )
    assert again.reference == first.reference and not again.created
    other = payments.report_payment_issue(
        uow_factory(), "and my card was declined", conversation_id="c9", now=NOW
    )
    later = payments.report_payment_issue(
        uow_factory(), "card declined", conversation_id="c9", now=NOW + timedelta(hours=2)
    )
    assert len({first.reference, other.reference, later.reference}) == 3
    assert payments.report_payment_issue(uow_factory(), "charged twice").created


@pytest.mark.parametrize("description", ["", "   ", "\x00\x01", "!!!", None, 42])
def test_description_is_required(uow_factory, description):
    with pytest.raises(ValidationError) as caught:
        payments.report_payment_issue(uow_factory(), description)
    assert caught.value.field == "description"


def test_hostile_description_is_bounded(uow_factory):
    view = payments.report_payment_issue(uow_factory(), "<b>x</b>\x00 " + "y" * 100_000)
    (ticket,) = tickets(uow_factory)
    assert view.created and len(ticket["notes"]) <= payments.MAX_DESCRIPTION
    assert "\x00" not in ticket["notes"]
    with uow_factory() as uow:
        assert uow.session.execute(select(func.count()).select_from(Ticket)).scalar_one() == 1


@pytest.mark.parametrize("number", ["", "12", "A1001'--", "x" * 5000])
def test_malformed_order_number(uow_factory, number):
    with pytest.raises(ValidationError):
        payments.report_payment_issue(
            uow_factory(),
            "charged twice",
            order_number=number,
            identity=parse_identity("a@example.com"),
        )
