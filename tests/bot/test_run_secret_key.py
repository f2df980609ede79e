"""Every process started by bot.run shares one SECRET_KEY (links signed by the action
server must verify in the web app)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bot.run import Stack
from crm_backend.settings import Settings


def test_children_get_the_stacks_secret_key(tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path,
        log_dir=tmp_path / "log",
        secret_key=SecretStr("one-key-for-all-processes"),
    )
    stack = Stack(settings)
    stack.build()
    assert stack._environment()["SECRET_KEY"] == "one-key-for-all-processes"


def test_default_key_is_shared_too(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, log_dir=tmp_path / "log")
    stack = Stack(settings)
    stack.build()
    assert stack._environment()["SECRET_KEY"] == settings.secret_key.get_secret_value()
