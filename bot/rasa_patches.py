"""Every targeted change this project makes to Rasa 3.6 inside the Rasa server process.

Installed once by :func:`install_all` when Rasa imports the website channel
(``bot/channels/website.py``), i.e. before it loads the model. Each patch is its own
module with its reasons and its tests; all of them are idempotent (``bot/patching.py``).
The language and escalation slot mappings are installed by the ``LanguageDetector`` when
the model loads (``bot/nlu/language_slot.py``).

Behaviour:
- ``action_failures``: a failing custom action answers with ``utter_technical_problem``;
- ``session_pause``: an agent's conversation stays paused across Rasa's session expiry;
- ``log_masking``: no e-mail, phone or card number in Rasa's logs.

Speed, same results (docs/scale.md, "Where the time goes"):
- ``action_validation``: action-server responses checked by a compiled schema validator;
- ``graph_runner``: the predict graph runs in a precomputed order, without Dask;
- ``past_states``: a live conversation's dialogue states are extended, not rebuilt;
- ``http_client``: custom actions are called over kept-alive connections;
- ``slot_copy``: slots are copied without ``copy.copy``'s generic machinery.
"""

from __future__ import annotations

from bot import (
    action_failures,
    action_validation,
    graph_runner,
    http_client,
    past_states,
    session_pause,
    slot_copy,
)
from crm_backend import log_masking


def install_all() -> None:
    """Install every patch (again: a no-op)."""
    action_failures.install()
    session_pause.install()
    log_masking.install()
    action_validation.install()
    graph_runner.install()
    past_states.install()
    http_client.install()
    slot_copy.install()
