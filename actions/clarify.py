"""The first stage of the two-stage fallback: ask which request the customer meant.

When the NLU is not confident (``nlu_fallback``), ``action_clarify`` shows the most
likely requests of the message's intent ranking as buttons (payload ``/<intent>``, which
starts that flow) plus "something else". A second misunderstood message in a row gets
the offer of a person instead (``data/rules/handoff.yml``, ``actions/handoff.py``).
Without a usable ranking it asks the customer to rephrase (``utter_default``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.language import conversation_language

MAX_CHOICES = 3
MIN_CONFIDENCE = 0.05
# (English, Chinese) button titles of the requests a customer can be asked about
LABELS: Dict[str, Tuple[str, str]] = {
    "track_order": ("Where is my order?", "查询订单"),
    "cancel_order": ("Cancel an order", "取消订单"),
    "change_order": ("Change an order", "修改订单"),
    "change_shipping_address": ("Change the delivery address", "修改收货地址"),
    "set_up_shipping_address": ("Add a delivery address", "添加收货地址"),
    "check_cancellation_fee": ("Cancellation fee", "取消费用"),
    "delivery_options": ("Delivery options", "配送方式"),
    "delivery_period": ("Delivery times", "配送时间"),
    "check_refund_policy": ("Return and refund policy", "退换货政策"),
    "get_refund": ("Return an item / get a refund", "退货退款"),
    "track_refund": ("Track a refund", "查询退款"),
    "check_invoice": ("See my invoices", "查看发票"),
    "get_invoice": ("Get an invoice", "开具发票"),
    "check_payment_methods": ("Payment methods", "支付方式"),
    "payment_issue": ("A problem with a payment", "支付问题"),
    "create_account": ("Create an account", "注册账户"),
    "edit_account": ("Change my account details", "修改账户信息"),
    "switch_account": ("Switch account", "切换账户"),
    "delete_account": ("Delete my account", "注销账户"),
    "recover_password": ("Reset my password", "重置密码"),
    "registration_problems": ("I can't sign up", "注册遇到问题"),
    "newsletter_subscription": ("Newsletter", "订阅邮件"),
    "place_order": ("How to place an order", "如何下单"),
    "product_search": ("Find a product", "查找商品"),
    "ask_recommendation": ("Recommend something", "推荐商品"),
    "complaint": ("Make a complaint", "投诉"),
    "review": ("Leave a review", "评价"),
    "contact_customer_service": ("Contact details", "联系方式"),
    "contact_human_agent": ("Talk to a person", "转人工客服"),
}
SOMETHING_ELSE = ("Something else", "都不是")


def likely_requests(parse_data: Mapping[str, Any], limit: int = MAX_CHOICES) -> List[str]:
    """The most likely requests of the message (from its intent ranking), best first."""
    ranking = parse_data.get("intent_ranking")
    chosen: List[str] = []
    if not isinstance(ranking, list):
        return chosen
    for entry in ranking:
        if not isinstance(entry, Mapping):
            continue
        name, confidence = entry.get("name"), entry.get("confidence")
        if not isinstance(name, str) or name not in LABELS or name in chosen:
            continue
        if not isinstance(confidence, (int, float)) or confidence < MIN_CONFIDENCE:
            continue
        chosen.append(name)
        if len(chosen) == limit:
            break
    return chosen


def clarify_buttons(intents: List[str], language: str) -> List[Dict[str, str]]:
    index = 1 if language == "zh" else 0
    buttons = [{"title": LABELS[i][index], "payload": f"/{i}"} for i in intents]
    buttons.append({"title": SOMETHING_ELSE[index], "payload": "/deny"})
    return buttons


class ActionClarify(Action):
    def name(self) -> Text:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        message: Optional[Mapping[str, Any]] = tracker.latest_message
        intents = likely_requests(message or {})
        if not intents:
            dispatcher.utter_message(response="utter_default")
            return []
        buttons = clarify_buttons(intents, conversation_language(tracker))
        dispatcher.utter_message(response="utter_clarify", buttons=buttons)
        return []
