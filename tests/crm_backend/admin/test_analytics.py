from datetime import datetime, timedelta, timezone

from crm_backend.admin import analytics
from crm_backend.models import (
    Customer,
    Interaction,
    Language,
    OfferStatus,
    OfferType,
    RetentionOffer,
    Ticket,
    TicketKind,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def conversation(n: int, day: int, **values) -> Interaction:
    return Interaction(
        conversation_id=f"c{n}", started_at=NOW - timedelta(days=day), turns=3, **values
    )


def test_dashboard_rates_intents_and_offers(uow_factory):
    with uow_factory() as uow:
        customer = Customer(name="Alice", email="alice@example.com")
        uow.customers.add(customer)
        uow.flush()
        uow.interactions.add(
            conversation(
                1,
                0,
                language=Language.EN,
                intents=["track_order", "goodbye"],
                outcome="resolved",
                csat=5,
                sentiment_avg=0.5,
            )
        )
        uow.interactions.add(
            conversation(
                2,
                1,
                language=Language.ZH,
                intents=["track_order"],
                outcome="handoff",
                handoff=True,
                csat=3,
                sentiment_avg=-0.5,
            )
        )
        uow.interactions.add(
            conversation(3, 1, language=Language.EN, intents=["nlu_fallback"], outcome="unresolved")
        )
        uow.interactions.add(conversation(4, 90, language=Language.EN, outcome="resolved"))
        created = NOW - timedelta(days=1)
        uow.tickets.add(
            Ticket(
                kind=TicketKind.ESCALATION,
                subject="help",
                conversation_id="c2",
                created_at=created,
                resolved_at=created + timedelta(minutes=12),
            )
        )
        for status, control in [
            (OfferStatus.ACCEPTED, False),
            (OfferStatus.OFFERED, False),
            (OfferStatus.OFFERED, True),
        ]:
            uow.offers.add(
                RetentionOffer(
                    customer_id=customer.id,
                    type=OfferType.DISCOUNT,
                    value=10,
                    status=status,
                    control_group=control,
                    created_at=NOW,
                )
            )
        uow.commit()
    view = analytics.dashboard(uow_factory(), days=30, now=NOW)
    assert view.conversations == 3  # the one from 90 days ago is outside the window
    assert view.containment == round(1 / 3, 3)
    assert view.fallback_rate == round(1 / 3, 3) and view.handoff_rate == round(1 / 3, 3)
    assert view.csat == 4.0
    assert view.median_resolution_minutes == 12.0
    assert dict(view.top_intents["en"])["track_order"] == 1
    assert dict(view.top_intents["zh"]) == {"track_order": 1}
    assert view.offers == {"offered": 2, "accepted": 1, "control": 1}
    assert len(view.daily) == 31 and view.daily[-1].conversations == 1
    png = analytics.render_png(view)
    assert png[:4] == b"\x89PNG"


def test_empty_database_and_silly_windows(uow_factory):
    view = analytics.dashboard(uow_factory(), days=-5, now=NOW)
    assert view.days == 1 and view.conversations == 0 and view.containment is None
    assert analytics.render_png(view)[:4] == b"\x89PNG"
    assert analytics.dashboard(uow_factory(), days=10**9, now=NOW).days == analytics.MAX_DAYS
