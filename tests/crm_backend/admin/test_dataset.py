from pathlib import Path

import yaml

from crm_backend.admin.dataset import LabelledText, clean_text, export, is_test, split


def examples(n: int, language: str = "en", intent: str = "track_order") -> list:
    return [
        LabelledText(f"key-{language}-{i}", language, f"where is parcel {i}", intent)
        for i in range(n)
    ]


def test_split_is_deterministic_and_about_a_fifth():
    data = examples(1000)
    train, test = split(data)
    assert len(train) + len(test) == 1000
    assert 150 <= len(test) <= 250
    assert split(list(reversed(data)))[1] == list(reversed(test))  # order-independent
    assert all(is_test(e.message_key) for e in test)
    assert not any(is_test(e.message_key) for e in train)


def test_clean_text_neutralises_entity_markup_and_newlines():
    assert (
        clean_text("order [A****](order_number)\n now {x}") == "order (A****)(order_number) now (x)"
    )


def test_export_writes_rasa_yaml_per_language_and_held_out_test_sets(tmp_path: Path):
    data = (
        examples(30)
        + examples(10, "zh", "cancel_order")
        + [
            LabelledText("bad-lang", "fr", "bonjour", "greet"),
            LabelledText("bad-intent", "en", "hi", "Not An Intent!"),
        ]
    )
    summary = export(data, nlu_dir=tmp_path / "nlu", tests_dir=tmp_path / "tests")
    assert summary.train["en"] + summary.test["en"] == 30
    assert summary.train["zh"] + summary.test["zh"] == 10
    train_en = yaml.safe_load((tmp_path / "nlu" / "en" / "inbox.yml").read_text())
    assert train_en["version"] == "3.1"
    assert train_en["nlu"][0]["intent"] == "track_order"
    lines = train_en["nlu"][0]["examples"].strip().splitlines()
    assert len(lines) == summary.train["en"]
    held = yaml.safe_load((tmp_path / "tests" / "inbox_test_en.yml").read_text())
    held_texts = set(held["nlu"][0]["examples"].strip().splitlines())
    assert held_texts.isdisjoint(lines)  # nothing is both trained on and tested on
    assert "bonjour" not in (tmp_path / "nlu" / "en" / "inbox.yml").read_text()


def test_export_is_loadable_by_rasa_and_empty_languages_remove_their_files(tmp_path: Path):
    from rasa.shared.nlu.training_data.loading import load_data

    export(examples(12), nlu_dir=tmp_path / "nlu", tests_dir=tmp_path / "t")
    loaded = load_data(str(tmp_path / "nlu" / "en" / "inbox.yml"))
    assert {m.get("intent") for m in loaded.intent_examples} == {"track_order"}
    (tmp_path / "nlu" / "zh").mkdir(parents=True, exist_ok=True)
    (tmp_path / "nlu" / "zh" / "inbox.yml").write_text("stale")
    summary = export([], nlu_dir=tmp_path / "nlu", tests_dir=tmp_path / "t")
    assert summary.files == ()
    assert not (tmp_path / "nlu" / "en" / "inbox.yml").exists()
    assert not (tmp_path / "nlu" / "zh" / "inbox.yml").exists()
