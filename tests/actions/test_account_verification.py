"""Verification in chat (e-mail -> code), switching accounts, and the flow-starting action."""

from __future__ import annotations

import asyncio
import time

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import crm
from actions.account_common import (
    ActionAccountPrepare,
    is_informative_complaint,
    newsletter_choice,
    rating_in_text,
    verified_customer,
    yes_or_no,
)
from actions.verification import ActionAccountVerified, ActionSwitchAccount, ValidateVerifyForm
from crm_backend.db import make_engine, make_session_factory
from crm_backend.services import verification
from tests.actions.account_support import (  # noqa: F401 - fixtures
    code_of,
    crm_url_fixture,
    last_email,
    new_customer,
    run,
    slot_events,
    tracker,
    use_crm_fixture,
    validate,
    verified,
)

FORM = ValidateVerifyForm()


def start(email: str):
    result, said, messages = validate(FORM, "account_email", email, {"language": "en"})
    return result, said, messages


@pytest.mark.usefixtures("use_crm")
def test_email_then_code_verifies_the_customer(crm_url):
    customer_id, email = new_customer(crm_url)
    result, said, messages = start(f"it's {email.upper()} thanks")
    assert said == ["utter_account_code_sent"] and messages[0]["account_email"] == email
    assert result["account_email"] == email and len(result["account_challenge"]) == 32
    code = code_of(last_email(crm_url, email, "verification_code"))
    assert all(code not in str(m) for m in messages), "the code never appears in chat"
    slots = {"account_email": email, "account_challenge": result["account_challenge"]}
    done, said, _ = validate(FORM, "account_code", f" {code} ", slots)
    assert said == ["utter_account_verified"]
    assert done["verified_customer_id"] == str(customer_id) and done["account_code"] is None
    assert done["verified_until"] > time.time() + 25 * 60


@pytest.mark.usefixtures("use_crm")
def test_unknown_address_gets_the_same_answer(crm_url):
    _, email = new_customer(crm_url)
    known = start(email)
    unknown = start("nobody-at-all@example.com")
    assert known[1] == unknown[1] == ["utter_account_code_sent"]
    assert set(known[0]) == set(unknown[0])
    slots = {
        "account_email": "nobody-at-all@example.com",
        "account_challenge": unknown[0]["account_challenge"],
    }
    result, said, messages = validate(FORM, "account_code", "123456", slots)
    assert said == ["utter_account_code_wrong"] and messages[0]["attempts_left"] == 4
    assert result == {"account_code": None}


@pytest.mark.usefixtures("use_crm")
def test_wrong_malformed_and_locked_codes(crm_url):
    _, email = new_customer(crm_url)
    challenge = start(email)[0]["account_challenge"]
    code = code_of(last_email(crm_url, email, "verification_code"))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    slots = {"account_email": email, "account_challenge": challenge}
    assert validate(FORM, "account_code", "12ab", slots)[1] == ["utter_account_code_malformed"]
    for _ in range(verification.MAX_ATTEMPTS - 1):
        assert validate(FORM, "account_code", wrong, slots)[1] == ["utter_account_code_wrong"]
    result, said, _ = validate(FORM, "account_code", wrong, slots)
    assert said == ["utter_account_code_locked"]
    assert result["account_email"] is None, "the form asks for the address again"
    assert validate(FORM, "account_code", code, slots)[1] == ["utter_account_code_locked"]


@pytest.mark.usefixtures("use_crm")
def test_resend_and_a_corrected_address_issue_new_codes(crm_url):
    _, email = new_customer(crm_url)
    first = start("typo@example.com")[0]
    slots = {"account_email": "typo@example.com", "account_challenge": first["account_challenge"]}
    corrected, said, _ = validate(FORM, "account_code", f"sorry, it is {email}", slots)
    assert said == ["utter_account_code_sent"] and corrected["account_email"] == email
    again, said, _ = validate(
        FORM, "account_code", "I didn't get it, please resend", {**slots, **corrected}
    )
    assert said == ["utter_account_code_sent"]
    assert again["account_challenge"] != corrected["account_challenge"]


@pytest.mark.usefixtures("use_crm")
def test_missing_challenge_restarts_and_bad_email_reasks():
    result, said, _ = validate(FORM, "account_code", "123456", {"account_email": "a@example.com"})
    assert result["account_email"] is None and said == []
    result, said, _ = validate(FORM, "account_email", "'; DROP TABLE customers; --", {})
    assert result == {"account_email": None} and said == ["utter_account_invalid_email"]


def run_form(slots, requested, text):
    dispatcher = CollectingDispatcher()
    domain = {"forms": {"verify_form": {"required_slots": ["account_email", "account_code"]}}}
    t = tracker({**slots, "requested_slot": requested}, text)
    t.events = [{"event": "slot", "name": requested, "value": text}]
    t.slots[requested] = text
    events = asyncio.run(FORM.run(dispatcher, t, domain))
    return slot_events(events), [m.get("response") for m in dispatcher.messages]


