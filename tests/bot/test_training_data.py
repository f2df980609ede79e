"""Training data, domain and config are consistent (``rasa data validate``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from crm_backend.settings import PROJECT_ROOT

# Responses that actions or forms utter by name: Rasa cannot see those uses.
UTTERED_BY_ACTIONS = re.compile(
    r"utter_(ask_order_number|ask_identity|invalid_\w+|order_\w+|technical_problem)"
    # accounts & feedback: form questions and responses uttered by actions/validators
    r"|utter_(ask_(\w+_form_)?)?(account|feedback)_\w+"
    # orders & delivery: form questions and answers uttered by actions/validators
    r"|utter_(ask_)?(cancel|cancellation|change|address|delivery|product|order_locked"
    r"|current_address|invalid_address|invalid_delivery|please_yes_or_no|shipping_address"
    r"|order_click)\w*"
    # returns, refunds, invoices & payments: form questions and action-uttered answers
    r"|utter_(ask_)?(return|refund|invoice|payment)_\w+"
    # handoff & console: answers of action_handoff
    r"|utter_handoff_\w+"
    # ML: recommendations and retention offers, uttered by their actions
    r"|utter_(recommendations|also_like|retention)\w*"
    # the first stage of the two-stage fallback (actions/clarify.py)
    r"|utter_(clarify|default)"
)


def test_rasa_data_validate_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    warnings = [
        line
        for line in output.splitlines()
        if "UserWarning" in line and not UTTERED_BY_ACTIONS.search(line)
    ]
    assert warnings == [], "\n".join(warnings)
    assert "No story structure conflicts found" in output
