"""Screenshots of a live handoff for the docs (not a test).

Run from the project root (needs a trained model, `make model`):
``.venv/bin/python -m tests.e2e.handoff_screenshots``
Starts the real stack on a throw-away seeded CRM, lets a customer (Alice, identified by an
order lookup) ask for a person, and an agent claim and answer in the console. Writes
docs/screenshots/console-queue.png, console-conversation.png (transcript + customer 360)
and widget-agent-reply.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bot.run import Stack  # noqa: E402
from crm_backend.migrate import upgrade  # noqa: E402
from crm_backend.seed import seed  # noqa: E402
from crm_backend.settings import Settings, get_settings  # noqa: E402
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.e2e.conftest import free_port  # noqa: E402

OUT_DIR = PROJECT_ROOT / "docs" / "screenshots"


def send(page: Page, text: str) -> None:
    users = page.get_by_test_id("msg-user")
    before = users.count()
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-send").click()
    expect(users).to_have_count(before + 1, timeout=60_000)
    expect(page.get_by_test_id("typing")).to_be_hidden(timeout=60_000)


def customer(page: Page, url: str, messages: list[str]) -> str:
    page.goto(url + "/")
    if not page.get_by_test_id("chat-panel").is_visible():
        page.get_by_test_id("chat-launcher").click()
    for message in messages:
        send(page, message)
    return str(page.evaluate("window.ShopChat.init({}).getConversationId()"))


def main() -> int:
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is not installed", file=sys.stderr)
        return 1
    base = get_settings()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="handoff-shots-") as tmp:
        var = Path(tmp)
        settings = Settings(
            database_url=f"sqlite:///{var / 'crm.sqlite3'}",
            var_dir=var,
            log_dir=var / "log",
            model_dir=base.model_dir,
            rasa_port=free_port(),
            action_port=free_port(),
            web_port=free_port(),
        )
        upgrade(settings.database_url)
        seed(settings.database_url)
        stack = Stack(settings)
        stack.start()
        url = settings.web_url
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                desk = {"width": 1440, "height": 900}
                alice = browser.new_context(
                    viewport={"width": 1280, "height": 800}, device_scale_factor=2, locale="en-GB"
                )
                wang = browser.new_context(viewport=desk, locale="zh-CN")
                agent = browser.new_context(viewport=desk, device_scale_factor=2, locale="en-GB")
                shop = alice.new_page()
                conversation = customer(
                    shop,
                    url,
                    [
                        "where is my order?",
                        "A1001",
                        "alice@example.com",
                        "I'd like to talk to a person",
                    ],
                )
                other = customer(wang.new_page(), url, ["我的订单一直没到，太让人失望了", "转人工"])

                console = agent.new_page()
                console.on("dialog", lambda dialog: dialog.accept())
                console.goto(url + "/console")
                console.get_by_test_id("username").fill("agent")
                console.get_by_test_id("password").fill("agent123")
                console.get_by_test_id("login").click()
                for waiting in (conversation, other):
                    expect(
                        console.locator(f'a[href="/console/conversations/{waiting}"]')
                    ).to_be_visible(timeout=20_000)
                console.wait_for_timeout(1500)  # previews of the last messages
                console.screenshot(path=str(OUT_DIR / "console-queue.png"))

                row = console.locator(
                    f'[data-testid="queue-item"]:has(a[href="/console/conversations/{conversation}"])'
                )
                row.get_by_test_id("queue-claim").click()
                expect(console.get_by_test_id("msg-user").first).to_be_visible()
                console.get_by_test_id("reply-text").fill(
                    "Hi Alice, Sam here. Your parcel is with DHL and should arrive tomorrow. "
                    "Is there anything else I can do?"
                )
                console.get_by_test_id("reply-send").click()
                expect(shop.locator('[data-sender="agent"]')).to_have_count(1, timeout=15_000)
                expect(console.get_by_test_id("msg-agent")).to_have_count(1, timeout=15_000)
                send(shop, "That's great, thank you!")
                expect(console.get_by_test_id("msg-user").last).to_contain_text("thank you")
                console.wait_for_timeout(500)
                console.screenshot(path=str(OUT_DIR / "console-conversation.png"), full_page=True)
                shop.wait_for_timeout(300)
                shop.screenshot(path=str(OUT_DIR / "widget-agent-reply.png"))
                browser.close()
        finally:
            stack.stop()
    for name in ("console-queue.png", "console-conversation.png", "widget-agent-reply.png"):
        print(f"wrote docs/screenshots/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
