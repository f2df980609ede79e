"""The analytics dashboard: figures over the CRM's conversation, ticket and offer tables.

:func:`dashboard` aggregates (a frozen view, also shown as numbers); :func:`render_png`
draws it with matplotlib's Agg backend (server-side, no browser libraries).
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Dict, List, Optional, Tuple

from crm_backend.repositories.dashboard import DashboardRepository
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

MAX_DAYS = 366


@dataclass(frozen=True)
class Daily:
    day: str
    conversations: int
    resolved: int  # outcome "resolved" without a handoff
    fallback: int  # outcome "unresolved" (ended on a fallback)
    handoffs: int
    csat: Optional[float]
    sentiment: Optional[float]


@dataclass(frozen=True)
class Dashboard:
    days: int
    daily: Tuple[Daily, ...]
    conversations: int
    containment: Optional[float]
    fallback_rate: Optional[float]
    handoff_rate: Optional[float]
    csat: Optional[float]
    median_resolution_minutes: Optional[float]
    top_intents: Dict[str, Tuple[Tuple[str, int], ...]]  # language -> (intent, count)
    offers: Dict[str, int]  # offered / accepted / control


def _value(raw: object) -> str:
    return str(getattr(raw, "value", raw) or "")


def _mean(values: List[float]) -> Optional[float]:
    return round(sum(values) / len(values), 3) if values else None


def _rate(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 3) if whole else None


def dashboard(
    uow: SqlAlchemyUnitOfWork, days: int = 30, now: Optional[datetime] = None
) -> Dashboard:
    days = max(1, min(int(days), MAX_DAYS))
    now = now or datetime.now(timezone.utc)
    since = now - timedelta(days=days)
    with uow:
        repo = DashboardRepository(uow.session)
        rows = repo.interactions(since)
        escalations = repo.escalations(since)
        offer_rows = repo.offers(since)
    per_day: Dict[date, List[Tuple]] = defaultdict(list)
    intents: Dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        per_day[row[0].date()].append(row)
        for intent in row[2] or []:
            if isinstance(intent, str):
                intents[_value(row[1]) or "en"][intent] += 1
    daily = []
    for offset in range(days, -1, -1):
        day = (now - timedelta(days=offset)).date()
        mine = per_day.get(day, [])
        daily.append(
            Daily(
                day=day.isoformat(),
                conversations=len(mine),
                resolved=sum(1 for r in mine if r[6] == "resolved" and not r[5]),
                fallback=sum(1 for r in mine if r[6] == "unresolved"),
                handoffs=sum(1 for r in mine if r[5]),
                csat=_mean([float(r[4]) for r in mine if r[4] is not None]),
                sentiment=_mean([float(r[3]) for r in mine if r[3] is not None]),
            )
        )
    total = len(rows)
    minutes = sorted(
        (resolved - created).total_seconds() / 60 for created, resolved in escalations if resolved
    )
    offers: Counter[str] = Counter()
    for _created, status, control in offer_rows:
        if control:
            offers["control"] += 1
            continue
        offers["offered"] += 1
        if _value(status) == "accepted":
            offers["accepted"] += 1
    return Dashboard(
        days=days,
        daily=tuple(daily),
        conversations=total,
        containment=_rate(sum(d.resolved for d in daily), total),
        fallback_rate=_rate(sum(d.fallback for d in daily), total),
        handoff_rate=_rate(sum(d.handoffs for d in daily), total),
        csat=_mean([float(r[4]) for r in rows if r[4] is not None]),
        median_resolution_minutes=round(minutes[len(minutes) // 2], 1) if minutes else None,
        top_intents={
            language: tuple(counter.most_common(8)) for language, counter in sorted(intents.items())
        },
        offers={key: offers.get(key, 0) for key in ("offered", "accepted", "control")},
    )


def render_png(view: Dashboard) -> bytes:
    """All charts in one PNG (2 x 3 panels)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = [d.day[5:] for d in view.daily]
    ticks = list(range(0, len(days), max(1, len(days) // 8)))
    figure, axes = plt.subplots(2, 3, figsize=(15, 8))
    try:
        ax = axes[0][0]
        ax.bar(days, [d.conversations for d in view.daily], color="#4c78a8", label="conversations")
        ax.plot(days, [d.handoffs for d in view.daily], color="#e45756", label="handoffs")
        ax.set_title("Conversations and handoffs per day")
        ax.legend(fontsize=8)
        ax = axes[0][1]
        for name, values, colour in (
            ("containment", [_rate(d.resolved, d.conversations) for d in view.daily], "#54a24b"),
            ("fallback", [_rate(d.fallback, d.conversations) for d in view.daily], "#f58518"),
            ("handoff", [_rate(d.handoffs, d.conversations) for d in view.daily], "#e45756"),
        ):
            ax.plot(
                days,
                [v if v is not None else float("nan") for v in values],
                label=name,
                color=colour,
            )
        ax.set_ylim(0, 1)
        ax.set_title("Daily rates")
        ax.legend(fontsize=8)
        ax = axes[0][2]
        ax.plot(
            days,
            [d.csat if d.csat is not None else float("nan") for d in view.daily],
            marker="o",
            color="#72b7b2",
        )
        ax.set_ylim(1, 5)
        ax.set_title("CSAT (1-5)")
        ax = axes[1][0]
        ax.plot(
            days,
            [d.sentiment if d.sentiment is not None else float("nan") for d in view.daily],
            marker=".",
            color="#b279a2",
        )
        ax.axhline(0, color="#999", linewidth=0.8)
        ax.set_ylim(-1, 1)
        ax.set_title("Average sentiment (-1..1)")
        ax = axes[1][1]
        labels: List[str] = []
        counts: List[int] = []
        for language, pairs in view.top_intents.items():
            for intent, count in pairs[:5]:
                labels.append(f"{language}: {intent}")
                counts.append(count)
        ax.barh(labels[::-1], counts[::-1], color="#4c78a8")
        ax.set_title("Top intents per language")
        ax.tick_params(axis="y", labelsize=7)
        ax = axes[1][2]
        keys = ["offered", "accepted", "control"]
        ax.bar(keys, [view.offers[k] for k in keys], color=["#4c78a8", "#54a24b", "#bab0ac"])
        ax.set_title("Retention offers (control group gets none)")
        for row in axes[:1]:
            for ax in row:
                ax.set_xticks(ticks)
                ax.set_xticklabels([days[i] for i in ticks], rotation=45, fontsize=7)
        axes[1][0].set_xticks(ticks)
        axes[1][0].set_xticklabels([days[i] for i in ticks], rotation=45, fontsize=7)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
    finally:
        plt.close(figure)
    return buffer.getvalue()
