"""Readers of the sentiment training/evaluation sets (shared datasets + the team's NLU data).

- English: SST-2 (GLUE train / dev), UCI sentiment-labelled sentences (Amazon, Yelp, IMDb).
- Chinese: ChnSentiCorp (official train / dev / test). The SophonPlus corpora overlap with
  it, so they are never mixed with ChnSentiCorp here.
- "Plain requests" (customer messages that are not complaints) for the neutral zone:
  Bitext 2023 (EN) and SMP2017 train (ZH) to fit the opinion gate, Bitext 2022 (EN) and
  SMP2017 dev (ZH) to *tune* the thresholds; Bitext 2020 (EN) and the team's
  ``data/nlu/zh`` examples to *measure* them (complaints left out everywhere).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import pandas as pd

from crm_backend.settings import PROJECT_ROOT, get_settings

Texts = List[str]
Labelled = Tuple[Texts, List[int]]
UCI_SOURCES = ("amazon_cells", "yelp", "imdb")
_ANNOTATION = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)|\[([^\]]+)\]\{[^}]*\}")
_EXAMPLE = re.compile(r"^\s*-\s(.*)$")


def datasets_dir(path: Optional[Path] = None) -> Path:
    return path or get_settings().datasets_dir


def sst2_files(root: Optional[Path] = None) -> Dict[str, Path]:
    base = datasets_dir(root) / "sst2_glue"
    return {"train": base / "train.tsv", "dev": base / "dev.tsv"}


def chnsenticorp_files(root: Optional[Path] = None) -> Dict[str, Path]:
    base = datasets_dir(root) / "chnsenticorp"
    return {split: base / f"{split}.tsv" for split in ("train", "dev", "test")}


def uci_files(root: Optional[Path] = None) -> Dict[str, Path]:
    base = datasets_dir(root) / "uci_sentiment_labelled_sentences"
    return {source: base / f"{source}_labelled.txt" for source in UCI_SOURCES}


def bitext_files(root: Optional[Path] = None) -> Dict[str, Path]:
    base = datasets_dir(root) / "bitext_customer_support"
    return {
        "2020": base / "bitext_cs_2020_21534.csv",
        "2022": base / "bitext_cs_2022_8175.csv",
        "2023": base / "bitext_cs_2023_4514.csv",
    }


def smp2017_files(root: Optional[Path] = None) -> Dict[str, Path]:
    base = datasets_dir(root) / "smp2017_ecdt_task1"
    return {"train": base / "train.csv", "dev": base / "dev.csv"}


def read_tsv(path: Path, text_column: str) -> Labelled:
    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype={text_column: str})
    frame = frame.dropna(subset=[text_column, "label"])
    texts = [str(t).strip() for t in frame[text_column]]
    return texts, [int(v) for v in frame["label"]]


def sst2(split: str, root: Optional[Path] = None) -> Labelled:
    return read_tsv(sst2_files(root)[split], "sentence")


def chnsenticorp(split: str, root: Optional[Path] = None) -> Labelled:
    return read_tsv(chnsenticorp_files(root)[split], "text_a")


def uci(source: str, root: Optional[Path] = None) -> Labelled:
    """One UCI file (``sentence<TAB>label`` per line, no header, no quoting)."""
    texts: Texts = []
    labels: List[int] = []
    for line in uci_files(root)[source].read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            continue
        text, label = line.rsplit("\t", 1)
        if label.strip() in ("0", "1"):
            texts.append(text.strip())
            labels.append(int(label))
    return texts, labels


def bitext(release: str, root: Optional[Path] = None) -> pd.DataFrame:
    """``text`` and ``intent`` of one Bitext release."""
    frame = pd.read_csv(bitext_files(root)[release], encoding="utf-8-sig", dtype=str)
    text_column = "instruction" if "instruction" in frame.columns else "utterance"
    frame = frame.rename(columns={text_column: "text"})[["text", "intent"]].dropna()
    frame["intent"] = frame["intent"].replace({"check_invoices": "check_invoice"})
    return frame.reset_index(drop=True)


def plain_requests_en(releases: Iterable[str], root: Optional[Path] = None) -> Texts:
    """Bitext utterances of every intent but ``complaint`` (deduplicated)."""
    texts: Texts = []
    for release in releases:
        frame = bitext(release, root)
        texts.extend(frame.loc[frame["intent"] != "complaint", "text"])
    return list(dict.fromkeys(t.strip() for t in texts if t.strip()))


def complaints_en(release: str = "2020", root: Optional[Path] = None) -> Texts:
    frame = bitext(release, root)
    return list(dict.fromkeys(frame.loc[frame["intent"] == "complaint", "text"]))


def smp2017_texts(split: str, root: Optional[Path] = None) -> Texts:
    frame = pd.read_csv(smp2017_files(root)[split], dtype=str).dropna(subset=["text"])
    return list(dict.fromkeys(t.strip() for t in frame["text"] if t.strip()))


def strip_annotations(text: str) -> str:
    """``[A1023](order_number)`` -> ``A1023`` (Rasa's inline entity markup)."""
    return _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text).strip().strip('"')


