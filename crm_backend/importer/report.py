"""The import report: what was read, written, skipped and rejected (and why).

Written as JSON (machine-readable, complete counts) and Markdown (for people) under
``<VAR_DIR>/import-reports/``. Examples show only key fields (order, SKU, description,
quantity, price, date, customer id): never names, e-mails or phones. Every value is
truncated and has control characters escaped, so hostile input cannot break the report.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pandas as pd

from crm_backend.importer.sources import ROW
from crm_backend.importer.validate import EXAMPLE_COLUMNS, REASONS

EXAMPLES_PER_REASON = 5
MAX_ROWS_JSON = 2000
MAX_ROWS_MARKDOWN = 100
MAX_SHOWN = 60


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """A short, printable rendering of an untrusted value."""
    text = str(value)
    escaped = re.sub(r"[\x00-\x1f\x7f\ufffd]", lambda m: f"\\u{ord(m.group()):04x}", text)
    return escaped if len(escaped) <= limit else f"{escaped[:limit]}… ({len(text)} chars)"


@dataclass
class ImportReport:
    source: str  # "online-retail" | "csv"
    path: str
    started_at: str
    status: str = "ok"  # ok | failed | dry-run | unchanged
    message: str = ""
    database: str = ""
    sha256: str = ""
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_skipped_existing: int = 0
    rejected_by_reason: Dict[str, int] = field(default_factory=dict)
    examples: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    rejected_rows: List[Dict[str, Any]] = field(default_factory=list)
    created: Dict[str, int] = field(default_factory=dict)
    reused: Dict[str, int] = field(default_factory=dict)
    timings_s: Dict[str, float] = field(default_factory=dict)
    json_path: Optional[str] = None
    markdown_path: Optional[str] = None

    def add_rejections(self, rejected: pd.DataFrame) -> None:
        self.rows_rejected = len(rejected)
        counts = rejected["reason"].value_counts()
        self.rejected_by_reason = {r: int(counts[r]) for r in REASONS if r in counts}
        for reason in self.rejected_by_reason:
            rows = rejected[rejected["reason"] == reason].head(EXAMPLES_PER_REASON)
            self.examples[reason] = [
                {
                    "row": int(r[ROW]),
                    "detail": shown(r["detail"]),
                    **{c: shown(r[c]) for c in EXAMPLE_COLUMNS},
                }
                for _, r in rows.iterrows()
            ]
        self.rejected_rows = [
            {"row": int(row), "reason": str(reason), "detail": shown(detail)}
            for row, reason, detail in rejected[[ROW, "reason", "detail"]]
            .head(MAX_ROWS_JSON)
            .itertuples(index=False)
        ]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    def to_markdown(self) -> str:
        def cell(value: object, limit: int = MAX_SHOWN) -> str:
            return shown(value, limit).replace("|", "\\|").replace("`", "'")

        out = [
            f"# Import report: {self.source}",
            "",
            f"- file: `{cell(self.path, 500)}`",
            f"- database: `{cell(self.database, 500)}`",
            f"- sha256: `{self.sha256 or 'n/a'}`",
            f"- started: {self.started_at}",
            f"- status: **{self.status}**" + (f" — {cell(self.message)}" if self.message else ""),
            f"- rows read: {self.rows_read:,}; accepted: {self.rows_accepted:,}; "
            f"rejected: {self.rows_rejected:,}; skipped (already imported): "
            f"{self.rows_skipped_existing:,}",
            "",
        ]
        if self.created or self.reused:
            out += ["| table | created | reused |", "|---|---:|---:|"]
            for table in sorted(set(self.created) | set(self.reused)):
                out.append(
                    f"| {table} | {self.created.get(table, 0):,} | {self.reused.get(table, '')} |"
                )
            out.append("")
        if self.rejected_by_reason:
            out += [
                "## Rejected rows by reason",
                "",
                "| reason | rows | meaning |",
                "|---|---:|---|",
            ]
            for reason, count in self.rejected_by_reason.items():
                out.append(f"| `{reason}` | {count:,} | {REASONS[reason]} |")
            out += ["", "## Examples", ""]
            for reason, examples in self.examples.items():
                out.append(f"### `{reason}`")
                out.append("")
                out.append(
                    "| row | order | sku | description | qty | price | date | customer | detail |"
                )
                out.append("|---:|---|---|---|---:|---:|---|---|---|")
                for ex in examples:
                    out.append(
                        "| "
                        + " | ".join(cell(ex[k]) for k in ("row", *EXAMPLE_COLUMNS, "detail"))
                        + " |"
                    )
                out.append("")
            shown_rows = self.rejected_rows[:MAX_ROWS_MARKDOWN]
            out += [f"## Rejected rows (first {len(shown_rows)} of {self.rows_rejected:,})", ""]
            out += [
                f"- row {r['row']}: `{r['reason']}` — {cell(r['detail'] or REASONS[r['reason']])}"
                for r in shown_rows
            ]
            out.append("")
        if self.timings_s:
            timings = ", ".join(f"{k} {v:.2f}s" for k, v in self.timings_s.items())
            out += [f"Timings: {timings}", ""]
        return "\n".join(out)

    def write(self, directory: Path) -> Tuple[Path, Path]:
        """Write ``<timestamp>-<source>.json`` and ``.md`` into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        base = directory / f"{stamp}-{self.source}"
        json_path, md_path = base.with_suffix(".json"), base.with_suffix(".md")
        self.json_path, self.markdown_path = str(json_path), str(md_path)
        json_path.write_text(self.to_json(), encoding="utf-8")
        md_path.write_text(self.to_markdown(), encoding="utf-8")
        return json_path, md_path
