"""Turn accepted lines into the rows to insert (pure: pandas in, plain dicts out).

Only what is new is planned: customers whose ``external_ref`` is unknown, products whose
``sku`` is unknown (existing ones, e.g. the seed's catalogue, are reused as they are), and
orders whose number is unknown (the validator already skipped the others).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

import pandas as pd

from crm_backend.importer.synth import PeopleFactory, category_for, country_code, stock_for
from crm_backend.seed.build_catalogue import tidy_name


@dataclass(frozen=True)
class CustomerInfo:
    """What an order needs to know about its customer."""

    name: str
    country: Optional[str]
    language: str


@dataclass
class Plan:
    customers: List[Dict[str, Any]] = field(default_factory=list)
    products: List[Dict[str, Any]] = field(default_factory=list)
    orders: List[Dict[str, Any]] = field(default_factory=list)  # + "customer_ref"
    items: List[Tuple[str, str, int, float]] = field(default_factory=list)  # number, sku, q, p
    customer_info: Dict[str, CustomerInfo] = field(default_factory=dict)  # ref -> info


def _first_non_empty(lines: pd.DataFrame, column: str) -> pd.Series:
    given = lines[lines[column] != ""]
    return given.groupby("customer_ref")[column].first()


def _mode(lines: pd.DataFrame, key: str, column: str) -> pd.Series:
    """Most frequent non-empty ``column`` per ``key``; ties -> alphabetically first."""
    given = lines[lines[column] != ""]
    counts = given.groupby([key, column]).size().reset_index(name="n")
    counts = counts.sort_values([key, "n", column], ascending=[True, False, True])
    return counts.drop_duplicates(key).set_index(key)[column]


def plan_customers(
    lines: pd.DataFrame,
    existing: Dict[str, CustomerInfo],
    taken_emails: set,
    people: PeopleFactory,
    plan: Plan,
) -> None:
    refs = sorted(set(lines["customer_ref"]) - set(existing))
    first_seen = lines.groupby("customer_ref")["order_date"].min().to_dict()
    country = _mode(lines, "customer_ref", "country").to_dict()
    given = {
        c: _first_non_empty(lines, c).to_dict()
        for c in ("customer_name", "email", "phone", "language")
    }
    plan.customer_info.update(existing)
    for ref in refs:
        person = people.person(ref)
        email = given["email"].get(ref) or person.email
        if email in taken_emails and ref not in given["email"]:
            email = f"customer.{ref.lower()}@example.com"
        if email in taken_emails:
            email = None
        taken_emails.add(email)
        name = str(given["customer_name"].get(ref) or person.name)
        iso = country_code(str(country.get(ref, "")))
        language = str(given["language"].get(ref) or person.language)
        plan.customers.append(
            {
                "external_ref": ref,
                "name": name,
                "email": email,
                "phone": given["phone"].get(ref) or person.phone,
                "preferred_language": language,
                "country": iso,
                "marketing_consent": person.marketing_consent,
                "newsletter": person.newsletter,
                "created_at": first_seen[ref].to_pydatetime(),
                "anonymised": False,
            }
        )
        plan.customer_info[ref] = CustomerInfo(name=name, country=iso, language=language)


def plan_products(lines: pd.DataFrame, known_skus: set, plan: Plan, now: datetime) -> None:
    new = lines[~lines["sku"].isin(list(known_skus))]
    if new.empty:
        return
    names = _mode(new, "sku", "description")
    prices = new.groupby("sku")["unit_price"].median()
    for sku in sorted(prices.index):
        given = str(names[sku])
        # the dataset's names are UPPER CASE; an admin's own spelling is kept as it is
        name = (tidy_name(given) if given.isupper() else given)[:200]
        price = Decimal(str(round(float(prices[sku]), 2)))
        plan.products.append(
            {
                "sku": sku,
                "name_en": name,
                "name_zh": None,
                "description": f"{name}.",
                "category": category_for(name),
                "price": price,
                "stock": stock_for(sku),
                "active": True,
                "created_at": now,
            }
        )


def plan_orders(lines: pd.DataFrame, plan: Plan) -> None:
    line_total = lines["quantity"] * lines["unit_price"]
    grouped = (
        lines.assign(line_total=line_total)
        .groupby("order_number", sort=True)
        .agg(
            customer_ref=("customer_ref", "first"),
            placed_at=("order_date", "min"),
            total=("line_total", "sum"),
        )
    )
    for number, ref, placed, total in zip(
        grouped.index.tolist(),
        grouped["customer_ref"].tolist(),
        [ts.to_pydatetime() for ts in grouped["placed_at"]],
        grouped["total"].tolist(),
        strict=True,
    ):
        plan.orders.append(
            {
                "order_number": number,
                "customer_ref": ref,
                "placed_at": placed,
                "total": Decimal(str(round(float(total), 2))),
            }
        )
    plan.items = list(
        zip(
            lines["order_number"].tolist(),
            lines["sku"].tolist(),
            lines["quantity"].astype(int).tolist(),
            lines["unit_price"].astype(float).tolist(),
            strict=True,
        )
    )


def build_plan(
    lines: pd.DataFrame,
    *,
    existing_customers: Dict[str, CustomerInfo],
    known_skus: set,
    taken_emails: set,
    people: PeopleFactory,
    now: datetime,
) -> Plan:
    plan = Plan()
    if lines.empty:
        return plan
    plan_customers(lines, existing_customers, set(taken_emails), people, plan)
    plan_products(lines, known_skus, plan, now)
    plan_orders(lines, plan)
    return plan
