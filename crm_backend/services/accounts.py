"""Customer accounts: sign-up, reading and editing the profile.

E-mail addresses are unique case-insensitively (stored lower-case); a change of e-mail
address needs a code sent to the new address (:mod:`crm_backend.services.email_change`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy.exc import IntegrityError

from crm_backend.errors import Conflict, NotFound, ValidationError
from crm_backend.models import Customer, Language, utcnow
from crm_backend.services import throttle
from crm_backend.services.emails import NEWSLETTER_LINE, email_language, queue_email
from crm_backend.services.identifiers import normalise_email, normalise_phone
from crm_backend.unit_of_work import UnitOfWork

MAX_NAME = 100
_LANGUAGES = {"en": Language.EN, "zh": Language.ZH}


@dataclass(frozen=True)
class AccountView:
    id: int
    name: str
    email: str
    phone: Optional[str]
    preferred_language: str
    newsletter: bool
    marketing_consent: bool
    created_at: datetime


def to_view(customer: Customer) -> AccountView:
    return AccountView(
        id=customer.id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        preferred_language=str(customer.preferred_language),
        newsletter=bool(customer.newsletter),
        marketing_consent=bool(customer.marketing_consent),
        created_at=customer.created_at,
    )


def clean_name(value: object) -> str:
    """A person's name: 1-100 characters with at least one letter; no control characters,
    markup, e-mail addresses or links. Inner whitespace is collapsed."""
    if not isinstance(value, str) or len(value) > 4 * MAX_NAME:
        raise ValidationError("Please give a name of up to 100 characters.", field="name")
    text = " ".join(unicodedata.normalize("NFKC", value).split())
    if (
        not text
        or len(text) > MAX_NAME
        or not any(unicodedata.category(ch).startswith("L") for ch in text)
        or any(unicodedata.category(ch)[0] == "C" for ch in text)
        or re.search(r"[<>{}\[\]@\\/|=;]|https?:|www\.", text, re.IGNORECASE)
    ):
        raise ValidationError("Please give your name (letters, up to 100).", field="name")
    return text


def clean_phone(value: object) -> str:
    """Validate a phone number and keep it as typed (NFKC, spaces collapsed)."""
    normalise_phone(value)  # raises ValidationError(field="phone")
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def clean_language(value: object) -> Language:
    language = _LANGUAGES.get(str(value).strip().lower()) if isinstance(value, str) else None
    if language is None:
        raise ValidationError("Language must be 'en' or 'zh'.", field="preferred_language")
    return language


def active_customer(uow: UnitOfWork, customer_id: int, *, for_update: bool = False) -> Customer:
    """An active customer by id (inside an entered unit of work), or NotFound."""
    if isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0:
        raise NotFound("No such account.")
    customer = uow.customers.get(customer_id)
    if customer is None or not customer.is_active:
        raise NotFound("No such account.")
    if for_update:
        uow.session.refresh(customer, with_for_update=True)
    return customer


@dataclass(frozen=True)
class NewAccount:
    """Validated sign-up details (see :func:`clean_new_account`)."""

    name: str
    email: str
    phone: Optional[str]
    language: Language


def clean_new_account(
    name: object, email: object, phone: object = None, language: object = "en"
) -> NewAccount:
    """Validate and normalise sign-up details.

    Raises:
        ValidationError: bad name / e-mail / phone / language (``field`` says which).
    """
    return NewAccount(
        name=clean_name(name),
        email=normalise_email(email),
        phone=clean_phone(phone) if phone not in (None, "") else None,
        language=clean_language(language),
    )


def stage_account(
    uow: UnitOfWork,
    new: NewAccount,
    *,
    newsletter: bool = False,
    marketing_consent: bool = False,
    conversation_id: Optional[str] = None,
    now: datetime,
) -> Customer:
    """Add the customer with its consent record and welcome e-mail, inside an entered unit
    of work (flushed, not committed). The caller checks the address is free first;
    ``IntegrityError`` means a concurrent sign-up took it."""
    customer = Customer(
        name=new.name,
        email=new.email,
        phone=new.phone,
        preferred_language=new.language,
        newsletter=bool(newsletter),
        marketing_consent=bool(marketing_consent),
        created_at=now,
    )
    uow.customers.add(customer)
    uow.flush()
    consent = {"newsletter": bool(newsletter), "marketing": bool(marketing_consent)}
    throttle.record(
        uow,
        action="customer.created",
        entity="customer",
        entity_id=str(customer.id),
        details={
            "source": "chat",
            "conversation_id": conversation_id,
            "consent": consent,
            "consent_at": now.isoformat(),
        },
        now=now,
    )
    lang_code = email_language(new.language)
    queue_email(
        uow,
        to=new.email,
        template="welcome",
        language=lang_code,
        name=new.name,
        email=new.email,
        newsletter_line=NEWSLETTER_LINE[lang_code] if newsletter else "",
    )
    return customer


def create_account(
    uow: UnitOfWork,
    *,
    name: str,
    email: str,
    phone: Optional[str] = None,
    language: str = "en",
    newsletter: bool = False,
    marketing_consent: bool = False,
    conversation_id: Optional[str] = None,
    now: Optional[datetime] = None,
) -> AccountView:
    """Register a customer and queue a welcome e-mail.

    Not for the chat: its ``Conflict`` tells whether an address is registered. The chat
    signs up with :func:`crm_backend.services.registration.sign_up`, which answers the
    same either way.

    Raises:
        ValidationError: bad name / e-mail / phone / language (``field`` says which).
        Conflict: the e-mail address is already registered (any letter case).
    """
    now = now or utcnow()
    new = clean_new_account(name, email, phone, language)
    with uow:
        if uow.customers.get_by_email(new.email) is not None:
            raise Conflict("An account with this e-mail address already exists.")
        try:
            customer = stage_account(
                uow,
                new,
                newsletter=newsletter,
                marketing_consent=marketing_consent,
                conversation_id=conversation_id,
                now=now,
            )
        except IntegrityError as exc:  # a concurrent sign-up with the same address
            raise Conflict("An account with this e-mail address already exists.") from exc
        view = to_view(customer)
        uow.commit()
    return view


def get_account(uow: UnitOfWork, customer_id: int) -> AccountView:
    """The profile of an active customer; NotFound otherwise."""
    with uow:
        return to_view(active_customer(uow, customer_id))


def update_profile(
    uow: UnitOfWork,
    customer_id: int,
    *,
    name: Optional[str] = None,
    phone: Optional[str] = None,
    preferred_language: Optional[str] = None,
    conversation_id: Optional[str] = None,
) -> AccountView:
    """Change the name, phone number and/or preferred language (``None``: unchanged).

    Raises:
        ValidationError: a malformed value, or nothing to change.
        NotFound: no active account with this id.
    """
    changes = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if phone is not None:
        changes["phone"] = clean_phone(phone)
    if preferred_language is not None:
        changes["preferred_language"] = clean_language(preferred_language)
    if not changes:
        raise ValidationError("Nothing to change.", field="field")
    with uow:
        customer = active_customer(uow, customer_id, for_update=True)
        changed = [field for field, value in changes.items() if getattr(customer, field) != value]
        for field in changed:
            setattr(customer, field, changes[field])
        if changed:
            throttle.record(
                uow,
                action="customer.updated",
                entity="customer",
                entity_id=str(customer.id),
                details={"fields": changed, "source": "chat", "conversation_id": conversation_id},
            )
        view = to_view(customer)
        uow.commit()
    return view
