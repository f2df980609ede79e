"""Invoice lists, signed document links and the invoice document, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from crm_backend.errors import NotFound, OrderNotFound
from crm_backend.models import utcnow
from crm_backend.services import invoices
from crm_backend.services.access import parse_identity
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.crm_backend.services.aftersales_data import NOW, make_shop

SECRET = "test-secret-" + "x" * 20
ALICE = parse_identity("alice@example.com")
WANG = parse_identity("wangfang@example.cn")


@pytest.fixture
def seeded(seeded_session_factory):
    return lambda: SqlAlchemyUnitOfWork(seeded_session_factory)


def test_order_invoices(seeded):
    (invoice,) = invoices.list_order_invoices(seeded(), "a1001", ALICE)
    assert invoice.invoice_number == "INV-A1001" and invoice.order_number == "A1001"
    assert invoice.amount == Decimal("18.65") and invoice.currency == "GBP"
    assert invoices.list_order_invoices(seeded(), "A1003", ALICE) == (), "not paid yet"
    with pytest.raises(OrderNotFound):
        invoices.list_order_invoices(seeded(), "A1001", WANG)


def test_customer_invoices(seeded):
    alice = {i.invoice_number for i in invoices.list_customer_invoices(seeded(), ALICE)}
    assert {"INV-A1001", "INV-A1004", "INV-A1007"} <= alice and "INV-A1002" not in alice
    by_phone = invoices.list_customer_invoices(seeded(), parse_identity(phone="+447700900123"))
    assert {i.invoice_number for i in by_phone} == alice
    with pytest.raises(NotFound):
        invoices.list_customer_invoices(seeded(), parse_identity("nobody@example.com"))


@pytest.mark.parametrize("gross", ["0.00", "0.01", "7.60", "18.65", "99999.99", "1.20"])
def test_vat_breakdown_adds_up(gross):
    net, vat = invoices.vat_breakdown(Decimal(gross))
    assert net + vat == Decimal(gross)
    assert abs(net * Decimal("1.2") - Decimal(gross)) <= Decimal("0.01")


def test_link_opens_the_document(seeded):
    (link,) = invoices.invoice_links(seeded(), "A1005", WANG, secret_key=SECRET, language="zh")
    assert link.path == invoices.DOCUMENT_PATH + link.token
    assert "INV-A1005" not in link.path and "A1005" not in link.path, "no readable ids"
    assert link.expires_at - utcnow() <= invoices.LINK_MAX_AGE
    doc = invoices.invoice_document(seeded(), link.token, secret_key=SECRET)
    assert doc.invoice_number == "INV-A1005" and doc.language == "zh"
    assert doc.customer_name == "王芳" and doc.total == Decimal("7.60")
    assert [(line.sku, line.quantity) for line in doc.lines] == [("22699", 2), ("22197", 2)]
    assert doc.items_total == doc.total and doc.other_charges == Decimal("0.00")
    assert doc.net_total + doc.vat_total == doc.total and doc.vat_rate_percent == 20
    assert doc.payment in ("alipay", "wechat_pay") and doc.shop.vat_number


def test_links_are_identity_checked(seeded):
    with pytest.raises(OrderNotFound):
        invoices.invoice_links(seeded(), "A1005", ALICE, secret_key=SECRET)
    assert invoices.invoice_links(seeded(), "A1003", ALICE, secret_key=SECRET) == ()


def test_expired_link(seeded):
    (link,) = invoices.invoice_links(seeded(), "A1001", ALICE, secret_key=SECRET)
    later = utcnow() + invoices.LINK_MAX_AGE + timedelta(minutes=1)
    with pytest.raises(invoices.LinkExpired):
        invoices.invoice_document(seeded(), link.token, secret_key=SECRET, now=later)
    almost = utcnow() + invoices.LINK_MAX_AGE - timedelta(minutes=1)
    assert invoices.invoice_document(seeded(), link.token, secret_key=SECRET, now=almost)


def test_forged_and_malformed_links(seeded):
    (link,) = invoices.invoice_links(seeded(), "A1001", ALICE, secret_key=SECRET)
    payload, _, rest = link.token.partition(".")
    forged = invoices.make_document_token("guessed-secret", "INV-A1002", "A1002", 2)
    tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + rest
    for token in (
        forged,
        tampered,
        link.token + "x",
        "",
        "abc",
        "a.b.c",
        "x" * 10_000,
        "<script>alert(1)</script>",
        None,
        42,
    ):
        with pytest.raises(invoices.LinkInvalid):
            invoices.invoice_document(seeded(), token, secret_key=SECRET)
    with pytest.raises(invoices.LinkInvalid):
        invoices.invoice_document(seeded(), link.token, secret_key="another-secret")


def test_signed_but_wrong_claims_are_invalid(seeded):
    # a genuine signature over claims that don't match the data (e.g. another customer)
    for claims in (
        ("INV-A1002", "A1002", 1),
        ("INV-A1001", "A1001", 2),
        ("INV-X", "A1001", 1),
        ("INV-A1001", "A9999", 1),
    ):
        token = invoices.make_document_token(SECRET, *claims)
        with pytest.raises(invoices.LinkInvalid):
            invoices.invoice_document(seeded(), token, secret_key=SECRET)


def test_anonymised_customer_link_stops_working(uow_factory):
    shop = make_shop(uow_factory)
    (link,) = invoices.invoice_links(uow_factory(), "B1001", shop.emma, secret_key=SECRET, now=NOW)
    doc = invoices.invoice_document(uow_factory(), link.token, secret_key=SECRET, now=NOW)
    assert doc.billing_address[0] == "Emma Stone" and doc.payment == "card"
    with uow_factory() as uow:
        uow.customers.get(shop.emma_id).anonymised = True
        uow.commit()
    with pytest.raises(invoices.LinkInvalid):
        invoices.invoice_document(uow_factory(), link.token, secret_key=SECRET, now=NOW)


def test_empty_secret_is_refused():
    with pytest.raises(ValueError):
        invoices.make_document_token("", "INV-A1001", "A1001", 1)
