"""Validate and clean a raw frame: every row is accepted, skipped (already imported) or
rejected with exactly one reason (the first rule in :data:`REASONS` order that applies).

Vectorised with pandas so the 541,909-row Online Retail file takes about a second.
Database knowledge (existing SKUs, orders, e-mails) comes in as :class:`KnownKeys`, read by
the pipeline inside the import transaction before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, Optional, Set

import numpy as np
import pandas as pd

from crm_backend.importer.sources import CANONICAL, PRE_REASON, ROW
from crm_backend.services.identifiers import is_valid_email, is_valid_phone

# reason code -> what it means (report order = rule order)
REASONS: Dict[str, str] = {
    "wrong_field_count": "the row has a different number of fields than the header",
    "control_characters": "a field contains NUL or other control characters",
    "field_too_long": "a field is longer than allowed",
    "formula_injection": "a text field starts with = + - or @ (spreadsheet formula injection)",
    "cancellation": "cancellation / credit note (invoice number starting with C)",
    "invalid_order_number": "order number is not 4-8 digits (optionally prefixed R)",
    "missing_customer_id": "no customer id",
    "invalid_customer_id": "customer id is not letters/digits/._- (max 40)",
    "missing_stock_code": "no stock code",
    "invalid_stock_code": "stock code is not letters/digits (max 32)",
    "non_merchandise": "postage, fees, manual adjustments or gift vouchers, not a product",
    "bad_quantity": "quantity is not a whole number",
    "non_positive_quantity": "quantity is zero or negative (returns are not orders)",
    "bad_price": "unit price is not a number",
    "non_positive_price": "unit price is zero or negative (or below 1p)",
    "bad_date": "order date missing, not ISO 8601, or outside 2000-01-01 .. tomorrow",
    "outlier": "absurd line: quantity > 10,000, unit price > 5,000 or line total > 20,000 GBP",
    "invalid_email": "e-mail address is malformed",
    "invalid_phone": "phone number is malformed (8-15 digits)",
    "invalid_language": "language is not en/zh",
    "duplicate_row": "exact duplicate of an earlier row",
    "inconsistent_order": "the order's rows name different customers",
    "order_number_taken": "the order number already belongs to another customer",
    "missing_description": "new product without a description",
    "email_taken": "the e-mail address belongs to another customer",
}
NON_MERCHANDISE = {"POST", "DOT", "M", "C2", "D", "S", "B", "CRUK", "PADS", "AMAZONFEE"}
NON_MERCHANDISE_PREFIXES = ("BANK CHARGES", "GIFT_")
MAX_LENGTH = {
    "order_number": 20,
    "sku": 32,
    "description": 200,
    "quantity": 20,
    "unit_price": 20,
    "order_date": 40,
    "customer_ref": 40,
    "country": 60,
    "customer_name": 200,
    "email": 254,
    "phone": 32,
    "language": 20,
}
FORMULA_COLUMNS = (
    "order_number",
    "sku",
    "description",
    "customer_ref",
    "country",
    "customer_name",
    "email",
    "language",
)
LANGUAGES = {
    "en": "en",
    "english": "en",
    "zh": "zh",
    "zh-cn": "zh",
    "zh_cn": "zh",
    "chinese": "zh",
    "中文": "zh",
    "cn": "zh",
}
MAX_QUANTITY, MAX_UNIT_PRICE, MAX_LINE_TOTAL = 10_000, 5_000.0, 20_000.0
EXAMPLE_COLUMNS = (
    "order_number",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "order_date",
    "customer_ref",
)
EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
_CONTROL = r"[\x00-\x1f\x7f\ufffd]"


@dataclass(frozen=True)
class KnownKeys:
    """What the database already holds (normalised keys)."""

    skus: Set[str] = field(default_factory=set)
    orders: Dict[str, Optional[str]] = field(default_factory=dict)  # number -> customer ref
    emails: Dict[str, Optional[str]] = field(default_factory=dict)  # e-mail -> customer ref
    customers: Set[str] = field(default_factory=set)  # external refs


@dataclass(frozen=True)
class Validated:
    lines: pd.DataFrame  # accepted rows, typed and normalised
    rejected: pd.DataFrame  # ROW, reason, detail + the raw key fields
    skipped_rows: int  # rows of orders already in the database (idempotent re-import)
    rows_read: int


class Column:
    """A column factorised: rules run once per distinct value, then spread to the rows."""

    def __init__(self, series: pd.Series) -> None:
        self.raw_is_datetime = pd.api.types.is_datetime64_any_dtype(series)
        self.raw_is_text = series.dtype == object
        codes, uniques = pd.factorize(series)  # missing -> code -1
        self.codes = codes
        self.uniques = pd.Series(uniques, dtype=object if self.raw_is_text else None)
        text = _as_text(pd.Series(uniques))
        self.text = pd.concat([text, pd.Series([""])], ignore_index=True)  # [-1] -> ""

    def rows(self, per_value: pd.Series) -> np.ndarray:
        """Spread a per-distinct-value result (aligned with ``self.text``) to every row."""
        return per_value.to_numpy()[self.codes]

    def map(self, fn: Callable[[pd.Series], pd.Series]) -> np.ndarray:
        return self.rows(fn(self.text))


def _as_text(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.astype(str).replace("NaT", "")
    return series.where(series.notna(), "").astype(str).str.strip()


class _Marker:
    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)
        self.detail = np.full(n, "", dtype=object)

    def mark(self, mask: Any, code: str, info: str = "") -> None:
        hit = np.asarray(mask, dtype=bool) & self.valid
        if hit.any():
            self.reason[hit] = code
            self.detail[hit] = info

    @property
    def valid(self) -> np.ndarray:
        return np.asarray(pd.isna(self.reason), dtype=bool)


def _dates(col: Column) -> pd.Series:
    """Per distinct value (aligned with ``col.text``): a UTC timestamp or NaT."""
    if col.raw_is_datetime:
        values = pd.to_datetime(pd.concat([col.uniques, pd.Series([pd.NaT])], ignore_index=True))
        return values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")
    return pd.to_datetime(col.text, format="ISO8601", errors="coerce", utc=True)


def _row_rules(raw: pd.DataFrame, cols: Dict[str, Column], m: _Marker, now: datetime) -> Any:
    m.mark(raw[PRE_REASON].notna().to_numpy(), "wrong_field_count")
    for name, col in cols.items():
        if col.raw_is_text:
            m.mark(
                col.map(lambda t: t.str.contains(_CONTROL, regex=True)), "control_characters", name
            )
    for name, limit in MAX_LENGTH.items():
        too_long = cols[name].text.str.len() > limit
        m.mark(cols[name].rows(too_long), "field_too_long", f"{name} > {limit} characters")
    for name in FORMULA_COLUMNS:
        m.mark(cols[name].map(lambda t: t.str.match(r"[=+\-@]")), "formula_injection", name)
    m.mark(cols["phone"].map(lambda t: t.str.match(r"[=\-@]")), "formula_injection", "phone")
    number = cols["order_number"].text.str.upper()
    m.mark(cols["order_number"].rows(number.str.startswith("C")), "cancellation")
    m.mark(
        cols["order_number"].rows(~number.str.fullmatch(r"R?[0-9]{4,8}")), "invalid_order_number"
    )
    ref = cols["customer_ref"]
    m.mark(ref.map(lambda t: t.isin(["", "nan", "NaN", "None"])), "missing_customer_id")
    m.mark(
        ref.map(lambda t: ~t.str.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}")),
        "invalid_customer_id",
    )
    sku_text = cols["sku"].text.str.upper()
    sku = cols["sku"]
    m.mark(sku.rows(sku_text == ""), "missing_stock_code")
    m.mark(sku.rows(~sku_text.str.fullmatch(r"[A-Z0-9][A-Z0-9 _./\-]{0,31}")), "invalid_stock_code")
    fees = sku_text.isin(NON_MERCHANDISE) | sku_text.str.startswith(NON_MERCHANDISE_PREFIXES)
    m.mark(sku.rows(fees), "non_merchandise")
    qty = cols["quantity"].map(lambda t: pd.to_numeric(t, errors="coerce")).astype(float)
    m.mark(np.isnan(qty) | ~np.isfinite(qty) | (qty != np.round(qty)), "bad_quantity")
    m.mark(qty <= 0, "non_positive_quantity")
    price = (
        cols["unit_price"]
        .map(lambda t: pd.to_numeric(t.str.lstrip("£").str.strip(), errors="coerce"))
        .astype(float)
    )
    m.mark(np.isnan(price) | ~np.isfinite(price), "bad_price")
    m.mark(np.round(price, 2) <= 0, "non_positive_price")
    per_date = _dates(cols["order_date"])
    latest = pd.Timestamp(now).tz_convert("UTC") + timedelta(days=1)
    m.mark(cols["order_date"].rows(per_date.isna()), "bad_date", "not an ISO 8601 date")
    m.mark(
        cols["order_date"].rows((per_date < EARLIEST) | (per_date > latest)),
        "bad_date",
        "out of range",
    )
    with np.errstate(invalid="ignore"):
        m.mark(
            (qty > MAX_QUANTITY) | (price > MAX_UNIT_PRICE) | (qty * price > MAX_LINE_TOTAL),
            "outlier",
        )
    for name, check in (("email", is_valid_email), ("phone", is_valid_phone)):
        ok = cols[name].text.map(lambda v, check=check: v == "" or bool(check(v)))
        m.mark(cols[name].rows(~ok), f"invalid_{name}")
    language = cols["language"].text.str.lower()
    m.mark(
        cols["language"].rows((language != "") & ~language.isin(list(LANGUAGES))),
        "invalid_language",
    )
    codes = pd.DataFrame({name: col.codes for name, col in cols.items()})
    m.mark(codes.duplicated(keep="first").to_numpy(), "duplicate_row")
    order = cols["order_number"].rows("R" + number.str.lstrip("R"))
    return order, sku.rows(sku_text), qty, price, cols["order_date"].rows(per_date)


def validate(raw: pd.DataFrame, known: KnownKeys, now: datetime) -> Validated:
    """Split ``raw`` into accepted lines, skipped rows and rejections (see module doc)."""
    cols = {name: Column(raw[name]) for name in CANONICAL}
    refs = cols["customer_ref"]
    refs.text = refs.text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)  # 17850.0 -> 17850
    m = _Marker(len(raw))
    order_arr, sku_arr, qty, price, date_arr = _row_rules(raw, cols, m, now)
    order, sku = pd.Series(order_arr, dtype=object), pd.Series(sku_arr, dtype=object)
    ref = pd.Series(cols["customer_ref"].rows(cols["customer_ref"].text), dtype=object)
    description = pd.Series(cols["description"].rows(cols["description"].text), dtype=object)

    valid = pd.Series(m.valid)
    customers_per_order = ref[valid].groupby(order[valid]).transform("nunique")
    m.mark((customers_per_order > 1).reindex(ref.index, fill_value=False), "inconsistent_order")
    order_codes, order_uniques = pd.factorize(order)
    known_order = pd.Series(order_uniques).isin(list(known.orders)).to_numpy()
    owner = pd.Series(order_uniques).map(lambda n: known.orders.get(n)).to_numpy()
    exists = known_order[order_codes]
    m.mark(exists & (owner[order_codes] != ref.to_numpy()), "order_number_taken")
    skipped = m.valid & exists

    valid = pd.Series(m.valid & ~skipped)
    described = (description != "")[valid].groupby(sku[valid]).transform("any")
    no_name = ~described.reindex(ref.index, fill_value=True) & ~sku.isin(list(known.skus))
    m.mark(valid & no_name, "missing_description")

    valid = pd.Series(m.valid & ~skipped)
    email = pd.Series(cols["email"].rows(cols["email"].text.str.lower()), dtype=object)
    has_email = valid & (email != "") & ~ref.isin(list(known.customers))
    first_email = email[has_email].groupby(ref[has_email]).first()  # new customer -> e-mail
    bad_refs = {
        customer
        for customer, address in first_email.items()
        if address in known.emails and known.emails[address] != customer
    }
    bad_refs |= set(first_email[first_email.duplicated(keep="first")].index)
    m.mark(valid & ref.isin(list(bad_refs)), "email_taken")

    accepted = m.valid & ~skipped
    text = {name: col.rows(col.text) for name, col in cols.items()}
    lines = pd.DataFrame(
        {
            ROW: raw[ROW].to_numpy()[accepted],
            "order_number": order[accepted].to_numpy(),
            "sku": sku[accepted].to_numpy(),
            "description": description[accepted].to_numpy(),
            "quantity": qty[accepted].astype("int64"),
            "unit_price": np.round(price[accepted], 2),
            "order_date": pd.DatetimeIndex(date_arr[accepted]),
            "customer_ref": ref[accepted].to_numpy(),
            "country": text["country"][accepted],
            "customer_name": text["customer_name"][accepted],
            "email": email[accepted].to_numpy(),
            "phone": text["phone"][accepted],
            "language": pd.Series(text["language"][accepted], dtype=object)
            .str.lower()
            .map(LANGUAGES)
            .fillna("")
            .to_numpy(),
        }
    )
    bad = ~m.valid
    rejected = pd.DataFrame(
        {
            ROW: raw[ROW].to_numpy()[bad],
            "reason": m.reason[bad],
            "detail": m.detail[bad],
            **{c: text[c][bad] for c in EXAMPLE_COLUMNS},
        }
    )
    return Validated(lines, rejected, int(skipped.sum()), len(raw))
