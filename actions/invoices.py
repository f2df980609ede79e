"""Invoices: the invoice form (order number + e-mail/phone) and the answer with the links.

Each invoice comes with a signed link to its printable page on the web app; the link
expires after ``invoices.LINK_MAX_AGE`` and is given both in the text and as a URL button
(``utter_invoice_link`` in data/responses/aftersales.yml).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.crm import call_service
from actions.formatting import format_date, format_money
from actions.language import conversation_language
from actions.order_identity import OrderIdentityValidation, identity_of, log_failure
from crm_backend import errors
from crm_backend.services import invoices as invoice_service
from crm_backend.settings import get_settings


class ValidateInvoiceForm(OrderIdentityValidation, FormValidationAction):
    def name(self) -> Text:
        return "validate_invoice_form"


def _links(order_number: str, identity: str, language: str) -> Any:
    secret = get_settings().secret_key

    def service(uow: Any) -> tuple:
        return invoice_service.invoice_links(
            uow, order_number, identity_of(identity), secret_key=secret, language=language
        )

    return service


class ActionInvoiceLinks(Action):
    """Lists the order's invoices, each with a link to open, print or save it."""

    def name(self) -> Text:
        return "action_invoice_links"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = conversation_language(tracker)
        order_number, identity = tracker.get_slot("order_number"), tracker.get_slot("identity")
        done = [SlotSet("order_number", None)]
        if not order_number or not identity:
            return done
        try:
            links = await call_service(_links(order_number, identity, language))
        except (errors.NotFound, errors.ValidationError):
            dispatcher.utter_message(response="utter_order_not_found", order_number=order_number)
            return [*done, SlotSet("identity", None)]
        except Exception:  # noqa: BLE001 - the customer gets an apology, we get the log
            log_failure("invoice links", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return done
        if not links:
            dispatcher.utter_message(response="utter_invoice_none", order_number=order_number)
            return done
        base = get_settings().web_url.rstrip("/")
        hours = int(invoice_service.LINK_MAX_AGE.total_seconds() // 3600)
        for link in links:
            dispatcher.utter_message(
                response="utter_invoice_link",
                invoice_number=link.invoice.invoice_number,
                order_number=link.invoice.order_number,
                issued_date=format_date(link.invoice.issued_at, language),
                amount=format_money(link.invoice.amount, link.invoice.currency, language),
                url=base + link.path,
                hours=hours,
            )
        return done
