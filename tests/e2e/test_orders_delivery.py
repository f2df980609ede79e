"""Orders & delivery conversations over the website channel against the real servers.

The e2e session shares one seeded CRM: only A1004 is changed here (cancelled, once); every
other test only reads, so the tests can run in any order.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import LiveStack, texts

pytestmark = pytest.mark.e2e

HAN = re.compile(r"[\u4e00-\u9fff]")
MONEY = re.compile(r"£\d+\.\d\d")


def is_chinese(text: str) -> bool:
    return len(HAN.findall(text)) >= 4


def buttons(replies) -> list:
    return [b for r in replies for b in (r.get("buttons") or [])]


def test_cancel_a_paid_order_in_english_with_confirmation(live_stack: LiveStack, sender: str):
    assert "order number" in texts(live_stack.say(sender, "I want to cancel my order"))
    assert "e-mail" in texts(live_stack.say(sender, "A1004"))
    replies = live_stack.say(sender, "alice@example.com")
    quote = texts(replies)
    assert "A1004" in quote and "hasn't shipped" in quote and MONEY.search(quote)
    assert "Shall I cancel order A1004?" in quote
    assert {b["payload"] for b in buttons(replies)} == {"/affirm", "/deny"}
    done = texts(live_stack.say(sender, "yes please"))
    assert "order A1004 is cancelled" in done and "refund" in done
    refund = re.search(r"refund (£\d+\.\d\d)", done)
    assert refund and refund.group(1) in ("£8.32", "£6.32"), done  # free, or after the £2 fee
    # asking again (the e-mail is remembered): already cancelled, with the same refund
    again = texts(live_stack.say(sender, "cancel order A1004"))
    assert "already cancelled" in again and refund.group(1) in again
    assert "Shall I" not in again


def test_shipped_order_cannot_be_cancelled_in_chinese(live_stack: LiveStack, sender: str):
    assert "邮箱" in texts(live_stack.say(sender, "我要取消订单A1001"))
    answer = texts(live_stack.say(sender, "alice@example.com"))
    assert "A1001" in answer and "已经发货" in answer and "无法再取消" in answer
    assert is_chinese(answer) and "要取消订单" not in answer, "no confirmation question"
    assert "Shall I" not in answer


def test_abandoning_the_cancel_form(live_stack: LiveStack, sender: str):
    assert "订单号" in texts(live_stack.say(sender, "我想取消订单"))
    assert "取消了" in texts(live_stack.say(sender, "算了"))
    # the form is really gone: a greeting is answered as a greeting
    assert "订单号" not in texts(live_stack.say(sender, "你好"))


def test_delivery_options_in_chinese(live_stack: LiveStack, sender: str):
    answer = texts(live_stack.say(sender, "寄到中国有哪些配送方式"))
    assert "寄往中国" in answer and "顺丰" in answer and "£12.95" in answer and is_chinese(answer)


def test_delivery_question_without_a_destination_asks_for_it(live_stack: LiveStack, sender: str):
    replies = live_stack.say(sender, "有哪些配送方式")
    assert {"英国", "欧盟国家", "中国", "其他国家和地区"} <= {b["title"] for b in buttons(replies)}
    answer = texts(live_stack.say(sender, "欧盟"))
    assert "欧盟" in answer and "£8.95" in answer
    # the destination is remembered for the next delivery question
    period = texts(live_stack.say(sender, "发货后几天到"))
    assert "工作日" in period and "5–8" in period


def test_delivery_period_in_english(live_stack: LiveStack, sender: str):
    answer = texts(live_stack.say(sender, "how long does delivery to Germany take?"))
    assert "EU" in answer and "business days" in answer and "5–8" in answer


def test_product_search_in_chinese_finds_a_candle(live_stack: LiveStack, sender: str):
    replies = live_stack.say(sender, "有没有蜡烛")
    answer = texts(replies)
    assert "蜡烛" in answer and MONEY.search(answer) and is_chinese(answer)
    # the results (up to 5 buttons), then "customers also bought" (tests/e2e/test_retention.py)
    results = [b for b in buttons(replies[:1]) if b["payload"].startswith("/place_order")]
    assert 1 <= len(results) <= 5


def test_cancellation_fee_policy_in_english(live_stack: LiveStack, sender: str):
    answer = texts(live_stack.say(sender, "is there a fee to cancel an order?"))
    assert "24 hours" in answer and "£2.00" in answer and "£10.00" in answer
