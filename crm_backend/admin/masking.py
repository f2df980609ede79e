"""Personal data out of customer messages before an admin sees them or they are exported.

E-mail addresses, phone numbers and order numbers are replaced by masked forms (the same
helpers the bot uses to echo addresses back). The patterns are those of the NLU's regex
features (``data/nlu/regex.yml``), so they work in English and Chinese text alike.

:func:`mask_with_spans` also says where the placeholders are in the masked text: entity
marks are offsets into the *masked* text (what is stored and exported), and a mark may
cover a placeholder whole but never cut through one.
"""

from __future__ import annotations

import re
from typing import Callable, List, Tuple

from crm_backend.services.return_messages import mask_email, mask_phone

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"(?<![A-Za-z0-9@*])\+?\d[\d ()-]{7,16}\d(?![0-9@])")
ORDER_RE = re.compile(r"(?<![A-Za-z0-9@._*-])([A-Za-z])\d{4,8}(?![0-9@])")
MAX_TEXT = 2000

Span = Tuple[int, int]


def mask_order_number(number: str) -> str:
    """``A1188`` -> ``A****`` (the letter stays: it tells the admin it was an order)."""
    return number[:1] + "*" * max(len(number) - 1, 4)


def _substitute(
    pattern: re.Pattern, replace: Callable[[str], str], text: str, masked: List[bool]
) -> Tuple[str, List[bool]]:
    """``pattern.sub`` that also carries a per-character "is a placeholder" flag along."""
    out: List[str] = []
    flags: List[bool] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(text[last : match.start()])
        flags.extend(masked[last : match.start()])
        replacement = replace(match.group(0))
        out.append(replacement)
        flags.extend([True] * len(replacement))
        last = match.end()
    out.append(text[last:])
    flags.extend(masked[last:])
    return "".join(out), flags


def mask_with_spans(text: str) -> Tuple[str, Tuple[Span, ...]]:
    """``text`` masked (and clipped), with the ``(start, end)`` of each placeholder."""
    clipped = text[:MAX_TEXT]
    masked, flags = clipped, [False] * len(clipped)
    masked, flags = _substitute(EMAIL_RE, mask_email, masked, flags)
    masked, flags = _substitute(PHONE_RE, mask_phone, masked, flags)
    masked, flags = _substitute(ORDER_RE, mask_order_number, masked, flags)
    spans: List[Span] = []
    start = None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            spans.append((start, index))
            start = None
    return masked, tuple(spans)


def mask_personal_data(text: str) -> str:
    """``text`` with e-mails, phone numbers and order numbers masked (and clipped)."""
    return mask_with_spans(text)[0]
