"""Complaint and review actions against a seeded CRM."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.feedback import (
    ActionFileComplaint,
    ActionLeaveReview,
    ValidateComplaintForm,
    ValidateReviewForm,
)
from crm_backend.models import Review, TicketKind, TicketPriority
from tests.actions.account_support import (  # noqa: F401 - fixtures
    crm_url_fixture,
    new_customer,
    run,
    tracker,
    uow,
    use_crm_fixture,
    validate,
    verified,
)

COMPLAINT = ValidateComplaintForm()
REVIEW = ValidateReviewForm()


def ticket_of(url, reference):
    with uow(url) as unit:
        ticket = unit.tickets.get(int(reference.split("-")[1]))
        unit.session.expunge_all()
        return ticket


def complaint_slots(slots):
    domain = ["feedback_complaint", "feedback_order", "identity"]
    return asyncio.run(COMPLAINT.required_slots(domain, CollectingDispatcher(), tracker(slots), {}))


def test_identity_is_asked_only_to_link_an_order():
    assert complaint_slots({}) == ["feedback_complaint", "feedback_order"]
    assert complaint_slots({"feedback_order": "none"}) == ["feedback_complaint", "feedback_order"]
    assert complaint_slots({"feedback_order": "A1001"})[-1] == "identity"
    assert "identity" not in complaint_slots({**verified(1), "feedback_order": "A1001"})


@pytest.mark.parametrize(
    "slot, value, expected, said",
    [
        ("feedback_complaint", "it broke", "it broke", []),
        ("feedback_complaint", " ?! ", None, ["utter_feedback_complaint_too_short"]),
        ("feedback_order", "none", "none", []),
        ("feedback_order", "no", "none", []),
        ("feedback_order", "order #a1001", "A1001", []),
        ("feedback_order", "the blue one", None, ["utter_feedback_invalid_order"]),
        ("identity", "alice@example.com", "alice@example.com", []),
        ("identity", "dunno", None, ["utter_invalid_identity"]),
    ],
)
def test_complaint_form_validation(slot, value, expected, said):
    result, responses, _ = validate(COMPLAINT, slot, value)
    assert result == {slot: expected} and responses == said


@pytest.mark.usefixtures("use_crm")
def test_chinese_complaint_about_an_order_gets_a_reference(crm_url):
    slots = {
        "feedback_complaint": "订单A1002的东西全碎了，太失望了",
        "feedback_order": "A1002",
        "identity": "+86 138 0013 8000",
        "language": "zh",
    }
    said, messages, _ = run(ActionFileComplaint(), slots)
    assert said == ["utter_feedback_complaint_filed_high"]
    ticket = ticket_of(crm_url, messages[0]["reference"])
    assert ticket.kind == TicketKind.COMPLAINT and ticket.priority == TicketPriority.HIGH
    assert ticket.order_id is not None and ticket.customer_id is not None


@pytest.mark.usefixtures("use_crm")
def test_complaint_about_someone_elses_order_is_not_linked(crm_url):
    slots = {
        "feedback_complaint": "late again",
        "feedback_order": "A1002",
        "identity": "alice@example.com",
    }
    said, messages, _ = run(ActionFileComplaint(), slots)
    assert said == ["utter_feedback_complaint_filed_normal"]
    ticket = ticket_of(crm_url, messages[0]["reference"])
    assert ticket.order_id is None and ticket.customer_id is None


@pytest.mark.usefixtures("use_crm")
def test_urgent_complaint_of_a_verified_customer(crm_url):
    customer_id, _ = new_customer(crm_url)
    slots = verified(
        customer_id, feedback_complaint="The lamp gave me an electric shock", feedback_order="none"
    )
    said, messages, _ = run(ActionFileComplaint(), slots)
    assert said == ["utter_feedback_complaint_filed_urgent"]
    assert ticket_of(crm_url, messages[0]["reference"]).customer_id == customer_id


@pytest.mark.parametrize(
    "slot, value, expected, said",
    [
        ("feedback_rating", "5", "5", []),
        ("feedback_rating", "四星", "4", []),
        ("feedback_rating", "10", None, ["utter_feedback_invalid_rating"]),
        ("feedback_text", "none", "none", []),
        ("feedback_text", "no thanks", "none", []),
        ("feedback_text", "Lovely\x00 candles", "Lovely candles", []),
    ],
)
def test_review_form_validation(slot, value, expected, said):
    result, responses, _ = validate(REVIEW, slot, value)
    assert result == {slot: expected} and responses == said


def reviews_of(url, customer_id):
    with uow(url) as unit:
        rows = list(
            unit.session.execute(select(Review).where(Review.customer_id == customer_id)).scalars()
        )
        unit.session.expunge_all()
        return rows


@pytest.mark.usefixtures("use_crm")
def test_review_is_stored_and_thanked(crm_url):
    customer_id, _ = new_customer(crm_url)
    said, messages, _ = run(
        ActionLeaveReview(), verified(customer_id, feedback_rating="5", feedback_text="Great!")
    )
    assert said == ["utter_feedback_review_thanks"] and messages[0]["rating"] == 5
    said, _, _ = run(
        ActionLeaveReview(), verified(customer_id, feedback_rating="1", feedback_text="none")
    )
    assert said == ["utter_feedback_review_thanks_low"]
    stored = reviews_of(crm_url, customer_id)
    assert [(r.rating, r.text) for r in stored] == [(5, "Great!"), (1, None)]


@pytest.mark.usefixtures("use_crm")
def test_review_names_an_order_only_if_it_is_theirs(crm_url):
    with uow(crm_url) as unit:
        alice = unit.customers.get_by_email("alice@example.com").id
    run(
        ActionLeaveReview(),
        verified(alice, feedback_rating="4", feedback_text="none", feedback_order="A1001"),
    )
    run(
        ActionLeaveReview(),
        verified(alice, feedback_rating="3", feedback_text="none", feedback_order="A1002"),
    )
    latest = reviews_of(crm_url, alice)[-2:]
    assert latest[0].order_id is not None and latest[1].order_id is None, (
        "Wang Fang's order not linked"
    )


def test_unverified_review_stores_nothing():
    assert run(ActionLeaveReview(), {"feedback_rating": "5"})[0] == []


def test_slot_resets_before_the_form_are_not_validated_as_answers():
    # regression: rasa_sdk validates the trailing slot events, which at form activation
    # are action_account_prepare's resets (None) - "skip" must not be assumed from them
    t = tracker({"language": "en"})
    t.events = [
        {"event": "slot", "name": slot, "value": None}
        for slot in ("account_email", "feedback_rating", "feedback_text")
    ]
    domain = {
        "forms": {
            "review_form": {
                "required_slots": [
                    "account_email",
                    "account_code",
                    "feedback_rating",
                    "feedback_text",
                ]
            }
        }
    }
    dispatcher = CollectingDispatcher()
    events = asyncio.run(REVIEW.run(dispatcher, t, domain))
    assert dispatcher.messages == []
    assert all(e.get("value") is None for e in events if e.get("name") == "feedback_text")
