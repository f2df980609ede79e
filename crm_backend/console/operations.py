"""What an agent does to a live conversation, across the CRM, Rasa and the live streams.

Each operation checks the ticket first (the agent must hold it), then writes to Rasa
(reply, resume), then commits the ticket change, then publishes to the widget and the
consoles, so a failure part-way never leaves the customer talking to nobody: if Rasa is
down nothing is changed and the agent is told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Sequence

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from crm_backend.console.live import CONSOLE, Hub, Watcher, chat_topic, queue_json
from crm_backend.console.rasa_api import (
    RESUME,
    ConversationStore,
    RasaClient,
    RasaUnavailable,
    bot_message,
)
from crm_backend.errors import Conflict, CRMError, InvalidState, NotFound, NotOwner, ValidationError
from crm_backend.services import tickets
from crm_backend.services.staff_auth import StaffView
from crm_backend.services.throttle import RateLimited
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

MAX_REPLY = 2000
CSAT_QUESTION = {
    "en": "Thanks for chatting with us! How would you rate the help you got today, "
    "from 1 (poor) to 5 (excellent)?",
    "zh": "感谢您的咨询！请为本次人工服务打分：1（很差）到 5（非常好）。",
}
CSAT_BUTTONS = [{"title": str(n), "payload": f"csat:{n}"} for n in range(1, 6)]


@dataclass
class ConsoleContext:
    hub: Hub
    rasa: ConversationStore
    make_uow: Callable[[], SqlAlchemyUnitOfWork]
    watcher: Watcher = field(init=False)

    def __post_init__(self) -> None:
        self.watcher = Watcher(self.hub, self.rasa, self.make_uow)


def context(request: Request) -> ConsoleContext:
    """The app's console context, built on first use inside the running event loop."""
    state = request.app.state
    ctx: Optional[ConsoleContext] = getattr(state, "console", None)
    if ctx is None:
        from crm_backend.console.deps import uow_factory

        rasa = getattr(state, "conversation_store", None) or RasaClient.from_settings(
            state.settings
        )
        ctx = ConsoleContext(Hub(), rasa, uow_factory(request))
        state.console = ctx
    return ctx


def http_error(error: Exception) -> HTTPException:
    """Typed service errors -> HTTP status with the service's (safe) message."""
    if isinstance(error, RateLimited):
        seconds = max(1, int(error.retry_after.total_seconds()))
        return HTTPException(429, error.message, headers={"Retry-After": str(seconds)})
    if isinstance(error, NotFound):
        return HTTPException(404, error.message)
    if isinstance(error, NotOwner):
        return HTTPException(403, error.message)
    if isinstance(error, (Conflict, InvalidState)):
        return HTTPException(409, error.message)
    if isinstance(error, ValidationError):
        return HTTPException(422, error.message)
    if isinstance(error, RasaUnavailable):
        return HTTPException(502, "The chat server is not reachable; nothing was changed.")
    if isinstance(error, CRMError):
        return HTTPException(400, error.message)
    raise error


async def run(ctx: ConsoleContext, service: Callable[[SqlAlchemyUnitOfWork], Any]) -> Any:
    try:
        return await run_in_threadpool(lambda: service(ctx.make_uow()))
    except CRMError as error:
        raise http_error(error) from error


async def publish_queue(ctx: ConsoleContext) -> None:
    views = await run(ctx, tickets.list_queue)
    ctx.hub.publish(CONSOLE, "queue", {"items": queue_json(views)})


def _require_holder(ticket: tickets.TicketView, staff: StaffView) -> None:
    if ticket.status not in ("open", "assigned"):
        raise HTTPException(409, f"Ticket {ticket.reference} is already {ticket.status}.")
    if ticket.assignee_id is None:
        raise HTTPException(409, "Claim this conversation first.")
    if ticket.assignee_id != staff.id and staff.role != "admin":
        raise HTTPException(
            403, f"{ticket.assignee_name or 'Another agent'} has this conversation."
        )


async def open_ticket_for(ctx: ConsoleContext, conversation_id: str) -> tickets.TicketView:
    ticket = await run(ctx, lambda uow: tickets.ticket_for_conversation(uow, conversation_id))
    if ticket is None or ticket.kind != "escalation":
        raise HTTPException(404, "This conversation has no handoff.")
    return ticket


async def claim(ctx: ConsoleContext, staff: StaffView, ticket_id: int) -> tickets.TicketView:
    view = await run(ctx, lambda uow: tickets.claim(uow, ticket_id, staff.id))
    if view.conversation_id:
        ctx.hub.publish(
            chat_topic(view.conversation_id), "agent_joined", {"agent_name": staff.display_name}
        )
    await publish_queue(ctx)
    return view


