"""The customer 360 panel: whatever :func:`crm_backend.services.customer360.customer_360`
returns, laid out generically (scalars as fields, lists of records as tables, nested
records as sections), so the panel follows the service as it grows. When the service or
an optional action (retention offers) is not installed, the panel says so; it never
makes data up."""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

MAX_ROWS = 50
CANCELLABLE = {"pending", "paid"}


@dataclass
class Table:
    title: str
    columns: List[str]
    rows: List[List[str]] = field(default_factory=list)
    orders: List[Optional[str]] = field(default_factory=list)  # cancellable order per row
    links: List[Optional[str]] = field(default_factory=list)  # conversation id per row


@dataclass
class Section:
    title: str
    fields: List[List[str]] = field(default_factory=list)  # [label, value]
    items: List[str] = field(default_factory=list)
    tables: List[Table] = field(default_factory=list)


def label(name: str) -> str:
    words = name.replace("_", " ").strip()
    special = {"cltv": "CLTV", "id": "ID", "rfm": "RFM", "csat": "CSAT"}
    text = " ".join(special.get(w.lower(), w) for w in words.split())
    return text[:1].upper() + text[1:]


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, Mapping):
        return ", ".join(f"{label(str(k))}: {fmt(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v) for v in value)
    return str(value)


def _record(value: Any) -> Optional[Dict[str, Any]]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return None


def _table(title: str, records: Sequence[Dict[str, Any]]) -> Table:
    columns: List[str] = []
    for record in records:
        for key, value in record.items():
            if key not in columns and _record(value) is None and not _is_records(value):
                columns.append(key)
    table = Table(label(title), [label(c) for c in columns], [])
    for record in records[:MAX_ROWS]:
        table.rows.append([fmt(record.get(c)) for c in columns])
        number = record.get("order_number") or record.get("number")
        status = str(fmt(record.get("status"))).lower()
        table.orders.append(str(number) if number and status in CANCELLABLE else None)
        conversation = record.get("conversation_id")
        table.links.append(str(conversation) if isinstance(conversation, str) else None)
    return table


def _is_records(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and _record(value[0]) is not None


def _section(title: str, record: Mapping[str, Any]) -> Section:
    """One record as a section: scalars as fields, lists of records as tables."""
    section = Section(title)
    for key, value in record.items():
        if _is_records(value):
            section.tables.append(_table(key, [_record(v) or {} for v in value]))
        elif isinstance(value, (list, tuple)) and value:
            section.fields.append([label(key), "; ".join(fmt(v) for v in value[:MAX_ROWS])])
        elif isinstance(value, (list, tuple)):
            section.fields.append([label(key), "none"])
        else:
            section.fields.append([label(key), fmt(value)])
    return section


def describe(view: Any, title: str = "Overview", skip: Sequence[str] = ()) -> List[Section]:
    """Sections for a dataclass / mapping view, in its field order: nested records and
    lists of records get their own section; top-level scalars go into ``title``. Fields
    named in ``skip`` are left out (the page lays them out itself)."""
    record = {k: v for k, v in (_record(view) or {"value": view}).items() if k not in skip}
    summary = Section(title)
    sections: List[Section] = []
    for key, value in record.items():
        nested = _record(value)
        if nested is not None:
            sections.append(_section(label(key), nested))
        elif _is_records(value):
            table = _table(key, [_record(v) or {} for v in value])
            table.title = ""
            sections.append(Section(label(key), tables=[table]))
        elif isinstance(value, (list, tuple)):
            items = [fmt(v) for v in value[:MAX_ROWS]] or ["none"]
            sections.append(Section(label(key), items=items))
        elif value is None:
            sections.append(Section(label(key), items=["not available yet"]))
        else:
            summary.fields.append([label(key), fmt(value)])
    return ([summary] if summary.fields else []) + sections


def optional_service(module: str, name: str) -> Optional[Callable[..., Any]]:
    """``crm_backend.services.<module>.<name>`` if that service exists, else None."""
    try:
        loaded = importlib.import_module(f"crm_backend.services.{module}")
    except ImportError:
        return None
    found = getattr(loaded, name, None)
    return found if callable(found) else None


UNAVAILABLE = {"products": (), "personalised": False, "available": False}


def recommendation_rows(panel: Any) -> Optional[Dict[str, Any]]:
    """Recommended products (a ``RecommendationsPanel`` or a mapping like it) as plain
    strings for the page; None when there is nothing to show a section for."""
    record = _record(panel)
    if record is None:
        return None
    products = [
        {
            "sku": str(p.sku),
            "name": str(p.name),
            "name_zh": str(p.name_zh) if p.name_zh and p.name_zh != p.name else "",
            "price": f"£{fmt(p.price)}",
            "why": str(p.why),
        }
        for p in list(record.get("products") or ())[:MAX_ROWS]
    ]
    return {
        "products": products,
        "personalised": bool(record.get("personalised")),
        "available": bool(record.get("available", True)),
    }
