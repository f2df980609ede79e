"""An apology instead of silence when a custom action fails.

When the action server is down, times out or answers with an error, Rasa 3.6 logs
"Encountered an exception while running action ..." in ``MessageProcessor._run_action``,
drops the action's events and carries on: the customer gets no answer at all.

:func:`install` wraps the ``run`` of each *predicted* custom action (a ``RemoteAction``)
and form (whose validation runs on the action server) so that such a failure becomes the
``utter_technical_problem`` response, in the conversation's language, recorded in the
tracker like any bot message. Slot-mapping custom actions (run inside
``action_extract_slots``, e.g. ``action_check_escalation``) are not wrapped: Rasa already
tolerates their failure and the bot may still answer from the domain. A rejection
(``ActionExecutionRejection``, a form refusing input) is not a failure and is passed on.
One apology per message at most. The conversation continues normally once the action
server is back. ``bot.channels.website`` installs it (every Rasa process loads it).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Coroutine, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.core.actions.forms import FormAction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Event

from bot.patching import patch_once

logger = logging.getLogger(__name__)
APOLOGY_RESPONSE = "utter_technical_problem"
FALLBACK_TEXT = (
    "Sorry, something went wrong on our side. Please try again in a moment. "
    "抱歉，系统出了点问题，请稍后再试。"
)
_MARK = "_shop_apology_installed"
_APOLOGISED = "_shop_apologised"


async def apology(output_channel: Any, nlg: Any, tracker: Any) -> List[Event]:
    """The apology as a bot utterance (nothing if this message already got one)."""
    if getattr(output_channel, _APOLOGISED, False):
        return []
    try:
        setattr(output_channel, _APOLOGISED, True)
    except AttributeError:  # pragma: no cover - a channel object without __dict__
        pass
    draft = await nlg.generate(APOLOGY_RESPONSE, tracker, output_channel.name())
    if not draft:
        draft = {"text": FALLBACK_TEXT}
    draft["utter_action"] = APOLOGY_RESPONSE
    return [create_bot_utterance(draft)]


def guard(action: Any) -> None:
    """Make ``action.run`` answer with an apology instead of raising."""
    run: Callable[..., Coroutine[Any, Any, List[Event]]] = action.run

    async def guarded(output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
        try:
            return await run(output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as error:  # noqa: BLE001 - any failure: apologise, keep going
            logger.error(
                "custom action %s failed (%s); answering with %s",
                action.name(),
                type(error).__name__,
                APOLOGY_RESPONSE,
            )
            return await apology(output_channel, nlg, tracker)

    setattr(action, "run", guarded)  # noqa: B010 - instance attribute shadows the method


def wrap(original: Callable[..., Coroutine[Any, Any, bool]]) -> Callable[..., Any]:
    """``MessageProcessor._run_action`` that guards predicted custom actions and forms."""

    async def _run_action(
        self: MessageProcessor,
        action: Any,
        tracker: Any,
        output_channel: Any,
        nlg: Any,
        prediction: Any,
    ) -> bool:
        if isinstance(action, (RemoteAction, FormAction)):
            guard(action)
        return bool(await original(self, action, tracker, output_channel, nlg, prediction))

    setattr(_run_action, _MARK, True)
    return _run_action


def install() -> None:
    """Wrap ``MessageProcessor._run_action`` once per process."""
    patch_once(MessageProcessor, "_run_action", _MARK, wrap)
