"""Customer documents behind signed links: ``GET /documents/invoices/<token>``.

The bot hands out the link (see :func:`crm_backend.services.invoices.invoice_links`); this
route checks the token and renders a printable HTML invoice. A forged or malformed link is a
404 page, an expired one a 410 page; both say what to do next. Pages are never cached and
never leak the token through the Referer header.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Callable, Dict, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from crm_backend.db import make_engine, make_session_factory
from crm_backend.services import invoices
from crm_backend.settings import Settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from crm_backend.web.deps import get_app_settings, get_templates

logger = logging.getLogger(__name__)
router = APIRouter(tags=["documents"])

_NO_STORE = {
    "Cache-Control": "no-store, private",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}
_lock = threading.Lock()

LABELS: Dict[str, Dict[str, str]] = {
    "en": {
        "title": "Invoice",
        "invoice_number": "Invoice number",
        "invoice_date": "Invoice date",
        "order": "Order",
        "order_date": "Order date",
        "bill_to": "Billed to",
        "seller": "Seller",
        "vat_number": "VAT reg. no.",
        "company_number": "Company no.",
        "item": "Item",
        "sku": "Product code",
        "quantity": "Qty",
        "unit_price": "Unit price",
        "amount": "Amount",
        "items_total": "Items total",
        "other_charges": "Delivery and other charges",
        "net": "Total excl. VAT",
        "vat": "VAT at {rate} %",
        "total": "Total incl. VAT",
        "paid_by": "Paid by {method}.",
        "prices_note": "All prices include VAT.",
        "print": "Print or save as PDF",
        "card": "card",
        "paypal": "PayPal",
        "alipay": "Alipay",
        "wechat_pay": "WeChat Pay",
        "bank_transfer": "bank transfer",
    },
    "zh": {
        "title": "发票",
        "invoice_number": "发票号码",
        "invoice_date": "开票日期",
        "order": "订单",
        "order_date": "下单日期",
        "bill_to": "购买方",
        "seller": "销售方",
        "vat_number": "增值税登记号",
        "company_number": "公司编号",
        "item": "商品",
        "sku": "商品编号",
        "quantity": "数量",
        "unit_price": "单价",
        "amount": "金额",
        "items_total": "商品合计",
        "other_charges": "运费及其他费用",
        "net": "不含税合计",
        "vat": "增值税（{rate}%）",
        "total": "含税总计",
        "paid_by": "支付方式：{method}。",
        "prices_note": "所有价格均含增值税。",
        "print": "打印或另存为 PDF",
        "card": "银行卡",
        "paypal": "PayPal",
        "alipay": "支付宝",
        "wechat_pay": "微信支付",
        "bank_transfer": "银行转账",
    },
}

_ERRORS = {
    404: (
        "Invoice link not valid · 链接无效",
        "This invoice link is not valid. Please ask our assistant for a new link.",
        "此发票链接无效，请向在线助手重新获取链接。",
    ),
    410: (
        "Invoice link expired · 链接已过期",
        "This invoice link has expired. Please ask our assistant for a new link.",
        "此发票链接已过期，请向在线助手重新获取链接。",
    ),
    500: (
        "Invoice unavailable · 暂时无法显示发票",
        "Sorry, we couldn't show this invoice right now. Please try again in a moment.",
        "抱歉，暂时无法显示此发票，请稍后再试。",
    ),
}


def _session_factory(request: Request) -> Callable[[], Session]:
    """The app's session factory for documents, built on first use (never at import)."""
    state = request.app.state
    factory = getattr(state, "documents_session_factory", None)
    if factory is None:
        with _lock:
            factory = getattr(state, "documents_session_factory", None)
            if factory is None:
                settings: Settings = state.settings
                factory = make_session_factory(make_engine(settings.database_url))
                state.documents_session_factory = factory
    return factory


def money(amount: Optional[Decimal], currency: str) -> str:
    if amount is None:
        return ""
    symbol = {"GBP": "£", "EUR": "€", "CNY": "¥", "USD": "$"}.get(currency.upper())
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}" if symbol else f"{currency} {amount:,.2f}"


def day(value: datetime, language: str) -> str:
    if language == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value:%B %Y}"


def _error_page(request: Request, templates: Jinja2Templates, status: int) -> Response:
    title, english, chinese = _ERRORS[status]
    return templates.TemplateResponse(
        "document_error.html",
        {"request": request, "title": title, "english": english, "chinese": chinese},
        status_code=status,
        headers=_NO_STORE,
    )


@router.get(
    "/documents/invoices/{token:path}", response_class=HTMLResponse, include_in_schema=False
)
def invoice_page(
    token: str,
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    templates: Annotated[Jinja2Templates, Depends(get_templates)],
) -> Response:
    try:
        document = invoices.invoice_document(
            SqlAlchemyUnitOfWork(_session_factory(request)),
            token,
            secret_key=settings.secret_key,
        )
    except invoices.LinkExpired:
        return _error_page(request, templates, 410)
    except invoices.LinkInvalid:
        return _error_page(request, templates, 404)
    except Exception:  # noqa: BLE001 - the customer gets a page, the log gets the details
        logger.exception("invoice document failed")
        return _error_page(request, templates, 500)
    labels = LABELS.get(document.language, LABELS["en"])
    context: Dict[str, Any] = {
        "request": request,
        "doc": document,
        "t": labels,
        "money": lambda amount: money(amount, document.currency),
        "day": lambda value: day(value, document.language),
        "vat_label": labels["vat"].format(rate=document.vat_rate_percent),
        "paid_by": (
            labels["paid_by"].format(method=labels.get(document.payment, document.payment))
            if document.payment
            else ""
        ),
        "html_lang": "zh-Hans" if document.language == "zh" else "en",
    }
    return templates.TemplateResponse("invoice.html", context, headers=_NO_STORE)
