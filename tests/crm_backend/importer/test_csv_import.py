"""An admin's customer/orders CSV: the documented sample, hostile input, unusable files,
strict mode, conflicts and the CLI (SQLite and PostgreSQL where a database is involved)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm_backend.importer import ImportFailed, import_file
from crm_backend.importer.__main__ import main
from crm_backend.importer.sources import read_csv_file
from crm_backend.models import Customer, Order, OrderItem, OrderStatus, Product

DATA = Path(__file__).resolve().parents[2] / "data" / "import"
SAMPLE = DATA / "sample_orders.csv"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
HEADER = (
    "order_number,order_date,customer_ref,customer_name,email,phone,language,sku,"
    "description,quantity,unit_price\n"
)
GOOD = (
    "R800001,2026-01-05 10:00,C-1,Ann Lee,ann@example.com,+44 113 496 0777,en,SKU-1,"
    "Tea Cup,2,3.50\n"
)


def run(uow_factory, tmp_path, path, **kwargs):
    return import_file(
        uow_factory(), path, report_dir=tmp_path / "reports", now=NOW, seed=1, **kwargs
    )


def write(tmp_path, text, name="orders.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def count(uow_factory, model) -> int:
    with uow_factory() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar())


def test_documented_sample_imports_with_given_details(uow_factory, tmp_path):
    report = run(uow_factory, tmp_path, SAMPLE)
    assert report.status == "ok" and report.rows_rejected == 0
    assert report.created["customers"] == 3 and report.created["orders"] == 4
    with uow_factory() as uow:
        olivia = uow.customers.get_by_external_ref("WEB-1001")
        assert (olivia.name, olivia.email, olivia.phone) == (
            "Olivia Brown",
            "olivia.brown@example.com",
            "+44 113 496 0501",
        )
        lina = uow.customers.get_by_external_ref("WEB-1002")
        assert lina.name == "李娜" and str(lina.preferred_language) == "zh" and lina.country == "CN"
        assert uow.customers.get_by_external_ref("WEB-1003").country == "DE"
        order = uow.orders.get_by_number("R900001")
        assert order.customer_id == olivia.id and order.total == Decimal("18.65")
        assert {i.product.sku for i in order.items} == {"85123A", "22423"}
        assert order.status == OrderStatus.DELIVERED
        tea = uow.products.get_by_sku("SH-TEA-01")
        assert tea.name_en == "Porcelain Tea Set for Two" and tea.price == Decimal("24.00")


def test_recent_orders_are_not_delivered_in_the_future(uow_factory, tmp_path):
    path = write(tmp_path, HEADER + GOOD.replace("2026-01-05 10:00", "2026-11-25 11:30"))
    run(uow_factory, tmp_path, path)
    with uow_factory() as uow:
        order = uow.orders.get_by_number("R800001")
        assert order.status in (OrderStatus.PENDING, OrderStatus.PAID)
        assert order.delivered_at is None and order.shipped_at is None


HOSTILE = {
    "formula_injection": [
        "R800002,2026-01-05,C-2,=cmd|' /C calc'!A0,,,,SKU-1,Tea Cup,1,3.50",
        "R800003,2026-01-05,C-3,Bob,,,,SKU-1,+SUM(A1:A9),1,3.50",
        'R800004,2026-01-05,C-4,@HYPERLINK("http://x"),,,,SKU-1,Tea Cup,1,3.50',
        "R800005,2026-01-05,C-5,Bob,,-2+3,,SKU-1,Tea Cup,1,3.50",
    ],
    "field_too_long": ["R800006,2026-01-05,C-6,Bob,,,,SKU-1," + "x" * 100_000 + ",1,3.50"],
    "control_characters": [
        "R800007,2026-01-05,C-7,Bo\x00b,,,,SKU-1,Tea Cup,1,3.50",
        "R800008,2026-01-05,C-8,Bob,,,,SKU-1,Tea\x07Cup,1,3.50",
    ],
    "wrong_field_count": ["R800009,2026-01-05,C-9,Bob"],
    "invalid_email": ["R800010,2026-01-05,C-10,Bob,not-an-email,,,SKU-1,Tea Cup,1,3.50"],
    "invalid_phone": ["R800011,2026-01-05,C-11,Bob,,call me,,SKU-1,Tea Cup,1,3.50"],
    "invalid_language": ["R800012,2026-01-05,C-12,Bob,,,klingon,SKU-1,Tea Cup,1,3.50"],
    "invalid_order_number": ["DROP TABLE orders,2026-01-05,C-13,Bob,,,,SKU-1,Tea Cup,1,3.50"],
    "invalid_customer_id": ["R800014,2026-01-05,'; --,Bob,,,,SKU-1,Tea Cup,1,3.50"],
    "bad_quantity": ["R800015,2026-01-05,C-15,Bob,,,,SKU-1,Tea Cup,1e400,3.50"],
    "bad_date": ["R800016,2026-01-05T25:99,C-16,Bob,,,,SKU-1,Tea Cup,1,3.50"],
}


def test_hostile_rows_are_rejected_with_a_reason_and_the_rest_imported(uow_factory, tmp_path):
    lines = [row for rows in HOSTILE.values() for row in rows]
    path = write(tmp_path, HEADER + GOOD + "\n".join(lines) + "\n")
    report = run(uow_factory, tmp_path, path)
    assert report.status == "ok" and report.rows_accepted == 1
    expected = {reason: len(rows) for reason, rows in HOSTILE.items()}
    assert report.rejected_by_reason == expected
    assert count(uow_factory, Order) == 1 and count(uow_factory, Customer) == 1
    with uow_factory() as uow:
        names = [c.name for c in uow.customers.list()]
        assert names == ["Ann Lee"]
    markdown = Path(report.markdown_path).read_text(encoding="utf-8")
    assert "\x00" not in markdown and "\x07" not in markdown and "x" * 1000 not in markdown
    assert "Tea\\u0007Cup" in markdown  # control characters shown escaped
    assert len(Path(report.json_path).read_text(encoding="utf-8")) < 50_000


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (HEADER.encode(), "no data rows"),
        (b"name,email\nBob,bob@example.com\n", "missing required column(s): order_number"),
        (
            (HEADER + GOOD.replace("Ann Lee", "Hans M\u00fcller")).encode("cp1252"),
            "not valid UTF-8",
        ),
        ((HEADER + GOOD).encode("utf-16"), "UTF-16"),
        (b"\x00\x01\x02\x03" * 200, "binary"),
        (b'order_number,sku\n"unterminated,x\n', "missing required column(s)"),
    ],
    ids=[
        "empty",
        "blank",
        "header-only",
        "missing-columns",
        "cp1252",
        "utf16",
        "binary",
        "garbage",
    ],
)
def test_unusable_files_fail_cleanly_and_write_nothing(uow_factory, tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(ImportFailed) as failure:
        run(uow_factory, tmp_path, path)
    assert message in failure.value.message
    assert failure.value.report.status == "failed"
    assert Path(failure.value.report.markdown_path).exists()
    assert count(uow_factory, Customer) == 0 and count(uow_factory, Product) == 0


def test_missing_file_and_size_limit(uow_factory, tmp_path):
    with pytest.raises(ImportFailed, match="does not exist"):
        import_file(uow_factory(), tmp_path / "nope.csv", report_dir=tmp_path)
    with pytest.raises(ImportFailed, match="is a directory"):
        import_file(uow_factory(), tmp_path, report_dir=tmp_path / "r")
    big = write(tmp_path, HEADER + GOOD * 200)
    with pytest.raises(ImportFailed, match="the limit is"):
        read_csv_file(big, max_bytes=1000)


def test_all_rows_rejected_and_strict_mode_write_nothing(uow_factory, tmp_path):
    bad = write(tmp_path, HEADER + GOOD.replace(",2,", ",-2,"))
    with pytest.raises(ImportFailed, match="no usable rows"):
        run(uow_factory, tmp_path, bad)
    mixed = write(tmp_path, HEADER + GOOD + GOOD.replace("R800001", "C800002"), "mixed.csv")
    with pytest.raises(ImportFailed, match="strict mode"):
        run(uow_factory, tmp_path, mixed, strict=True)
    assert count(uow_factory, Order) == 0 and count(uow_factory, OrderItem) == 0
    assert run(uow_factory, tmp_path, mixed).rows_accepted == 1  # not strict: good row in


def test_semicolons_bom_and_online_retail_headers(uow_factory, tmp_path):
    text = (
        "\ufeffInvoiceNo;StockCode;Description;Quantity;InvoiceDate;UnitPrice;CustomerID;Country\n"
        "536999;SKU-9;LITTLE BIRDIE CARD;3;2011-05-01 09:00:00;£1.25;12999.0;France\n"
    )
    report = run(uow_factory, tmp_path, write(tmp_path, text))
    assert report.rows_accepted == 1
    with uow_factory() as uow:
        order = uow.orders.get_by_number("R536999")
        assert order.customer.external_ref == "12999" and order.customer.country == "FR"
        assert order.total == Decimal("3.75")
        assert uow.products.get_by_sku("SKU-9").name_en == "Little Birdie Card"


def test_conflicts_with_existing_customers_and_orders(uow_factory, tmp_path):
    with uow_factory() as uow:
        other = Customer(external_ref="X-1", name="Someone", email="olivia.brown@example.com")
        uow.session.add(Order(order_number="R900003", customer=other, total=Decimal("1")))
        uow.commit()
    report = run(uow_factory, tmp_path, SAMPLE)
    assert report.rejected_by_reason == {"order_number_taken": 2, "email_taken": 3}
    with uow_factory() as uow:
        assert uow.customers.get_by_external_ref("WEB-1001") is None
        assert uow.orders.get_by_number("R900003").customer.external_ref == "X-1"
        assert uow.orders.get_by_number("R900004") is not None


def test_cli_imports_and_reports_failures_without_traceback(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    args = ["--database-url", url, "--report-dir", str(tmp_path / "r"), "--no-progress"]
    assert main(["csv", str(SAMPLE), *args]) == 0
    out = capsys.readouterr().out
    assert "csv: ok" in out and "orders 4" in out
    assert main(["csv", str(SAMPLE), *args]) == 0  # same file again: stops at once
    assert "csv: unchanged" in capsys.readouterr().out
    assert main(["csv", str(SAMPLE), "--force", *args]) == 0  # row by row: all skipped
    assert "skipped (already imported) 6" in capsys.readouterr().out
    bad = write(tmp_path, b"\xff\xfe" + "x".encode("utf-16-le"), "bad.csv")
    assert main(["csv", str(bad), *args]) == 1
    err = capsys.readouterr().err
    assert "UTF-16" in err and "Traceback" not in err
    reports = sorted((tmp_path / "r").glob("*.json"))
    statuses = [json.loads(p.read_text())["status"] for p in reports]
    assert statuses == ["ok", "unchanged", "ok", "failed"]
    missing = ["online-retail", "--path", str(tmp_path / "none.parquet"), "--skip-missing"]
    assert main([*missing, *args]) == 0
