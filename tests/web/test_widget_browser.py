"""The chat widget in headless Chromium, against the real web app served by uvicorn and a
local stand-in for the Rasa ``website`` channel (widget behaviour only; the end-to-end test
against the real Rasa server is separate)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

from .support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    XSS_TEXT,
    FakeRasaChannel,
    chromium_missing_reason,
    fake_rasa_channel,
    web_app_server,
)

pytestmark = pytest.mark.timeout(120)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
CONVERSATION_KEY = "shopchat:v1:conversation"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = chromium_missing_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasaChannel]:
    with fake_rasa_channel() as channel:
        yield channel


@pytest.fixture(scope="module")
def base_url(rasa: FakeRasaChannel) -> Iterator[str]:
    with web_app_server(rasa.url) as url:
        yield url


@dataclass
class Chat:
    """One storefront tab, with shortcuts to the widget's test ids."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def tid(self, test_id: str) -> Locator:
        return self.page.get_by_test_id(test_id)

    @property
    def input(self) -> Locator:
        return self.tid("chat-input")

    def load(self) -> Chat:
        self.page.goto(self.base_url + "/")
        expect(self.tid("chat-panel")).to_be_visible()  # the storefront opens it by default
        return self

    def reload(self) -> None:
        self.page.reload()
        expect(self.tid("chat-panel")).to_be_visible()

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def settle(self) -> None:
        """Wait for finite CSS animations (e.g. the panel's opening) to finish."""
        self.page.evaluate(
            """() => Promise.all(document.getAnimations()
                .filter(a => a.effect && a.effect.getTiming().iterations !== Infinity)
                .map(a => a.finished))"""
        )

    def conversation_id(self) -> str:
        value = self.page.evaluate(f"localStorage.getItem({CONVERSATION_KEY!r})")
        assert isinstance(value, str)
        return value


def open_chat(context: BrowserContext, base_url: str) -> Chat:
    page = context.new_page()
    chat = Chat(page=page, base_url=base_url)
    page.on("pageerror", lambda error: chat.errors.append(str(error)))
    page.on("console", lambda msg: chat.errors.append(msg.text) if msg.type == "error" else None)

    def on_dialog(dialog: object) -> None:
        chat.dialogs.append(getattr(dialog, "message", ""))
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", on_dialog)
    return chat.load()


@pytest.fixture()
def context(browser: Browser, rasa: FakeRasaChannel) -> Iterator[BrowserContext]:
    rasa.reset()
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    yield context
    context.close()


@pytest.fixture()
def chat(context: BrowserContext, base_url: str) -> Chat:
    return open_chat(context, base_url)


def test_launcher_toggles_the_panel(chat: Chat) -> None:
    panel, launcher = chat.tid("chat-panel"), chat.tid("chat-launcher")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    launcher.click()
    expect(panel).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(panel).to_be_visible()
    expect(chat.input).to_be_focused()
    chat.input.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()
    box = launcher.bounding_box()
    assert box and box["x"] > DESKTOP["width"] - 120 and box["y"] > DESKTOP["height"] - 120


def test_sending_shows_customer_and_bot_messages(chat: Chat, rasa: FakeRasaChannel) -> None:
    expect(chat.tid("chat-empty")).to_be_visible()
    chat.send("Where is my order?")
    expect(chat.tid("msg-user")).to_have_text("Where is my order?")
    bot = chat.tid("msg-bot")
    expect(bot).to_have_count(1)
    expect(bot).to_have_text("You said:\nWhere is my order?")
    assert bot.inner_text() == "You said:\nWhere is my order?"  # line break preserved
    text = bot.locator(".shopchat-text")
    assert text.evaluate("n => getComputedStyle(n).whiteSpace") == "pre-wrap"
    expect(chat.input).to_have_value("")
    expect(chat.tid("chat-empty")).to_be_hidden()
    expect(chat.tid("typing")).to_be_hidden()
    # customer on the right, bot on the left
    user_box = chat.tid("msg-user").locator(".shopchat-bubble").bounding_box()
    bot_box = text.bounding_box()
    assert user_box and bot_box and user_box["x"] > bot_box["x"]
    request = rasa.requests[0]
    assert UUID_RE.match(request["sender"])
    assert request["sender"] == chat.conversation_id()
    assert request["message"] == "Where is my order?"
    assert request["metadata"] == {"language": "en", "page": "/"}
    assert chat.errors == []  # no CSP violations or script errors


