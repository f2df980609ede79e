"""Retention over the real servers: a high-risk customer who asks to delete the account gets
a CLTV-sized offer before the confirmation, keeps the account and the offer is recorded as
accepted; a strongly negative complaint goes to a person; a product search is followed by
"customers also bought".

Each test creates its own customer (unique e-mail address) and churn score in the stack's
seeded database, so the shared demo customers stay untouched.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import List

import pytest
from sqlalchemy import select

from crm_backend.models import OfferStatus, RetentionOffer, Ticket
from crm_backend.services.accounts import create_account
from crm_backend.services.retention import in_control_group
from tests.e2e.conftest import LiveStack, texts
from tests.e2e.test_accounts import button_payloads, crm, latest_code

pytestmark = pytest.mark.e2e

HAN = re.compile(r"[\u4e00-\u9fff]")
CODE = re.compile(r"STAY-[0-9A-F]{8}")


def high_risk_customer(live_stack: LiveStack, language: str) -> tuple[int, str]:
    """A new customer (not in the control group) with churn score 0.8 and a CLTV of £150:
    budget 150 x 0.8 x 10 % = a £12.00 voucher."""
    while True:
        email = f"leaving.{uuid.uuid4().hex[:8]}@example.com"
        view = create_account(crm(live_stack), name="Lee Ming", email=email, language=language)
        if not in_control_group(view.id):
            break
    with crm(live_stack) as uow:
        uow.scores.upsert(view.id, churn_score=0.8, cltv=Decimal("150"))
        uow.commit()
    return view.id, email


def offers_of(live_stack: LiveStack, customer_id: int) -> List[RetentionOffer]:
    with crm(live_stack) as uow:
        rows = list(uow.offers.list_for_customer(customer_id))
        uow.session.expunge_all()
        return rows


@pytest.mark.parametrize(
    "opening, keep, language",
    [
        ("I want to delete my account", "no, keep it", "en"),
        ("我要注销账户", "不，保留账户", "zh"),
    ],
)
def test_high_risk_customer_keeps_the_account_for_an_offer(
    live_stack: LiveStack, sender: str, opening: str, keep: str, language: str
):
    customer_id, email = high_risk_customer(live_stack, language)
    asked = texts(live_stack.say(sender, opening))
    assert ("e-mail" in asked) if language == "en" else ("邮箱" in asked), asked
    live_stack.say(sender, email)
    replies = live_stack.say(sender, latest_code(live_stack, email))
    offer_text = texts(replies)
    # the offer (sized from CLTV x churn score) comes right before the final question
    code = CODE.search(offer_text)
    assert code and "£12.00" in offer_text, offer_text
    question = "delete your account?" if language == "en" else "注销账户吗"
    assert offer_text.index(code.group()) < offer_text.index(question)
    assert button_payloads(replies)[-2:] == ["/affirm", "/deny"]
    [offered] = offers_of(live_stack, customer_id)
    assert offered.status == OfferStatus.OFFERED and offered.code == code.group()
    assert offered.value == Decimal("12.00") and offered.reason == "delete_account"

    done = texts(live_stack.say(sender, keep))
    assert code.group() in done, done
    assert bool(HAN.search(done)) == (language == "zh")
    assert ("account is unchanged" in done) if language == "en" else ("账户保持不变" in done)
    [accepted] = offers_of(live_stack, customer_id)
    assert accepted.status == OfferStatus.ACCEPTED and accepted.code == code.group()
    with crm(live_stack) as uow:
        assert list(uow.data_requests.list_for_customer(customer_id)) == []
        assert uow.customers.get(customer_id).is_active


def test_declining_the_offer_deletes_the_account(live_stack: LiveStack, sender: str):
    customer_id, email = high_risk_customer(live_stack, "en")
    live_stack.say(sender, "please close my account")
    live_stack.say(sender, email)
    assert CODE.search(texts(live_stack.say(sender, latest_code(live_stack, email))))
    done = texts(live_stack.say(sender, "/affirm"))
    assert "withdrawn the offer" in done and "request is recorded" in done, done
    [declined] = offers_of(live_stack, customer_id)
    assert declined.status == OfferStatus.DECLINED
    with crm(live_stack) as uow:
        assert len(list(uow.data_requests.list_for_customer(customer_id))) == 1


@pytest.mark.parametrize(
    "message",
    [
        "I want to complain, this is a disgrace and I'm furious, the worst shop ever",
        "太差了，我要投诉",
    ],
)
def test_strongly_negative_complaint_goes_to_a_person(
    live_stack: LiveStack, sender: str, message: str
):
    replies = live_stack.say(sender, message)
    answer = texts(replies)
    assert re.search(r"T-\d{6}", answer), answer
    assert bool(HAN.search(answer)) == bool(HAN.search(message))
    with crm(live_stack) as uow:
        stmt = select(Ticket).where(Ticket.conversation_id == sender)
        [ticket] = list(uow.session.execute(stmt).scalars())
        assert str(ticket.reason).startswith(("negative_sentiment", "negative_complaint"))
    # no complaint form question and no retention offer: a person takes it from here
    assert "what happened" not in answer and "发生了什么" not in answer
    assert not CODE.search(answer)


@pytest.mark.parametrize(
    "query, heading", [("do you have candles?", "also bought"), ("有没有蜡烛", "还买了")]
)
def test_product_search_is_followed_by_also_bought(
    live_stack: LiveStack, sender: str, query: str, heading: str
):
    replies = live_stack.say(sender, query)
    assert heading in texts(replies)
    [extra] = [r for r in replies if heading in (r.get("text") or "")]
    listed = {p for r in replies if r is not extra for p in button_payloads([r])}
    extra_payloads = button_payloads([extra])
    assert 1 <= len(extra_payloads) <= 3 and not listed & set(extra_payloads)
