"""``python -m crm_backend.seed``: migrate the configured database, then seed it once."""

from __future__ import annotations

import sys
import time

from sqlalchemy.engine import make_url

from crm_backend import migrate
from crm_backend.seed.people import DEMO_STAFF
from crm_backend.seed.runner import seed
from crm_backend.settings import get_settings


def main() -> int:
    url = get_settings().database_url
    shown = make_url(url).render_as_string(hide_password=True)
    started = time.perf_counter()
    migrate.upgrade(url)
    if seed(url):
        print(f"seeded {shown} in {time.perf_counter() - started:.1f}s")
        for username, password, display, role in DEMO_STAFF:
            print(f"  demo {role} login: {username} / {password}  ({display})")
    else:
        print(f"{shown} is already seeded; nothing to do")
    return 0


if __name__ == "__main__":
    sys.exit(main())
