"""Command line of the ML models: ``python -m crm_backend.ml <model> <command> ...``.

    python -m crm_backend.ml sentiment train|info
    python -m crm_backend.ml recommender train|info
    python -m crm_backend.ml churn train|refresh|info
    python -m crm_backend.ml ensure        # train every shipped model that is missing/stale

Each model module provides ``add_arguments(parser)`` and ``run(args) -> exit code``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

MODELS = {
    "sentiment": "crm_backend.ml.sentiment_train",
    "recommender": "crm_backend.ml.recommender_train",
    "churn": "crm_backend.ml.churn_train",
    "ensure": "crm_backend.ml.ensure",
}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_backend.ml", description=__doc__)
    models = parser.add_subparsers(dest="model", required=True)
    modules = {}
    for name, module_name in MODELS.items():
        module = importlib.import_module(module_name)
        modules[name] = module
        module.add_arguments(models.add_parser(name, help=(module.__doc__ or "").split("\n")[0]))
    args = parser.parse_args(argv)
    try:
        return int(modules[args.model].run(args))
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
