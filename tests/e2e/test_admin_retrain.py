"""Admins teach the bot from real conversations, end to end, without a command line:
a message the live model gets wrong is annotated in the NLU inbox -> a retraining job
runs in the background -> the new version is evaluated against the live one -> promoted
into the running Rasa server (``PUT /model``) -> the bot now understands the message ->
a rollback restores the old behaviour.

Real Rasa server, action server and tracker store (``live_stack``); the web app runs
in-process on the stack's CRM database. The job trains from a copy of the training
inputs (so the repository's data/ is never touched) with a fast config: the project's
pipeline, TED with 3 epochs instead of 40 (the NLU, which this test checks, is unchanged).
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import yaml
from starlette.testclient import TestClient

from bot.paths import model_path
from crm_backend.db import make_engine, make_session_factory
from crm_backend.settings import PROJECT_ROOT, Settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from crm_backend.web.app import create_app
from tests.console.conftest import sign_in
from tests.e2e.conftest import LiveStack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PHRASE = "bingle bongle"
VARIANTS = [
    PHRASE,
    f"{PHRASE} please",
    f"any {PHRASE} news",
    f"{PHRASE}??",
    f"hey {PHRASE} again",
    f"{PHRASE} today",
    f"so {PHRASE}",
    f"{PHRASE} now",
]


def parse(stack: LiveStack, token: str, text: str) -> Dict[str, Any]:
    request = urllib.request.Request(
        f"{stack.rasa_url}/model/parse?token={token}",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        result: Dict[str, Any] = json.loads(answer.read())
    return result


def training_copy(base: Path) -> Path:
    root = base / "project"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "domain.yml", root / "domain.yml")
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    shutil.copytree(PROJECT_ROOT / "tests" / "nlu", root / "tests" / "nlu")
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    for policy in config["policies"]:
        if policy["name"] == "TEDPolicy":
            policy["epochs"] = 3
    (root / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return root


@pytest.fixture
def admin_app(live_stack: LiveStack, tmp_path: Path) -> Iterator[TestClient]:
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(model_path(live_stack.settings), models / model_path(live_stack.settings).name)
    settings = Settings(
        database_url=live_stack.settings.database_url,
        var_dir=live_stack.settings.var_dir,
        log_dir=tmp_path / "log",
        model_dir=models,
        rasa_port=live_stack.settings.rasa_port,
        rasa_token=live_stack.stack.env["RASA_TOKEN"],
        secret_key="e2e-admin-" + "x" * 20,
    )
    app = create_app(settings)
    app.state.admin_data_root = training_copy(tmp_path)
    with TestClient(app) as client:
        client.follow_redirects = False
        yield client


@pytest.mark.timeout(1800)
def test_annotate_retrain_promote_and_roll_back(live_stack: LiveStack, admin_app: TestClient):
    token = live_stack.stack.env["RASA_TOKEN"]
    before = parse(live_stack, token, PHRASE)["intent"]["name"]
    assert before != "track_order"

    # customers say it; the admin finds it in the inbox and labels it
    for i, text in enumerate(VARIANTS):
        live_stack.say(f"admin-e2e-{i}-{time.time_ns()}", text, "en")
    csrf = sign_in(admin_app, "admin", "admin123")
    headers = {"X-CSRF-Token": csrf}
    items = admin_app.get("/console/api/admin/nlu/messages?language=en").json()["items"]
    mine = [m for m in items if PHRASE in m["text"]]
    assert len(mine) == len(VARIANTS), items[:3]
    for message in mine:
        answer = admin_app.post(
            "/console/api/admin/nlu/annotations",
            json={
                "conversation_id": message["conversation_id"],
                "key": message["key"],
                "status": "corrected",
                "intent": "track_order",
            },
            headers=headers,
        )
        assert answer.status_code == 200, answer.text

    # an agent may not retrain
    agent = TestClient(admin_app.app)
    agent.follow_redirects = False
    agent_csrf = sign_in(agent, "agent", "agent123")
    refused = agent.post("/console/api/admin/models/train", headers={"X-CSRF-Token": agent_csrf})
    assert refused.status_code == 403

    # retrain in the background; the console stays responsive and shows progress
    started = admin_app.post("/console/api/admin/models/train", headers=headers)
    assert started.status_code == 202, started.text
    job_id = started.json()["job"]
    again = admin_app.post("/console/api/admin/models/train", headers=headers)
    assert again.status_code == 409  # one job at a time
    deadline = time.monotonic() + 1500
    job: Dict[str, Any] = {}
    while time.monotonic() < deadline:
        tick = time.monotonic()
        status = admin_app.get("/console/api/admin/models/job")
        assert status.status_code == 200 and time.monotonic() - tick < 5
        job = status.json()["job"]
        if job["state"] in ("succeeded", "failed"):
            break
        time.sleep(5)
    assert job.get("state") == "succeeded", job.get("log", "")[-3000:]
    assert job["id"] == job_id and "Evaluating" in job["log"]
    assert parse(live_stack, token, PHRASE)["intent"]["name"] == before  # not promoted yet

    listing = admin_app.get("/console/api/admin/models").json()
    assert listing["live"] == "baseline"
    new = next(v for v in listing["versions"] if v["id"] == job_id)
    metrics = new["metrics"]
    assert 0 < metrics["accuracy"] <= 1 and 0 < metrics["macro_f1"] <= 1
    assert metrics["previous"]["accuracy"] > 0 and "per_intent_f1" in metrics["change"]
    assert "inbox_test_en.yml" in metrics["test_files"] or len(metrics["test_files"]) >= 2
    png = admin_app.get(f"/console/admin/models/{job_id}/confusion.png")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"

    # promote: the running bot now understands the message
    promoted = admin_app.post(f"/console/api/admin/models/{job_id}/promote", headers=headers)
    assert promoted.status_code == 200, promoted.text
    assert promoted.json() == {"live": job_id, "previous": "baseline", "rollback": False}
    assert parse(live_stack, token, PHRASE)["intent"]["name"] == "track_order"

    # roll back to the baseline: the old behaviour is back
    rolled = admin_app.post("/console/api/admin/models/baseline/promote", headers=headers)
    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["rollback"] is True
    assert parse(live_stack, token, PHRASE)["intent"]["name"] == before
    assert admin_app.get("/console/api/admin/models").json()["live"] == "baseline"

    # every step is in the audit log
    engine = make_engine(live_stack.settings.database_url)
    try:
        with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
            entries = uow.audit.list_for_entity("nlu_model", job_id)
            assert [(e.actor, e.action) for e in entries] == [
                ("staff:admin", "nlu_model.train"),
                ("staff:admin", "nlu_model.promote"),
            ]
            rollback = uow.audit.list_for_entity("nlu_model", "baseline")
            assert [e.action for e in rollback] == ["nlu_model.rollback"]
            assert uow.audit.exists("nlu.annotate", "nlu_annotation")
    finally:
        engine.dispose()
