"""Read an import file into a *raw frame*: canonical column names, one row per order line.

Two kinds of input:

- the shared UCI Online Retail dataset (``.parquet`` or compressed ``.csv.xz``/``.gz``),
  read by pandas (typed columns);
- an admin's CSV (plain ``.csv``), read defensively: size limit, UTF-8 only (a BOM is
  fine), UTF-16/binary refused, NUL bytes flagged per row, any delimiter among ``, ; TAB``,
  csv-module quoting rules, huge fields parsed and then rejected per row (not a crash).

Problems that make a whole file unusable raise :class:`ImportFailed` (nothing is written);
row-level problems are left to :mod:`crm_backend.importer.validate`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pandas as pd

# canonical column -> accepted header spellings (compared lower-case, without " _-")
COLUMNS: Dict[str, Tuple[str, ...]] = {
    "order_number": ("ordernumber", "order", "invoiceno", "invoice", "invoicenumber"),
    "sku": ("sku", "stockcode", "productcode"),
    "description": ("description", "productname", "product"),
    "quantity": ("quantity", "qty"),
    "unit_price": ("unitprice", "price"),
    "order_date": ("orderdate", "invoicedate", "date"),
    "customer_ref": ("customerref", "customerid", "customer"),
    "country": ("country",),
    "customer_name": ("customername", "name"),
    "email": ("email", "emailaddress"),
    "phone": ("phone", "phonenumber", "telephone"),
    "language": ("language", "lang", "preferredlanguage"),
}
REQUIRED = ("order_number", "sku", "quantity", "unit_price", "order_date", "customer_ref")
CANONICAL = tuple(COLUMNS)
OPTIONAL = tuple(c for c in CANONICAL if c not in REQUIRED)
ROW = "_row"  # spreadsheet row number of the record (header = row 1)
PRE_REASON = "_pre_reason"  # a reason found while parsing (e.g. wrong field count)
MAX_CSV_BYTES = 50 * 1024 * 1024
MAX_CSV_ROWS = 1_000_000
_ALIASES = {alias: canonical for canonical, names in COLUMNS.items() for alias in names}


class ImportFailed(Exception):
    """The file (or the database) cannot be imported at all; nothing was written."""

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.report = report  # the ImportReport, once the pipeline has written it


def _header_key(name: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(name).strip().lstrip("\ufeff").lower())


def canonical_columns(headers: List[str]) -> Dict[int, str]:
    """Map header positions to canonical names; raise if required ones are missing."""
    mapping: Dict[int, str] = {}
    seen: Dict[str, str] = {}
    for pos, header in enumerate(headers):
        canonical = _ALIASES.get(_header_key(header))
        if canonical is None:
            continue
        if canonical in seen:
            raise ImportFailed(
                f"columns {seen[canonical]!r} and {str(header)[:40]!r} both mean {canonical!r}"
            )
        seen[canonical] = str(header)[:40]
        mapping[pos] = canonical
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise ImportFailed(
            f"missing required column(s): {', '.join(missing)}. Expected a header row with "
            f"{', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)}); Online Retail names "
            "(InvoiceNo, StockCode, ...) work too."
        )
    return mapping


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    for column in CANONICAL:
        if column not in frame.columns:
            frame[column] = ""
    if ROW not in frame.columns:
        frame[ROW] = range(2, len(frame) + 2)
    if PRE_REASON not in frame.columns:
        frame[PRE_REASON] = None
    return frame[[*CANONICAL, ROW, PRE_REASON]].reset_index(drop=True)


def read_dataset(path: Path) -> pd.DataFrame:
    """The Online Retail dataset (parquet or compressed CSV) as a raw frame."""
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    mapping = canonical_columns(list(frame.columns))
    frame = frame.rename(columns={frame.columns[pos]: name for pos, name in mapping.items()})
    return _finish(frame[list(mapping.values())].copy())


def _decode(data: bytes, path: Path) -> str:
    if not data.strip():
        raise ImportFailed(f"{path.name} is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFailed(f"{path.name} is UTF-16 encoded; save it as 'CSV UTF-8' and retry")
    if data.count(b"\x00") > max(16, len(data) // 100):
        raise ImportFailed(f"{path.name} looks binary (many NUL bytes), not a CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"{path.name} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save it as 'CSV UTF-8' and retry"
        ) from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_csv_file(path: Path, *, max_bytes: int = MAX_CSV_BYTES) -> pd.DataFrame:
    """An admin's CSV file as a raw frame of strings (see the module docstring)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImportFailed(
                f"{path.name} is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from None
    # NUL -> U+FFFD so the csv module can parse; validation rejects rows containing it
    text = _decode(data, path).replace("\x00", "\ufffd")
    delimiter = _delimiter(text.split("\n", 1)[0])
    csv.field_size_limit(max(max_bytes, 131072))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed(f"{path.name} has no header row") from None
    except csv.Error as exc:
        raise ImportFailed(f"{path.name}: malformed CSV header: {exc}") from None
    mapping = canonical_columns(header)
    records: List[List[object]] = []
    try:
        for index, fields in enumerate(reader):
            if index >= MAX_CSV_ROWS:
                raise ImportFailed(f"{path.name} has more than {MAX_CSV_ROWS:,} rows")
            if not any(f.strip() for f in fields):
                continue  # blank line
            reason = None if len(fields) == len(header) else "wrong_field_count"
            values = [fields[pos] if pos < len(fields) else "" for pos in mapping]
            records.append([*values, index + 2, reason])
    except csv.Error as exc:
        raise ImportFailed(
            f"{path.name}: malformed CSV near row {reader.line_num}: {exc}"
        ) from None
    if not records:
        raise ImportFailed(f"{path.name} has a header but no data rows")
    frame = pd.DataFrame(records, columns=[*mapping.values(), ROW, PRE_REASON], dtype=object)
    return _finish(frame)


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes ("" if it cannot be read: read_source says why)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def read_source(path: Path) -> pd.DataFrame:
    """Dispatch on the file name: parquet/compressed CSV -> pandas, plain CSV -> safe reader."""
    if not path.exists():
        raise ImportFailed(f"{path} does not exist")
    if path.is_dir():
        raise ImportFailed(f"{path} is a directory, not a file")
    if path.suffix == ".parquet" or path.suffix in (".xz", ".gz", ".bz2"):
        try:
            return read_dataset(path)
        except ImportFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - pyarrow/pandas raise many types
            raise ImportFailed(f"cannot read {path.name}: {type(exc).__name__}: {exc}") from None
    return read_csv_file(path)
