"""Importing the Online Retail extract (tests/data/import/online_retail_sample.csv), on
SQLite and PostgreSQL: counts, rejection reasons, report, idempotency, atomicity, seed."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm_backend.importer import ImportFailed, import_file
from crm_backend.importer.synth import PeopleFactory
from crm_backend.models import Customer, Invoice, Order, OrderItem, OrderStatus, Payment, Product
from crm_backend.seed import seed

DATA = Path(__file__).resolve().parents[2] / "data" / "import"
SAMPLE = DATA / "online_retail_sample.csv"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
SEED = 20261125
# 546 real rows (50 invoices) + 12 crafted bad rows (rows 548-559), see tests/data/import/README.md
EXPECTED_REASONS = {
    "cancellation": 6,
    "missing_customer_id": 7,
    "non_merchandise": 5,
    "bad_quantity": 2,
    "non_positive_quantity": 1,
    "bad_price": 1,
    "non_positive_price": 3,
    "bad_date": 3,
    "outlier": 2,
    "duplicate_row": 2,
    "formula_injection": 1,
    "missing_description": 1,
}
CREATED = {
    "customers": 22,
    "products": 425,
    "orders": 34,
    "order_items": 524,
    "payments": 34,
    "invoices": 34,
}


def run(uow_factory, tmp_path, path=SAMPLE, **kwargs):
    kwargs.setdefault("source", "online-retail")
    return import_file(
        uow_factory(), path, report_dir=tmp_path / "reports", now=NOW, seed=SEED, **kwargs
    )


def count(uow_factory, model, *where) -> int:
    with uow_factory() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar()
        )


def test_counts_reasons_and_rows_written(uow_factory, tmp_path):
    report = run(uow_factory, tmp_path)
    assert report.status == "ok"
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (558, 524, 34)
    assert report.rejected_by_reason == EXPECTED_REASONS
    assert report.created == CREATED
    for model, expected in [
        (Customer, 22),
        (Product, 425),
        (Order, 34),
        (OrderItem, 524),
        (Payment, 34),
        (Invoice, 34),
    ]:
        assert count(uow_factory, model) == expected
    with uow_factory() as uow:
        order = uow.orders.get_by_number("R536365")
        assert order is not None and order.status == OrderStatus.DELIVERED
        assert order.customer.external_ref == "17850"
        assert len(order.items) == 7 and order.total == Decimal("139.12")
        assert order.total == sum(i.unit_price * i.quantity for i in order.items)
        assert order.placed_at == datetime(2010, 12, 1, 8, 26, tzinfo=timezone.utc)
        assert order.paid_at > order.placed_at and order.delivered_at > order.shipped_at
        assert order.carrier and order.tracking_number
        assert [p.reference for p in order.payments] == ["PAY-R536365"]
        assert [i.invoice_number for i in order.invoices] == ["INV-R536365"]
        product = uow.products.get_by_sku("85123A")
        assert product.name_en == "White Hanging Heart T-Light Holder"
        # median unit price of its accepted lines: 2.55, 2.95, 2.95, 2.95
        assert product.category == "candles_lights" and product.price == Decimal("2.95")
        # every order total equals the sum of its lines
        totals = uow.session.execute(
            select(Order.total, func.sum(OrderItem.quantity * OrderItem.unit_price))
            .join(OrderItem)
            .group_by(Order.id, Order.total)
        ).all()
        assert all(abs(Decimal(str(t)) - Decimal(str(s))) < Decimal("0.01") for t, s in totals)
        assert uow.audit.exists("import.completed", "import")


def test_report_files_explain_rejections(uow_factory, tmp_path):
    report = run(uow_factory, tmp_path)
    data = json.loads(Path(report.json_path).read_text(encoding="utf-8"))
    assert data["rejected_by_reason"] == EXPECTED_REASONS
    rows = {r["row"]: r["reason"] for r in data["rejected_rows"]}
    assert len(rows) == 34
    assert rows[548] == "bad_date" and rows[554] == "formula_injection"
    assert rows[559] == "outlier" and rows[558] == "missing_description"
    formula = data["examples"]["formula_injection"][0]
    assert formula["row"] == 554 and formula["detail"] == "description"
    markdown = Path(report.markdown_path).read_text(encoding="utf-8")
    for reason in EXPECTED_REASONS:
        assert f"`{reason}`" in markdown
    assert "| `cancellation` | 6 |" in markdown
    assert "=cmd\\|' /C calc'!A0" in markdown  # shown, with the table's pipe escaped
    assert "row 554: `formula_injection`" in markdown


def test_reimport_is_idempotent(uow_factory, tmp_path):
    run(uow_factory, tmp_path)
    with uow_factory() as uow:
        before = {c.external_ref: (c.name, c.email) for c in uow.customers.list(limit=100)}
    again = run(uow_factory, tmp_path)
    assert again.status == "ok"
    assert again.rows_accepted == 0 and again.rows_skipped_existing == 524
    assert sum(again.created.values()) == 0
    assert count(uow_factory, Order) == 34 and count(uow_factory, OrderItem) == 524
    with uow_factory() as uow:
        after = {c.external_ref: (c.name, c.email) for c in uow.customers.list(limit=100)}
    assert after == before


def test_same_file_again_stops_early_when_asked(uow_factory, tmp_path):
    first = run(uow_factory, tmp_path, skip_unchanged=True)
    assert first.status == "ok" and len(first.sha256) == 64
    again = run(uow_factory, tmp_path, skip_unchanged=True)
    assert again.status == "unchanged" and again.rows_read == 0
    assert "already imported" in again.message and again.sha256 == first.sha256
    assert count(uow_factory, Order) == 34


def test_synthetic_customers_are_stable_per_customer_id(uow_factory, tmp_path):
    run(uow_factory, tmp_path)
    people = PeopleFactory(SEED)
    with uow_factory() as uow:
        customer = uow.customers.get_by_external_ref("17850")
        expected = people.person("17850")
        assert (customer.name, customer.email, customer.phone) == (
            expected.name,
            expected.email,
            expected.phone,
        )
        assert str(customer.preferred_language) == expected.language
        assert customer.country == "GB"
        assert customer.created_at == datetime(2010, 12, 1, 8, 26, tzinfo=timezone.utc)


def test_database_failure_rolls_everything_back(uow_factory, tmp_path):
    # a pre-existing invoice number makes the LAST insert step (invoices) fail for real
    with uow_factory() as uow:
        customer = Customer(name="Existing", email="existing@example.com")
        order = Order(order_number="A0001", customer=customer, total=Decimal("1"))
        order.invoices.append(Invoice(invoice_number="INV-R536365", amount=Decimal("1")))
        uow.session.add(order)
        uow.commit()
    with pytest.raises(ImportFailed) as failure:
        run(uow_factory, tmp_path)
    assert "nothing was imported" in failure.value.message
    assert failure.value.report.status == "failed"
    assert count(uow_factory, Customer) == 1 and count(uow_factory, Order) == 1
    assert count(uow_factory, Product) == 0 and count(uow_factory, OrderItem) == 0


def test_dry_run_writes_nothing(uow_factory, tmp_path):
    report = run(uow_factory, tmp_path, dry_run=True)
    assert report.status == "dry-run" and report.created["orders"] == 34
    assert count(uow_factory, Customer) == 0 and count(uow_factory, Order) == 0


def test_coexists_with_the_demo_seed(uow_factory, db_url, tmp_path):
    assert seed(db_url, now=NOW) is True
    with uow_factory() as uow:
        alice_id = uow.customers.get_by_email("alice@example.com").id
        wang_id = uow.customers.get_by_email("wangfang@example.cn").id
        heart = uow.products.get_by_sku("85123A")
        heart_id, heart_price = heart.id, heart.price
    seeded_orders = count(uow_factory, Order)
    seeded_products = count(uow_factory, Product)
    report = run(uow_factory, tmp_path)
    assert report.status == "ok" and report.reused["customers"] >= 2
    assert report.reused["products"] > 0
    assert count(uow_factory, Order) == seeded_orders + 34
    assert count(uow_factory, Product) == seeded_products + report.created["products"]
    with uow_factory() as uow:
        again = uow.customers.get_by_external_ref("17850")
        assert again.id == alice_id and again.name == "Alice Smith"
        assert again.email == "alice@example.com"
        numbers = [o.order_number for o in uow.orders.list_for_customer(alice_id, limit=100)]
        assert {"A1001", "R536365", "R536366", "R536372"} <= set(numbers)
        assert uow.orders.get_by_number("R536365").customer_id == alice_id
        assert any(o.order_number.startswith("R") for o in uow.orders.list_for_customer(wang_id))
        product = uow.products.get_by_sku("85123A")
        assert product.id == heart_id and product.price == heart_price  # reused untouched
        assert uow.orders.get_by_number("A1001").total == Decimal("18.65")
