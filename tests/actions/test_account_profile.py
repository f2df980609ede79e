"""Editing the profile, the newsletter and account deletion, against a seeded CRM."""

from __future__ import annotations

import asyncio
import re

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.privacy import (
    ActionDeleteAccount,
    ActionNewsletter,
    ValidateDeleteAccountForm,
    ValidateNewsletterForm,
)
from actions.profile import ActionEditAccount, ValidateEditAccountForm, field_of, language_of
from crm_backend.models import DataRequestKind, DataRequestStatus
from tests.actions.account_support import (  # noqa: F401 - fixtures
    code_of,
    crm_url_fixture,
    last_email,
    new_customer,
    run,
    tracker,
    unique_email,
    uow,
    use_crm_fixture,
    validate,
    verified,
)

EDIT = ValidateEditAccountForm()
DOMAIN_SLOTS = [
    "account_email",
    "account_code",
    "account_field",
    "account_new_value",
    "account_new_email_code",
]


@pytest.mark.parametrize(
    "text, field",
    [
        ("name", "name"),
        ("my phone number", "phone"),
        ("邮箱", "email"),
        ("语言", "language"),
        ("address", None),
    ],
)
def test_field_of(text, field):
    assert field_of(text) == field


def test_language_of():
    assert language_of("中文") == "zh" and language_of("English please") == "en"
    assert language_of("Spanish") is None


def required(slots):
    return asyncio.run(
        EDIT.required_slots(DOMAIN_SLOTS, CollectingDispatcher(), tracker(slots), {})
    )


def test_edit_form_asks_the_email_code_only_for_an_email_change():
    assert required({}) == DOMAIN_SLOTS[:4]
    assert required(verified(1, account_field="phone")) == ["account_field", "account_new_value"]
    assert required(verified(1, account_field="email"))[-1] == "account_new_email_code"


@pytest.mark.parametrize(
    "field, value, expected, said",
    [
        ("name", " Alice  Jones ", "Alice Jones", []),
        ("name", "<img src=x>", None, ["utter_account_invalid_name"]),
        ("phone", "+44 7700 900999", "+44 7700 900999", []),
        ("phone", "call me", None, ["utter_account_invalid_phone"]),
        ("language", "中文", "zh", []),
        ("language", "Klingon", None, ["utter_account_invalid_language"]),
    ],
)
def test_new_value_validation(field, value, expected, said):
    result, responses, _ = validate(
        EDIT, "account_new_value", value, verified(1, account_field=field)
    )
    assert result == {"account_new_value": expected} and responses == said


@pytest.mark.usefixtures("use_crm")
def test_change_name_and_language(crm_url):
    customer_id, _ = new_customer(crm_url)
    said, messages, _ = run(
        ActionEditAccount(),
        verified(customer_id, account_field="name", account_new_value="Ann Lee"),
    )
    assert said == ["utter_account_updated_name"] and messages[0]["value"] == "Ann Lee"
    said, _, _ = run(
        ActionEditAccount(), verified(customer_id, account_field="language", account_new_value="zh")
    )
    assert said == ["utter_account_updated_language_zh"]
    with uow(crm_url) as unit:
        customer = unit.customers.get(customer_id)
        assert customer.name == "Ann Lee" and str(customer.preferred_language) == "zh"


@pytest.mark.usefixtures("use_crm")
def test_change_email_needs_the_code_sent_to_the_new_address(crm_url):
    customer_id, old_email = new_customer(crm_url)
    new_email = unique_email("moved")
    slots = verified(customer_id, account_field="email")
    result, said, _ = validate(EDIT, "account_new_value", new_email.upper(), slots)
    assert said == ["utter_account_email_code_sent"] and result["account_new_value"] == new_email
    slots.update(result)
    code = code_of(last_email(crm_url, new_email, "email_change_code"))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert validate(EDIT, "account_new_email_code", wrong, slots)[1] == ["utter_account_code_wrong"]
    result, said, _ = validate(EDIT, "account_new_email_code", code, slots)
    assert result["account_new_email_code"] == "confirmed" and said == []
    said, messages, _ = run(ActionEditAccount(), {**slots, **result})
    assert said == ["utter_account_updated_email"] and messages[0]["value"] == new_email
    with uow(crm_url) as unit:
        assert unit.customers.get(customer_id).email == new_email
    assert new_email in last_email(crm_url, old_email, "email_changed").body


@pytest.mark.usefixtures("use_crm")
def test_email_change_to_a_taken_address_answers_as_for_a_free_one(crm_url):
    customer_id, email = new_customer(crm_url)
    _, taken = new_customer(crm_url)
    free = unique_email("free")
    slots = verified(customer_id, account_field="email")
    to_taken, said_taken, messages_taken = validate(EDIT, "account_new_value", taken, slots)
    to_free, said_free, messages_free = validate(EDIT, "account_new_value", free, slots)
    assert said_taken == said_free == ["utter_account_email_code_sent"]
    assert [{**m, "account_new_value": "<e>"} for m in messages_taken] == [
        {**m, "account_new_value": "<e>"} for m in messages_free
    ]
    assert set(to_taken) == set(to_free) and to_taken["account_new_value"] == taken
    # the owner of the taken address is told instead of getting a code
    notice = last_email(crm_url, taken, "email_change_taken")
    assert not re.search(r"\b\d{6}\b", notice.body)
    code_of(last_email(crm_url, free, "email_change_code"))
    slots.update(to_taken)
    assert validate(EDIT, "account_new_email_code", "123456", slots)[1] == [
        "utter_account_code_wrong"
    ]
    with uow(crm_url) as unit:
        assert unit.customers.get(customer_id).email == email
    assert validate(EDIT, "account_new_value", email, slots)[1] == ["utter_account_email_same"]


