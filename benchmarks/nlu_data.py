"""Datasets of the NLU benchmark (benchmarks/nlu.py).

- Bitext 2020 release (English, 27 intents; never trained on): its ``check_invoices`` is
  renamed ``check_invoice``.
- SMP2017-ECDT task 1 (Chinese, 31 domains): official train / test.
- tests/nlu/en_test.yml, tests/nlu/zh_test.yml: the project's held-out chat-style sets.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Sequence

import pandas as pd

from bot.evaluation import Example, load_examples

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEST_SETS = {
    "en": PROJECT_ROOT / "tests" / "nlu" / "en_test.yml",
    "zh": PROJECT_ROOT / "tests" / "nlu" / "zh_test.yml",
}
BITEXT_2020 = Path("bitext_customer_support") / "bitext_cs_2020_21534.csv"
SMP2017 = Path("smp2017_ecdt_task1")
BITEXT_RENAMES = {"check_invoices": "check_invoice"}
OUT_OF_SCOPE = "out_of_scope"


def bitext_2020(datasets_dir: Path, sample: int = 0, seed: int = 13) -> List[Example]:
    """The 2020 Bitext release; ``sample`` > 0 keeps a stratified random subset."""
    frame = pd.read_csv(datasets_dir / BITEXT_2020, encoding="utf-8-sig")
    frame["intent"] = frame["intent"].replace(BITEXT_RENAMES)
    frame = frame.dropna(subset=["utterance", "intent"])
    if 0 < sample < len(frame):
        frame = frame.groupby("intent").sample(frac=sample / len(frame), random_state=seed)
    return [
        Example(str(t), str(i)) for t, i in zip(frame["utterance"], frame["intent"], strict=True)
    ]


def smp2017(datasets_dir: Path, split: str) -> List[Example]:
    """SMP2017-ECDT task 1, ``split`` = train / dev / test."""
    frame = pd.read_csv(datasets_dir / SMP2017 / f"{split}.csv", encoding="utf-8-sig")
    frame = frame.dropna(subset=["text", "label"])
    return [
        Example(str(t), str(label)) for t, label in zip(frame["text"], frame["label"], strict=True)
    ]


def project_test_set(language: str) -> List[Example]:
    return load_examples([TEST_SETS[language]])


def in_scope(examples: Sequence[Example]) -> List[Example]:
    """Examples of real requests/answers (everything except out_of_scope)."""
    return [e for e in examples if e.intent != OUT_OF_SCOPE]