@pytest.mark.usefixtures("use_crm")
def test_too_many_codes_end_the_form(crm_url):
    _, email = new_customer(crm_url)
    for _ in range(verification.MAX_CODES_PER_HOUR):
        assert start(email)[1] == ["utter_account_code_sent"]
    slots, said = run_form({"language": "en"}, "account_email", email)
    assert said == ["utter_account_too_many_requests"]
    assert slots["requested_slot"] is None, "the form stops instead of asking again"


@pytest.mark.usefixtures("use_crm")
def test_a_verified_customer_is_not_asked_again(crm_url):
    customer_id, email = new_customer(crm_url)
    dispatcher = CollectingDispatcher()
    needed = asyncio.run(
        FORM.required_slots(
            ["account_email", "account_code"], dispatcher, tracker(verified(customer_id)), {}
        )
    )
    assert needed == []
    expired = {**verified(customer_id), "verified_until": time.time() - 1}
    assert verified_customer(tracker(expired)) is None
    assert verified_customer(tracker({"verified_customer_id": "x", "verified_until": "y"})) is None


def test_database_failure_gets_an_apology(monkeypatch: pytest.MonkeyPatch):
    broken = make_session_factory(make_engine("sqlite:////nonexistent/dir/crm.sqlite3"))
    monkeypatch.setattr(crm, "session_factory", lambda: broken)
    slots, said = run_form({"language": "en"}, "account_email", "alice@example.com")
    assert said == ["utter_technical_problem"] and slots["requested_slot"] is None


def test_switch_account_forgets_the_verified_customer():
    said, _, events = run(ActionSwitchAccount(), verified(7), "switch to bob@example.com")
    assert said == ["utter_account_switch"]
    slots = slot_events(events)
    assert slots["verified_customer_id"] is None and slots["account_email"] == "bob@example.com"
    said, _, _ = run(ActionSwitchAccount(), {}, "switch account")
    assert said == ["utter_account_switch_not_verified"]


def test_verified_prompt_only_when_verified():
    assert run(ActionAccountVerified(), verified(7))[0] == ["utter_account_verified_what_next"]
    assert run(ActionAccountVerified(), {})[0] == []


@pytest.mark.parametrize(
    "intent, text, expected",
    [
        (
            "newsletter_subscription",
            "please unsubscribe me",
            {"account_newsletter_choice": "unsubscribe"},
        ),
        (
            "newsletter_subscription",
            "我想订阅你们的newsletter",
            {"account_newsletter_choice": "subscribe"},
        ),
        (
            "recover_password",
            "forgot password for Bob@Example.com",
            {"account_email": "bob@example.com"},
        ),
        ("complaint", "订单A1023的相框全碎了，太失望了", {"feedback_order": "A1023"}),
        ("review", "5 stars for order A1001!", {"feedback_rating": "5", "feedback_order": "A1001"}),
        (
            "registration_problems",
            "sign up says error 500",
            {"account_issue": "sign up says error 500"},
        ),
        (
            "edit_account",
            "帮我把手机号改成13800138000",
            {"account_field": "phone", "account_new_value": "13800138000"},
        ),
        (
            "edit_account",
            "change my e-mail to new@example.com",
            {"account_field": "email", "account_email": None},
        ),
        ("delete_account", "delete bob@example.com please", {"account_email": "bob@example.com"}),
        (
            "edit_account",
            "change my language to Chinese",
            {"account_field": "language", "account_new_value": "zh"},
        ),
    ],
)
def test_prepare_prefills_from_the_opening_message(intent, text, expected):
    _, _, events = run(ActionAccountPrepare(), {"account_code": "123456"}, text, intent)
    slots = slot_events(events)
    assert slots["account_code"] is None, "stale slots are cleared"
    for name, value in expected.items():
        assert slots.get(name) == value


def test_prepare_keeps_generic_complaints_for_the_question():
    _, _, events = run(ActionAccountPrepare(), {}, "我要投诉", "complaint")
    assert all(e["value"] is None for e in events if e["name"] == "feedback_complaint")


@pytest.mark.parametrize(
    "value, answer",
    [
        ("yes", "yes"),
        ("是的", "yes"),
        ("No thanks", "no"),
        ("不用了", "no"),
        ("maybe", None),
        (None, None),
    ],
)
def test_yes_or_no(value, answer):
    assert yes_or_no(value) == answer


def test_text_heuristics():
    assert newsletter_choice("不想再收到你们的推广邮件") == "unsubscribe"
    assert newsletter_choice("newsletter") is None
    assert is_informative_complaint("the mug arrived broken")
    assert not is_informative_complaint("I want to make a complaint")
    assert rating_in_text("I bought 2 mugs") is None and rating_in_text("给五星") == "5"
