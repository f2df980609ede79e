from pathlib import Path

import pytest

from crm_backend.admin.versions import BASELINE, ModelVersion, VersionRegistry
from crm_backend.errors import NotFound, ValidationError


def make_version(registry: VersionRegistry, version_id: str, created_at: str) -> ModelVersion:
    registry.root.mkdir(parents=True, exist_ok=True)
    registry.archive(version_id).write_bytes(b"model " + version_id.encode())
    return registry.save(
        ModelVersion(
            id=version_id, created_at=created_at, created_by="ada", metrics={"accuracy": 0.9}
        )
    )


def test_the_servers_model_becomes_the_live_baseline(tmp_path: Path):
    live = tmp_path / "shop.tar.gz"
    live.write_bytes(b"original")
    registry = VersionRegistry(tmp_path, live)
    assert registry.live_id() == BASELINE
    assert registry.archive(BASELINE).read_bytes() == b"original"
    live.write_bytes(b"retrained by someone")
    registry.ensure_baseline()  # registered once, never overwritten
    assert registry.archive(BASELINE).read_bytes() == b"original"


def test_versions_are_listed_newest_first_and_promoted(tmp_path: Path):
    registry = VersionRegistry(tmp_path)
    make_version(registry, "v1", "2026-11-25T10:00:00+00:00")
    make_version(registry, "v2", "2026-11-25T11:00:00+00:00")
    (registry.root / "broken.json").write_text("{not json")
    (registry.root / "orphan.json").write_text('{"id": "orphan"}')  # no archive
    assert [v.id for v in registry.list()] == ["v2", "v1"]
    assert registry.live_id() is None
    promoted = registry.set_live("v2", "staff:ada")
    assert registry.live_id() == "v2" and promoted.promoted_by == "staff:ada"
    assert registry.get("v2").promoted_at is not None
    assert registry.get("v1").metrics == {"accuracy": 0.9}


def test_unknown_and_hostile_ids_are_refused(tmp_path: Path):
    registry = VersionRegistry(tmp_path)
    with pytest.raises(NotFound):
        registry.get("nope")
    for hostile in ["../../etc/passwd", "", "a/b", "x" * 200]:
        with pytest.raises(ValidationError):
            registry.get(hostile)
    with pytest.raises(NotFound):
        registry.set_live("nope", "ada")
