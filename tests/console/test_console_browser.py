"""The console in headless Chromium: a hostile customer message stays inert text, and
the customer 360 lists recommended products (as text too)."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Iterator

import pytest
import uvicorn
from playwright.sync_api import expect

from crm_backend.db import make_engine, make_session_factory
from crm_backend.models import Customer, Order, OrderItem, OrderStatus, Product
from crm_backend.services.handoff import request_handoff
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.console.conftest import XSS, FakeConversations
from tests.console.test_authorization import ALWAYS, escalate
from tests.e2e.browser import browser  # noqa: F401 - fixture
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def console_url(app: Any, console_db: str, conversations: FakeConversations) -> Iterator[str]:
    conversations.add_user("conv-xss-browser", XSS)
    escalate(console_db, "conv-xss-browser")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="wsproto"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_xss_in_a_customer_message_is_rendered_as_text(browser: Any, console_url: str):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(console_url + "/console/conversations/conv-xss-browser")
        page.get_by_test_id("username").fill("agent")
        page.get_by_test_id("password").fill("agent123")
        page.get_by_test_id("login").click()
        message = page.get_by_test_id("msg-user").first
        expect(message).to_contain_text('<img src=x onerror="document.body.dataset.pwned=1">')
        expect(page.get_by_test_id("queue-item")).to_have_count(0)  # not the queue page
        assert page.locator('[data-testid="transcript"] img').count() == 0
        assert page.locator('[data-testid="transcript"] script').count() == 0
        page.wait_for_timeout(300)
        assert page.evaluate("document.body.dataset.pwned") is None and dialogs == []
        # the live queue shows the message preview as text too
        page.goto(console_url + "/console")
        expect(page.get_by_test_id("queue-item")).to_have_count(1, timeout=10_000)
        expect(page.locator(".preview")).to_contain_text("<script>", timeout=10_000)
        assert page.locator("[data-queue-body] img").count() == 0
        assert page.evaluate("document.body.dataset.pwned") is None
    finally:
        context.close()


def _shop_with_a_customer(url: str) -> None:
    """A customer who bought a product whose name is hostile markup, and escalated."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            customer = Customer(name="Rita Browser", email="rita@example.com")
            product = Product(
                sku="XSS-1", name_en=XSS, category="home", price=Decimal("9.50"), stock=5
            )
            order = Order(
                order_number="B1001",
                customer=customer,
                status=OrderStatus.PAID,
                total=Decimal("9.50"),
                placed_at=datetime.now(timezone.utc) - timedelta(days=2),
            )
            session.add_all([customer, product, order])
            session.add(OrderItem(order=order, product=product, quantity=1, unit_price=9.5))
            session.commit()
        request_handoff(
            SqlAlchemyUnitOfWork(make_session_factory(engine)),
            conversation_id="conv-reco-browser",
            reason="customer_request",
            policy=ALWAYS,
            identity="rita@example.com",
        )
    finally:
        engine.dispose()


def test_the_360_panel_lists_recommended_products_as_text(
    browser: Any,  # noqa: F811
    console_url: str,
    console_db: str,
):
    _shop_with_a_customer(console_db)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(console_url + "/console/conversations/conv-reco-browser")
        page.get_by_test_id("username").fill("agent")
        page.get_by_test_id("password").fill("agent123")
        page.get_by_test_id("login").click()
        section = page.get_by_test_id("recommendations")
        expect(section).to_be_visible()
        item = page.get_by_test_id("recommendation")
        expect(item.first).to_contain_text("<script>")
        expect(item.first).to_contain_text("£9.50")
        expect(item.first.locator(".pill")).to_have_text(re.compile(r"\w"))
        assert section.locator("img, script").count() == 0
        assert page.evaluate("document.body.dataset.pwned") is None
    finally:
        context.close()
