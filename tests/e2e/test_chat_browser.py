"""The customer's chat page in headless Chromium, against the real running assistant."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import browser  # noqa: F401 - fixture
from tests.e2e.conftest import LiveStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def send(page, text: str) -> None:
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-send").click()


def test_chat_page_answers_in_both_languages(live_stack: LiveStack, browser):  # noqa: F811
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    try:
        page.goto(live_stack.web_url + "/")
        if not page.get_by_test_id("chat-panel").is_visible():
            page.get_by_test_id("chat-launcher").click()
        bot = page.get_by_test_id("msg-bot")

        send(page, "hi")
        expect(bot.first).to_be_visible(timeout=30_000)
        greeting = bot.last.inner_text()
        assert "assistant" in greeting and not re.search(r"[\u4e00-\u9fff]", greeting)
        assert page.get_by_test_id("quick-reply").count() >= 1

        count = bot.count()
        send(page, "我的订单到哪了")
        expect(bot.nth(count)).to_be_visible(timeout=30_000)
        assert "订单号" in bot.last.inner_text()

        # the conversation survives a reload
        page.reload()
        if not page.get_by_test_id("chat-panel").is_visible():
            page.get_by_test_id("chat-launcher").click()
        assert page.get_by_test_id("msg-user").count() == 2
        assert "订单号" in page.get_by_test_id("msg-bot").last.inner_text()
    finally:
        context.close()
