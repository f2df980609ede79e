"""Input checks of the website channel (the servers are exercised in tests/e2e)."""

from __future__ import annotations

import pytest

from bot.channels.website import MAX_MESSAGE_CHARS, clean_metadata, clean_text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  hi  ", "hi"),
        ("hi\x00there", "hithere"),
        ("line1\nline2\t!", "line1\nline2\t!"),
        ("\x07\x1b[31mred", "[31mred"),
        ("مرحبا", "مرحبا"),
        ("😀", "😀"),
        ("\u200b", "\u200b"),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


def test_metadata_keeps_only_known_short_strings():
    assert clean_metadata(None) == {}
    assert clean_metadata({"language": "zh", "page": "/", "evil": "x"}) == {
        "language": "zh",
        "page": "/",
    }
    assert clean_metadata({"language": "x" * 50}) == {}
    assert clean_metadata({"language": 3}) == {}


@pytest.mark.parametrize("raw", ["text", 3, ["a"], {"page": "x" * 5000}])
def test_malformed_metadata_is_refused(raw):
    if isinstance(raw, dict):
        assert clean_metadata(raw) is None
    else:
        assert clean_metadata(raw) is None


def test_message_limit_is_generous_but_bounded():
    assert 500 <= MAX_MESSAGE_CHARS <= 5000


def test_importing_the_channel_installs_every_rasa_patch() -> None:
    import rasa.core.processor as processor
    from rasa.core.actions.action import ActionSessionStart, RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.slots import Slot
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    import bot.channels.website  # noqa: F401 - the import is what is tested
    from bot import (
        action_failures,
        action_validation,
        graph_runner,
        http_client,
        past_states,
        session_pause,
        slot_copy,
    )

    assert getattr(MessageProcessor._run_action, action_failures._MARK)
    assert getattr(RemoteAction._validate_action_result, action_validation._MARK)
    assert getattr(ActionSessionStart.run, session_pause._MARK)
    assert processor.DaskGraphRunner is graph_runner.SequentialGraphRunner
    assert getattr(DialogueStateTracker.past_states, past_states._MARK)
    assert EndpointConfig.request is http_client.request
    assert getattr(vars(Slot)["__copy__"], slot_copy._MARK)
