"""The admin area: only admins reach the NLU inbox, training and promotion; agents and
admins see analytics. Rasa's tracker store is replaced by an in-memory source (an
external server); the CRM database is real."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from crm_backend.admin.inbox import message_key
from crm_backend.admin.versions import ModelVersion, VersionRegistry
from crm_backend.db import make_engine
from crm_backend.models import metadata
from crm_backend.settings import PROJECT_ROOT, Settings
from crm_backend.web.app import create_app
from tests.console.conftest import sign_in

NOW = time.time()


class MemorySource:
    def __init__(self) -> None:
        self.data: Dict[str, List[Dict[str, Any]]] = {
            "conv-1": [
                {
                    "event": "user",
                    "text": "my email is alice@example.com, where is A1001",
                    "timestamp": NOW,
                    "parse_data": {
                        "intent": {"name": "nlu_fallback", "confidence": 0.2},
                        "language": "en",
                    },
                }
            ]
        }

    async def conversation_ids(self) -> List[str]:
        return list(self.data)

    async def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        return list(self.data.get(conversation_id, []))


@pytest.fixture
def admin_client(console_db: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=console_db,
        secret_key="test-secret-" + "x" * 20,
        model_dir=tmp_path / "models",
        rasa_internal_url="http://127.0.0.1:9",  # nothing listens: promotion must fail safely
    )
    app = create_app(settings)
    app.state.admin_tracker_source = MemorySource()
    root = tmp_path / "project"  # exports go here, never into the repository's data/
    (root / "data").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "domain.yml", root / "domain.yml")
    app.state.admin_data_root = root
    with TestClient(app) as client:
        client.follow_redirects = False
        yield client
    engine = make_engine(console_db)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name != "staff_users":
                conn.execute(table.delete())
        conn.execute(text("SELECT 1"))
    engine.dispose()


ADMIN_PAGES = ["/console/admin/nlu", "/console/admin/models"]
ADMIN_APIS = [
    ("GET", "/console/api/admin/nlu/messages"),
    ("GET", "/console/api/admin/models"),
    ("GET", "/console/api/admin/models/job"),
    ("POST", "/console/api/admin/nlu/annotations"),
    ("POST", "/console/api/admin/nlu/export"),
    ("POST", "/console/api/admin/models/train"),
    ("POST", "/console/api/admin/models/v1/promote"),
]


def test_anonymous_is_sent_to_sign_in_or_refused(admin_client: TestClient):
    for path in [*ADMIN_PAGES, "/console/analytics"]:
        answer = admin_client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/console/login?next="), path
    for method, path in ADMIN_APIS:
        assert admin_client.request(method, path, json={}).status_code == 401, path


def test_agents_are_refused_admin_pages_but_see_analytics(admin_client: TestClient):
    token = sign_in(admin_client, "agent", "agent123")
    for path in ADMIN_PAGES:
        assert admin_client.get(path).status_code == 403, path
    for method, path in ADMIN_APIS:
        answer = admin_client.request(method, path, json={}, headers={"X-CSRF-Token": token})
        assert answer.status_code == 403, path
    page = admin_client.get("/console/analytics")
    assert page.status_code == 200 and 'data-testid="kpis"' in page.text
    assert "NLU inbox" not in page.text  # no admin links for agents
    png = admin_client.get("/console/analytics/dashboard.png?days=7")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    assert admin_client.get("/console/analytics?days=0").status_code == 422


def test_admin_annotates_a_masked_message(admin_client: TestClient):
    token = sign_in(admin_client, "admin", "admin123")
    page = admin_client.get("/console/admin/nlu")
    assert page.status_code == 200
    assert "alice@example.com" not in page.text and "A1001" not in page.text
    assert "a****@example.com" in page.text
    items = admin_client.get("/console/api/admin/nlu/messages").json()["items"]
    assert items[0]["intent"] == "nlu_fallback" and items[0]["needs_review"]
    key = message_key("conv-1", NOW)
    body = {"conversation_id": "conv-1", "key": key, "status": "corrected", "intent": "track_order"}
    assert admin_client.post("/console/api/admin/nlu/annotations", json=body).status_code == 403
    headers = {"X-CSRF-Token": token}
    answer = admin_client.post("/console/api/admin/nlu/annotations", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["intent"] == "track_order"
    assert "corrected: track_order" in admin_client.get("/console/admin/nlu").text
    for bad in [
        {**body, "intent": "made_up"},
        {**body, "key": "nope"},
        {**body, "conversation_id": "x" * 300},
        {**body, "status": "<script>"},
    ]:
        refused = admin_client.post("/console/api/admin/nlu/annotations", json=bad, headers=headers)
        assert refused.status_code in (404, 422), (bad, refused.text)


def test_admin_creates_an_intent_and_marks_entities(admin_client: TestClient):
    headers = {"X-CSRF-Token": sign_in(admin_client, "admin", "admin123")}
    page = admin_client.get("/console/admin/nlu")
    assert 'data-action="mark"' in page.text and '<option value="order_number">' in page.text
    item = admin_client.get("/console/api/admin/nlu/messages").json()["items"][0]
    text = item["text"]  # masked: "my email is a****@example.com, where is A****"
    order = text.index("A****")
    mail = text.index("a****@")
    body = {
        "conversation_id": "conv-1",
        "key": item["key"],
        "status": "corrected",
        "intent": "ask_parcel_photo",
        "new_intent": True,
        "entities": [
            {"start": order, "end": order + 5, "entity": "order_number", "text": "A****"},
            {"start": mail, "end": mail + 17, "entity": "email", "text": text[mail : mail + 17]},
        ],
    }
    url = "/console/api/admin/nlu/annotations"
    for bad in [
        {**body, "new_intent": False},  # unknown intent, not ticked as new
        {**body, "intent": "Ask Photo"},
        {**body, "intent": "track_order"},  # exists already
        {**body, "intent": "utter_photo"},
        {**body, "entities": [{"start": 0, "end": 2, "entity": "<b>x</b>"}]},
        {**body, "entities": [{"start": order + 1, "end": order + 3, "entity": "order_number"}]},
        {**body, "entities": [{"start": 0, "end": 2, "entity": "email", "text": "zz"}]},
    ]:
        refused = admin_client.post(url, json=bad, headers=headers)
        assert refused.status_code == 422, (bad, refused.text)
    answer = admin_client.post(url, json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    saved = answer.json()
    assert saved["new_intent"] and saved["intent"] == "ask_parcel_photo"
    marks = [(e["entity"], e["text"]) for e in saved["entities"]]
    assert marks == [("email", "a****@example.com"), ("order_number", "A****")]
    html = admin_client.get("/console/admin/nlu").text
    assert '<option value="ask_parcel_photo">' in html  # offered to the next annotation
    assert "order_number: A****" in html and "alice" not in html
    listed = admin_client.get("/console/api/admin/nlu/messages").json()["items"][0]
    assert [e["entity"] for e in listed["entities"]] == ["email", "order_number"]
    exported = admin_client.post("/console/api/admin/nlu/export", headers=headers)
    assert exported.status_code == 200 and exported.json()["new_intents"] == ["ask_parcel_photo"]


def test_promotion_of_unknown_or_unreachable_versions_leaves_live_unchanged(
    admin_client: TestClient, tmp_path: Path
):
    token = sign_in(admin_client, "admin", "admin123")
    headers = {"X-CSRF-Token": token}
    registry = VersionRegistry(tmp_path / "models")
    registry.root.mkdir(parents=True)
    registry.archive("v1").write_bytes(b"x")
    registry.save(ModelVersion(id="v1", created_at="2026-11-25T10:00:00+00:00", created_by="ada"))
    answer = admin_client.post("/console/api/admin/models/nope/promote", headers=headers)
    assert answer.status_code == 404
    answer = admin_client.post("/console/api/admin/models/..%2F..%2Fx/promote", headers=headers)
    assert answer.status_code in (404, 422)
    answer = admin_client.post("/console/api/admin/models/v1/promote", headers=headers)
    assert answer.status_code == 502 and "unchanged" in answer.json()["message"]
    assert registry.live_id() is None
    listing = admin_client.get("/console/api/admin/models").json()
    assert [v["id"] for v in listing["versions"]] == ["v1"]
    metrics = {
        "accuracy": 0.91,
        "macro_f1": 0.88,
        "per_intent_f1": {"greet": 1.0},
        "previous": {"accuracy": 0.9, "macro_f1": 0.87, "per_intent_f1": {"greet": 0.5}},
        "change": {"accuracy": 0.01, "macro_f1": 0.01, "per_intent_f1": {"greet": 0.5}},
    }
    registry.archive("v2").write_bytes(b"y")
    registry.save(
        ModelVersion(
            id="v2", created_at="2026-11-25T11:00:00+00:00", created_by="ada", metrics=metrics
        )
    )
    page = admin_client.get("/console/admin/models")
    assert page.status_code == 200 and 'data-version="v1"' in page.text
    assert "0.910" in page.text and "was 0.900" in page.text and "greet +0.50" in page.text
