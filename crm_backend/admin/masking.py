"""Personal data out of customer messages before an admin sees them or they are exported.

E-mail addresses, phone numbers and order numbers are replaced by masked forms (the same
helpers the bot uses to echo addresses back). The patterns are those of the NLU's regex
features (``data/nlu/regex.yml``), so they work in English and Chinese text alike.
"""

from __future__ import annotations

import re

from crm_backend.services.return_messages import mask_email, mask_phone

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"(?<![A-Za-z0-9@*])\+?\d[\d ()-]{7,16}\d(?![0-9@])")
ORDER_RE = re.compile(r"(?<![A-Za-z0-9@._*-])([A-Za-z])\d{4,8}(?![0-9@])")
MAX_TEXT = 2000


def mask_order_number(number: str) -> str:
    """``A1188`` -> ``A****`` (the letter stays: it tells the admin it was an order)."""
    return number[:1] + "*" * max(len(number) - 1, 4)


def mask_personal_data(text: str) -> str:
    """``text`` with e-mails, phone numbers and order numbers masked (and clipped)."""
    masked = EMAIL_RE.sub(lambda m: mask_email(m.group(0)), text[:MAX_TEXT])
    masked = PHONE_RE.sub(lambda m: mask_phone(m.group(0)), masked)
    return ORDER_RE.sub(lambda m: mask_order_number(m.group(0)), masked)
