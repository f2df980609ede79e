"""The customer 360 panel and its actions, on a seeded CRM (Alice: A1003 is pending)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from starlette.testclient import TestClient

from crm_backend.db import make_engine, make_session_factory
from crm_backend.migrate import upgrade
from crm_backend.seed import seed
from crm_backend.services.conversation_search import index_messages
from crm_backend.services.handoff import HandoffPolicy, parse_support_hours, request_handoff
from crm_backend.settings import Settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from crm_backend.web.app import create_app
from tests.console.conftest import FakeConversations, sign_in


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('console360')) / 'crm.sqlite3'}"
    upgrade(url)
    seed(url)
    engine = make_engine(url)
    request_handoff(
        SqlAlchemyUnitOfWork(make_session_factory(engine)),
        conversation_id="conv-alice",
        reason="customer_request",
        policy=HandoffPolicy(parse_support_hours("00:00-24:00", "0-6", "UTC")),
        identity="alice@example.com",
    )
    engine.dispose()
    return url


@pytest.fixture
def client(seeded: str) -> Iterator[Any]:
    app = create_app(Settings(database_url=seeded, secret_key="k" * 32))
    app.state.conversation_store = FakeConversations()
    with TestClient(app) as test_client:
        test_client.follow_redirects = False
        yield test_client


def test_panel_shows_the_customer_and_cancels_through_the_order_service(client: TestClient):
    csrf = sign_in(client, "agent", "agent123")
    page = client.get("/console/conversations/conv-alice")
    assert page.status_code == 200
    panel = page.text.split('data-testid="customer-panel"')[1]
    assert "Alice Smith" in panel and "A1001" in panel and "A1003" in panel
    assert re.search(r'data-cancel-order="A1003"', panel), "pending order can be cancelled"
    assert 'data-cancel-order="A1001"' not in panel, "a shipped one cannot"
    customer = re.search(r'data-customer="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    base = f"/console/api/customers/{customer}/orders/A1003"
    quote = client.get(f"{base}/cancellation").json()
    assert quote["cancellable"] is True
    refused = client.post(f"{base}/cancel", json={"accept_fee": quote["fee"]})
    assert refused.status_code == 403, "CSRF"
    done = client.post(
        f"{base}/cancel", json={"accept_fee": quote["fee"]}, headers={"X-CSRF-Token": csrf}
    )
    assert done.status_code == 200 and done.json()["order_number"] == "A1003"
    assert client.get(f"{base}/cancellation").json()["status"] == "cancelled"
    other = client.get(f"/console/api/customers/{int(customer) + 1}/orders/A1003/cancellation")
    assert other.status_code == 404, "an order is only reachable through its own customer"


def test_an_agent_makes_a_retention_offer_from_the_panel(client: TestClient, seeded: str):
    csrf = sign_in(client, "agent", "agent123")
    page = client.get("/console/conversations/conv-alice")
    assert "data-offer" in page.text, "the offer button is shown"
    customer = re.search(r'data-customer="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    url = f"/console/api/customers/{customer}/retention-offer"
    assert client.post(url, json={}).status_code == 403, "CSRF"
    made = client.post(url, json={}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["code"].startswith("STAY-") and body["code"] in body["offer"]
    again = client.post(url, json={}, headers={"X-CSRF-Token": csrf}).json()
    assert again["id"] == body["id"], "one live offer per customer"
    engine = make_engine(seeded)
    with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
        [row] = [o for o in uow.offers.list_for_customer(int(customer)) if o.id == body["id"]]
        assert row.reason == "agent" and not row.control_group
    engine.dispose()
    missing = client.post(
        "/console/api/customers/999999/retention-offer", json={}, headers={"X-CSRF-Token": csrf}
    )
    assert missing.status_code == 404


def test_search_by_email_order_and_name(client: TestClient):
    sign_in(client, "agent", "agent123")
    for query in ("alice@example.com", "A1001", "alice smith"):
        page = client.get("/console/search", params={"q": query})
        assert page.status_code == 200 and "conv-alice" in page.text, query
    assert "Type at least two characters" in client.get("/console/search?q=x").text


def test_panel_lists_recommended_products(client: TestClient):
    sign_in(client, "agent", "agent123")
    panel = client.get("/console/conversations/conv-alice").text.split(
        'data-testid="customer-panel"'
    )[1]
    section = panel.split('data-testid="recommendations"')[1].split("</section>")[0]
    items = re.findall(r'data-testid="recommendation" data-sku="([^"]+)"', section)
    assert items, section
    assert "£" in section and re.search(r'class="pill"[^>]*>[a-z ]+</span>', section)


def test_a_failing_recommender_leaves_the_rest_of_the_360(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    from crm_backend.services import recommendations

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("recommender down")

    monkeypatch.setattr(recommendations, "recommend_for_customer", broken)
    sign_in(client, "agent", "agent123")
    page = client.get("/console/conversations/conv-alice")
    assert page.status_code == 200 and "A1003" in page.text
    assert 'data-testid="no-recommendations"' in page.text
    assert 'data-testid="recommendation"' not in page.text


def test_text_search_finds_a_conversation_older_than_the_newest_hundred(
    client: TestClient, seeded: str
):
    engine = make_engine(seeded)
    make_uow = lambda: SqlAlchemyUnitOfWork(make_session_factory(engine))  # noqa: E731
    try:
        old = [{"event": "user", "text": "My <b>zebra-striped</b> mug", "timestamp": 1.0e9}]
        index_messages(make_uow(), "conv-zebra", old)
        for n in range(120):
            chat = [{"event": "user", "text": f"parcel {n} late", "timestamp": 1.7e9 + n}]
            index_messages(make_uow(), f"conv-parcel-{n}", chat)
    finally:
        engine.dispose()
    sign_in(client, "agent", "agent123")
    page = client.get("/console/search", params={"q": "ZEBRA-striped"})
    assert page.status_code == 200 and "conv-zebra" in page.text
    assert "&lt;b&gt;zebra-striped&lt;/b&gt;" in page.text and "<b>zebra" not in page.text
    first = client.get("/console/search", params={"q": "parcel"}).text
    assert first.count('data-testid="text-hit"') == 20 and "conv-parcel-119" in first
    assert 'offset=20" data-testid="search-more"' in first
    last = client.get("/console/search", params={"q": "parcel", "offset": 100}).text
    assert last.count('data-testid="text-hit"') == 20 and '/conv-parcel-119"' not in last
    assert '/conv-parcel-0"' in last and 'data-testid="search-more"' not in last
    assert client.get("/console/search", params={"q": "parcel", "offset": -1}).status_code == 422
