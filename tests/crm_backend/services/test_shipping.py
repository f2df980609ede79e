"""Re-addressing orders, the address book, delivery options and the delivery estimate."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_backend.errors import InvalidState, NotFound, OrderNotFound, ValidationError
from crm_backend.models import AuditLog, OrderStatus, OutboxMessage
from crm_backend.services import delivery_policy as dp
from crm_backend.services.access import parse_identity
from crm_backend.services.addresses import AddressError, parse_address
from crm_backend.services.shipping import (
    MAX_ADDRESSES,
    RegionChange,
    change_shipping_address,
    delivery_options,
    get_shipping_details,
    set_up_shipping_address,
)
from tests.crm_backend.services.shop_fixtures import ALICE, ALICE_PHONE, NOW, WANG, make_shop

ME = parse_identity(email=ALICE)
S = OrderStatus
NEW_UK = parse_address("1 High St, Leeds LS1 4DY")


@pytest.fixture
def shop(uow_factory):
    shop = make_shop(uow_factory)
    shop.add_order("B2001", S.PENDING, [("85123A", 1)])
    shop.add_order("B2004", S.SHIPPED, [("85123A", 1)], paid_at=NOW)
    shop.add_order("B2005", S.PAID, [("85123A", 1)], paid_at=NOW, method="click_and_collect")
    shop.add_order("B2006", S.PAID, [("22969", 1)], customer=WANG, paid_at=NOW)
    return shop


def test_details_show_the_current_address(shop, uow_factory):
    view = get_shipping_details(uow_factory(), "B2001", ME)
    assert view.changeable and view.region == "uk" and view.address.postcode == "SW1A 1AA"


def test_change_the_address_of_a_pending_order(shop, uow_factory):
    view = change_shipping_address(uow_factory(), "B2001", ME, NEW_UK)
    assert view.changed and view.address == NEW_UK
    with uow_factory() as uow:
        order = uow.orders.get_by_number("B2001")
        assert (order.ship_line1, order.ship_city, order.ship_postcode) == (
            "1 High St",
            "Leeds",
            "LS1 4DY",
        )
        mail = uow.session.execute(select(OutboxMessage)).scalar_one()
        assert mail.template == "shipping_address_changed" and "Leeds" in mail.body
        assert uow.session.execute(select(AuditLog)).scalar_one().action == "order.address_changed"


def test_same_address_is_a_no_op(shop, uow_factory):
    change_shipping_address(uow_factory(), "B2001", ME, NEW_UK)
    again = change_shipping_address(uow_factory(), "B2001", ME, NEW_UK.as_dict())
    assert not again.changed


def test_chinese_order_to_a_new_chinese_address(shop, uow_factory):
    wang = parse_identity(email=WANG)
    address = parse_address("上海市浦东新区世纪大道100号 200120")
    assert change_shipping_address(uow_factory(), "B2006", wang, address).changed
    with uow_factory() as uow:
        mail = uow.session.execute(select(OutboxMessage)).scalar_one()
        assert "上海市" in mail.body and "收货地址" in mail.subject


@pytest.mark.parametrize(
    "number, address, error",
    [
        ("B2004", NEW_UK, InvalidState),  # shipped
        ("B2005", NEW_UK, InvalidState),  # click and collect
        ("B2001", parse_address("上海市浦东新区世纪大道100号 200120"), RegionChange),
        ("B2006", NEW_UK, OrderNotFound),  # not Alice's
        ("B2001", {"line1": "x", "city": "London", "country": "GB"}, AddressError),
        ("B2001", "12 Example Road, London SW1A 1AA", ValidationError),  # unparsed text
        ("B2001", None, ValidationError),
    ],
)
def test_refusals(shop, uow_factory, number, address, error):
    with pytest.raises(error):
        change_shipping_address(uow_factory(), number, ME, address)
    with uow_factory() as uow:
        assert uow.session.execute(select(OutboxMessage)).first() is None


def test_add_an_address_verified_by_an_order(shop, uow_factory):
    view = set_up_shipping_address(uow_factory(), ME, NEW_UK, order_number="B2004")
    assert not view.already_saved and not view.is_default and view.address_count == 2
    again = set_up_shipping_address(uow_factory(), ME, NEW_UK, order_number="B2004")
    assert again.already_saved and again.address_id == view.address_id
    with uow_factory() as uow:
        assert len(uow.customers.get_by_email(ALICE).addresses) == 2
        assert len(uow.session.execute(select(OutboxMessage)).all()) == 1


def test_add_an_address_verified_by_email_and_phone(shop, uow_factory):
    both = parse_identity(email=ALICE, phone="07700 900123")
    view = set_up_shipping_address(uow_factory(), both, NEW_UK, make_default=True)
    assert view.is_default
    with uow_factory() as uow:
        defaults = [a.city for a in uow.customers.get_by_email(ALICE).addresses if a.is_default]
        assert defaults == ["Leeds"]


@pytest.mark.parametrize(
    "identity, order_number, error",
    [
        (parse_identity(email=ALICE), None, ValidationError),  # e-mail alone is not enough
        (parse_identity(email=ALICE, phone="+86 138 0013 8000"), None, NotFound),
        (parse_identity(email="nobody@example.com", phone=ALICE_PHONE), None, NotFound),
        (parse_identity(email=ALICE), "B2006", OrderNotFound),
        (parse_identity(email=ALICE), "not-an-order", ValidationError),
    ],
)
def test_add_address_needs_a_verified_customer(shop, uow_factory, identity, order_number, error):
    with pytest.raises(error):
        set_up_shipping_address(uow_factory(), identity, NEW_UK, order_number=order_number)


def test_address_book_is_bounded(shop, uow_factory):
    for i in range(MAX_ADDRESSES - 1):
        set_up_shipping_address(
            uow_factory(),
            ME,
            parse_address(f"{i + 1} High St, Leeds LS1 4DY"),
            order_number="B2001",
        )
    with pytest.raises(InvalidState):
        set_up_shipping_address(
            uow_factory(), ME, parse_address("99 Other St, Leeds LS1 4DY"), order_number="B2001"
        )


# --- delivery policy -------------------------------------------------------------------

WED_MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
FRI_EVENING = datetime(2026, 11, 27, 18, 0, tzinfo=timezone.utc)
SAT = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "paid_at, dispatched",
    [
        (WED_MORNING, date(2026, 11, 25)),
        (WED_MORNING.replace(hour=14), date(2026, 11, 26)),
        (FRI_EVENING, date(2026, 11, 30)),
        (SAT, date(2026, 11, 30)),
    ],
)
def test_dispatch_cut_off_and_weekends(paid_at, dispatched):
    assert dp.dispatch_date(paid_at) == dispatched


def test_estimates_count_business_days():
    assert dp.estimate_delivery("uk", "express", WED_MORNING) == (
        date(2026, 11, 26),
        date(2026, 11, 26),
    )
    assert dp.estimate_delivery("uk", "standard", FRI_EVENING) == (
        date(2026, 12, 2),
        date(2026, 12, 4),
    )
    assert dp.estimate_delivery("china", "standard", WED_MORNING) == (
        date(2026, 12, 4),
        date(2026, 12, 11),
    )
    with pytest.raises(ValueError):
        dp.estimate_delivery("china", "click_and_collect", WED_MORNING)


@pytest.mark.parametrize(
    "country, region",
    [
        ("GB", "uk"),
        ("gb", "uk"),
        ("DE", "eu"),
        ("IE", "eu"),
        ("CN", "china"),
        ("US", "world"),
        ("HK", "world"),
        (None, None),
        ("", None),
    ],
)
def test_regions(country, region):
    assert dp.region_for_country(country) == region


def test_every_region_has_standard_and_express_and_uk_has_click_and_collect():
    for region in dp.REGIONS:
        methods = {o.method for o in dp.options_for(region)}
        assert {"standard", "express"} <= methods
        assert ("click_and_collect" in methods) == (region == "uk")


def test_free_delivery_threshold():
    standard = dp.option_for("uk", "standard")
    assert dp.delivery_price(standard, Decimal("39.99")) == Decimal("3.95")
    assert dp.delivery_price(standard, Decimal("40.00")) == 0


def test_delivery_options_view():
    views = delivery_options("eu", now=WED_MORNING)
    assert [v.method for v in views] == ["standard", "express"]
    assert views[0].earliest == WED_MORNING.date() + timedelta(days=7)  # 5 business days
    with pytest.raises(ValidationError):
        delivery_options("mars")
