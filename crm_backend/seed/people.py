"""Staff accounts, the fixed demo customers and generated customers."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from typing import List

from argon2 import PasswordHasher
from faker import Faker

from crm_backend.models import Address, Customer, Language, StaffRole, StaffUser

# Demo credentials, printed by `make run`; never use outside a demo database.
DEMO_STAFF = (
    ("agent", "agent123", "Sam (Support)", StaffRole.AGENT),
    ("admin", "admin123", "Alex (Admin)", StaffRole.ADMIN),
)
ALICE_EMAIL = "alice@example.com"
WANG_FANG_EMAIL = "wangfang@example.cn"
EN_COUNTRIES = ("GB",) * 8 + ("IE", "DE", "FR", "NL")
ADDRESS_LOCALES = {
    "GB": "en_GB",
    "IE": "en_IE",
    "DE": "de_DE",
    "FR": "fr_FR",
    "NL": "nl_NL",
    "CN": "zh_CN",
}


def make_staff(now: datetime) -> List[StaffUser]:
    hasher = PasswordHasher()
    return [
        StaffUser(
            username=username,
            display_name=display,
            password_hash=hasher.hash(password),
            role=role,
            active=True,
            created_at=now - timedelta(days=365),
        )
        for username, password, display, role in DEMO_STAFF
    ]


def make_demo_customers(now: datetime) -> List[Customer]:
    """Alice Smith (en, UK) and 王芳 Wang Fang (zh, Beijing): see seed/DEMO.md."""
    alice = Customer(
        external_ref="17850",
        name="Alice Smith",
        email=ALICE_EMAIL,
        phone="+44 7700 900123",
        preferred_language=Language.EN,
        country="GB",
        marketing_consent=True,
        newsletter=True,
        created_at=now - timedelta(days=400),
        anonymised=False,
    )
    alice.addresses.append(
        Address(
            line1="12 Example Road",
            line2="Flat 3",
            city="London",
            postcode="SW1A 1AA",
            country="GB",
            is_default=True,
        )
    )
    wang = Customer(
        external_ref="12583",
        name="王芳",
        email=WANG_FANG_EMAIL,
        phone="+86 138 0013 8000",
        preferred_language=Language.ZH,
        country="CN",
        marketing_consent=False,
        newsletter=False,
        created_at=now - timedelta(days=200),
        anonymised=False,
    )
    wang.addresses.append(
        Address(
            line1="朝阳区建国路88号",
            line2="3号楼1201室",
            city="北京",
            postcode="100022",
            country="CN",
            is_default=True,
        )
    )
    return [alice, wang]


def _ascii_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", text.lower()).strip(".") or "customer"


def make_customers(
    rng: random.Random, fake_en: Faker, fake_zh: Faker, now: datetime, count: int
) -> List[Customer]:
    """``count`` generated customers; every third one is a Chinese speaker.

    Phone numbers come from fictional ranges (Ofcom's 07700 900xxx drama range; +86 138 0013
    8xxx); customers outside GB/CN get none, so nothing real is ever texted.
    """
    addresses = {c: Faker(loc) for c, loc in ADDRESS_LOCALES.items()}
    for offset, fake in enumerate(addresses.values()):
        fake.seed_instance(rng.randint(0, 2**31) + offset)
    taken = {"17850", "12583"}  # the demo customers' refs
    refs = rng.sample([r for r in range(12346, 18288) if str(r) not in taken], count)
    customers: List[Customer] = []
    for i in range(count):
        zh = i % 3 == 2
        fake = fake_zh if zh else fake_en
        if zh:
            name = fake.name()
            email = f"{_ascii_slug(fake.user_name())}{i}@example.cn"
            phone = f"+86 138 0013 8{i + 1:03d}"
            country = "GB" if i % 9 == 8 else "CN"  # a few Chinese speakers living in the UK
        else:
            first, last = fake.first_name(), fake.last_name()
            name = f"{first} {last}"
            email = f"{_ascii_slug(first)}.{_ascii_slug(last)}{i}@example.com"
            phone = f"+44 7700 900{i + 200:03d}"
            country = rng.choice(EN_COUNTRIES)
        customer = Customer(
            external_ref=str(refs[i]),
            name=name,
            email=email,
            phone=None if country not in ("GB", "CN") or rng.random() < 0.1 else phone,
            preferred_language=Language.ZH if zh else Language.EN,
            country=country,
            marketing_consent=rng.random() < 0.6,
            newsletter=rng.random() < 0.4,
            created_at=now - timedelta(days=rng.randint(30, 720), minutes=rng.randint(0, 1439)),
            anonymised=False,
        )
        addr_fake = addresses[country]
        street = addr_fake.street_address().split("\n")
        customer.addresses.append(
            Address(
                line1=street[0],
                line2=", ".join(street[1:]) or None,
                city=addr_fake.city(),
                postcode=addr_fake.postcode(),
                country=country,
                is_default=True,
            )
        )
        customers.append(customer)
    return customers
