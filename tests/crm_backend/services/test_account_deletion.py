"""Account deletion requests (GDPR erasure)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm_backend.errors import NotFound
from crm_backend.models import DataRequestKind, DataRequestStatus
from crm_backend.services.account_deletion import RESPONSE_TIME, request_account_deletion
from tests.crm_backend.services.account_support import add_customer, audit, outbox


def test_deletion_request_is_pending_and_confirmed_by_email(uow_factory):
    alice = add_customer(uow_factory)
    view = request_account_deletion(uow_factory(), alice, language="en", conversation_id="c")
    assert view.reference == f"DR-{view.id:06d}" and view.status == "pending"
    assert view.due_by - view.created_at == RESPONSE_TIME and not view.already_requested
    with uow_factory() as uow:
        [request] = uow.data_requests.list_for_customer(alice)
        assert request.kind == DataRequestKind.DELETE
        assert request.status == DataRequestStatus.PENDING
        assert uow.customers.get(alice).is_active, "the account stays until processed"
    [mail] = outbox(uow_factory, "deletion_requested")
    assert mail.recipient == "alice@example.com" and view.reference in mail.body
    assert audit(uow_factory, "data_request.created")[0].entity_id == str(view.id)


def test_a_second_request_returns_the_open_one(uow_factory):
    wang = add_customer(uow_factory, "wangfang@example.cn", "王芳")
    first = request_account_deletion(uow_factory(), wang, language="zh")
    second = request_account_deletion(uow_factory(), wang, language="zh")
    assert second.id == first.id and second.already_requested
    [mail] = outbox(uow_factory)
    assert "注销" in mail.subject and "年" in mail.body
    assert first.due_by > first.created_at + timedelta(days=29)


def test_unknown_or_inactive_accounts(uow_factory):
    gone = add_customer(uow_factory, active=False)
    for customer_id in (gone, 123_456, 0):
        with pytest.raises(NotFound):
            request_account_deletion(uow_factory(), customer_id)
