"""Shipping address form (change an order's address / add to the address book) and saving."""

from __future__ import annotations

import pytest

from actions.address_save import ActionAskAddressConfirmed, ActionSaveShippingAddress
from actions.order_flow import ActionOrderFlowReset
from actions.shipping_address import ValidateShippingAddressForm
from crm_backend.services.addresses import parse_address
from tests.actions.order_flow_support import (
    ALICE,
    broken_crm,
    responses,
    run,
    shop,
    slots_of,
    tracker,
)

__all__ = ["broken_crm", "shop"]
FORM = "shipping_address_form"
LEEDS = parse_address("1 High St, Leeds LS1 4DY").as_dict()
UK_CONTEXT = {"order_number": "A1004", "country": "GB", "region": "uk"}


def test_reset_sets_the_purpose_from_the_intent():
    _, events = run(
        ActionOrderFlowReset(), tracker(text="add a new address", intent="set_up_shipping_address")
    )
    assert slots_of(events)["address_purpose"] == "add"
    _, events = run(
        ActionOrderFlowReset(), tracker(text="我想改收货地址", intent="change_shipping_address")
    )
    assert slots_of(events)["address_purpose"] == "change"


@pytest.mark.usefixtures("shop")
def test_change_shows_the_current_address_then_asks_for_the_new_one():
    track = tracker(
        {"order_number": "A1004", "address_purpose": "change"},
        text=ALICE,
        new_slots={"identity": ALICE},
        requested="identity",
        active_loop=FORM,
    )
    dispatcher, events = run(ValidateShippingAddressForm(), track)
    assert responses(dispatcher) == ["utter_current_address"]
    assert "SW1A 1AA" in dispatcher.messages[0]["address"]
    assert slots_of(events)["address_context"] == UK_CONTEXT
    assert slots_of(events)["requested_slot"] == "shipping_address"


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize(
    "number, response",
    [("A1001", "utter_order_locked_shipped"), ("A1009", "utter_order_click_and_collect")],
)
def test_change_refused(number, response):
    track = tracker(
        {"identity": ALICE, "address_purpose": "change"},
        text=number,
        new_slots={"order_number": number},
        requested="order_number",
        active_loop=FORM,
    )
    dispatcher, events = run(ValidateShippingAddressForm(), track)
    assert responses(dispatcher) == [response]
    assert slots_of(events)["requested_slot"] is None


def address_turn(text: str, purpose: str = "change", language: str = "en"):
    slots = {
        "order_number": "A1004",
        "identity": ALICE,
        "address_purpose": purpose,
        "address_context": UK_CONTEXT if purpose == "change" else None,
        "address_proof": "order:A1004",
    }
    return tracker(
        slots, text=text, requested="shipping_address", active_loop=FORM, language=language
    )


def test_an_address_in_one_message_is_parsed():
    _, events = run(ValidateShippingAddressForm(), address_turn("1 High St, Leeds LS1 4DY"))
    assert slots_of(events)["shipping_address"] == LEEDS
    assert slots_of(events)["requested_slot"] == "address_confirmed"


def test_the_orders_country_is_the_default():
    _, events = run(ValidateShippingAddressForm(), address_turn("1 High St, Leeds, LS1 4DY"))
    assert slots_of(events)["shipping_address"]["country"] == "GB"


@pytest.mark.parametrize(
    "text, response",
    [
        ("1 High St, Leeds", "utter_invalid_address_postcode"),
        ("1 High St, Leeds, ZZ99", "utter_invalid_address_postcode"),
        ("<b>1 High St</b>, Leeds LS1 4DY", "utter_invalid_address_address"),
        ("上海市浦东新区世纪大道100号 200120", "utter_address_other_region"),
        ("x" * 5000, "utter_invalid_address_address"),
    ],
)
def test_bad_addresses_are_reasked(text, response):
    dispatcher, events = run(ValidateShippingAddressForm(), address_turn(text))
    assert responses(dispatcher) == [response]
    assert slots_of(events)["shipping_address"] is None
    assert slots_of(events)["requested_slot"] == "shipping_address"


def test_a_new_address_may_be_anywhere():
    _, events = run(
        ValidateShippingAddressForm(), address_turn("上海市浦东新区世纪大道100号 200120", "add")
    )
    assert slots_of(events)["shipping_address"]["city"] == "上海市"


def confirm(text: str, intent: str = "inform"):
    slots = {
        "order_number": "A1004",
        "identity": ALICE,
        "address_purpose": "change",
        "address_context": UK_CONTEXT,
        "shipping_address": LEEDS,
    }
    return tracker(slots, text=text, intent=intent, requested="address_confirmed", active_loop=FORM)


