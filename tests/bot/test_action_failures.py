"""bot/action_failures.py: a failing custom action answers with an apology."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered

from bot import action_failures


class FakeNLG:
    def __init__(self, draft: Optional[Dict[str, Any]]) -> None:
        self.draft = draft
        self.asked: List[str] = []

    async def generate(self, name: str, tracker: Any, channel: str, **kw: Any) -> Any:
        self.asked.append(name)
        return dict(self.draft) if self.draft else None


class Failing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def name(self) -> str:
        return "action_order_status"

    async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        raise self.error


def _run(action: Any, channel: Any, nlg: Any) -> List[Any]:
    return asyncio.run(action.run(channel, nlg, None, None))


def test_a_failure_becomes_the_technical_problem_response() -> None:
    action, channel = Failing(RuntimeError("connection refused")), CollectingOutputChannel()
    nlg = FakeNLG({"text": "Sorry, something went wrong"})
    action_failures.guard(action)
    events = _run(action, channel, nlg)
    assert nlg.asked == ["utter_technical_problem"]
    assert len(events) == 1 and isinstance(events[0], BotUttered)
    assert events[0].text == "Sorry, something went wrong"
    assert events[0].metadata.get("utter_action") == "utter_technical_problem"


def test_one_apology_per_message_and_a_fallback_text() -> None:
    channel = CollectingOutputChannel()
    first, second = Failing(RuntimeError()), Failing(RuntimeError())
    for action in (first, second):
        action_failures.guard(action)
    assert "抱歉" in _run(first, channel, FakeNLG(None))[0].text  # no response in the domain
    assert _run(second, channel, FakeNLG(None)) == []


def test_rejections_are_not_failures() -> None:
    action = Failing(ActionExecutionRejection("validate_x"))
    action_failures.guard(action)
    with pytest.raises(ActionExecutionRejection):
        _run(action, CollectingOutputChannel(), FakeNLG({"text": "x"}))


def test_install_wraps_rasas_run_action_once() -> None:
    action_failures.install()
    wrapped = MessageProcessor._run_action
    action_failures.install()
    assert MessageProcessor._run_action is wrapped
    assert getattr(wrapped, "_shop_apology_installed", False)


def test_predicted_custom_actions_are_guarded_others_not() -> None:
    seen: List[Any] = []

    async def rasa_run_action(
        self: Any, action: Any, tracker: Any, channel: Any, nlg: Any, prediction: Any
    ) -> bool:
        seen.extend(await action.run(channel, nlg, tracker, None))
        return True

    run_action = action_failures.wrap(rasa_run_action)
    remote = RemoteAction("action_order_status", None)  # no endpoint: run() raises
    nlg = FakeNLG({"text": "Sorry"})
    assert asyncio.run(run_action(None, remote, None, CollectingOutputChannel(), nlg, None))
    assert [e.text for e in seen] == ["Sorry"]
    other = Failing(RuntimeError("not a custom action"))
    with pytest.raises(RuntimeError):
        asyncio.run(run_action(None, other, None, CollectingOutputChannel(), nlg, None))
