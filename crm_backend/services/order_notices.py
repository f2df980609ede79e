"""Customer notices about changes to their orders, queued in the transactional outbox.

Each notice is written in the customer's preferred language, in the same unit of work as
the change it reports (so it is sent if and only if the change is committed). E-mail when
the customer has an address, otherwise SMS to their phone, otherwise nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, Mapping, Optional, Tuple

from crm_backend.models import Customer, Language, OutboxChannel, OutboxMessage, OutboxStatus
from crm_backend.unit_of_work import UnitOfWork

# template -> language -> (subject, body); bodies are str.format templates over the payload
TEMPLATES: Mapping[str, Mapping[str, Tuple[str, str]]] = {
    "order_cancelled": {
        "en": (
            "Your order {order_number} has been cancelled",
            "Hello {name},\n\nyour order {order_number} has been cancelled as you asked. "
            "Cancellation fee: {fee}. {refund_line}\n\nThank you for shopping with us.",
        ),
        "zh": (
            "您的订单 {order_number} 已取消",
            "{name}，您好：\n\n您的订单 {order_number} 已按您的要求取消。取消费用：{fee}。"
            "{refund_line}\n\n感谢您的惠顾。",
        ),
    },
    "order_items_changed": {
        "en": (
            "Your order {order_number} has been updated",
            "Hello {name},\n\nthe items of your order {order_number} were changed: "
            "{changes}. New total: {total}.\n\nThank you for shopping with us.",
        ),
        "zh": (
            "您的订单 {order_number} 已更新",
            "{name}，您好：\n\n您的订单 {order_number} 的商品已修改：{changes}。"
            "新的订单金额：{total}。\n\n感谢您的惠顾。",
        ),
    },
    "shipping_address_changed": {
        "en": (
            "New delivery address for order {order_number}",
            "Hello {name},\n\norder {order_number} will now be delivered to:\n{address}\n\n"
            "If you did not ask for this, please contact us straight away.",
        ),
        "zh": (
            "订单 {order_number} 的收货地址已修改",
            "{name}，您好：\n\n订单 {order_number} 将寄往新的地址：\n{address}\n\n"
            "如果这不是您本人的操作，请立即联系我们。",
        ),
    },
    "address_added": {
        "en": (
            "A new address was added to your account",
            "Hello {name},\n\nthis address was added to your address book:\n{address}\n\n"
            "If you did not ask for this, please contact us straight away.",
        ),
        "zh": (
            "您的账户新增了一个收货地址",
            "{name}，您好：\n\n以下地址已添加到您的地址簿：\n{address}\n\n"
            "如果这不是您本人的操作，请立即联系我们。",
        ),
    },
}

REFUND_LINES = {
    "en": {
        "refund": "We will refund {refund} to your original payment method within 5 business days.",
        "none": "No payment was taken, so there is nothing to refund.",
        "fee_only": "The fee equals the amount paid, so there is nothing left to refund.",
    },
    "zh": {
        "refund": "我们将在 5 个工作日内将 {refund} 退回到您的原支付方式。",
        "none": "该订单尚未付款，因此无需退款。",
        "fee_only": "取消费用与已付金额相同，因此没有可退还的款项。",
    },
}


def money(amount: Decimal, currency: str = "GBP") -> str:
    """``£12.50``; other currencies by symbol or code."""
    symbol = {"GBP": "£", "EUR": "€", "USD": "$", "CNY": "¥"}.get(currency.upper())
    return f"{symbol}{amount:.2f}" if symbol else f"{currency.upper()} {amount:.2f}"


def customer_language(customer: Customer) -> str:
    return "zh" if customer.preferred_language == Language.ZH else "en"


def queue_notice(
    uow: UnitOfWork,
    customer: Customer,
    template: str,
    payload: Dict[str, Any],
) -> Optional[OutboxMessage]:
    """Stage a notice for ``customer`` (not committed); None if they have no contact."""
    language = customer_language(customer)
    subject, body = TEMPLATES[template][language]
    values = {"name": customer.name, **{k: str(v) for k, v in payload.items()}}
    if customer.email:
        channel, recipient = OutboxChannel.EMAIL, customer.email
    elif customer.phone:
        channel, recipient = OutboxChannel.SMS, customer.phone
    else:
        return None
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=subject.format(**values)[:200],
        body=body.format(**values),
        template=template,
        payload={"language": language, **{k: str(v) for k, v in payload.items()}},
        status=OutboxStatus.PENDING,
    )
    uow.outbox.add(message)
    return message
