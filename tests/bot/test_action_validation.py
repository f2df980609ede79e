"""bot/action_validation.py: the same response check as Rasa's, with a cached validator."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import action_validation

VALID = {
    "events": [{"event": "slot", "name": "language", "value": "en", "timestamp": None}],
    "responses": [{"response": "utter_order_status", "order": "A1001"}],
}


def test_installed_check_accepts_what_rasa_accepts_and_rejects_the_rest() -> None:
    action_validation.install()
    action_validation.install()  # idempotent
    action = RemoteAction("action_x", None)
    assert action._validate_action_result(VALID) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": 5}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list"})
