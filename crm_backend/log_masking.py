"""Personal data never reaches the logs: e-mail addresses, phone numbers and card numbers
in any log record (ours, Rasa's, the SDK's, uvicorn's) are masked when the record is made.

:func:`install` wraps :func:`logging.getLogRecordFactory`, so it covers every logger and
handler of the process, including ones configured later (Rasa sets its handlers up after
our modules are imported). Every entry point calls it: the Rasa process (through
``bot.channels.website``), the action server (``actions``), the web app and the
analytics writer. Debug logging (``LOG_LEVEL=DEBUG``), where Rasa prints each user
message, is masked the same way.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 13-19 digits in groups (card numbers) before phones, which would otherwise take them
CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
PHONE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{6,}\d(?!\w)")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def _phone(match: "re.Match[str]") -> str:
    """A phone number has 8-15 digits and is not a date (2026-11-25 16...)."""
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    if not 8 <= digits <= 15 or _DATE.match(found):
        return found
    return "<phone>"


_installed = False


def mask(text: str) -> str:
    """``text`` with e-mails, card numbers and phone numbers replaced by placeholders."""
    text = EMAIL.sub("<email>", text)
    text = CARD.sub("<card>", text)
    return PHONE.sub(_phone, text)


def install() -> None:
    """Mask every log record of this process from now on (idempotent)."""
    global _installed
    if _installed:
        return
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logging's to report
            return record
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
