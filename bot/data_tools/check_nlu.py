"""Check the English NLU files: Rasa loads them, no duplicates, no conflicts, no leaks.

    .venv/bin/python -m bot.data_tools.check_nlu [--nlu-dir data/nlu/en] [--benchmark CSV]

Prints per-file / per-intent example counts and entity counts, then every problem found:
duplicate texts (case-insensitive, across all files), texts labelled with two intents,
unknown entity names, entity-looking values left unannotated (order numbers, e-mails,
phones, prices), entity spans that do not start/end on token boundaries, and texts that
also occur in the held-out 2020 Bitext benchmark. Exits with status 1 on any problem.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from bot.data_tools.bitext_to_rasa import BENCHMARK, DEFAULT_OUT, DEFAULT_SOURCE, normalise
from bot.data_tools.nlu_yaml import ENTITY_MARKUP, read_examples, text_key

ENTITIES = {"order_number", "email", "phone", "product", "quantity", "amount"}
# Values that must always be annotated when they appear outside markup.
UNANNOTATED = {
    "order_number": re.compile(r"\b[A-Za-z]\d{4,8}\b"),
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "phone": re.compile(r"(?:\+\d{2,3}[ \d]{8,}|\b0\d{3,4} ?\d{3} ?\d{3,4}\b)"),
    "amount": re.compile(r"[£$€]\s?\d"),
}


def rasa_counts(path: Path) -> tuple[Counter[str], Counter[str]]:
    """Per-intent example counts and per-entity counts as Rasa's own loader sees them."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    intents: Counter[str] = Counter(m.get("intent") for m in data.intent_examples)
    entities: Counter[str] = Counter(
        e["entity"] for m in data.training_examples for e in m.get("entities") or []
    )
    return intents, entities


def boundary_problems(text: str) -> list[str]:
    """Entity spans whose edges fall inside a token of the plain text."""
    problems = []
    plain, spans, offset = "", [], 0
    for match in ENTITY_MARKUP.finditer(text):
        plain += text[offset : match.start()]
        spans.append((len(plain), len(plain) + len(match["text"]), match["text"]))
        plain += match["text"]
        offset = match.end()
    plain += text[offset:]
    for start, end, value in spans:
        if (start > 0 and plain[start - 1].isalnum()) or (
            end < len(plain) and plain[end].isalnum()
        ):
            problems.append(f"entity {value!r} glued to a word")
    return problems


def unannotated(text: str) -> list[str]:
    """Entity-looking values outside markup."""
    outside = ENTITY_MARKUP.sub(" ", text)
    return [f"{name} {m[0]!r} not annotated" for name, pattern in UNANNOTATED.items()
            for m in pattern.finditer(outside)]  # fmt: skip


def check(nlu_dir: Path, benchmark: Path | None) -> int:
    """Run every check, print a report, return the number of problems."""
    problems: list[str] = []
    owners: dict[str, set[str]] = defaultdict(set)
    seen: dict[str, str] = {}
    total_intents: Counter[str] = Counter()
    total_entities: Counter[str] = Counter()
    files = sorted(nlu_dir.glob("*.yml"))
    for path in files:
        intents, entities = rasa_counts(path)
        ours = read_examples(path)
        if sum(intents.values()) != len(ours):
            problems.append(
                f"{path.name}: Rasa loaded {sum(intents.values())}, we read {len(ours)}"
            )
        total_intents.update(intents)
        total_entities.update(entities)
        print(f"\n{path.name}: {sum(intents.values())} examples, entities {dict(entities)}")
        for intent, count in sorted(intents.items()):
            print(f"  {intent:26s} {count:4d}")
        for intent, text in ours:
            key = text_key(text)
            where = f"{path.name}:{intent}: {text}"
            owners[key].add(intent)
            if key in seen:
                problems.append(f"duplicate: {where}  (also {seen[key]})")
            seen.setdefault(key, where)
            names = {m["entity"] for m in ENTITY_MARKUP.finditer(text)}
            problems += [f"unknown entity {n}: {where}" for n in names - ENTITIES]
            problems += [f"{p}: {where}" for p in unannotated(text) + boundary_problems(text)]
    problems += [f"text in intents {sorted(i)}: {k}" for k, i in owners.items() if len(i) > 1]
    if benchmark is not None and benchmark.exists():
        frame = pd.read_csv(benchmark, encoding="utf-8-sig", dtype=str)
        held_out = {normalise(t).lower() for t in frame[BENCHMARK[1]].dropna()}
        problems += [f"in 2020 benchmark: {seen[k]}" for k in seen if k in held_out]
    print(f"\nTOTAL {sum(total_intents.values())} examples, {len(total_intents)} intents")
    print("entities:", dict(sorted(total_entities.items())))
    for problem in problems:
        print("PROBLEM", problem)
    print(f"{len(problems)} problem(s)")
    return len(problems)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nlu-dir", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--benchmark", type=Path, default=DEFAULT_SOURCE / BENCHMARK[0])
    args = parser.parse_args(argv)
    sys.exit(1 if check(args.nlu_dir, args.benchmark) else 0)


if __name__ == "__main__":
    main()
