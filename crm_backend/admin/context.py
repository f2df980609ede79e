"""Per-app state of the admin area, built on first use: the tracker source, the version
registry, the job runner and the assistant's intent / entity names (from domain.yml)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Tuple

import yaml
from fastapi import Request

from crm_backend.admin.inbox import FALLBACK, InboxMessage, user_messages
from crm_backend.admin.intents import DomainNames, domain_names
from crm_backend.admin.jobs import RetrainJobs
from crm_backend.admin.tracker_source import RasaTrackerStoreSource, TrackerSource
from crm_backend.admin.versions import VersionRegistry
from crm_backend.settings import PROJECT_ROOT, Settings

_lock = threading.Lock()


@dataclass
class AdminContext:
    settings: Settings
    source: TrackerSource
    registry: VersionRegistry
    jobs: RetrainJobs
    intents: Tuple[str, ...]
    root: Path  # training inputs (domain.yml, data/, tests/nlu/)
    domain: DomainNames = DomainNames()


def domain_intents(path: Any = PROJECT_ROOT / "domain.yml") -> Tuple[str, ...]:
    try:
        data = yaml.safe_load(open(path, encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return ()
    names: List[str] = []
    for item in data.get("intents") or []:
        name = next(iter(item)) if isinstance(item, dict) else item
        if isinstance(name, str) and name != FALLBACK:
            names.append(name)
    return tuple(sorted(set(names)))


def admin_context(request: Request) -> AdminContext:
    state = request.app.state
    ctx = getattr(state, "admin", None)
    if ctx is None:
        with _lock:
            ctx = getattr(state, "admin", None)
            if ctx is None:
                from bot.paths import model_path

                settings: Settings = state.settings
                # tests may swap the tracker source, the training inputs' root and config
                source = getattr(state, "admin_tracker_source", None)
                root: Path = getattr(state, "admin_data_root", PROJECT_ROOT)
                job_env = {
                    "DATABASE_URL": settings.database_url,
                    "MODEL_DIR": str(settings.model_dir),
                    "VAR_DIR": str(settings.var_dir),
                    "LOG_DIR": str(settings.log_dir),
                }
                ctx = AdminContext(
                    settings=settings,
                    source=source or RasaTrackerStoreSource(settings),
                    registry=VersionRegistry(settings.model_dir, model_path(settings)),
                    jobs=RetrainJobs(
                        settings.model_dir,
                        env=job_env,
                        root=root,
                        config=getattr(state, "admin_train_config", None),
                    ),
                    intents=domain_intents(root / "domain.yml"),
                    root=root,
                    domain=domain_names(root),
                )
                state.admin = ctx
    return ctx


async def all_messages(ctx: AdminContext) -> List[InboxMessage]:
    found: List[InboxMessage] = []
    for conversation_id in await ctx.source.conversation_ids():
        found.extend(user_messages(conversation_id, await ctx.source.events(conversation_id)))
    return found
