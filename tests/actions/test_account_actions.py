"""Sign-up, sign-up problems and password recovery actions against a seeded CRM."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from actions.account_common import VERIFIED_SLOT
from actions.accounts import (
    ActionCreateAccount,
    ActionRecoverPassword,
    ActionRegistrationProblem,
    ValidateCreateAccountForm,
    ValidateRecoverPasswordForm,
    ValidateRegistrationForm,
)
from crm_backend.models import Customer, OutboxMessage, Ticket
from tests.actions.account_support import (  # noqa: F401 - fixtures
    code_of,
    crm_url_fixture,
    last_email,
    new_customer,
    run,
    slot_events,
    unique_email,
    uow,
    use_crm_fixture,
    validate,
)

CREATE = ValidateCreateAccountForm()
WRONG = "000000"


@pytest.mark.parametrize(
    "slot, value, expected, said",
    [
        ("account_name", "  Li   Hua ", "Li Hua", []),
        ("account_name", "<script>", None, ["utter_account_invalid_name"]),
        ("account_name", "", None, ["utter_account_invalid_name"]),
        ("account_email", "mine is Li.Hua@Example.cn", "li.hua@example.cn", []),
        ("account_email", "lihua at example", None, ["utter_account_invalid_email"]),
        ("account_newsletter", "yes", "yes", []),
        ("account_newsletter", "不用了", "no", []),
        ("account_newsletter", "what's that?", None, ["utter_account_yes_or_no"]),
        ("account_confirm", "what's that?", None, ["utter_account_yes_or_no"]),
    ],
)
def test_create_form_validation(slot, value, expected, said):
    result, responses, _ = validate(CREATE, slot, value)
    assert result == {slot: expected} and responses == said


def form_slots(email: str, language: str = "zh", newsletter: str = "yes", **more):
    return {
        "account_name": "李华",
        "account_email": email,
        "account_newsletter": newsletter,
        "account_confirm": "yes",
        "language": language,
        **more,
    }


def ask_code(email: str, language: str = "zh", newsletter: str = "yes"):
    """The customer confirms the details: a code is e-mailed (or the next steps)."""
    return validate(CREATE, "account_confirm", "yes", form_slots(email, language, newsletter))


def type_code(email: str, challenge: str, code: str, language: str = "zh"):
    slots = form_slots(email, language, account_challenge=challenge)
    return validate(CREATE, "account_code", code, slots)


def anonymised(messages, email):
    """The dispatched messages with the address replaced: what the chat shows, minus it."""
    return [
        {key: "<address>" if value == email else value for key, value in message.items()}
        for message in messages
    ]


@pytest.mark.usefixtures("use_crm")
def test_sign_up_creates_the_account_only_with_the_emailed_code(crm_url):
    email = unique_email("lihua")
    result, said, messages = ask_code(email)
    assert said == ["utter_account_signup_code_sent"] and messages[0]["email"] == email
    assert result["account_confirm"] == "yes" and result["account_code"] is None
    with uow(crm_url) as unit:
        assert unit.customers.get_by_email(email) is None, "no account before the code"
    code = code_of(last_email(crm_url, email, "sign_up_code"))
    wrong, said, messages = type_code(email, result["account_challenge"], WRONG)
    assert wrong == {"account_code": None} and said == ["utter_account_code_wrong"]
    assert messages[0]["attempts_left"] == 4
    done, said, messages = type_code(email, result["account_challenge"], code)
    assert said == ["utter_account_signup_done"] and messages[0]["name"] == "李华"
    with uow(crm_url) as unit:
        customer = unit.customers.get_by_email(email)
        assert customer.name == "李华" and str(customer.preferred_language) == "zh"
        assert customer.newsletter is True
        assert done[VERIFIED_SLOT] == str(customer.id), "the new customer is verified"
    assert done["account_code"] == "confirmed"
    assert "欢迎" in last_email(crm_url, email, "welcome").subject
    _, said, _ = type_code(email, result["account_challenge"], code)
    assert said[0] == "utter_account_code_expired", "the code works once"


@pytest.mark.usefixtures("use_crm")
@pytest.mark.parametrize("language", ["en", "zh"])
def test_sign_up_answers_are_the_same_for_a_registered_address(crm_url, language):
    _, registered = new_customer(crm_url)
    fresh = unique_email("fresh")
    taken = ask_code(registered.upper(), language=language)
    free = ask_code(fresh, language=language)
    assert taken[1] == free[1] == ["utter_account_signup_code_sent"]
    assert anonymised(taken[2], registered) == anonymised(free[2], fresh)
    assert taken[0].keys() == free[0].keys()
    wrong = [
        type_code(email, result[0]["account_challenge"], WRONG, language)
        for email, result in ((registered, taken), (fresh, free))
    ]
    assert wrong[0] == wrong[1] and wrong[0][1] == ["utter_account_code_wrong"]
    # the difference went to the inboxes: a reset offer, or the code
    assert "reset-password?token=" in last_email(crm_url, registered, "account_exists").body
    last_email(crm_url, fresh, "sign_up_code")
    with uow(crm_url) as unit:
        names = unit.session.execute(select(Customer.name).where(Customer.email == registered))
        assert list(names.scalars()) == ["Test Customer"], "no second account"
        assert unit.customers.get_by_email(fresh) is None


@pytest.mark.usefixtures("use_crm")
def test_too_many_wrong_codes_end_the_sign_up(crm_url):
    email = unique_email("guess")
    result, _, _ = ask_code(email, language="en")
    answers = [type_code(email, result["account_challenge"], WRONG, "en")[1] for _ in range(5)]
    assert answers[:4] == [["utter_account_code_wrong"]] * 4
    assert answers[4] == ["utter_account_signup_locked"]
    code = code_of(last_email(crm_url, email, "sign_up_code"))
    assert type_code(email, result["account_challenge"], code, "en")[1] == [
        "utter_account_signup_locked"
    ]
    with uow(crm_url) as unit:
        assert unit.customers.get_by_email(email) is None


@pytest.mark.usefixtures("use_crm")
def test_repeated_sign_ups_are_rate_limited_alike(crm_url):
    _, registered = new_customer(crm_url)
    fresh = unique_email("again")
    for email in (registered, fresh):
        answers = [ask_code(email, language="en")[1] for _ in range(4)]
        assert answers[:3] == [["utter_account_signup_code_sent"]] * 3
        assert answers[3] == ["utter_account_too_many_requests"]


@pytest.mark.usefixtures("use_crm")
@pytest.mark.parametrize("slot, answer", [("account_confirm", "no"), ("account_code", "算了")])
def test_declined_sign_up_creates_nothing(crm_url, slot, answer):
    email = unique_email("declined")
    _, said, _ = validate(CREATE, slot, answer, form_slots(email, account_challenge="0" * 32))
    assert said == ["utter_account_not_created"]
    with uow(crm_url) as unit:
        assert unit.customers.get_by_email(email) is None


def test_create_account_action_clears_the_form():
    said, _, events = run(ActionCreateAccount(), form_slots("a@example.com"))
    assert said == [] and all(e["value"] is None for e in events)


@pytest.mark.parametrize(
    "value, expected, said",
    [
        ("bob@example", "bob@example", []),
        ("BOB@Example.com", "bob@example.com", []),
        ("I don't know", None, ["utter_account_invalid_email"]),
    ],
)
def test_registration_form_keeps_malformed_addresses_for_the_diagnosis(value, expected, said):
    result, responses, _ = validate(ValidateRegistrationForm(), "account_email", value)
    assert result == {"account_email": expected} and responses == said


@pytest.mark.usefixtures("use_crm")
def test_registration_problem_with_a_malformed_address_is_explained():
    assert run(ActionRegistrationProblem(), {"account_email": "bob@example"})[0] == [
        "utter_account_registration_invalid_email"
    ]


@pytest.mark.usefixtures("use_crm")
@pytest.mark.parametrize("language", ["en", "zh"])
def test_registration_problem_answer_is_the_same_for_registered_addresses(crm_url, language):
    _, registered = new_customer(crm_url)
    unknown = unique_email("newbie")
    issue = {"account_issue": "the page shows error 500", "language": language}
    known = run(ActionRegistrationProblem(), {"account_email": registered, **issue})
    other = run(ActionRegistrationProblem(), {"account_email": unknown, **issue})
    assert known[0] == other[0] == ["utter_account_registration_emailed"]
    assert anonymised(known[1], registered) == anonymised(other[1], unknown)
    assert slot_events(known[2]) == slot_events(other[2])
    assert "T-" not in str(other[1]), "the ticket reference is e-mailed, not shown"
    # the registered owner is offered a reset; the other address gets the ticket reference
    offer = last_email(crm_url, registered, "account_exists")
    assert "reset-password?token=" in offer.body
    mail = last_email(crm_url, unknown, "registration_ticket")
    reference = re.search(r"T-\d{6}", mail.subject).group()
    with uow(crm_url) as unit:
        ticket = unit.tickets.get(int(reference.split("-")[1]))
        assert unknown in ticket.notes and "error 500" in ticket.notes
        notes = list(unit.session.execute(select(Ticket.notes)).scalars())
        assert not any(registered in (note or "") for note in notes), "no ticket for it"


@pytest.mark.usefixtures("use_crm")
def test_registration_problem_is_rate_limited_alike(crm_url):
    _, registered = new_customer(crm_url)
    for email in (registered, unique_email("limited")):
        answers = [run(ActionRegistrationProblem(), {"account_email": email})[0] for _ in range(4)]
        assert answers[:3] == [["utter_account_registration_emailed"]] * 3
        assert answers[3] == ["utter_account_too_many_requests"]


@pytest.mark.usefixtures("use_crm")
def test_password_reset_answer_is_the_same_for_unknown_addresses(crm_url):
    known = run(ActionRecoverPassword(), {"account_email": "alice@example.com"})
    unknown = run(ActionRecoverPassword(), {"account_email": "stranger@example.com"})
    assert known[0] == unknown[0] == ["utter_account_reset_sent"]
    assert set(known[1][0]) == set(unknown[1][0])
    link = last_email(crm_url, "alice@example.com", "password_reset").body
    token = link.split("token=")[1].split()[0]
    assert token not in str(known[1]), "the token never appears in chat"
    with uow(crm_url) as unit:
        to_stranger = select(OutboxMessage).where(OutboxMessage.recipient == "stranger@example.com")
        assert unit.session.execute(to_stranger).first() is None


@pytest.mark.usefixtures("use_crm")
def test_password_reset_is_rate_limited():
    email = unique_email("impatient")
    answers = [run(ActionRecoverPassword(), {"account_email": email})[0] for _ in range(4)]
    assert answers[:3] == [["utter_account_reset_sent"]] * 3
    assert answers[3] == ["utter_account_too_many_requests"]


def test_recover_form_reasks_a_bad_address():
    result, said, _ = validate(ValidateRecoverPasswordForm(), "account_email", "x" * 5000)
    assert result == {"account_email": None} and said == ["utter_account_invalid_email"]