@pytest.mark.usefixtures("use_crm")
def test_unverified_or_vanished_customer_changes_nothing(crm_url):
    assert run(ActionEditAccount(), {"account_field": "name", "account_new_value": "X"})[0] == []
    said, _, events = run(
        ActionEditAccount(), verified(999_999, account_field="name", account_new_value="X")
    )
    assert said == ["utter_account_verification_lost"]
    assert any(e["name"] == "verified_customer_id" and e["value"] is None for e in events)


@pytest.mark.parametrize(
    "value, choice",
    [("unsubscribe", "unsubscribe"), ("订阅", "subscribe"), ("退订", "unsubscribe"), ("hmm", None)],
)
def test_newsletter_choice_validation(value, choice):
    result, _, _ = validate(ValidateNewsletterForm(), "account_newsletter_choice", value)
    assert result == {"account_newsletter_choice": choice}


@pytest.mark.usefixtures("use_crm")
def test_newsletter_subscribe_and_unsubscribe(crm_url):
    customer_id, email = new_customer(crm_url, newsletter=True)
    said, messages, _ = run(
        ActionNewsletter(), verified(customer_id, account_newsletter_choice="unsubscribe")
    )
    assert said == ["utter_account_newsletter_unsubscribed"] and messages[0]["email"] == email
    said, _, _ = run(
        ActionNewsletter(), verified(customer_id, account_newsletter_choice="unsubscribe")
    )
    assert said == ["utter_account_newsletter_already_unsubscribed"]
    said, _, _ = run(
        ActionNewsletter(), verified(customer_id, account_newsletter_choice="subscribe")
    )
    assert said == ["utter_account_newsletter_subscribed"]
    with uow(crm_url) as unit:
        assert unit.customers.get(customer_id).newsletter is True
    assert run(ActionNewsletter(), {"account_newsletter_choice": "subscribe"})[0] == []


def test_delete_confirmation_validation():
    form = ValidateDeleteAccountForm()
    assert validate(form, "account_delete_confirm", "yes")[0] == {"account_delete_confirm": "yes"}
    result, said, _ = validate(form, "account_delete_confirm", "perhaps")
    assert result == {"account_delete_confirm": None} and said == ["utter_account_yes_or_no"]


@pytest.mark.usefixtures("use_crm")
def test_delete_account_records_a_pending_request(crm_url):
    customer_id, email = new_customer(crm_url)
    assert run(ActionDeleteAccount(), verified(customer_id, account_delete_confirm="no"))[0] == [
        "utter_account_deletion_cancelled"
    ]
    said, messages, _ = run(
        ActionDeleteAccount(), verified(customer_id, account_delete_confirm="yes")
    )
    assert said == ["utter_account_deletion_requested"]
    reference = messages[0]["reference"]
    assert reference.startswith("DR-") and messages[0]["email"] == email and messages[0]["due_date"]
    with uow(crm_url) as unit:
        [request] = unit.data_requests.list_for_customer(customer_id)
        assert (
            request.kind == DataRequestKind.DELETE and request.status == DataRequestStatus.PENDING
        )
    said, messages, _ = run(
        ActionDeleteAccount(), verified(customer_id, account_delete_confirm="yes")
    )
    assert (
        said == ["utter_account_deletion_already_requested"]
        and messages[0]["reference"] == reference
    )
    assert run(ActionDeleteAccount(), {"account_delete_confirm": "yes"})[0] == []


@pytest.mark.usefixtures("use_crm")
def test_alice_is_told_about_her_orders_in_progress(crm_url):
    with uow(crm_url) as unit:
        alice = unit.customers.get_by_email("alice@example.com").id
    said, messages, _ = run(
        ActionDeleteAccount(),
        {**verified(alice), "account_delete_confirm": "yes", "language": "zh"},
    )
    assert said == ["utter_account_deletion_requested", "utter_account_deletion_orders_in_progress"]
    assert messages[1]["count"] >= 3 and "年" in messages[0]["due_date"]


@pytest.mark.usefixtures("use_crm")
def test_new_email_code_can_be_resent(crm_url):
    customer_id, _ = new_customer(crm_url)
    new_email = unique_email("resend")
    slots = verified(customer_id, account_field="email")
    first, _, _ = validate(EDIT, "account_new_value", new_email, slots)
    slots.update(first)
    again, said, _ = validate(EDIT, "account_new_email_code", "didn't get it, resend", slots)
    assert said == ["utter_account_email_code_sent"]
    assert again["account_challenge"] != first["account_challenge"]
    assert again["account_new_email_code"] is None
