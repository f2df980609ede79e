"""Privacy requests in the console: admins only, CSRF on the POST, erasure and export
through the real services (CRM on SQLite, a real tracker-store table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from starlette.testclient import TestClient

from crm_backend.analytics.tracker_events import EVENTS, TrackerEvents
from crm_backend.db import make_engine, make_session_factory
from crm_backend.models import Customer, DataRequest, DataRequestStatus, OrderStatus
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.console.conftest import XSS, sign_in
from tests.crm_backend.services.privacy_data import (
    ALICE,
    BOB,
    Seeded,
    leftovers,
    seed_person,
    store_chats,
    tracker_count,
)

PAGE = "/console/admin/privacy"
API = "/console/api/admin/privacy/requests"


@pytest.fixture
def tracker(tmp_path: Path) -> Iterator[TrackerEvents]:
    events = TrackerEvents(f"sqlite:///{tmp_path / 'tracker.sqlite3'}")
    EVENTS.metadata.create_all(events.engine)
    yield events
    events.dispose()


@pytest.fixture
def privacy_app(app: Any, tracker: TrackerEvents) -> Any:
    app.state.privacy_tracker = tracker
    return app


@pytest.fixture
def seeded(console_db: str, tracker: TrackerEvents) -> Iterator[Seeded]:
    engine = make_engine(console_db)
    factory = make_session_factory(engine)
    alice = seed_person(lambda: SqlAlchemyUnitOfWork(factory), ALICE)
    store_chats(tracker, ALICE)
    yield alice
    engine.dispose()


def complete(request_id: int) -> str:
    return f"{PAGE}/requests/{request_id}/complete"


def test_anonymous_is_sent_to_sign_in_or_refused(client: TestClient, privacy_app: Any):
    for path in [PAGE, f"{PAGE}/export?customer=1"]:
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/console/login?next=")
    assert client.get(API).status_code == 401
    answer = client.post(complete(1), data={"csrf_token": "x"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")


def test_agents_are_refused(client: TestClient, privacy_app: Any, seeded: Seeded):
    csrf = sign_in(client, "agent", "agent123")
    for path in [PAGE, f"{PAGE}/export?customer={seeded.customer_id}", API]:
        assert client.get(path).status_code == 403, path
    answer = client.post(complete(seeded.delete_request_id), data={"csrf_token": csrf})
    assert answer.status_code == 403
    assert "/console/admin/privacy" not in client.get("/console").text, "no nav link"


def test_admins_list_requests_and_download_an_export(
    client: TestClient, privacy_app: Any, seeded: Seeded
):
    sign_in(client, "admin", "admin123")
    page = client.get(PAGE)
    assert page.status_code == 200 and f"DR-{seeded.delete_request_id:06d}" in page.text
    assert 'href="/console/admin/privacy"' in page.text  # in the admin nav
    items = client.get(API).json()["items"]
    assert {(i["kind"], i["status"]) for i in items} == {
        ("delete", "pending"),
        ("export", "pending"),
    }
    download = client.get(f"{PAGE}/export", params={"customer": seeded.customer_id})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/json")
    assert "attachment" in download.headers["content-disposition"]
    assert download.headers["cache-control"] == "no-store"
    doc = download.json()
    assert doc["customer"]["email"] == ALICE.email
    assert len(doc["chat_transcripts"]["conversations"][ALICE.conversation(1)]) == 4
    assert client.get(f"{PAGE}/export", params={"customer": 999_999}).status_code == 404
    assert client.get(f"{PAGE}/export", params={"customer": "x"}).status_code == 422


def test_completing_a_deletion_request_needs_the_csrf_token(
    client: TestClient, privacy_app: Any, seeded: Seeded, console_db: str, tracker
):
    csrf = sign_in(client, "admin", "admin123")
    url = complete(seeded.delete_request_id)
    assert client.post(url).status_code == 403
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 403
    assert tracker_count(tracker, ALICE) == 12, "nothing happened without the token"

    answer = client.post(url, data={"csrf_token": csrf})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PAGE}?done={seeded.delete_request_id}"
    page = client.get(answer.headers["location"])
    assert "completed: the customer&#39;s data was erased" in page.text
    assert tracker_count(tracker, ALICE) == 0
    engine = make_engine(console_db)
    try:
        assert leftovers(engine, ALICE.needles) == []
        with engine.connect() as conn:
            customer = conn.execute(
                Customer.__table__.select().where(Customer.id == seeded.customer_id)
            ).mappings().one()  # fmt: skip
            assert customer["anonymised"]
    finally:
        engine.dispose()
    # completing it again is harmless; the form button is gone
    assert client.post(url, data={"csrf_token": csrf}).status_code == 303
    assert url not in client.get(PAGE).text


def test_an_export_request_downloads_and_completes(
    client: TestClient, privacy_app: Any, seeded: Seeded, console_db: str
):
    csrf = sign_in(client, "admin", "admin123")
    answer = client.post(complete(seeded.export_request_id), headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200 and answer.json()["customer"]["name"] == ALICE.name
    engine = make_engine(console_db)
    try:
        with engine.connect() as conn:
            status = conn.execute(
                DataRequest.__table__.select().where(DataRequest.id == seeded.export_request_id)
            ).mappings().one()["status"]  # fmt: skip
        assert status == DataRequestStatus.COMPLETED.value
    finally:
        engine.dispose()


def test_refusals_are_shown_as_text(client: TestClient, privacy_app: Any, console_db: str):
    engine = make_engine(console_db)
    factory = make_session_factory(engine)
    bob = seed_person(lambda: SqlAlchemyUnitOfWork(factory), BOB, order_status=OrderStatus.PAID)
    with factory() as session:  # a hostile name is data, never markup
        session.get(Customer, bob.customer_id).name = XSS
        session.commit()
    engine.dispose()
    csrf = sign_in(client, "admin", "admin123")
    answer = client.post(complete(bob.delete_request_id), data={"csrf_token": csrf})
    assert answer.status_code == 409
    assert "still in progress" in answer.text and "<img src=x" not in answer.text
    assert client.post(complete(424_242), data={"csrf_token": csrf}).status_code == 404
    download = client.get(f"{PAGE}/export", params={"customer": bob.customer_id})
    assert download.json()["customer"]["name"] == XSS  # the JSON file holds it verbatim
    assert "<img" not in client.get(PAGE).text
