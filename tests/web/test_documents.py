"""The invoice document route over Starlette's TestClient, on a migrated and seeded database."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crm_backend.models import utcnow
from crm_backend.services import invoices
from crm_backend.services.access import parse_identity
from crm_backend.settings import Settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from crm_backend.web.app import create_app
from tests.crm_backend.services.aftersales_data import make_shop

SECRET = "documents-test-secret-0123456789"
XSS = "<script>alert(1)</script>"


def client_for(url: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=url, secret_key=SECRET)))


def link(session_factory, number: str, email: str, **kwargs) -> str:
    (found,) = invoices.invoice_links(
        SqlAlchemyUnitOfWork(session_factory),
        number,
        parse_identity(email),
        secret_key=SECRET,
        **kwargs,
    )
    return found.path


@pytest.fixture
def seeded_client(seeded_url) -> TestClient:
    return client_for(seeded_url)


def test_invoice_page(seeded_client, seeded_session_factory):
    response = seeded_client.get(link(seeded_session_factory, "A1001", "alice@example.com"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store, private"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert '<html lang="en">' in html and "INV-A1001" in html and "A1001" in html
    assert "WHITE HANGING HEART T-LIGHT HOLDER" in html.upper()
    assert len(re.findall(r'data-testid="invoice-line"', html)) == 2
    assert "Alice Smith" in html and "12 Example Road" in html and "alice@example.com" in html
    assert "VAT at 20 %" in html and "GB 123 4567 89" in html and "Shop Retail Ltd" in html
    net = re.search(r'data-testid="net">£([\d.]+)<', html)
    vat = re.search(r'data-testid="vat">£([\d.]+)<', html)
    total = re.search(r'data-testid="total">£([\d.]+)<', html)
    assert net and vat and total and total.group(1) == "18.65"
    assert round(float(net.group(1)) + float(vat.group(1)), 2) == 18.65
    assert '<script src="/static/app/documents.js" defer></script>' in html
    assert seeded_client.get("/static/app/documents.css").status_code == 200


def test_chinese_invoice_page(seeded_client, seeded_session_factory):
    path = link(seeded_session_factory, "A1005", "wangfang@example.cn", language="zh")
    html = seeded_client.get(path).text
    assert '<html lang="zh-Hans">' in html and "发票" in html and "增值税（20%）" in html
    assert "王芳" in html and "INV-A1005" in html


def test_expired_link_is_a_410_page(seeded_client, seeded_session_factory):
    old = utcnow() - invoices.LINK_MAX_AGE - timedelta(minutes=5)
    response = seeded_client.get(
        link(seeded_session_factory, "A1001", "alice@example.com", now=old)
    )
    assert response.status_code == 410
    assert response.headers["content-type"].startswith("text/html")
    assert "expired" in response.text and "已过期" in response.text
    assert "INV-A1001" not in response.text


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "a.b.c",
        "x" * 5000,
        XSS,
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "forged",
    ],
    ids=["short", "dots", "huge", "script", "escaped-script", "forged"],
)
def test_forged_or_malformed_link_is_a_404_page(seeded_client, token):
    if token == "forged":  # well-formed, signed with a guessed key
        token = invoices.make_document_token("not-the-secret", "INV-A1002", "A1002", 2)
    response = seeded_client.get(invoices.DOCUMENT_PATH + token)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "not valid" in response.text and "链接无效" in response.text
    assert "<script>alert" not in response.text and "Traceback" not in response.text


def test_tampered_link_is_a_404_page(seeded_client, seeded_session_factory):
    path = link(seeded_session_factory, "A1001", "alice@example.com")
    head, _, tail = path.rpartition(".")
    tampered = head + "." + ("A" if tail[0] != "A" else "B") + tail[1:]
    assert seeded_client.get(tampered).status_code == 404


def test_data_is_html_escaped(uow_factory, db_url, session_factory):
    shop = make_shop(uow_factory)
    with uow_factory() as uow:
        uow.customers.get(shop.emma_id).name = XSS
        order = uow.orders.get_by_number("B1001")
        order.ship_name = XSS
        order.items[0].product.name_en = f"Mug {XSS}"
        uow.commit()
    html = client_for(db_url).get(link(session_factory, "B1001", "emma@example.com")).text
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_database_failure_is_a_clean_500_page(seeded_session_factory, tmp_path: Path):
    path = link(seeded_session_factory, "A1001", "alice@example.com")
    broken = client_for(f"sqlite:///{tmp_path / 'empty.sqlite3'}")  # no tables
    response = broken.get(path)
    assert response.status_code == 500 and "try again" in response.text
    assert "Traceback" not in response.text and "sqlite" not in response.text.lower()
