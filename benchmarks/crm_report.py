"""Shared helpers of the CRM benchmarks: machine description and the ``## CRM`` section of
benchmarks/BENCHMARKS.md (each benchmark replaces only its own ``###`` subsection)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

from benchmarks import report_common as common
from benchmarks.report_common import BENCHMARKS_MD, load_average, machine_facts, table

SECTION = "## CRM"
__all__ = ["load_average", "machine", "table", "update_subsection"]


def machine() -> Dict[str, str]:
    return machine_facts()


def update_subsection(title: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or add) ``### title`` inside ``## CRM``; the rest of the file is kept."""
    common.update_subsection(SECTION, title, body, path)
