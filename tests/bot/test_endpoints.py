"""bot/endpoints.py renders Rasa's endpoints for the embedded and scale profiles."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import SecretStr

from bot.endpoints import endpoints, write_endpoints
from crm_backend.settings import Settings


def _scale(tmp_path: Path, **extra: object) -> Settings:
    return Settings(profile="scale", secret_key=SecretStr("k"), var_dir=tmp_path, **extra)


def test_embedded_profile_is_sqlite_trackers_and_nothing_else(tmp_path: Path) -> None:
    config = endpoints(Settings(var_dir=tmp_path, action_port=6000))
    assert config == {
        "action_endpoint": {
            "url": "http://127.0.0.1:6000/webhook",
            "enable_selective_domain": True,
        },
        "tracker_store": {
            "type": "bot.tracker_cache.CachingSQLTrackerStore",
            "dialect": "sqlite",
            "db": str(tmp_path / "rasa_tracker.sqlite3"),
            "cache_size": 1000,
        },
    }


def test_scale_profile_defaults(tmp_path: Path) -> None:
    config = endpoints(_scale(tmp_path))
    assert config["tracker_store"] == {
        "type": "bot.tracker_cache.CachingSQLTrackerStore",
        "dialect": "postgresql",
        "url": "127.0.0.1",
        "port": 5432,
        "db": "shop_tracker",
        "username": "postgres",
        "cache_size": 1000,
    }
    assert config["lock_store"] == {
        "type": "redis",
        "url": "127.0.0.1",
        "port": 6379,
        "db": 5,
        "key_prefix": "shopscale",
    }
    broker = config["event_broker"]
    assert broker["type"] == "bot.resilient.BufferedPikaEventBroker"
    assert broker["queues"] == ["shop_events"]
    assert broker["exchange_name"] == "shop_events.exchange"  # never Rasa's shared default
    assert (broker["username"], broker["password"], broker["port"]) == ("guest", "guest", 5672)


def test_scale_profile_urls_with_credentials(tmp_path: Path) -> None:
    settings = _scale(
        tmp_path,
        tracker_db_url="postgresql://bot:s%40cret@db.local:6543/trackers",
        redis_url="redis://:pw@127.0.0.2:6380/9",
        rabbitmq_url="amqp://rabbit:p%2Fw@127.0.0.3:5673/shop",
        events_queue="q1",
    )
    config = endpoints(settings)
    assert config["tracker_store"]["password"] == "s@cret"
    assert config["tracker_store"]["port"] == 6543
    assert config["lock_store"]["password"] == "pw" and config["lock_store"]["db"] == 9
    broker = config["event_broker"]
    assert broker["url"] == "amqp://127.0.0.3:5673/shop"  # the vhost, no credentials
    assert (broker["username"], broker["password"], broker["port"]) == ("rabbit", "p%2Fw", 5673)


def test_scale_profile_without_broker_or_locks(tmp_path: Path) -> None:
    config = endpoints(
        _scale(tmp_path, redis_url="-", rabbitmq_url="-").copy(
            update={"redis_url": "", "rabbitmq_url": ""}
        )
    )
    assert "lock_store" not in config and "event_broker" not in config


def test_written_file_is_valid_yaml(tmp_path: Path) -> None:
    path = write_endpoints(_scale(tmp_path), tmp_path / "out" / "endpoints.yml")
    assert yaml.safe_load(path.read_text())["lock_store"]["type"] == "redis"


def test_with_selective_domain_only_form_validators_get_the_domain() -> None:
    """Rasa sends the domain to actions named ``validate_*``; every action class that
    reads it (the form validators) must be one of them, and the domain lists them all."""
    import inspect

    from rasa.shared.core.domain import Domain
    from rasa_sdk import FormValidationAction
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    validators = {
        name
        for name, action in executor.actions.items()
        if inspect.ismethod(action)
        and isinstance(getattr(action, "__self__", None), FormValidationAction)
    }
    assert validators and all(name.startswith("validate_") for name in validators)
    domain = Domain.load("domain.yml")
    for name in validators:
        assert domain.does_custom_action_explicitly_need_domain(name), name
    assert not domain.does_custom_action_explicitly_need_domain("action_order_status")


def test_the_tracker_cache_size_comes_from_the_settings(tmp_path: Path) -> None:
    config = endpoints(Settings(var_dir=tmp_path, tracker_cache_size=0))
    assert config["tracker_store"]["cache_size"] == 0
