"""CLI of the privacy team (GDPR/PIPL data-subject requests); see docs/privacy.md.

    python -m crm_backend.privacy pending [--all]
    python -m crm_backend.privacy export --customer ID [--request ID] [--out FILE]
    python -m crm_backend.privacy erase (--request ID | --customer ID)

Uses DATABASE_URL (the CRM) and TRACKER_DB_URL (Rasa's tracker store, default the
embedded SQLite one) from :mod:`crm_backend.settings`. Exit codes: 0 done, 1 refused
(e.g. orders still in progress), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable, List, Optional, TextIO

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from crm_backend.analytics.tracker_events import TrackerEvents
from crm_backend.db import make_engine, make_session_factory
from crm_backend.errors import CRMError
from crm_backend.services.data_erasure import erase_customer
from crm_backend.services.data_export import counts, export_customer
from crm_backend.services.data_requests import get_request, list_requests
from crm_backend.settings import get_settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork, UnitOfWork

ACTOR = "system:privacy-cli"
UowMaker = Callable[[], UnitOfWork]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m crm_backend.privacy",
        description="Complete GDPR/PIPL data-subject requests (export, erasure).",
    )
    parser.add_argument("--database-url", help="CRM database (default: DATABASE_URL)")
    parser.add_argument("--tracker-url", help="Rasa tracker store (default: TRACKER_DB_URL)")
    sub = parser.add_subparsers(dest="command", required=True)
    pending = sub.add_parser("pending", help="list open requests and their deadlines")
    pending.add_argument("--all", action="store_true", help="also the recently closed ones")
    export = sub.add_parser("export", help="write everything held on a customer as JSON")
    export.add_argument("--customer", type=int, required=True, help="customer id")
    export.add_argument("--request", type=int, help="export request to mark completed")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    erase = sub.add_parser("erase", help="anonymise a customer and delete their chats")
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--request", type=int, help="deletion request to complete")
    who.add_argument("--customer", type=int, help="customer id (completes open requests)")
    return parser


def _pending(make: UowMaker, show_all: bool, out: TextIO) -> int:
    views = list_requests(make(), open_only=not show_all)
    if not views:
        print("No open data requests.", file=out)
        return 0
    print(f"{'reference':<10} {'kind':<7} {'customer':>8} {'status':<10} {'created':<10} "
          f"{'due by':<10} note", file=out)  # fmt: skip
    for v in views:
        note = "OVERDUE" if v.overdue else ("customer erased" if v.customer_erased else "")
        print(
            f"{v.reference:<10} {v.kind:<7} {v.customer_id:>8} {v.status:<10} "
            f"{v.created_at:%Y-%m-%d} {v.due_by:%Y-%m-%d} {note}",
            file=out,
        )
    overdue = sum(1 for v in views if v.overdue)
    print(f"{sum(1 for v in views if v.open)} open, {overdue} overdue.", file=out)
    return 0


def _export(make: UowMaker, tracker: TrackerEvents, args: argparse.Namespace) -> int:
    document = export_customer(
        make(), args.customer, tracker=tracker, request_id=args.request, actor=ACTOR
    )
    text = json.dumps(document, ensure_ascii=False, indent=2)
    sizes = ", ".join(f"{k} {v}" for k, v in counts(document).items() if v)
    if args.out is None:
        print(text)
        print(f"Exported customer {args.customer}: {sizes}.", file=sys.stderr)
        return 0
    # personal data: readable by the owner only, from the moment the file exists
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    print(f"Exported customer {args.customer} to {args.out}: {sizes}.")
    return 0


def _erase(make: UowMaker, tracker: TrackerEvents, args: argparse.Namespace) -> int:
    customer_id = args.customer
    if args.request is not None:
        customer_id = get_request(make(), args.request).customer_id
    result = erase_customer(make(), customer_id, tracker, args.request, actor=ACTOR)
    if result.already_erased and not result.total:
        print(f"Customer {customer_id} was already erased; nothing left to change.")
        return 0
    changed = ", ".join(f"{k} {v}" for k, v in result.changed.items()) or "none"
    print(f"Erased customer {customer_id}: rows changed or deleted: {changed}; "
          f"chat events deleted: {result.tracker_events_deleted}.")  # fmt: skip
    if result.request_ids:
        print("Completed request(s): " + ", ".join(f"DR-{i:06d}" for i in result.request_ids))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    settings = get_settings()
    engine = make_engine(args.database_url or settings.database_url, poolclass=NullPool)
    factory = make_session_factory(engine)

    def make() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(factory)

    tracker = TrackerEvents(args.tracker_url or settings.tracker_url)
    try:
        if args.command == "pending":
            return _pending(make, args.all, sys.stdout)
        if args.command == "export":
            return _export(make, tracker, args)
        return _erase(make, tracker, args)
    except CRMError as error:
        print(f"Refused: {error.message}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:  # unreachable or not migrated: no traceback
        reason = str(error.orig if isinstance(error, DBAPIError) else error).splitlines()[0]
        print(f"Database error ({type(error).__name__}): {reason}", file=sys.stderr)
        print("Check DATABASE_URL / TRACKER_DB_URL; `python -m crm_backend.migrate` "
              "creates the CRM tables.", file=sys.stderr)  # fmt: skip
        return 1
    finally:
        tracker.dispose()
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
