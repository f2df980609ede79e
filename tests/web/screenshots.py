"""Screenshots of the chat widget for docs (not a test).

Run from the project root: ``.venv/bin/python -m tests.web.screenshots``
Writes docs/screenshots/widget-desktop.png and docs/screenshots/widget-phone.png, using the
real web app and the local stand-in channel from :mod:`tests.web.support`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:  # allow `python tests/web/screenshots.py` too
    sys.path.insert(0, str(PROJECT_ROOT))

from tests.web.support import (  # noqa: E402 - needs the path set up above
    CHROMIUM,
    CHROMIUM_ARGS,
    chromium_missing_reason,
    fake_rasa_channel,
    web_app_server,
)

OUT_DIR = PROJECT_ROOT / "docs" / "screenshots"


def converse(page: Page, messages: list[str]) -> None:
    for index, message in enumerate(messages, start=1):
        page.get_by_test_id("chat-input").fill(message)
        page.get_by_test_id("chat-input").press("Enter")
        expect(page.get_by_test_id("msg-user")).to_have_count(index)
        expect(page.get_by_test_id("typing")).to_be_hidden()


def shoot(
    browser: Browser,
    base_url: str,
    viewport: ViewportSize,
    locale: str,
    messages: list[str],
    out: Path,
) -> None:
    context = browser.new_context(viewport=viewport, locale=locale, device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(base_url + "/")
        expect(page.get_by_test_id("chat-panel")).to_be_visible()
        converse(page, messages)
        page.get_by_test_id("chat-input").fill("")
        page.mouse.move(0, 0)
        page.wait_for_timeout(300)  # let the opening animation settle
        page.screenshot(path=str(out))
    finally:
        context.close()
    print(f"wrote {out.relative_to(PROJECT_ROOT)}")


def main() -> int:
    reason = chromium_missing_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with fake_rasa_channel() as rasa, web_app_server(rasa.url) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            shoot(
                browser,
                base_url,
                {"width": 1280, "height": 800},
                "en-GB",
                ["Where is my order #1042?", "agent", "buttons"],
                OUT_DIR / "widget-desktop.png",
            )
            shoot(
                browser,
                base_url,
                {"width": 390, "height": 844},
                "zh-CN",
                ["我的订单什么时候到？", "buttons"],
                OUT_DIR / "widget-phone.png",
            )
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
