"""Model versioning: version directories, metadata, the current pointer, caching, pruning."""

from __future__ import annotations

import json

import pytest

from crm_backend.ml import registry


def save(tmp_path, fingerprint="f" * 64, artifact=None, **kwargs):
    return registry.save_model(
        "toy",
        artifact if artifact is not None else {"weights": [1, 2, 3]},
        data_fingerprint=fingerprint,
        params={"lam": 500},
        metrics={"p_at_10": 0.3},
        inputs=[{"path": "x.csv", "sha256": "ab", "bytes": 1}],
        model_dir=tmp_path,
        training_seconds=1.23,
        **kwargs,
    )


def test_save_writes_version_metadata_and_current_pointer(tmp_path):
    info = save(tmp_path)
    directory = tmp_path / "ml" / "toy"
    assert (directory / "current").read_text().strip() == info.version
    assert (info.path / "model.joblib").is_file()
    metadata = json.loads((info.path / "metadata.json").read_text())
    assert metadata["data_fingerprint"] == "f" * 64
    assert metadata["params"] == {"lam": 500}
    assert metadata["metrics"] == {"p_at_10": 0.3}
    assert metadata["inputs"][0]["sha256"] == "ab"
    assert metadata["created_at"].startswith("20")
    assert {"python", "numpy", "scikit-learn", "scipy", "joblib"} <= set(metadata["libraries"])
    assert metadata["training_seconds"] == 1.2
    assert info.version.endswith("-ffffffff")


def test_load_current_is_cached_once_per_version(tmp_path):
    registry.clear_cache()
    first = save(tmp_path, artifact={"v": 1})
    a, info_a = registry.load_current("toy", tmp_path)
    b, _ = registry.load_current("toy", tmp_path)
    assert a is b and a == {"v": 1} and info_a.version == first.version
    save(tmp_path, fingerprint="e" * 64, artifact={"v": 2})
    c, info_c = registry.load_current("toy", tmp_path)
    assert c == {"v": 2} and info_c.version != first.version


def test_is_current_matches_only_the_same_fingerprint(tmp_path):
    save(tmp_path)
    assert registry.is_current("toy", "f" * 64, tmp_path) is not None
    assert registry.is_current("toy", "0" * 64, tmp_path) is None
    assert registry.is_current("other", "f" * 64, tmp_path) is None


def test_missing_model_names_the_train_command(tmp_path):
    with pytest.raises(registry.ModelNotTrained, match=r"python -m crm_backend.ml toy train"):
        registry.load_current("toy", tmp_path)


@pytest.mark.parametrize("pointer", ["", "../../etc", ".hidden", "no-such-version", "a/b"])
def test_a_bad_pointer_means_not_trained(tmp_path, pointer):
    save(tmp_path)
    (tmp_path / "ml" / "toy" / "current").write_text(pointer)
    assert registry.current_info("toy", tmp_path) is None


def test_old_versions_are_pruned(tmp_path):
    versions = [save(tmp_path, fingerprint=str(i) * 64).version for i in range(7)]
    kept = sorted(p.name for p in (tmp_path / "ml" / "toy").iterdir() if p.is_dir())
    assert len(kept) == registry.KEEP_VERSIONS
    assert versions[-1] in kept and versions[0] not in kept


def test_fingerprint_depends_on_every_part():
    assert registry.fingerprint("a", {"x": 1}) == registry.fingerprint("a", {"x": 1})
    assert registry.fingerprint("a", {"x": 1}) != registry.fingerprint("a", {"x": 2})
    assert registry.fingerprint("a") != registry.fingerprint("b")