def test_enter_shift_enter_and_blank_input(chat: Chat, rasa: FakeRasaChannel) -> None:
    send = chat.tid("chat-send")
    expect(send).to_be_disabled()
    chat.input.fill("   \n  ")
    chat.input.press("Enter")
    expect(send).to_be_disabled()
    chat.input.fill("")
    chat.input.type("line one")
    chat.input.press("Shift+Enter")
    chat.input.type("line two")
    expect(chat.input).to_have_value("line one\nline two")
    expect(send).to_be_enabled()
    send.click()
    expect(chat.tid("msg-user")).to_have_text("line one\nline two")
    expect(chat.tid("msg-bot")).to_have_count(1)
    assert rasa.messages() == ["line one\nline two"]


def test_quick_replies_send_their_payload(chat: Chat, rasa: FakeRasaChannel) -> None:
    chat.send("buttons")
    chips = chat.tid("quick-reply")
    expect(chips).to_have_count(2)
    expect(chips.first).to_have_text("Yes, thanks 是的")
    chips.first.click()
    expect(chat.tid("msg-user").last).to_have_text("Yes, thanks 是的")
    expect(chat.tid("msg-bot").last).to_have_text("Glad to help! 很高兴能帮到您！")
    assert rasa.messages() == ["buttons", "/affirm"]
    expect(chips.first).to_be_disabled()
    expect(chips.last).to_be_disabled()
    chat.reload()
    expect(chat.tid("quick-reply")).to_have_count(2)
    expect(chat.tid("quick-reply").first).to_be_disabled()
    assert chat.errors == []


def test_html_is_shown_as_literal_text(chat: Chat) -> None:
    chat.send("html")
    expect(chat.tid("msg-bot")).to_have_text(XSS_TEXT)
    chat.send(XSS_TEXT)
    expect(chat.tid("msg-user").last).to_have_text(XSS_TEXT)
    expect(chat.tid("msg-bot")).to_have_count(2)
    chat.reload()  # and again when restored from localStorage
    expect(chat.tid("msg-bot").first).to_have_text(XSS_TEXT)
    assert chat.page.locator("img").count() == 0
    assert chat.dialogs == []


def test_history_survives_reload(chat: Chat, rasa: FakeRasaChannel) -> None:
    chat.send("first")
    expect(chat.tid("msg-bot")).to_have_count(1)
    chat.send("second")
    expect(chat.tid("msg-bot")).to_have_count(2)
    conversation = chat.conversation_id()
    chat.reload()
    expect(chat.tid("msg-user")).to_have_text(["first", "second"])
    expect(chat.tid("msg-bot")).to_have_text(["You said:\nfirst", "You said:\nsecond"])
    assert chat.conversation_id() == conversation
    chat.send("third")
    expect(chat.tid("msg-bot")).to_have_count(3)
    assert {r["sender"] for r in rasa.requests} == {conversation}


def test_language_toggle(chat: Chat, rasa: FakeRasaChannel) -> None:
    toggle = chat.tid("lang-toggle")
    expect(chat.input).to_have_attribute("placeholder", "Type your message…")
    expect(chat.tid("chat-send")).to_have_text("Send")
    toggle.click()
    expect(chat.input).to_have_attribute("placeholder", "请输入您的消息…")
    expect(chat.tid("chat-send")).to_have_text("发送")
    expect(chat.tid("chat-panel")).to_contain_text("购物助手")
    chat.send("你好")
    expect(chat.tid("msg-bot")).to_have_text("你说：\n你好")
    assert rasa.requests[-1]["metadata"]["language"] == "zh"
    chat.reload()  # the choice is remembered
    expect(chat.input).to_have_attribute("placeholder", "请输入您的消息…")
    toggle.click()
    expect(chat.input).to_have_attribute("placeholder", "Type your message…")
    chat.send("hello")
    expect(chat.tid("msg-bot")).to_have_count(2)
    assert rasa.requests[-1]["metadata"]["language"] == "en"