def test_read_back_then_yes():
    dispatcher, _ = run(ActionAskAddressConfirmed(), confirm(""))
    assert dispatcher.messages[0]["address"] == "1 High St\nLeeds LS1 4DY\nUnited Kingdom"
    _, events = run(ValidateShippingAddressForm(), confirm("yes", "affirm"))
    assert slots_of(events)["address_confirmed"] == "yes"
    assert slots_of(events)["requested_slot"] is None


def test_no_asks_for_the_address_again():
    dispatcher, events = run(ValidateShippingAddressForm(), confirm("不对", "deny"))
    assert responses(dispatcher) == ["utter_address_retype"]
    assert slots_of(events)["shipping_address"] is None
    assert slots_of(events)["requested_slot"] == "shipping_address"


def test_save_the_changed_address(shop):
    slots = {
        "order_number": "A1004",
        "identity": ALICE,
        "address_purpose": "change",
        "shipping_address": LEEDS,
        "address_confirmed": "yes",
    }
    dispatcher, events = run(ActionSaveShippingAddress(), tracker(slots))
    assert responses(dispatcher) == ["utter_address_changed"]
    assert slots_of(events)["shipping_address"] is None and slots_of(events)["order_number"] is None
    with shop.make_uow() as uow:
        assert uow.orders.get_by_number("A1004").ship_city == "Leeds"
    dispatcher, _ = run(ActionSaveShippingAddress(), tracker(slots))
    assert responses(dispatcher) == ["utter_address_unchanged"]


def test_nothing_saved_without_a_yes(shop):
    slots = {"order_number": "A1004", "identity": ALICE, "shipping_address": LEEDS}
    dispatcher, _ = run(ActionSaveShippingAddress(), tracker(slots))
    assert dispatcher.messages == []
    with shop.make_uow() as uow:
        assert uow.orders.get_by_number("A1004").ship_city == "London"


# --- adding an address -----------------------------------------------------------------


def test_add_asks_identity_and_proof_not_an_order():
    track = tracker(
        {"address_purpose": "add"}, text="add an address", intent="set_up_shipping_address"
    )
    _, events = run(ValidateShippingAddressForm(), track)
    assert slots_of(events)["requested_slot"] == "identity"


def proof(text: str, identity: str = ALICE):
    return tracker(
        {"address_purpose": "add", "identity": identity, "address_context": {"identity": ALICE}},
        text=text,
        requested="address_proof",
        active_loop=FORM,
    )


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("text", ["A1001", "my order was a1004", "+44 7700 900123"])
def test_proof_by_order_or_phone(text):
    dispatcher, events = run(
        ValidateShippingAddressForm(),
        proof(text, identity="+44 7700 900123" if "+" in text else ALICE),
    )
    assert dispatcher.messages == []
    assert slots_of(events)["address_proof"]
    assert slots_of(events)["identity"] == ALICE, "the phone didn't replace the e-mail"
    assert slots_of(events)["requested_slot"] == "shipping_address"


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize(
    "text, response",
    [
        ("A1002", "utter_address_account_not_found"),  # Wang Fang's order
        ("+86 138 0013 8000", "utter_address_account_not_found"),
        ("dunno", "utter_invalid_address_proof"),
        ("bob@example.com", "utter_invalid_address_proof"),
    ],  # e-mail again: need the other one
)
def test_bad_proof(text, response):
    dispatcher, events = run(
        ValidateShippingAddressForm(), proof(text, identity=text if "+" in text else ALICE)
    )
    assert responses(dispatcher) == [response]
    assert slots_of(events)["address_proof"] is None


def test_add_to_the_address_book(shop):
    slots = {
        "address_purpose": "add",
        "identity": ALICE,
        "address_proof": "contact:07700 900123",
        "shipping_address": LEEDS,
        "address_confirmed": "yes",
    }
    dispatcher, _ = run(ActionSaveShippingAddress(), tracker(slots))
    assert responses(dispatcher) == ["utter_address_saved"]
    dispatcher, _ = run(ActionSaveShippingAddress(), tracker(slots))
    assert responses(dispatcher) == ["utter_address_already_saved"]


@pytest.mark.usefixtures("broken_crm")
def test_database_down():
    slots = {
        "address_purpose": "add",
        "identity": ALICE,
        "address_proof": "order:A1004",
        "shipping_address": LEEDS,
        "address_confirmed": "yes",
    }
    dispatcher, _ = run(ActionSaveShippingAddress(), tracker(slots))
    assert responses(dispatcher) == ["utter_technical_problem"]
