"""E-mails about returns (instructions, refund paid, return rejected), in English or Chinese.

Built from :mod:`returns_policy`, queued in the transactional outbox by the return service
in the same transaction as the change they describe. Plain text only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional, Sequence, Tuple

from crm_backend.models import Customer, Language, OutboxChannel, OutboxMessage
from crm_backend.services import returns_policy as policy

SHOP_EMAIL = "support@shop.example"


@dataclass(frozen=True)
class Line:
    name: str
    quantity: int


def _money(amount: Decimal, currency: str) -> str:
    symbol = {"GBP": "£", "EUR": "€", "CNY": "¥", "USD": "$"}.get(currency.upper())
    return f"{symbol}{amount:.2f}" if symbol else f"{currency.upper()} {amount:.2f}"


def _date(value: datetime, zh: bool) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if zh else f"{value.day} {value:%B %Y}"


def mask_email(email: str) -> str:
    """``wangfang@example.cn`` -> ``w*******@example.cn`` (safe to show in a chat)."""
    local, _, domain = email.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}{'*' * max(len(local) - 1, 3)}@{domain}"


def mask_phone(phone: str) -> str:
    digits = [ch for ch in phone if ch.isdigit()]
    return f"***{''.join(digits[-3:])}" if len(digits) >= 3 else "***"


def recipient(customer: Customer) -> Optional[Tuple[OutboxChannel, str, str]]:
    """(channel, address, masked address) to reach ``customer``, e-mail first."""
    if customer.email and customer.is_active:
        return OutboxChannel.EMAIL, customer.email, mask_email(customer.email)
    if customer.phone and customer.is_active:
        return OutboxChannel.SMS, customer.phone, mask_phone(customer.phone)
    return None


def is_chinese(customer: Customer, language: Optional[str]) -> bool:
    if language in ("en", "zh"):
        return language == "zh"
    return customer.preferred_language == Language.ZH


def return_instructions(
    *,
    zh: bool,
    order_number: str,
    return_reference: str,
    refund_reference: str,
    lines: Sequence[Line],
    refund_amount: Decimal,
    currency: str,
    ship_by: datetime,
    free_label: bool,
) -> Tuple[str, str]:
    """(subject, body) of the e-mail telling the customer how to send the items back."""
    items = "\n".join(f"  - {line.quantity} × {line.name}" for line in lines)
    address = "\n".join(f"  {part}" for part in policy.RETURN_ADDRESS)
    amount = _money(refund_amount, currency)
    if zh:
        label = (
            "我们已在附件中附上预付邮资的退货面单，请打印后贴在包裹上。"
            if free_label
            else "请自行选择快递寄回，运费由您承担；建议保留寄件凭证。"
        )
        subject = f"订单 {order_number} 的退货说明（{return_reference}）"
        body = (
            f"您好！我们已收到您对订单 {order_number} 的退货申请"
            f"（退货编号 {return_reference}）。\n\n"
            f"退货商品：\n{items}\n\n"
            f"请在 {_date(ship_by, True)} 前将商品连同原包装寄回，并在包裹内注明退货编号 "
            f"{return_reference}：\n{address}\n\n{label}\n\n"
            f"收到并检查商品后，我们会在 {policy.REFUND_PROCESSING_DAYS} 天内将 {amount} "
            f"原路退回（退款编号 {refund_reference}），银行或钱包到账可能还需 "
            f"{policy.BANK_DAYS} 天。\n\n如有疑问，请联系 {SHOP_EMAIL}。"
        )
        return subject, body
    label = (
        "A prepaid returns label is attached: print it and stick it on the parcel."
        if free_label
        else "Please send the parcel with a carrier of your choice at your own cost and keep "
        "the proof of postage."
    )
    subject = f"Your return for order {order_number} ({return_reference})"
    body = (
        f"Hello,\n\nwe have received your return request for order {order_number} "
        f"(return {return_reference}).\n\nItems to return:\n{items}\n\n"
        f"Please post them, in their original packaging if possible, by "
        f"{_date(ship_by, False)} to the address below, with a note of the return number "
        f"{return_reference} inside the parcel:\n{address}\n\n{label}\n\n"
        f"Once the parcel arrives we inspect it and refund {amount} to your original payment "
        f"method within {policy.REFUND_PROCESSING_DAYS} days (refund {refund_reference}); "
        f"your bank may take up to {policy.BANK_DAYS} more days to show it.\n\n"
        f"Questions? Write to {SHOP_EMAIL}."
    )
    return subject, body


def refund_paid(
    *, zh: bool, order_number: str, refund_reference: str, amount: Decimal, currency: str
) -> Tuple[str, str]:
    money = _money(amount, currency)
    if zh:
        return (
            f"退款 {refund_reference} 已完成",
            f"您好！订单 {order_number} 的退款 {money}（退款编号 {refund_reference}）已原路退回，"
            f"银行或钱包到账可能需要 {policy.BANK_DAYS} 天。",
        )
    return (
        f"Your refund {refund_reference} has been paid",
        f"Hello,\n\nwe have refunded {money} for order {order_number} to your original "
        f"payment method (refund {refund_reference}). Your bank may take up to "
        f"{policy.BANK_DAYS} days to show it.",
    )


def return_rejected(
    *, zh: bool, order_number: str, return_reference: str, note: str
) -> Tuple[str, str]:
    if zh:
        return (
            f"退货 {return_reference} 未能通过",
            f"您好！很抱歉，订单 {order_number} 的退货（{return_reference}）未能通过审核：{note}\n"
            f"如有疑问，请联系 {SHOP_EMAIL}。",
        )
    return (
        f"Your return {return_reference} could not be accepted",
        f"Hello,\n\nwe're sorry, but the return {return_reference} for order {order_number} "
        f"could not be accepted: {note}\n\nQuestions? Write to {SHOP_EMAIL}.",
    )


def outbox_message(
    customer: Customer, template: str, subject: str, body: str, payload: dict
) -> Optional[Tuple[OutboxMessage, str]]:
    """An outbox row to the customer (e-mail, else SMS) and the masked address it goes to;
    None if the customer cannot be reached."""
    target = recipient(customer)
    if target is None:
        return None
    channel, address, masked = target
    message = OutboxMessage(
        channel=channel,
        recipient=address,
        subject=subject,
        body=body,
        template=template,
        payload=payload,
    )
    return message, masked
