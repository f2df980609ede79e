"""bot.graph_runner: the project model predicts the same with and without Dask."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.exceptions import GraphRunError
from rasa.engine.loader import load_predict_graph_runner
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.runner.interface import GraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.storage import ModelMetadata
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.graph_runner import SequentialGraphRunner, execution_order
from bot.paths import model_path
from crm_backend.settings import get_settings

MESSAGES = [
    "hello",
    "where is my order A1001",
    "I want to cancel my order",
    "this is the worst service ever, I want a refund now",
    "我的包裹什么时候能到？",
    "我要退货",
    "asdkjh qwe zzz",
    "",
]


@pytest.fixture(scope="module")
def runners(
    tmp_path_factory: pytest.TempPathFactory,
) -> Tuple[ModelMetadata, GraphRunner, GraphRunner]:
    archive = model_path(get_settings())
    if not archive.exists():
        pytest.fail(f"no trained model at {archive}: run `make model` (make test does)")
    loaded = []
    for runner_class in (DaskGraphRunner, SequentialGraphRunner):
        storage = Path(tmp_path_factory.mktemp(runner_class.__name__))
        loaded.append(load_predict_graph_runner(storage, archive, LocalModelStorage, runner_class))
    (metadata, dask_runner), (_, sequential_runner) = loaded
    return metadata, dask_runner, sequential_runner


def _parse(metadata: ModelMetadata, runner: GraphRunner, text: str) -> Dict[str, Any]:
    tracker = DialogueStateTracker("parse", [])
    message = UserMessage(text, message_id="same-id")
    result = runner.run(
        inputs={PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: tracker},
        targets=[metadata.nlu_target],
    )
    return result[metadata.nlu_target][0].as_dict()


def _predict(metadata: ModelMetadata, runner: GraphRunner, tracker: DialogueStateTracker) -> Any:
    return runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[metadata.core_target])[
        metadata.core_target
    ]


def test_execution_order_puts_every_node_after_what_it_needs(runners: Any) -> None:
    metadata, _, _ = runners
    schema = metadata.predict_schema
    for target in (metadata.nlu_target, metadata.core_target):
        order = execution_order(schema, [target])
        assert order[-1] == target
        position = {name: i for i, name in enumerate(order)}
        for name in order:
            for needed in schema.nodes[name].needs.values():
                if needed in schema.nodes:
                    assert position[needed] < position[name], (needed, name)


def test_nlu_parses_are_identical(runners: Any) -> None:
    metadata, dask_runner, sequential_runner = runners
    for text in MESSAGES:
        assert _parse(metadata, sequential_runner, text) == _parse(metadata, dask_runner, text)


def test_dialogue_predictions_are_identical(runners: Any) -> None:
    metadata, dask_runner, sequential_runner = runners
    slots = metadata.domain.slots
    for text in MESSAGES:
        parse = _parse(metadata, dask_runner, text)
        events: List[Any] = [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
            UserUttered(text, parse.get("intent"), parse.get("entities", []), parse),
        ]
        for _ in range(3):  # the turn's first predictions, each applied before the next
            tracker = DialogueStateTracker.from_events("compare", events, slots)
            expected = _predict(metadata, dask_runner, tracker)
            got = _predict(metadata, sequential_runner, tracker)
            assert got.probabilities == expected.probabilities
            assert (got.policy_name, got.events, got.is_end_to_end_prediction) == (
                expected.policy_name,
                expected.events,
                expected.is_end_to_end_prediction,
            )
            best = max(range(len(got.probabilities)), key=got.probabilities.__getitem__)
            action = metadata.domain.action_names_or_texts[best]
            if action == "action_listen":
                break
            events.append(ActionExecuted(action))


def test_an_input_named_like_a_node_is_refused(runners: Any) -> None:
    metadata, _, sequential_runner = runners
    with pytest.raises(GraphRunError):
        sequential_runner.run(inputs={"x": metadata.nlu_target}, targets=[metadata.nlu_target])
