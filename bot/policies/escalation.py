"""EscalationPolicy: hand the conversation to a human when asked or when a trigger fired.

A confident ``contact_human_agent`` always goes to ``action_handoff``, even in the middle
of a form: a rule cannot interrupt a form (the RulePolicy's loop prediction overrules
predictions based on the user's message), so an escalation is marked a "no user"
prediction too, and wins on priority.

The trigger itself is decided in the action server: the custom slot mapping
``action_check_escalation`` (``actions/handoff.py``) runs on every user message, applies
:func:`crm_backend.services.escalation.escalation_reason` to the parse data (sentiment,
complaint, churn risk + leaving signal) and sets the ``escalation_reason`` slot. Right
after such a message this policy predicts ``action_handoff`` with full confidence and a
priority above the RulePolicy's, whatever the intent was. It learns nothing.
"""

from __future__ import annotations

from typing import Any, Collection, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_ACTION = "action_handoff"
DEFAULT_SLOT = "escalation_reason"
DEFAULT_INTENTS = ("contact_human_agent",)


def should_escalate(
    *,
    paused: bool,
    latest_action: Optional[str],
    reason: Optional[object],
    intent: Optional[str] = None,
    confidence: float = 0.0,
    intents: Collection[str] = (),
    min_confidence: float = 0.5,
) -> bool:
    """Only right after a user message and never while paused: when a trigger set the
    reason, or when the customer asks for a person (one of ``intents``, confidently), even
    in the middle of a form."""
    if paused or latest_action != ACTION_LISTEN_NAME:
        return False
    asked = intent in intents and confidence >= min_confidence
    return bool(reason) or asked


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class EscalationPolicy(Policy):
    """Predicts ``action`` (default ``action_handoff``) when ``slot`` is set."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "priority": 7,
            "action": DEFAULT_ACTION,
            "slot": DEFAULT_SLOT,
            "intents": list(DEFAULT_INTENTS),
            "min_confidence": 0.5,
        }

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn; persist an empty resource so the policy can be loaded."""
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        result = self._default_predictions(domain)
        action = str(self.config.get("action", DEFAULT_ACTION))
        slot = str(self.config.get("slot", DEFAULT_SLOT))
        intent = tracker.latest_message.intent if tracker.latest_message else {}
        escalate = action in domain.action_names_or_texts and should_escalate(
            paused=tracker.is_paused(),
            latest_action=tracker.latest_action_name,
            reason=tracker.get_slot(slot),
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
            intents=self.config.get("intents", DEFAULT_INTENTS),
            min_confidence=float(self.config.get("min_confidence", 0.5)),
        )
        if escalate:
            result[domain.index_for_action(action)] = 1.0
        # "no user prediction": like the RulePolicy's loop happy path, so that a form
        # the customer is in cannot swallow the request for a person
        return self._prediction(result, is_no_user_prediction=escalate)
