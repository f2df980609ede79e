"""Promote a model version (or roll back to an earlier one) on the running Rasa server(s).

Rasa's ``PUT /model {"model_file": path}`` loads the archive into a running server and
swaps it in when loaded: no restart, no downtime. In the scale profile every replica is
told in turn. Only when all servers accepted it does ``LIVE`` change; the action is
audited (``nlu_model.promote`` / ``nlu_model.rollback``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

import httpx
from starlette.concurrency import run_in_threadpool

from crm_backend.admin.versions import ModelVersion, VersionRegistry
from crm_backend.console.rasa_api import RasaUnavailable
from crm_backend.errors import NotFound, ValidationError
from crm_backend.settings import Settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

LOAD_TIMEOUT = 180.0


def server_urls(settings: Settings) -> List[str]:
    """The Rasa servers to load a model into (every replica at scale)."""
    from bot.topology import is_scale, replica_ports

    if is_scale(settings):
        return [f"http://{settings.host}:{port}" for port in replica_ports(settings)]
    return [settings.rasa_api_url.rstrip("/")]


async def load_model(urls: Sequence[str], token: str, archive: str) -> None:
    async with httpx.AsyncClient(timeout=LOAD_TIMEOUT) as client:
        for url in urls:
            try:
                answer = await client.put(
                    f"{url}/model", params={"token": token}, json={"model_file": archive}
                )
            except httpx.HTTPError as error:
                raise RasaUnavailable(f"Rasa at {url} is not reachable") from error
            if answer.status_code >= 400:
                raise RasaUnavailable(f"Rasa at {url} refused the model ({answer.status_code})")


@dataclass(frozen=True)
class PromotionView:
    version: ModelVersion
    previous: Optional[str]
    rollback: bool


def record_promotion(
    uow: SqlAlchemyUnitOfWork,
    *,
    actor: str,
    version_id: str,
    previous: Optional[str],
    rollback: bool,
) -> None:
    with uow:
        uow.audit.record(
            actor,
            "nlu_model.rollback" if rollback else "nlu_model.promote",
            "nlu_model",
            version_id,
            {"previous": previous},
        )
        uow.commit()


def is_rollback(registry: VersionRegistry, version: ModelVersion, previous: Optional[str]) -> bool:
    """Serving a version older than the live one is a rollback."""
    if previous is None:
        return False
    try:
        live = registry.get(previous)
    except (NotFound, ValidationError):
        return False
    return (version.created_at, version.id) < (live.created_at, live.id)


async def promote(
    settings: Settings,
    registry: VersionRegistry,
    make_uow: Callable[[], SqlAlchemyUnitOfWork],
    version_id: str,
    actor: str,
) -> PromotionView:
    """Load ``version_id`` into the server(s), then make it the live version (audited)."""
    version = registry.get(version_id)
    previous = registry.live_id()
    rollback = is_rollback(registry, version, previous)
    archive = str(registry.archive(version.id).resolve())
    await load_model(server_urls(settings), settings.rasa_token.get_secret_value(), archive)
    version = registry.set_live(version.id, actor)
    await run_in_threadpool(
        lambda: record_promotion(
            make_uow(), actor=actor, version_id=version.id, previous=previous, rollback=rollback
        )
    )
    return PromotionView(version, previous, rollback)
