"""Recommendations through the real servers: "what should I buy?" in both languages."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import LiveStack, texts

pytestmark = pytest.mark.e2e

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    "message, expected",
    [
        ("can you recommend something?", "best sellers"),
        ("有什么推荐的吗", "热销"),
    ],
)
def test_recommendations_come_as_product_buttons(
    live_stack: LiveStack, sender: str, message: str, expected: str
):
    replies = live_stack.say(sender, message)
    answer = texts(replies)
    assert expected in answer, answer
    buttons = [b for r in replies for b in r.get("buttons") or []]
    assert 1 <= len(buttons) <= 5
    assert all(b["payload"].startswith("/place_order") for b in buttons)
    assert answer.count("•") == len(buttons)
    assert bool(HAN.search(answer)) == bool(HAN.search(message))
