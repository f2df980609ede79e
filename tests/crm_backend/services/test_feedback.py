"""Complaints (tickets) and reviews, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_backend.errors import NotFound, OrderNotFound, ValidationError
from crm_backend.models import Review, Ticket, TicketKind, TicketPriority
from crm_backend.services.feedback import (
    clean_rating,
    complaint_priority,
    file_complaint,
    leave_review,
)
from tests.crm_backend.services.account_support import add_customer, add_order


def rows(uow_factory, model):
    with uow_factory() as uow:
        found = list(uow.session.execute(select(model).order_by(model.id)).scalars())
        uow.session.expunge_all()
        return found


@pytest.mark.parametrize(
    "text, priority",
    [
        ("The candle caught fire on my table", TicketPriority.URGENT),
        ("蜡烛起火了，太危险", TicketPriority.URGENT),
        ("I will contact trading standards", TicketPriority.URGENT),
        ("The mug arrived broken", TicketPriority.HIGH),
        ("收到的相框碎了", TicketPriority.HIGH),
        ("slow!!! again!!!", TicketPriority.HIGH),
        ("The website is confusing", TicketPriority.NORMAL),
        ("包装一般", TicketPriority.NORMAL),
    ],
)
def test_priority_from_keywords(text, priority):
    assert complaint_priority(text) == priority


def test_complaint_with_owned_order_is_linked_to_order_and_customer(uow_factory):
    alice = add_customer(uow_factory)
    order_id = add_order(uow_factory, alice, "A1001", ["85123A"])
    view = file_complaint(
        uow_factory(),
        "The lantern arrived broken",
        order_number="a1001",
        email="ALICE@example.com",
        conversation_id="conv-1",
    )
    assert view.kind == "complaint" and view.reference.startswith("T-")
    assert view.priority == "high" and view.order_id == order_id and view.customer_id == alice
    [ticket] = rows(uow_factory, Ticket)
    assert ticket.kind == TicketKind.COMPLAINT and "arrived broken" in ticket.notes


def test_someone_elses_order_is_noted_but_not_linked(uow_factory):
    alice = add_customer(uow_factory)
    add_order(uow_factory, alice, "A1001", ["85123A"])
    for number in ("A1001", "A9999"):  # someone else's and unknown: same result
        view = file_complaint(
            uow_factory(), "late delivery", order_number=number, email="mallory@example.com"
        )
        assert view.order_id is None and view.customer_id is None
    notes = [t.notes for t in rows(uow_factory, Ticket)]
    assert "not matched" in notes[0] and "A1001" in notes[0] and "A9999" in notes[1]


def test_verified_customer_complaint_without_order(uow_factory):
    alice = add_customer(uow_factory)
    view = file_complaint(uow_factory(), "客服态度很差", customer_id=alice)
    assert (
        view.customer_id == alice
        and view.order_id is None
        and view.subject.endswith("客服态度很差")
    )


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", None])
def test_empty_complaint_is_refused(uow_factory, text):
    with pytest.raises(ValidationError):
        file_complaint(uow_factory(), text)
    assert rows(uow_factory, Ticket) == []


def test_hostile_complaint_text_is_bounded_and_stored_verbatim(uow_factory):
    text = "<script>alert('x')</script> '; DROP TABLE tickets; -- " + "z" * 10**5
    view = file_complaint(uow_factory(), text, order_number="not-an-order")
    [ticket] = rows(uow_factory, Ticket)
    assert len(view.subject) <= 200 and ticket.notes.startswith("<script>")
    assert len(ticket.notes) <= 5000


def test_review_of_an_order_with_one_product_links_the_product(uow_factory):
    alice = add_customer(uow_factory)
    add_order(uow_factory, alice, "A1001", ["85123A"])
    view = leave_review(uow_factory(), alice, "5 stars", "Lovely lantern", order_number="A1001")
    assert view.rating == 5 and view.order_number == "A1001" and view.product_sku == "85123A"
    [review] = rows(uow_factory, Review)
    assert review.customer_id == alice and review.text == "Lovely lantern"


def test_review_without_order_or_text(uow_factory):
    alice = add_customer(uow_factory)
    view = leave_review(uow_factory(), alice, 3, "   ")
    assert view.order_number is None and view.product_sku is None
    assert rows(uow_factory, Review)[0].text is None


def test_review_of_someone_elses_order_is_refused(uow_factory):
    alice = add_customer(uow_factory)
    bob = add_customer(uow_factory, "bob@example.com", "Bob")
    add_order(uow_factory, alice, "A1001", ["85123A", "22423"])
    with pytest.raises(OrderNotFound):
        leave_review(uow_factory(), bob, 1, "bad", order_number="A1001")
    with pytest.raises(NotFound):
        leave_review(uow_factory(), alice, 4, product_sku="NOPE")
    assert rows(uow_factory, Review) == []


@pytest.mark.parametrize("rating", [0, 6, -1, "ten", "", None, True, 4.5, "一般"])
def test_ratings_outside_one_to_five_are_refused(uow_factory, rating):
    alice = add_customer(uow_factory)
    with pytest.raises(ValidationError):
        leave_review(uow_factory(), alice, rating)


@pytest.mark.parametrize(
    "value, stars", [("４", 4), ("4/5", 4), ("★★", 2), ("给五星", 5), ("两星", 2), (1, 1)]
)
def test_rating_parsing(value, stars):
    assert clean_rating(value) == stars
