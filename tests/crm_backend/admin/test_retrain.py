import json
from pathlib import Path

from crm_backend.admin import retrain
from crm_backend.admin.versions import VersionRegistry
from crm_backend.migrate import upgrade
from crm_backend.settings import Settings


def test_a_failed_training_leaves_the_live_model_and_registry_untouched(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'crm.sqlite3'}"
    upgrade(url)
    models = tmp_path / "models"
    models.mkdir()
    (models / "shop.tar.gz").write_bytes(b"the live model")
    settings = Settings(database_url=url, model_dir=models, var_dir=tmp_path / "var")
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "config.yml").write_text("this: [is not a rasa config")
    (root / "domain.yml").write_text('version: "3.1"\n')
    status = tmp_path / "status.json"
    try:
        retrain.run(settings, "v-fail", "ada", status, root)
    except RuntimeError as error:
        assert "rasa train failed" in str(error)
    else:
        raise AssertionError("training a broken config must fail")
    registry = VersionRegistry(models, models / "shop.tar.gz")
    assert (models / "shop.tar.gz").read_bytes() == b"the live model"
    assert [v.id for v in registry.list()] == ["baseline"]
    assert registry.live_id() == "baseline"
    assert not list(models.glob("retrain-*"))  # the scratch folder is gone
    assert json.loads(status.read_text())["stage"] == "train"
