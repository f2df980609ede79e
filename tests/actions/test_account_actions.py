"""Sign-up, sign-up problems and password recovery actions against a seeded CRM."""

from __future__ import annotations

import pytest
from sqlalchemy import select

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
    crm_url_fixture,
    last_email,
    run,
    unique_email,
    uow,
    use_crm_fixture,
    validate,
)

CREATE = ValidateCreateAccountForm()


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
        ("account_confirm", "no", "no", []),
    ],
)
def test_create_form_validation(slot, value, expected, said):
    result, responses, _ = validate(CREATE, slot, value)
    assert result == {slot: expected} and responses == said


def sign_up(email: str, language: str = "zh", newsletter: str = "yes", confirm: str = "yes"):
    slots = {
        "account_name": "李华",
        "account_email": email,
        "account_newsletter": newsletter,
        "account_confirm": confirm,
        "language": language,
    }
    return run(ActionCreateAccount(), slots)


@pytest.mark.usefixtures("use_crm")
def test_sign_up_in_chinese_creates_the_account_and_a_welcome_email(crm_url):
    email = unique_email("lihua")
    said, messages, events = sign_up(email)
    assert said == ["utter_account_created"] and messages[0]["email"] == email
    with uow(crm_url) as unit:
        customer = unit.customers.get_by_email(email)
        assert customer.name == "李华" and str(customer.preferred_language) == "zh"
        assert customer.newsletter is True
    assert "欢迎" in last_email(crm_url, email, "welcome").subject
    assert all(e["value"] is None for e in events), "the form slots are cleared"


@pytest.mark.usefixtures("use_crm")
def test_duplicate_sign_up_suggests_a_password_reset(crm_url):
    said, messages, _ = sign_up("ALICE@example.com", language="en")
    assert said == ["utter_account_already_exists"]
    with uow(crm_url) as unit:
        names = unit.session.execute(
            select(Customer.name).where(Customer.email == "alice@example.com")
        )
        assert list(names.scalars()) == ["Alice Smith"]


@pytest.mark.usefixtures("use_crm")
def test_declined_sign_up_creates_nothing(crm_url):
    email = unique_email("declined")
    said, _, _ = sign_up(email, confirm="no")
    assert said == ["utter_account_not_created"]
    with uow(crm_url) as unit:
        assert unit.customers.get_by_email(email) is None


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
def test_registration_problem_diagnoses(crm_url):
    assert run(ActionRegistrationProblem(), {"account_email": "bob@example"})[0] == [
        "utter_account_registration_invalid_email"
    ]
    said, messages, _ = run(ActionRegistrationProblem(), {"account_email": "wangfang@example.cn"})
    assert said == ["utter_account_registration_already_registered"]
    email = unique_email("newbie")
    slots = {"account_email": email, "account_issue": "the page shows error 500"}
    said, messages, _ = run(ActionRegistrationProblem(), slots)
    assert said == ["utter_account_registration_ticket"]
    reference = messages[0]["reference"]
    with uow(crm_url) as unit:
        ticket = unit.tickets.get(int(reference.split("-")[1]))
        assert email in ticket.notes and "error 500" in ticket.notes


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


@pytest.mark.usefixtures("use_crm")
def test_tickets_are_not_opened_for_registered_addresses(crm_url):
    with uow(crm_url) as unit:
        before = len(list(unit.session.execute(select(Ticket.id)).scalars()))
    run(ActionRegistrationProblem(), {"account_email": "alice@example.com"})
    with uow(crm_url) as unit:
        assert len(list(unit.session.execute(select(Ticket.id)).scalars())) == before
