"""The invoice form validator and the invoice links answer, against a real seeded CRM."""

from __future__ import annotations

import pytest

from actions.invoices import ActionInvoiceLinks, ValidateInvoiceForm
from crm_backend.services import invoices
from crm_backend.settings import get_settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.actions.aftersales_support import point_crm_at, responses, run, slots_set, tracker


@pytest.fixture
def seeded_crm(seeded_url, monkeypatch):
    yield from point_crm_at(seeded_url, monkeypatch)


def test_validator_checks_formats(seeded_crm):
    messages, events = run(
        ValidateInvoiceForm(),
        tracker(
            text="nope", new_slots={"identity": "nope"}, requested="identity", loop="invoice_form"
        ),
    )
    assert responses(messages) == ["utter_invalid_identity"]
    assert slots_set(events)["identity"] is None
    messages, events = run(
        ValidateInvoiceForm(),
        tracker(
            text="a1001",
            new_slots={"order_number": "a1001"},
            requested="order_number",
            loop="invoice_form",
        ),
    )
    assert messages == [] and slots_set(events)["order_number"] == "A1001"


def test_link_to_a_working_document(seeded_crm, seeded_session_factory):
    messages, events = run(
        ActionInvoiceLinks(), tracker({"order_number": "A1001", "identity": "alice@example.com"})
    )
    (message,) = messages
    assert message["response"] == "utter_invoice_link"
    assert message["invoice_number"] == "INV-A1001" and message["amount"] == "£18.65"
    base = get_settings().web_url + invoices.DOCUMENT_PATH
    assert message["url"].startswith(base) and message["hours"] == 72
    token = message["url"][len(base) :]
    doc = invoices.invoice_document(
        SqlAlchemyUnitOfWork(seeded_session_factory), token, secret_key=get_settings().secret_key
    )
    assert doc.order_number == "A1001" and doc.language == "en"
    assert slots_set(events) == {"order_number": None}


def test_chinese_link_opens_a_chinese_document(seeded_crm, seeded_session_factory):
    messages, _ = run(
        ActionInvoiceLinks(),
        tracker({"order_number": "A1005", "identity": "13800138000"}, language="zh"),
    )
    token = messages[0]["url"].rsplit("/", 1)[1]
    doc = invoices.invoice_document(
        SqlAlchemyUnitOfWork(seeded_session_factory), token, secret_key=get_settings().secret_key
    )
    assert doc.language == "zh" and "年" in messages[0]["issued_date"]


def test_unpaid_order_has_no_invoice(seeded_crm):
    messages, _ = run(
        ActionInvoiceLinks(), tracker({"order_number": "A1003", "identity": "alice@example.com"})
    )
    assert responses(messages) == ["utter_invoice_none"]


def test_someone_elses_order(seeded_crm):
    messages, events = run(
        ActionInvoiceLinks(), tracker({"order_number": "A1001", "identity": "wangfang@example.cn"})
    )
    assert responses(messages) == ["utter_order_not_found"]
    assert "url" not in messages[0] and slots_set(events)["identity"] is None


def test_database_failure(tmp_path, monkeypatch):
    next(point_crm_at(f"sqlite:///{tmp_path / 'empty.sqlite3'}", monkeypatch))
    messages, _ = run(
        ActionInvoiceLinks(), tracker({"order_number": "A1001", "identity": "alice@example.com"})
    )
    assert responses(messages) == ["utter_technical_problem"]
