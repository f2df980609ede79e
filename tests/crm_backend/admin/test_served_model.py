"""A (re)started Rasa serves the promoted version; bot.train never replaces it."""

from pathlib import Path

from bot import topology
from bot.train import promoted_note
from crm_backend.admin.versions import ModelVersion, VersionRegistry, promoted_archive
from crm_backend.settings import Settings


def registry_with(models: Path, *ids: str) -> VersionRegistry:
    registry = VersionRegistry(models, models / "shop.tar.gz")
    for i, version_id in enumerate(ids):
        registry.root.mkdir(parents=True, exist_ok=True)
        registry.archive(version_id).write_bytes(version_id.encode())
        registry.save(
            ModelVersion(id=version_id, created_at=f"2026-11-25T1{i}:00:00+00:00", created_by="a")
        )
    return registry


def test_rasa_loads_the_repo_model_until_a_version_is_promoted(tmp_path: Path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "shop.tar.gz").write_bytes(b"repo model")
    settings = Settings(model_dir=models)
    registry = registry_with(models, "v1", "v2")
    assert registry.live_id() == "baseline"  # the console's view of shop.tar.gz
    assert not (registry.root / "LIVE").exists()  # opening the console pins nothing
    assert topology.served_model_path(settings) == models / "shop.tar.gz"
    assert promoted_note(settings) is None

    registry.set_live("v2", "staff:ada")
    assert promoted_archive(models) == registry.archive("v2")
    assert topology.served_model_path(settings) == registry.archive("v2")
    rasa = topology.rasa_service(settings, "rasa", 5005, tmp_path / "endpoints.yml", "t")
    assert rasa.command[rasa.command.index("--model") + 1] == str(registry.archive("v2"))
    note = promoted_note(settings)
    assert note is not None and "v2" in note and "shop.tar.gz" in note

    # a rollback re-points what a restart loads; the command is refreshed before a restart
    registry.set_live("baseline", "staff:ada")
    topology.refresh_model(rasa, settings)
    assert rasa.command[rasa.command.index("--model") + 1] == str(registry.archive("baseline"))
    assert registry.archive("baseline").read_bytes() == b"repo model"

    # bot.train retraining shop.tar.gz does not change what is served
    (models / "shop.tar.gz").write_bytes(b"retrained repo model")
    assert topology.served_model_path(settings) == registry.archive("baseline")


def test_a_broken_or_dangling_pointer_falls_back_to_the_repo_model(tmp_path: Path):
    models = tmp_path / "models"
    (models / "versions").mkdir(parents=True)
    (models / "shop.tar.gz").write_bytes(b"repo model")
    settings = Settings(model_dir=models)
    for pointer in ["../../etc/passwd", "gone", ""]:
        (models / "versions" / "LIVE").write_text(pointer)
        assert topology.served_model_path(settings) == models / "shop.tar.gz", pointer
    other = topology.common_services(settings)[0]
    before = list(other.command)
    topology.refresh_model(other, settings)  # not a Rasa service: untouched
    assert other.command == before
