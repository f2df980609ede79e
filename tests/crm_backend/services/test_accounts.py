"""Signing up and editing a profile, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from crm_backend.errors import Conflict, NotFound, ValidationError
from crm_backend.models import Customer, Language
from crm_backend.services import accounts
from tests.crm_backend.services.account_support import add_customer, audit, outbox


def test_create_account_stores_it_and_queues_a_welcome_email(uow_factory):
    view = accounts.create_account(
        uow_factory(),
        name="  Bob   Jones ",
        email="Bob.Jones@Example.COM",
        phone="+44 7700 900555",
        language="en",
        newsletter=True,
        conversation_id="conv-7",
    )
    assert view.name == "Bob Jones" and view.email == "bob.jones@example.com"
    assert view.newsletter is True and view.marketing_consent is False
    [mail] = outbox(uow_factory, "welcome")
    assert mail.recipient == "bob.jones@example.com" and "Bob Jones" in mail.body
    assert "newsletter" in mail.body
    [created] = audit(uow_factory, "customer.created")
    assert created.entity_id == str(view.id)
    assert created.details["consent"] == {"newsletter": True, "marketing": False}
    assert created.details["consent_at"]


def test_chinese_sign_up_gets_a_chinese_welcome(uow_factory):
    view = accounts.create_account(
        uow_factory(), name="李华", email="lihua@example.cn", language="zh"
    )
    assert view.preferred_language == "zh" and view.phone is None
    [mail] = outbox(uow_factory, "welcome")
    assert "欢迎" in mail.subject and "李华" in mail.body and "订阅" not in mail.body


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@Example.com", " alice@EXAMPLE.com "])
def test_duplicate_sign_up_is_a_conflict_in_any_letter_case(uow_factory, email):
    add_customer(uow_factory)
    with pytest.raises(Conflict):
        accounts.create_account(uow_factory(), name="Mallory", email=email)
    with uow_factory() as uow:
        assert uow.session.execute(select(func.count(Customer.id))).scalar_one() == 1
    assert outbox(uow_factory) == []


def test_concurrent_duplicate_sign_ups_create_one_account(uow_factory):
    results = []

    def sign_up() -> None:
        try:
            accounts.create_account(uow_factory(), name="Twin", email="twin@example.com")
            results.append("ok")
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=sign_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results).count("ok") == 1 and len(results) == 4


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": "", "email": "a@example.com"}, "name"),
        ({"name": "   ", "email": "a@example.com"}, "name"),
        ({"name": "12345", "email": "a@example.com"}, "name"),
        ({"name": "<script>alert(1)</script>", "email": "a@example.com"}, "name"),
        ({"name": "x" * 101, "email": "a@example.com"}, "name"),
        ({"name": "Eve\x00", "email": "a@example.com"}, "name"),
        ({"name": "see http://spam.example", "email": "a@example.com"}, "name"),
        ({"name": "Eve", "email": "eve"}, "email"),
        ({"name": "Eve", "email": "'; DROP TABLE customers; --@x.com"}, "email"),
        ({"name": "Eve", "email": "a@example.com", "phone": "123"}, "phone"),
        ({"name": "Eve", "email": "a@example.com", "language": "fr"}, "preferred_language"),
    ],
)
def test_hostile_or_malformed_sign_ups_are_rejected(uow_factory, fields, field):
    with pytest.raises(ValidationError) as error:
        accounts.create_account(uow_factory(), **fields)
    assert error.value.field == field
    assert outbox(uow_factory) == []


def test_names_in_any_script_are_accepted(uow_factory):
    for name, email in (("Zoë O'Brien-Smith", "zoe@example.com"), ("欧阳 娜娜", "nana@example.cn")):
        assert accounts.create_account(uow_factory(), name=name, email=email).name == name


def test_update_profile_changes_only_what_is_given(uow_factory):
    alice = add_customer(uow_factory)
    view = accounts.update_profile(
        uow_factory(), alice, phone="07700 900999", preferred_language="zh", conversation_id="c"
    )
    assert view.phone == "07700 900999" and view.preferred_language == "zh"
    assert view.name == "Alice Smith"
    [entry] = audit(uow_factory, "customer.updated")
    assert entry.details["fields"] == ["phone", "preferred_language"]
    assert "07700" not in str(entry.details), "the audit names fields, not personal values"
    with uow_factory() as uow:
        assert uow.customers.get(alice).preferred_language == Language.ZH


def test_update_profile_validates(uow_factory):
    alice = add_customer(uow_factory)
    with pytest.raises(ValidationError):
        accounts.update_profile(uow_factory(), alice)
    with pytest.raises(ValidationError):
        accounts.update_profile(uow_factory(), alice, name="<b>")
    with pytest.raises(NotFound):
        accounts.update_profile(uow_factory(), alice + 1000, name="Nobody")
    gone = add_customer(uow_factory, "gone@example.com", active=False)
    with pytest.raises(NotFound):
        accounts.update_profile(uow_factory(), gone, name="Ghost")


@pytest.mark.parametrize("customer_id", [0, -1, True, "1"])
def test_get_account_rejects_odd_ids(uow_factory, customer_id):
    add_customer(uow_factory)
    with pytest.raises(NotFound):
        accounts.get_account(uow_factory(), customer_id)