def test_initial_language_follows_the_browser(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    try:
        chat = open_chat(context, base_url)
        expect(chat.input).to_have_attribute("placeholder", "请输入您的消息…")
    finally:
        context.close()


def test_server_error_keeps_the_text(chat: Chat, rasa: FakeRasaChannel) -> None:
    rasa.fail_next = 1
    chat.send("Please keep me")
    error = chat.tid("chat-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("couldn't reach the assistant")
    expect(chat.input).to_have_value("Please keep me")
    expect(chat.tid("msg-user")).to_have_count(0)
    expect(chat.tid("typing")).to_be_hidden()
    chat.tid("lang-toggle").click()  # the notice follows the UI language
    expect(error).to_contain_text("暂时无法连接到助手")
    chat.tid("chat-retry").click()
    expect(error).to_be_hidden()
    expect(chat.tid("msg-user")).to_have_text("Please keep me")
    expect(chat.tid("msg-bot")).to_have_count(1)
    expect(chat.input).to_have_value("")
    assert rasa.messages() == ["Please keep me", "Please keep me"]


def test_rate_limit_shows_the_server_message(chat: Chat) -> None:
    chat.send("spam")
    expect(chat.tid("chat-error")).to_contain_text("Too many messages, please wait. 消息过多")
    expect(chat.input).to_have_value("spam")
    expect(chat.tid("msg-user")).to_have_count(0)


def test_typing_indicator_and_busy_send(chat: Chat, rasa: FakeRasaChannel) -> None:
    chat.send("slow")
    expect(chat.tid("typing")).to_be_visible()
    expect(chat.tid("chat-send")).to_be_disabled()
    expect(chat.tid("msg-user")).to_have_text("slow")  # shown straight away
    chat.input.type("next question")  # the customer can keep typing
    chat.input.press("Enter")  # ... but it is not sent while busy
    expect(chat.tid("msg-bot")).to_have_text("Thanks for waiting. 感谢您的耐心等待。")
    expect(chat.tid("typing")).to_be_hidden()
    expect(chat.input).to_have_value("next question")
    expect(chat.tid("chat-send")).to_be_enabled()
    assert rasa.messages() == ["slow"]


def test_length_limit(chat: Chat, rasa: FakeRasaChannel) -> None:
    counter = chat.tid("chat-counter")
    expect(counter).to_be_hidden()
    chat.input.fill("好" * 2001)  # counted in characters, not bytes
    expect(counter).to_be_visible()
    expect(counter).to_contain_text("2001 / 2000")
    expect(chat.tid("chat-send")).to_be_disabled()
    chat.input.press("Enter")
    expect(chat.tid("chat-error")).to_contain_text("too long")
    chat.input.fill("好" * 2000)
    expect(chat.tid("chat-send")).to_be_enabled()
    chat.input.press("Enter")
    expect(chat.tid("msg-bot")).to_have_count(1)
    assert rasa.messages() == ["好" * 2000]


def test_new_conversation(chat: Chat, rasa: FakeRasaChannel) -> None:
    chat.send("hello")
    expect(chat.tid("msg-bot")).to_have_count(1)
    first = chat.conversation_id()
    chat.tid("new-conversation").click()
    expect(chat.tid("msg-user")).to_have_count(0)
    expect(chat.tid("msg-bot")).to_have_count(0)
    expect(chat.tid("chat-empty")).to_be_visible()
    second = chat.conversation_id()
    assert second != first and UUID_RE.match(second)
    chat.send("again")
    expect(chat.tid("msg-bot")).to_have_count(1)
    assert [r["sender"] for r in rasa.requests] == [first, second]
    chat.reload()
    expect(chat.tid("msg-user")).to_have_text(["again"])


def test_agent_messages_and_events(chat: Chat) -> None:
    chat.send("agent")
    system = chat.tid("msg-system")
    expect(system).to_have_text(["Alex joined the conversation", "Alex left the conversation"])
    agent = chat.tid("msg-bot")
    expect(agent).to_have_count(1)
    expect(agent.get_by_test_id("agent-name")).to_have_text("Alex")
    expect(agent.locator(".shopchat-text")).to_have_text("Hi, Alex here.")
    chat.tid("lang-toggle").click()
    expect(system).to_have_text(["Alex 加入了对话", "Alex 离开了对话"])


def test_tabs_stay_in_sync(context: BrowserContext, base_url: str) -> None:
    first, second = open_chat(context, base_url), open_chat(context, base_url)
    first.send("from tab one")
    expect(second.tid("msg-user")).to_have_text("from tab one")
    expect(second.tid("msg-bot")).to_have_count(1)
    assert first.conversation_id() == second.conversation_id()
    first.tid("lang-toggle").click()
    expect(second.input).to_have_attribute("placeholder", "请输入您的消息…")
    first.tid("new-conversation").click()
    expect(second.tid("msg-user")).to_have_count(0)
    assert first.conversation_id() == second.conversation_id()


def test_phone_viewport_is_full_screen(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-US", has_touch=True)
    try:
        chat = open_chat(context, base_url)
        chat.settle()
        box = chat.tid("chat-panel").bounding_box()
        assert box == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
        chat.send("hi from my phone")
        expect(chat.tid("msg-bot")).to_have_count(1)
        chat.tid("chat-close").click()
        expect(chat.tid("chat-panel")).to_be_hidden()
        chat.tid("chat-launcher").click()
        expect(chat.tid("chat-panel")).to_be_visible()
    finally:
        context.close()


def test_desktop_panel_is_a_floating_card(chat: Chat) -> None:
    chat.settle()
    box = chat.tid("chat-panel").bounding_box()
    assert box
    assert 340 <= box["width"] <= 420
    assert box["x"] + box["width"] <= DESKTOP["width"] - 16
