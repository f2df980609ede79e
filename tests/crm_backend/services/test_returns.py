"""Return eligibility and return requests, on SQLite and PostgreSQL (own fixture data)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm_backend.errors import OrderNotFound, ValidationError
from crm_backend.models import AuditLog, OutboxMessage, Refund, Return, ReturnItem
from crm_backend.services import returns_policy as policy
from crm_backend.services.access import parse_identity
from crm_backend.services.returns import (
    ReturnLine,
    ReturnNotAllowed,
    request_return,
    return_options,
)
from tests.crm_backend.services.aftersales_data import EMMA_PHONE, LI, NOW, make_shop


@pytest.fixture
def shop(uow_factory):
    return make_shop(uow_factory)


def count(uow_factory, model) -> int:
    with uow_factory() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def test_options_of_a_delivered_order(uow_factory, shop):
    options = return_options(uow_factory(), "b1001", shop.emma, now=NOW)
    assert options.eligible and options.reason == "ok"
    assert options.deadline == options.delivered_at + timedelta(days=policy.RETURN_WINDOW_DAYS)
    assert [(i.sku, i.returnable, i.unit_price) for i in options.items] == [
        ("MUG1", 2, Decimal("2.50")),
        ("LAMP2", 1, Decimal("4.00")),
    ]
    assert options.items[0].name("zh") == "粗陶马克杯" and options.items[0].name("en")


@pytest.mark.parametrize(
    "number, reason",
    [
        ("B1002", "not_delivered"),
        ("B1003", "window_closed"),
        ("B1004", "not_shipped"),
        ("B1005", "cancelled"),
        ("B1006", "not_shipped"),
    ],
)
def test_ineligible_orders_explain_why(uow_factory, shop, number, reason):
    assert return_options(uow_factory(), number, shop.emma, now=NOW).reason == reason
    with pytest.raises(ReturnNotAllowed) as caught:
        request_return(uow_factory(), number, shop.emma, [ReturnLine("MUG1")], "Damaged", NOW)
    assert caught.value.reason == reason and caught.value.message
    assert count(uow_factory, Return) == 0 and count(uow_factory, OutboxMessage) == 0


def test_window_is_inclusive_of_the_last_moment(uow_factory, shop):
    delivered = return_options(uow_factory(), "B1001", shop.emma, now=NOW).delivered_at
    last = delivered + timedelta(days=policy.RETURN_WINDOW_DAYS)
    assert return_options(uow_factory(), "B1001", shop.emma, now=last).eligible
    late = last + timedelta(seconds=1)
    assert return_options(uow_factory(), "B1001", shop.emma, now=late).reason == "window_closed"


def test_request_creates_return_refund_email_and_audit(uow_factory, shop):
    view = request_return(
        uow_factory(),
        "B1001",
        shop.emma,
        [ReturnLine("MUG1", 1), ReturnLine("lamp2")],
        "The lamp arrived broken",
        NOW,
    )
    assert view.created and view.status == "requested" and view.reason_category == "damaged"
    assert view.refund_amount == Decimal("6.50") and view.refund_status == "pending"
    assert view.refund_reference and view.refund_reference.startswith("RF-")
    assert view.reference == f"RT-{view.id:06d}" and view.free_label
    assert view.ship_back_by == NOW + timedelta(days=policy.SHIP_BACK_DAYS)
    assert view.instructions_sent_to == "e***@example.com"
    assert {(i.sku, i.quantity) for i in view.items} == {("MUG1", 1), ("LAMP2", 1)}
    with uow_factory() as uow:
        refund = uow.session.execute(select(Refund)).scalar_one()
        assert view.refund_reference == f"RF-{refund.id:06d}"
        assert refund.return_id == view.id and refund.created_at == NOW
        mail = uow.session.execute(select(OutboxMessage)).scalar_one()
        assert mail.recipient == "emma@example.com" and mail.status.value == "pending"
        assert mail.template == "return_instructions"
        assert view.reference in mail.body and view.refund_reference in mail.body
        assert "Unit 4, Example Trade Park" in mail.body and "£6.50" in mail.body
        assert "prepaid returns label" in mail.body
        audit = uow.session.execute(
            select(AuditLog).where(AuditLog.action == "return.requested")
        ).scalar_one()
        assert audit.entity_id == str(view.id) and audit.details["items"] == {
            "MUG1": 1,
            "LAMP2": 1,
        }


def test_same_request_twice_is_idempotent(uow_factory, shop):
    first = request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1")], "x y", NOW)
    again = request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1", 2)], "other", NOW)
    assert not again.created and again.id == first.id
    assert again.refund_reference == first.refund_reference
    assert count(uow_factory, Return) == 1 and count(uow_factory, Refund) == 1
    assert count(uow_factory, OutboxMessage) == 1


def test_partial_returns_until_nothing_is_left(uow_factory, shop):
    request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1", 1)], "too big", NOW)
    left = return_options(uow_factory(), "B1001", shop.emma, now=NOW)
    assert [(i.sku, i.returned, i.returnable) for i in left.items] == [
        ("MUG1", 1, 1),
        ("LAMP2", 0, 1),
    ]
    with pytest.raises(ValidationError) as caught:
        request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1", 2)], "x", NOW)
    assert caught.value.field == "quantity"
    second = request_return(
        uow_factory(),
        "B1001",
        shop.emma,
        [ReturnLine("MUG1"), ReturnLine("LAMP2")],
        "changed my mind",
        NOW,
    )
    assert second.refund_amount == Decimal("6.50") and not second.free_label
    done = return_options(uow_factory(), "B1001", shop.emma, now=NOW)
    assert not done.eligible and done.reason == "already_returned" and done.items == ()
    with pytest.raises(ReturnNotAllowed):
        request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("LAMP2")], "x", NOW)


@pytest.mark.parametrize(
    "items, field",
    [
        ([], "items"),
        ([ReturnLine("NOPE")], "items"),
        ([ReturnLine("MUG1", 0)], "quantity"),
        ([ReturnLine("MUG1", -1)], "quantity"),
        ([ReturnLine("MUG1", True)], "quantity"),  # type: ignore[arg-type]
        ([ReturnLine("MUG1", 3)], "quantity"),
        ([ReturnLine("MUG1", 10**12)], "quantity"),
        (["MUG1"], "items"),
        ([ReturnLine("MUG1")] * 51, "items"),
    ],
)
def test_bad_items_are_refused(uow_factory, shop, items, field):
    with pytest.raises(ValidationError) as caught:
        request_return(uow_factory(), "B1001", shop.emma, items, "Damaged", NOW)
    assert caught.value.field == field
    assert count(uow_factory, Return) == 0


@pytest.mark.parametrize("reason", ["", "   ", "😀😀", "!!!", "\x00\x01", None])
def test_a_reason_is_required(uow_factory, shop, reason):
    with pytest.raises(ValidationError) as caught:
        request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1")], reason, NOW)
    assert caught.value.field == "reason"


def test_long_hostile_reason_is_cleaned_and_bounded(uow_factory, shop):
    text = "<script>alert(1)</script>\x00 " + "broken " * 500
    view = request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1")], text, NOW)
    assert view.reason is not None and len(view.reason) <= policy.MAX_REASON_LENGTH
    assert "\x00" not in view.reason and view.reason.startswith("<script>")


@pytest.mark.parametrize("number", ["", "A" * 10_000, "B1001' OR '1'='1", "\x00", "😀"])
def test_malformed_order_numbers(uow_factory, shop, number):
    with pytest.raises(ValidationError):
        request_return(uow_factory(), number, shop.emma, [ReturnLine("MUG1")], "x", NOW)


def test_someone_elses_order_is_not_found_and_untouched(uow_factory, shop):
    for number, identity in (
        ("B2001", shop.emma),
        ("B9999", shop.emma),
        ("B1001", parse_identity("mallory@example.com")),
    ):
        with pytest.raises(OrderNotFound) as caught:
            request_return(uow_factory(), number, identity, [ReturnLine("MUG1")], "x", NOW)
        assert caught.value.message == OrderNotFound.MESSAGE
        with pytest.raises(OrderNotFound):
            return_options(uow_factory(), number, identity, now=NOW)
    assert count(uow_factory, Return) == 0


def test_phone_identity_and_chinese_instructions(uow_factory, shop):
    view = request_return(
        uow_factory(), "B2001", parse_identity(LI), [ReturnLine("LAMP2", 1)], "发错商品了", NOW
    )
    assert view.reason_category == "wrong_item" and view.refund_amount == Decimal("4.00")
    with uow_factory() as uow:
        mail = uow.session.execute(select(OutboxMessage)).scalar_one()
        assert "退货" in mail.subject and "橡木台灯" in mail.body and "2026年12月4日" in mail.body
    by_phone = request_return(
        uow_factory(),
        "B1001",
        parse_identity(phone=EMMA_PHONE),
        [ReturnLine("MUG1", 1)],
        "Damaged",
        NOW,
        language="zh",
    )
    with uow_factory() as uow:
        mails = uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        assert "退货说明" in list(mails)[-1].subject, "language override"
    assert by_phone.created


def test_same_product_on_two_lines_is_allocated_in_order(uow_factory, shop):
    with uow_factory() as uow:
        order = uow.orders.get_by_number("B1001")
        mug = order.items[0]
        order.items.append(type(mug)(product=mug.product, quantity=1, unit_price=Decimal("2")))
        uow.commit()
    view = request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1", 3)], "x", NOW)
    assert view.refund_amount == Decimal("7.00")
    with uow_factory() as uow:
        quantities = sorted(
            int(q) for q in uow.session.execute(select(ReturnItem.quantity)).scalars()
        )
        assert quantities == [1, 2]


def test_everything_left_when_no_items_are_named(uow_factory, shop):
    request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1", 1)], "x", NOW)
    rest = request_return(uow_factory(), "B1001", shop.emma, None, "Changed my mind", NOW)
    assert {(i.sku, i.quantity) for i in rest.items} == {("MUG1", 1), ("LAMP2", 1)}
    again = request_return(uow_factory(), "B1001", shop.emma, None, "Changed my mind", NOW)
    assert again.id == rest.id and not again.created
    assert count(uow_factory, Return) == 2
