"""Admins teach the bot from real conversations, end to end, without a command line:
a message the live model gets wrong is annotated in the NLU inbox (one label is a *new
intent*, one message gets an entity mark) -> a retraining job runs in the background ->
the new version is evaluated against the live one -> promoted into the running Rasa
server (``PUT /model``) -> the bot now understands the messages -> a restarted Rasa still
serves the promoted version -> a rollback restores the old behaviour.

Real Rasa server, action server and tracker store (``live_stack``); the web app runs
in-process on the stack's CRM database. The job trains from a *small* copy of the training
inputs (so the repository's data/ is never touched, and it takes seconds, not minutes):
the project's config, domain, rules and stories, but the NLU data and the held-out test
sets cut down to a few intents (``SMALL_INTENTS``, ``PER_INTENT`` examples each), with an
empty Rasa cache of its own.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List

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

pytestmark = [pytest.mark.e2e]
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
NEW_INTENT = "ask_gift_wrapping"
GIFT = "can you gift wrap the lamp"
GIFT_VARIANTS = [
    GIFT,
    "gift wrap it please",
    "i want gift wrapping",
    "is gift wrapping possible",
    "please gift wrap my order",
    "do you offer gift wrap",
    "gift wrap for the lamp",
    "add gift wrapping",
]
SMALL_INTENTS = {"track_order", "cancel_order", "get_refund", "greet", "goodbye", "affirm"}
PER_INTENT = 12


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


def load_model(stack: LiveStack, token: str, archive: Path) -> None:
    request = urllib.request.Request(
        f"{stack.rasa_url}/model?token={token}",
        data=json.dumps({"model_file": str(archive)}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=180):
        pass


def _small_nlu(source: Path, target: Path) -> None:
    """``source``'s NLU files with only ``SMALL_INTENTS``, ``PER_INTENT`` examples each
    (regexes, lookups and synonyms kept)."""
    for path in sorted(source.rglob("*.yml")):
        items: List[Dict[str, Any]] = []
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in item:
                if item["intent"] not in SMALL_INTENTS:
                    continue
                lines = [x for x in str(item["examples"]).splitlines() if x.startswith("- ")]
                item = {"intent": item["intent"], "examples": "\n".join(lines[:PER_INTENT]) + "\n"}
            items.append(item)
        if items:
            out = target / path.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            data = {"version": "3.1", "nlu": items}
            out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def small_training_copy(base: Path) -> Path:
    root = base / "project"
    (root / "data").mkdir(parents=True)
    for name in ("domain.yml", "config.yml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    for folder in ("responses", "rules", "stories"):
        shutil.copytree(PROJECT_ROOT / "data" / folder, root / "data" / folder)
    _small_nlu(PROJECT_ROOT / "data" / "nlu", root / "data" / "nlu")
    _small_nlu(PROJECT_ROOT / "tests" / "nlu", root / "tests" / "nlu")
    return root


@pytest.fixture
def admin_app(
    live_stack: LiveStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(model_path(live_stack.settings), models / model_path(live_stack.settings).name)
    if (live_stack.settings.model_dir / "ml").is_dir():  # the sentiment model rasa train copies
        (models / "ml").symlink_to(live_stack.settings.model_dir / "ml")
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "rasa-cache"))  # the job's
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
    app.state.admin_data_root = small_training_copy(tmp_path)
    with TestClient(app) as client:
        client.follow_redirects = False
        yield client


def annotate(client: TestClient, headers: Dict[str, str], message: Dict[str, Any], **body: Any):
    payload = {"conversation_id": message["conversation_id"], "key": message["key"], **body}
    answer = client.post("/console/api/admin/nlu/annotations", json=payload, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.timeout(600)
def test_annotate_retrain_promote_restart_and_roll_back(
    live_stack: LiveStack, admin_app: TestClient
):
    token = live_stack.stack.env["RASA_TOKEN"]
    before = parse(live_stack, token, PHRASE)["intent"]["name"]
    gift_before = parse(live_stack, token, GIFT)["intent"]["name"]
    assert before != "track_order" and gift_before != NEW_INTENT

    # customers say it; the admin finds it in the inbox and labels it
    for i, text in enumerate(VARIANTS + GIFT_VARIANTS):
        live_stack.say(f"admin-e2e-{i}-{time.time_ns()}", text, "en")
    csrf = sign_in(admin_app, "admin", "admin123")
    headers = {"X-CSRF-Token": csrf}
    items = admin_app.get("/console/api/admin/nlu/messages?language=en").json()["items"]
    mine = [m for m in items if PHRASE in m["text"]]
    assert len(mine) == len(VARIANTS), items[:3]
    for message in mine:
        annotate(admin_app, headers, message, status="corrected", intent="track_order")
    gifts = {m["text"]: m for m in items if m["text"] in GIFT_VARIANTS}
    assert len(gifts) == len(GIFT_VARIANTS)
    lamp = GIFT.index("lamp")
    first = annotate(
        admin_app,
        headers,
        gifts[GIFT],
        status="corrected",
        intent=NEW_INTENT,
        new_intent=True,  # created here: not in domain.yml
        entities=[{"start": lamp, "end": lamp + 4, "entity": "product", "text": "lamp"}],
    )
    assert first["new_intent"] and first["entities"][0]["text"] == "lamp"
    for text, message in gifts.items():
        if text != GIFT:
            annotate(admin_app, headers, message, status="corrected", intent=NEW_INTENT)

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
    deadline = time.monotonic() + 400
    job: Dict[str, Any] = {}
    while time.monotonic() < deadline:
        tick = time.monotonic()
        status = admin_app.get("/console/api/admin/models/job")
        assert status.status_code == 200 and time.monotonic() - tick < 5
        job = status.json()["job"]
        if job["state"] in ("succeeded", "failed"):
            break
        time.sleep(1)
    assert job.get("state") == "succeeded", job.get("log", "")[-3000:]
    assert job["id"] == job_id and "Evaluating" in job["log"]
    assert parse(live_stack, token, PHRASE)["intent"]["name"] == before  # not promoted yet

    listing = admin_app.get("/console/api/admin/models").json()
    assert listing["live"] == "baseline"
    new = next(v for v in listing["versions"] if v["id"] == job_id)
    assert NEW_INTENT in new["note"]
    metrics = new["metrics"]
    assert 0 < metrics["accuracy"] <= 1 and 0 < metrics["macro_f1"] <= 1
    assert metrics["previous"]["accuracy"] > 0 and "per_intent_f1" in metrics["change"]
    assert metrics["test_files"][:2] == ["en_test.yml", "zh_test.yml"]
    png = admin_app.get(f"/console/admin/models/{job_id}/confusion.png")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"

    stack = live_stack.stack
    original_settings = stack.settings
    finished = False
    try:
        # promote: the running bot now understands the messages
        promoted = admin_app.post(f"/console/api/admin/models/{job_id}/promote", headers=headers)
        assert promoted.status_code == 200, promoted.text
        assert promoted.json() == {"live": job_id, "previous": "baseline", "rollback": False}
        assert parse(live_stack, token, PHRASE)["intent"]["name"] == "track_order"
        gift = parse(live_stack, token, "could you gift wrap it")
        assert gift["intent"]["name"] == NEW_INTENT, gift

        # Rasa restarts (a crash, `make run` again): it loads the promoted version, not the
        # model it was first started with (this stack's MODEL_DIR is the admin's for now)
        stack.settings = original_settings.copy(
            update={"model_dir": admin_app.app.state.settings.model_dir}
        )
        stack.kill("rasa")
        stack.restart("rasa")
        assert parse(live_stack, token, PHRASE)["intent"]["name"] == "track_order"

        # roll back to the baseline: the old behaviour is back
        rolled = admin_app.post("/console/api/admin/models/baseline/promote", headers=headers)
        assert rolled.status_code == 200, rolled.text
        assert rolled.json()["rollback"] is True
        assert parse(live_stack, token, PHRASE)["intent"]["name"] == before
        assert parse(live_stack, token, GIFT)["intent"]["name"] == gift_before
        assert admin_app.get("/console/api/admin/models").json()["live"] == "baseline"
        finished = True
    finally:
        stack.settings = original_settings
        if not finished:  # leave the shared stack serving its own model for the next tests
            load_model(live_stack, token, model_path(original_settings))

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
