"""Readable churn risk factors for agents, in English and Chinese.

``describe(feature, value, above_average)`` renders one factor; features without a
template (e.g. a benchmark table's columns) are shown as ``feature: value``.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Tuple

# feature -> (above average EN, ZH), (below average EN, ZH); {v} is the customer's value
TEMPLATES: Dict[str, Tuple[Tuple[str, str], Tuple[str, str]]] = {
    "recency_days": (
        ("No order for {v:.0f} days", "已有 {v:.0f} 天没有下单"),
        ("Ordered recently ({v:.0f} days ago)", "最近下过单（{v:.0f} 天前）"),
    ),
    "frequency": (
        ("Many orders so far ({v:.0f})", "下单次数较多（{v:.0f} 次）"),
        ("Few orders so far ({v:.0f})", "下单次数少（{v:.0f} 次）"),
    ),
    "monetary": (
        ("High total spend (£{v:.2f})", "累计消费较高（£{v:.2f}）"),
        ("Low total spend (£{v:.2f})", "累计消费较低（£{v:.2f}）"),
    ),
    "avg_order_value": (
        ("Large average order (£{v:.2f})", "平均订单金额较高（£{v:.2f}）"),
        ("Small average order (£{v:.2f})", "平均订单金额较低（£{v:.2f}）"),
    ),
    "tenure_days": (
        ("Customer for {v:.0f} days", "已是 {v:.0f} 天的老客户"),
        ("New customer ({v:.0f} days)", "新客户（{v:.0f} 天）"),
    ),
    "orders_90d": (
        ("{v:.0f} orders in the last 90 days", "近 90 天下单 {v:.0f} 次"),
        ("Few or no orders in the last 90 days ({v:.0f})", "近 90 天很少或没有下单（{v:.0f} 次）"),
    ),
    "returns": (("{v:.0f} return(s)", "退货 {v:.0f} 次"), ("No returns", "没有退货")),
    "complaints": (("{v:.0f} complaint(s)", "投诉 {v:.0f} 次"), ("No complaints", "没有投诉")),
    "tickets": (
        ("{v:.0f} support ticket(s)", "客服工单 {v:.0f} 个"),
        ("No support tickets", "没有客服工单"),
    ),
    "negative_conversations": (
        ("{v:.0f} chat(s) with negative sentiment", "{v:.0f} 次对话情绪负面"),
        ("No negative chats", "没有负面对话"),
    ),
    "failed_conversations": (
        ("{v:.0f} chat(s) the bot could not resolve", "{v:.0f} 次对话未能解决问题"),
        ("No unresolved chats", "没有未解决的对话"),
    ),
    "sentiment_avg": (
        ("Positive tone in chats (average {v:+.2f})", "对话情绪偏正面（平均 {v:+.2f}）"),
        ("Negative tone in chats (average {v:+.2f})", "对话情绪偏负面（平均 {v:+.2f}）"),
    ),
}


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def describe(feature: str, value: Any, above_average: bool) -> Tuple[str, str]:
    """(English, Chinese) text of one risk factor."""
    templates = TEMPLATES.get(feature)
    number = _number(value)
    if templates is None or math.isnan(number):
        text = f"{feature}: {value}"
        return text, text
    en, zh = templates[0] if above_average else templates[1]
    return en.format(v=number), zh.format(v=number)