async def assign(
    ctx: ConsoleContext, staff: StaffView, ticket_id: int, assignee_id: int
) -> tickets.TicketView:
    before = await run(ctx, lambda uow: tickets.get_ticket(uow, ticket_id))
    view = await run(
        ctx, lambda uow: tickets.assign(uow, ticket_id, assignee_id, by_staff_id=staff.id)
    )
    if view.conversation_id and before.assignee_id != view.assignee_id:
        topic = chat_topic(view.conversation_id)
        if before.assignee_name:
            ctx.hub.publish(topic, "agent_left", {"agent_name": before.assignee_name})
        ctx.hub.publish(topic, "agent_joined", {"agent_name": view.assignee_name or ""})
    await publish_queue(ctx)
    return view


async def reply(
    ctx: ConsoleContext, staff: StaffView, conversation_id: str, text: str
) -> Dict[str, Any]:
    clean = "".join(ch for ch in (text or "") if ch in "\n\t" or ch >= " ").strip()
    if not clean:
        raise HTTPException(422, "Please type a reply.")
    if len(clean) > MAX_REPLY:
        raise HTTPException(413, f"Replies are limited to {MAX_REPLY} characters.")
    ticket = await open_ticket_for(ctx, conversation_id)
    _require_holder(ticket, staff)
    event = bot_message(clean, agent_name=staff.display_name, agent_id=staff.id)
    try:
        await ctx.rasa.append(conversation_id, [event])
    except RasaUnavailable as error:
        raise http_error(error) from error
    live = ctx.hub.publish(
        chat_topic(conversation_id),
        "message",
        {"text": clean, "agent_name": staff.display_name},
    )
    return {"ok": True, "event_id": live.id}


def typing(ctx: ConsoleContext, staff: StaffView, conversation_id: str) -> None:
    ctx.hub.publish(chat_topic(conversation_id), "typing", {"agent_name": staff.display_name})


async def _language(ctx: ConsoleContext, conversation_id: str) -> str:
    try:
        state = await ctx.rasa.tracker(conversation_id)
    except RasaUnavailable:
        return "en"
    slots = state.get("slots") or {}
    return "zh" if isinstance(slots, dict) and slots.get("language") == "zh" else "en"


async def hand_back(
    ctx: ConsoleContext, staff: StaffView, ticket_id: int, note: Optional[str]
) -> tickets.TicketView:
    ticket = await run(ctx, lambda uow: tickets.get_ticket(uow, ticket_id))
    _require_holder(ticket, staff)
    if ticket.conversation_id:
        try:
            await ctx.rasa.append(ticket.conversation_id, list(RESUME))
        except RasaUnavailable as error:
            raise http_error(error) from error
    view = await run(ctx, lambda uow: tickets.hand_back(uow, ticket_id, staff.id, note=note))
    if view.conversation_id:
        topic = chat_topic(view.conversation_id)
        ctx.hub.publish(topic, "agent_left", {"agent_name": staff.display_name})
        ctx.hub.publish(topic, "handoff_ended", {"resolved": False})
    await publish_queue(ctx)
    return view


async def resolve(
    ctx: ConsoleContext,
    staff: StaffView,
    ticket_id: int,
    note: str,
    tags: Sequence[str],
) -> tickets.TicketView:
    ticket = await run(ctx, lambda uow: tickets.get_ticket(uow, ticket_id))
    _require_holder(ticket, staff)
    if not (note or "").strip():
        raise HTTPException(422, "Please write a resolution note.")
    try:
        tags_clean = tickets.clean_tags(tags)
    except ValidationError as error:
        raise http_error(error) from error
    language = "en"
    if ticket.conversation_id:
        language = await _language(ctx, ticket.conversation_id)
        question = bot_message(CSAT_QUESTION[language], kind="csat")
        question["data"] = {"buttons": CSAT_BUTTONS}
        try:
            await ctx.rasa.append(ticket.conversation_id, [*RESUME, question])
        except RasaUnavailable as error:
            raise http_error(error) from error
    view = await run(
        ctx, lambda uow: tickets.resolve(uow, ticket_id, staff.id, note=note, tags=tags_clean)
    )
    if view.conversation_id:
        topic = chat_topic(view.conversation_id)
        ctx.hub.publish(topic, "agent_left", {"agent_name": staff.display_name})
        ctx.hub.publish(topic, "csat", {"language": language})
        ctx.hub.publish(topic, "handoff_ended", {"resolved": True})
    await publish_queue(ctx)
    return view