def nlu_examples(folder: Path) -> Dict[str, Texts]:
    """Examples per intent from Rasa YAML NLU files (``- intent: x`` / ``examples: |``)."""
    found: Dict[str, Texts] = {}
    for path in sorted(folder.glob("*.yml")):
        for intent, texts in nlu_examples_of(path).items():
            found.setdefault(intent, []).extend(texts)
    return found


# short answers to the bot's own questions ("no", "没有", an e-mail): never opinions, but
# review-trained polarity models read "no" / "没有" as strongly negative. The opinion gate
# learns them as plain messages; they are left out of the plain-request evaluation sets.
ANSWER_INTENTS = frozenset({"affirm", "deny", "stop", "inform", "greet", "goodbye"})


def answer_files(language: str) -> List[Path]:
    """The project's NLU files holding the answer intents of ``language``."""
    folder = PROJECT_ROOT / "data" / "nlu" / language
    return [p for p in sorted(folder.glob("*.yml")) if set(nlu_examples_of(p)) & ANSWER_INTENTS]


def answer_examples(language: str) -> Texts:
    """The project's examples of :data:`ANSWER_INTENTS` in ``language`` (en / zh)."""
    examples = nlu_examples(PROJECT_ROOT / "data" / "nlu" / language)
    return [t for intent in sorted(ANSWER_INTENTS) for t in examples.get(intent, [])]


def nlu_examples_of(path: Path) -> Dict[str, Texts]:
    """Examples per intent of one Rasa YAML NLU file."""
    import yaml

    found: Dict[str, Texts] = {}
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for block in document.get("nlu", []) or []:
        intent = block.get("intent") if isinstance(block, dict) else None
        examples = block.get("examples") if intent else None
        if not isinstance(intent, str) or not isinstance(examples, str):
            continue
        for line in examples.splitlines():
            match = _EXAMPLE.match(line)
            if match:
                found.setdefault(intent, []).append(strip_annotations(match.group(1)))
    return found


def team_zh_examples(folder: Optional[Path] = None) -> Dict[str, Texts]:
    return nlu_examples(folder or PROJECT_ROOT / "data" / "nlu" / "zh")


def plain_requests_zh(folder: Optional[Path] = None) -> Texts:
    """The team's Chinese NLU examples of every intent but ``complaint`` and the answer
    intents (those train the opinion gate)."""
    examples = team_zh_examples(folder)
    skip = ANSWER_INTENTS | {"complaint"}
    return [t for intent, texts in examples.items() if intent not in skip for t in texts]


def complaints_zh(folder: Optional[Path] = None) -> Texts:
    return team_zh_examples(folder).get("complaint", [])
