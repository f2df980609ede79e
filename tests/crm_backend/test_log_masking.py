"""Personal data is masked in every log record of the process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crm_backend.log_masking import mask
from crm_backend.settings import PROJECT_ROOT


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mail alice@example.com now", "mail <email> now"),
        ("Wang.Fang+shop@example.com.cn", "<email>"),
        ("call +44 20 7946 0958.", "call <phone>."),
        ("手机 13812345678 联系", "手机 <phone> 联系"),
        ("card 4111 1111 1111 1111 ok", "card <card> ok"),
        (
            "order A1001 for 2 items at 19.99, ticket T-000011",
            "order A1001 for 2 items at 19.99, ticket T-000011",
        ),
        ("2026-11-25 16:12:00 took 1234 ms", "2026-11-25 16:12:00 took 1234 ms"),
    ],
)
def test_mask(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_every_logger_of_a_process_is_masked_once_installed() -> None:
    """In a fresh interpreter, like the servers: Rasa's own loggers included, handlers set
    up after installing, %-style arguments formatted first."""
    script = (
        "import logging, sys\n"
        "import bot.channels.website\n"  # the Rasa process installs it via the channel
        "logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format='%(message)s')\n"
        "logging.getLogger('rasa.core.processor').debug(\"Received user message '%s'\", "
        "'alice@example.com, +44 20 7946 0958')\n"
        "logging.getLogger('actions').info('order %s', 'A1001')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert "Received user message '<email>, <phone>'" in lines
    assert "order A1001" in lines
    assert "alice@example.com" not in result.stdout + result.stderr


def test_entry_points_install_the_masking() -> None:
    for module in ("actions", "crm_backend.web.app", "crm_backend.analytics.consumer"):
        script = (
            f"import logging, {module}\n"
            "from crm_backend import log_masking\n"
            "assert log_masking._installed, 'not installed'\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, (module, result.stderr[-1500:])
