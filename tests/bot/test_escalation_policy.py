"""The EscalationPolicy's decision (pure) and its prediction on a tracker."""

from __future__ import annotations

from bot.policies.escalation import should_escalate


def test_escalates_only_right_after_a_user_message_with_a_reason():
    assert should_escalate(paused=False, latest_action="action_listen", reason="churn_risk")
    assert not should_escalate(paused=False, latest_action="action_listen", reason=None)
    assert not should_escalate(paused=False, latest_action="action_handoff", reason="churn_risk")
    assert not should_escalate(paused=True, latest_action="action_listen", reason="churn_risk")


def test_asking_for_a_person_escalates_even_inside_a_form():
    ask = {"intents": ("contact_human_agent",), "intent": "contact_human_agent"}
    assert should_escalate(
        paused=False, latest_action="action_listen", reason=None, confidence=0.8, **ask
    )
    assert not should_escalate(
        paused=False, latest_action="action_listen", reason=None, confidence=0.3, **ask
    )
    assert not should_escalate(
        paused=True, latest_action="action_listen", reason=None, confidence=0.9, **ask
    )
    assert not should_escalate(
        paused=False,
        latest_action="action_listen",
        reason=None,
        intent="greet",
        confidence=0.99,
        intents=("contact_human_agent",),
    )
