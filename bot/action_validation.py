"""Validate action-server responses with one compiled JSON schema validator.

Rasa 3.6 checks every custom action's response with ``jsonschema.validate(result,
RemoteAction.action_response_format_spec())``. That helper re-validates the (constant)
schema against the JSON-schema meta-schema on every call before checking the response:
about 40 ms of CPU per custom action on this machine, of which 36 ms is the meta-schema
check. A turn runs several custom actions (slot mapping, form validation, the action), so
this was most of the bot's CPU time under load (see benchmarks/BENCHMARKS.md, "Load").

:func:`install` replaces ``RemoteAction._validate_action_result`` with the same check done
by a validator built once per process (about 2 ms): identical results and the same error
message on an invalid response. ``bot.channels.website`` installs it.
"""

from __future__ import annotations

import functools
from typing import Any, Dict

from jsonschema import validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

from bot.patching import patch_once

_MARK = "_shop_fast_validation"


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate() would on every call
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    """What Rasa's ``_validate_action_result`` does, with the cached validator."""
    error = best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Use :func:`validate_action_result` for every remote action, once per process."""
    patch_once(RemoteAction, "_validate_action_result", _MARK, lambda _: validate_action_result)
