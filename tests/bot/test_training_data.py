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
