"""Whole conversations through the website channel against the real running servers."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import LiveStack, texts

pytestmark = pytest.mark.e2e

HAN = re.compile(r"[\u4e00-\u9fff]")


def is_chinese(text: str) -> bool:
    return len(HAN.findall(text)) >= 4


def test_english_order_status_conversation(live_stack: LiveStack, sender: str):
    greeting = live_stack.say(sender, "hi")
    assert "assistant" in texts(greeting) and not is_chinese(texts(greeting))
    assert any(r.get("buttons") for r in greeting), "greeting offers quick replies"
    assert "order number" in texts(live_stack.say(sender, "where is my order?"))
    assert "e-mail" in texts(live_stack.say(sender, "A1001"))
    answer = texts(live_stack.say(sender, "alice@example.com"))
    assert "A1001" in answer and "shipped" in answer and "DHL" in answer
    assert re.search(r"tracking number \w+", answer) and "Estimated delivery" in answer
    assert "Goodbye" in texts(live_stack.say(sender, "bye"))


def test_chinese_order_status_conversation(live_stack: LiveStack, sender: str):
    assert is_chinese(texts(live_stack.say(sender, "你好")))
    assert "订单号" in texts(live_stack.say(sender, "我的订单到哪了"))
    assert "邮箱" in texts(live_stack.say(sender, "A1002"))
    answer = texts(live_stack.say(sender, "wangfang@example.cn"))
    assert "A1002" in answer and "SF Express" in answer and "发货" in answer
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", answer)


def test_order_number_given_up_front_and_phone_as_identity(live_stack: LiveStack, sender):
    reply = texts(live_stack.say(sender, "我的order A1002还没到"))
    assert "邮箱" in reply, "the order number was taken from the first message"
    answer = texts(live_stack.say(sender, "+86 138 0013 8000"))
    assert "A1002" in answer and "SF Express" in answer


def test_wrong_email_and_unknown_order_get_the_same_answer(live_stack: LiveStack):
    answers = []
    for order_number, email in (("A1001", "mallory@example.com"), ("A9999", "alice@example.com")):
        sender = f"probe-{order_number}"
        live_stack.say(sender, "where is my order")
        live_stack.say(sender, order_number)
        answer = texts(live_stack.say(sender, email))
        answers.append(answer.replace(order_number, "<n>"))
        assert "couldn't find" in answer and "DHL" not in answer and "shipped" not in answer
    assert answers[0] == answers[1], "nothing distinguishes a wrong e-mail from a wrong order"


def test_invalid_order_number_is_reasked(live_stack: LiveStack, sender: str):
    live_stack.say(sender, "track my order")
    reply = texts(live_stack.say(sender, "12"))
    assert "doesn't look like an order number" in reply


def test_language_switch_mid_conversation(live_stack: LiveStack, sender: str):
    assert not is_chinese(texts(live_stack.say(sender, "hello")))
    assert "订单号" in texts(live_stack.say(sender, "我想查一下订单"))
    # an order number carries no language: the conversation stays in Chinese
    assert "邮箱" in texts(live_stack.say(sender, "A1001"))
    answer = texts(live_stack.say(sender, "alice@example.com"))
    assert "DHL" in answer and is_chinese(answer)
    assert not is_chinese(texts(live_stack.say(sender, "thank you")))


@pytest.mark.parametrize("stop, expected", [("never mind", "stopped"), ("算了", "取消")])
def test_abandoning_the_form(live_stack: LiveStack, sender: str, stop: str, expected: str):
    opener = "where is my order" if stop.isascii() else "帮我查下订单"
    live_stack.say(sender, opener)
    assert expected in texts(live_stack.say(sender, stop))
    # the form is really gone: a greeting is answered as a greeting
    assert "order number" not in texts(live_stack.say(sender, "hi"))


@pytest.mark.parametrize(
    "body, status",
    [
        ({"sender": "s1", "message": ""}, 400),
        ({"sender": "s1", "message": "   \n\t"}, 400),
        ({"sender": "s1", "message": "x" * 100_000}, 413),
        ({"sender": "", "message": "hi"}, 400),
        ({"sender": "../../etc", "message": "hi"}, 400),
        ({"message": "hi"}, 400),
        ({"sender": "s1", "message": 42}, 400),
        ({"sender": "s1", "message": "hi", "metadata": "oops"}, 400),
        (["not", "an", "object"], 400),
    ],
)
def test_bad_input_gets_a_clear_4xx(live_stack: LiveStack, body, status):
    code, answer = live_stack.post(body)
    assert code == status
    assert answer["message"] and "Traceback" not in answer["message"]


def test_malformed_json_and_control_characters(live_stack: LiveStack, sender: str):
    code, answer = live_stack.post(b"{not json", content_type="application/json")
    assert code == 400 and "JSON" in answer["message"]
    code, replies = live_stack.post({"sender": sender, "message": "hi\x00\x07 there"})
    assert code == 200 and replies, "control characters are dropped, the message is answered"
