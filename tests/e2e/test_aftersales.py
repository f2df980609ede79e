"""Returns, refunds, invoices and payments: whole conversations against the real servers.

The session's stack shares one seeded database: these tests change only order A1005 (a
return) and add tickets; they read A1001 (shipped, so not returnable; its invoice).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from typing import Dict, List

import pytest
from sqlalchemy import select

from crm_backend.db import make_engine, make_session_factory
from crm_backend.models import OutboxMessage, Ticket, TicketPriority
from tests.e2e.conftest import LiveStack, texts

pytestmark = pytest.mark.e2e

HAN = re.compile(r"[\u4e00-\u9fff]")


def is_chinese(text: str) -> bool:
    return len(HAN.findall(text)) >= 4


def with_buttons(replies: List[Dict]) -> Dict:
    found = [r for r in replies if r.get("buttons")]
    assert found, f"no buttons in {replies}"
    return found[-1]


def fetch(url: str) -> tuple:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - test server
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_chinese_return_then_track_the_refund(live_stack: LiveStack, sender: str):
    assert "订单号" in texts(live_stack.say(sender, "我要退货"))
    assert "邮箱" in texts(live_stack.say(sender, "A1005"))
    question = with_buttons(live_stack.say(sender, "wangfang@example.cn"))
    assert "A1005" in question["text"] and is_chinese(question["text"])
    buttons = {b["payload"]: b["title"] for b in question["buttons"]}
    assert buttons["22699"].startswith("摄政风玫瑰茶杯茶碟") and "22197" in buttons
    reasons = with_buttons(live_stack.say(sender, "22699"))
    assert "原因" in reasons["text"]
    assert "商品损坏" in [b["payload"] for b in reasons["buttons"]]
    answer = texts(live_stack.say(sender, "商品损坏"))
    reference = re.search(r"RF-\d{6}", answer)
    assert reference, answer
    assert "A1005" in answer and "£5.90" in answer and is_chinese(answer)
    assert "w*******@example.cn" in answer and "预付" in answer, "free label: our mistake"

    engine = make_engine(live_stack.settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            mails = session.execute(
                select(OutboxMessage).where(OutboxMessage.template == "return_instructions")
            ).scalars()
            (mail,) = [m for m in mails if reference.group() in m.body]
            assert mail.recipient == "wangfang@example.cn" and "退货说明" in mail.subject
    finally:
        engine.dispose()

    # still in the same conversation: the e-mail is remembered, the reference is enough
    status = texts(live_stack.say(sender, f"退款{reference.group()}到哪了"))
    assert reference.group() in status and "£5.90" in status and is_chinese(status)
    # and in a new English conversation, by reference and e-mail
    other = sender + "-en"
    assert "refund reference" in texts(live_stack.say(other, "where is my refund?"))
    assert "e-mail" in texts(live_stack.say(other, reference.group()))
    tracked = texts(live_stack.say(other, "wangfang@example.cn"))
    assert reference.group() in tracked and "£5.90" in tracked and "A1005" in tracked
    assert "waiting for your returned items" in tracked and not is_chinese(tracked)


def test_undelivered_order_cannot_be_returned(live_stack: LiveStack, sender: str):
    assert "order number" in texts(live_stack.say(sender, "I want to return an item"))
    live_stack.say(sender, "A1001")
    answer = texts(live_stack.say(sender, "alice@example.com"))
    assert "A1001" in answer and "still on its way" in answer and "30 days" in answer
    assert "RF-" not in answer and not is_chinese(answer)
    assert "order number" not in texts(live_stack.say(sender, "hi")), "the form is over"


def test_invoice_link_opens_the_printable_invoice(live_stack: LiveStack, sender: str):
    assert "order number" in texts(live_stack.say(sender, "I need an invoice"))
    live_stack.say(sender, "A1001")
    replies = live_stack.say(sender, "alice@example.com")
    answer = texts(replies)
    assert "INV-A1001" in answer and "£18.65" in answer
    url = re.search(re.escape(live_stack.web_url) + r"/documents/invoices/\S+", answer)
    assert url, answer
    button = with_buttons(replies)["buttons"][0]
    assert button["url"] == url.group() and "INV-A1001" in button["title"]
    status, html = fetch(url.group())
    assert status == 200 and "INV-A1001" in html and "Alice Smith" in html
    assert "White Hanging Heart T-Light Holder" in html and "Regency Cakestand 3 Tier" in html
    assert "VAT" in html and "£18.65" in html
    forged, page = fetch(url.group()[:-3] + "abc")
    assert forged == 404 and "not valid" in page


def test_payment_issue_opens_a_ticket(live_stack: LiveStack, sender: str):
    question = with_buttons(live_stack.say(sender, "I was charged twice for my order"))
    assert "order number" in question["text"]
    answer = texts(live_stack.say(sender, question["buttons"][0]["payload"]))
    ticket = re.search(r"T-(\d{6})", answer)
    assert ticket and "high priority" in answer, answer
    engine = make_engine(live_stack.settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            stored = session.get(Ticket, int(ticket.group(1)))
            assert stored is not None and stored.conversation_id == sender
            assert stored.priority is TicketPriority.HIGH and "charged twice" in stored.notes
    finally:
        engine.dispose()


def test_chinese_payment_issue_with_description(live_stack: LiveStack, sender: str):
    assert "订单号" in texts(live_stack.say(sender, "付款失败了"))
    assert "描述" in texts(live_stack.say(sender, "没有"))
    answer = texts(live_stack.say(sender, "支付宝付款一直显示失败，试了三次"))
    assert re.search(r"T-\d{6}", answer) and is_chinese(answer)


def test_policy_and_payment_methods(live_stack: LiveStack, sender: str):
    policy = texts(live_stack.say(sender, "what is your returns policy?"))
    assert "30 days" in policy and "14 days" in policy
    methods = texts(live_stack.say(sender, "可以用支付宝吗"))
    assert "支付宝" in methods and is_chinese(methods)


@pytest.mark.parametrize("stop, expected", [("never mind", "stopped"), ("算了", "取消")])
def test_abandoning_the_return(live_stack: LiveStack, sender: str, stop: str, expected: str):
    live_stack.say(sender, "I want to return an item" if stop.isascii() else "我要退货")
    assert expected in texts(live_stack.say(sender, stop))
    assert "order number" not in texts(live_stack.say(sender, "hi"))
