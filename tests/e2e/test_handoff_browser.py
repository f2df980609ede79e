"""Live human handoff in two headless Chromium pages against the real running stack.

The customer asks for a human -> the agent's queue shows it without a reload -> the agent
claims it and replies -> the customer sees the reply (with the agent's name) while the bot
stays silent -> the agent hands back -> the bot answers the customer's next message.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import browser  # noqa: F401 - fixture
from tests.e2e.conftest import LiveStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SCRIPTS = {
    "en": {
        "locale": "en-GB",
        "ask": "I want to talk to a human",
        "queued": "connecting you",
        "reply": "Hi, this is Sam from customer service. How can I help?",
        "while_paused": "where is my order?",
        "after": "where is my order?",
        "bot_after": "order number",
        "left": "left the conversation",
    },
    "zh": {
        "locale": "zh-CN",
        "ask": "转人工",
        "queued": "正在为您转接人工客服",
        "reply": "您好，我是客服 Sam，请问有什么可以帮您？",
        "while_paused": "我的快递到哪了",
        "after": "我的订单到哪了",
        "bot_after": "订单号",
        "left": "离开了对话",
    },
}


def send(page: Page, text: str) -> None:
    users = page.get_by_test_id("msg-user")
    before = users.count()
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-send").click()
    expect(users).to_have_count(before + 1, timeout=30_000)
    expect(page.get_by_test_id("typing")).to_be_hidden(timeout=30_000)


def open_widget(page: Page, url: str, language: str) -> None:
    page.goto(url + "/")
    if not page.get_by_test_id("chat-panel").is_visible():
        page.get_by_test_id("chat-launcher").click()
    if page.evaluate("window.ShopChat.init({}).getLanguage()") != language:
        page.get_by_test_id("lang-toggle").click()


def sign_in(page: Page, url: str) -> None:
    page.goto(url + "/console")
    page.get_by_test_id("username").fill("agent")
    page.get_by_test_id("password").fill("agent123")
    page.get_by_test_id("login").click()
    expect(page.get_by_test_id("me")).to_contain_text("Sam (Support)")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_live_handoff_and_hand_back(live_stack: LiveStack, browser: Any, language: str):  # noqa: F811
    script = SCRIPTS[language]
    customer_context = browser.new_context(locale=script["locale"])
    agent_context = browser.new_context(locale="en-GB")
    try:
        agent = agent_context.new_page()
        agent.on("dialog", lambda dialog: dialog.accept())
        sign_in(agent, live_stack.web_url)
        expect(agent.get_by_test_id("live-state")).to_have_text("live", timeout=15_000)

        customer = customer_context.new_page()
        open_widget(customer, live_stack.web_url, language)
        conversation_id = customer.evaluate("window.ShopChat.init({}).getConversationId()")

        # 1. the customer asks for a person; the bot says an agent will join
        send(customer, script["ask"])
        expect(customer.get_by_test_id("msg-bot").last).to_contain_text(script["queued"])
        assert customer.evaluate("window.ShopChat.init({}).isLive()") is True

        # 2. the queue shows it live (no reload), and the agent claims it
        row = agent.locator(
            f'[data-testid="queue-item"]:has(a[href="/console/conversations/{conversation_id}"])'
        )
        expect(row).to_be_visible(timeout=20_000)
        row.get_by_test_id("queue-claim").click()
        expect(agent).to_have_url(re.compile(f"/console/conversations/{conversation_id}$"))
        expect(agent.get_by_test_id("msg-user").first).to_contain_text(script["ask"])
        expect(agent.get_by_test_id("nlu-meta").first).to_contain_text("contact_human_agent")
        expect(agent.get_by_test_id("bot-state")).to_have_text("bot paused")
        expect(customer.get_by_test_id("msg-system").last).to_contain_text("Sam (Support)")

        # 3. the agent replies; the customer sees it with the agent's name
        agent.get_by_test_id("reply-text").fill(script["reply"])
        agent.get_by_test_id("reply-send").click()
        agent_line = customer.locator('[data-sender="agent"]').last
        expect(agent_line).to_contain_text(script["reply"], timeout=15_000)
        expect(agent_line.get_by_test_id("agent-name")).to_have_text("Sam (Support)")

        # 4. the bot stays silent while the agent has the chat; the agent sees the message
        bot_lines = customer.locator('[data-sender="bot"]')
        silent_count = bot_lines.count()
        send(customer, script["while_paused"])
        expect(agent.get_by_test_id("msg-user").last).to_contain_text(
            script["while_paused"], timeout=15_000
        )
        customer.wait_for_timeout(1500)
        expect(bot_lines).to_have_count(silent_count)

        # 5. the agent hands back; the bot answers the next message again
        agent.get_by_test_id("handback").click()
        expect(customer.get_by_test_id("msg-system").last).to_contain_text(
            script["left"], timeout=15_000
        )
        send(customer, script["after"])
        expect(bot_lines).to_have_count(silent_count + 1, timeout=30_000)
        expect(bot_lines.last).to_contain_text(script["bot_after"])
        assert customer.evaluate("window.ShopChat.init({}).isLive()") is False
    finally:
        customer_context.close()
        agent_context.close()
