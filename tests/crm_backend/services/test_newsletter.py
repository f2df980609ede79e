"""Newsletter subscription with a consent record."""

from __future__ import annotations

import pytest

from crm_backend.errors import NotFound
from crm_backend.services.newsletter import SUBSCRIBED, UNSUBSCRIBED, set_newsletter
from tests.crm_backend.services.account_support import add_customer, audit


def test_subscribe_and_unsubscribe_are_recorded_with_a_timestamp(uow_factory):
    alice = add_customer(uow_factory)
    on = set_newsletter(uow_factory(), alice, True, conversation_id="c1")
    assert on.subscribed and on.changed and on.changed_at is not None
    again = set_newsletter(uow_factory(), alice, True)
    assert again.subscribed and not again.changed
    off = set_newsletter(uow_factory(), alice, False)
    assert not off.subscribed and off.changed
    entries = audit(uow_factory, "customer.newsletter")
    assert [e.action for e in entries] == [SUBSCRIBED, UNSUBSCRIBED]
    assert entries[0].details["consent"] is True and entries[0].details["consent_at"]
    assert entries[0].details["conversation_id"] == "c1" and entries[0].entity_id == str(alice)
    with uow_factory() as uow:
        assert uow.customers.get(alice).newsletter is False


def test_only_active_accounts(uow_factory):
    gone = add_customer(uow_factory, active=False)
    with pytest.raises(NotFound):
        set_newsletter(uow_factory(), gone, True)
    with pytest.raises(NotFound):
        set_newsletter(uow_factory(), 999_999, True)
