"""Build the generated English NLU files (data/nlu/en/<topic>.yml) from Bitext data.

Training sources: the 2023 release (``bitext_cs_2023_4514.csv``, column ``instruction``)
and the 2022 release (``bitext_cs_2022_8175.csv``, column ``utterance``). The 2020 release
is the held-out benchmark: it is read only to drop utterances that also occur in it.

Steps: normalise -> replace placeholder values and annotate entities
(:mod:`bot.data_tools.bitext_values`) -> drop near-empty lines, 2020 overlaps, texts of
the hand-written en files, cross-intent conflicts and duplicates (case-insensitive) ->
pick up to ``--per-intent`` diverse examples per intent, about half from each release
(greedy max-min Jaccard distance over token sets, seeded) -> one YAML file per topic.

    .venv/bin/python -m bot.data_tools.bitext_to_rasa --seed 42 --per-intent 90
"""

from __future__ import annotations

import argparse
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bot.data_tools.bitext_values import annotate
from bot.data_tools.nlu_yaml import (
    ENTITY_MARKUP,
    GENERATED_MARKER,
    is_generated,
    read_examples,
    render_nlu,
    text_key,
)

DEFAULT_SOURCE = Path("/work/shared/datasets/bitext_customer_support")
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "data" / "nlu" / "en"
RELEASES = {"2023": ("bitext_cs_2023_4514.csv", "instruction"),
            "2022": ("bitext_cs_2022_8175.csv", "utterance")}  # fmt: skip
BENCHMARK = ("bitext_cs_2020_21534.csv", "utterance")
TOPICS = {
    "orders": ["cancel_order", "change_order", "place_order", "track_order",
               "check_cancellation_fee"],
    "delivery": ["delivery_options", "delivery_period", "change_shipping_address",
                 "set_up_shipping_address"],
    "refunds": ["get_refund", "track_refund", "check_refund_policy"],
    "invoices_payments": ["check_invoice", "get_invoice", "check_payment_methods",
                          "payment_issue"],
    "account": ["create_account", "delete_account", "edit_account", "switch_account",
                "recover_password", "registration_problems", "newsletter_subscription"],
    "feedback": ["complaint", "review", "contact_customer_service", "contact_human_agent"],
}  # fmt: skip
INTENTS = [intent for intents in TOPICS.values() for intent in intents]
# Entity types whose literal values (from the 2023 entity_value column) get replaced.
LITERAL_TYPES = ("person_name", "delivery_city", "delivery_country")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True)
class Candidate:
    """One rewritten Bitext utterance."""

    intent: str
    release: str
    text: str  # annotated (Rasa markup)
    key: str  # lower-cased plain text
    tokens: frozenset[str]  # for diversity; entity values masked


def normalise(text: object) -> str:
    """NFKC, straight quotes, no brackets (they would read as markup), single spaces."""
    value = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES).replace("\ufeff", "")
    value = re.sub(r"[\[\]]", " ", value)
    return " ".join(value.split())


def diversity_tokens(annotated: str) -> frozenset[str]:
    """Word set with entity values masked (``<order_number>``), so ids add no diversity."""
    masked = ENTITY_MARKUP.sub(lambda m: f" <{m.group('entity')}> ", annotated)
    return frozenset(re.findall(r"<\w+>|[a-z']+|\d+", masked.lower()))


def load_release(source: Path, release: str) -> pd.DataFrame:
    """Rows of one training release as columns text, intent, entity_type."""
    filename, column = RELEASES[release]
    frame = pd.read_csv(source / filename, encoding="utf-8-sig", dtype=str)
    if "entity_type" not in frame.columns:
        frame["entity_type"] = ""
    frame = frame.rename(columns={column: "text"})[["text", "intent", "entity_type"]]
    return frame.fillna("")


def known_values(source: Path) -> dict[str, list[str]]:
    """Literal person/city/country values, as tagged in the 2023 entity columns."""
    raw = pd.read_csv(source / RELEASES["2023"][0], dtype=str).fillna("")
    return {kind: sorted(set(raw.loc[raw["entity_type"] == kind, "entity_value"]))
            for kind in LITERAL_TYPES}  # fmt: skip


def benchmark_keys(source: Path) -> set[str]:
    """Lower-cased normalised 2020 utterances (used only to exclude overlaps)."""
    frame = pd.read_csv(source / BENCHMARK[0], encoding="utf-8-sig", dtype=str)
    return {normalise(text).lower() for text in frame[BENCHMARK[1]].dropna()}


def handwritten_keys(out_dir: Path) -> set[str]:
    """Texts already present in the hand-written en files (they take precedence)."""
    keys: set[str] = set()
    for path in sorted(out_dir.glob("*.yml")):
        if not is_generated(path):
            keys.update(text_key(text) for _, text in read_examples(path))
    return keys


def build_candidates(
    source: Path, seed: int, excluded: set[str], benchmark: set[str]
) -> tuple[list[Candidate], Counter[str]]:
    """Rewrite every usable utterance of both releases; returns candidates and drop stats."""
    frames = {release: load_release(source, release) for release in RELEASES}
    known = known_values(source)
    stats: Counter[str] = Counter()
    seen: dict[str, Candidate] = {}
    intents_by_key: dict[str, set[str]] = defaultdict(set)
    for release, frame in frames.items():
        for row in frame.itertuples(index=False):
            raw = normalise(row.text)
            if row.intent not in INTENTS:
                stats["unknown intent"] += 1
                continue
            if len(re.findall(r"[A-Za-z]", raw)) < 3:
                stats["near-empty"] += 1
                continue
            text = annotate(raw, f"{seed}:{release}:{raw}", [row.entity_type], known)
            key = text_key(text)
            if raw.lower() in benchmark or key in benchmark:
                stats["in 2020 benchmark"] += 1
                continue
            if key in excluded:
                stats["in hand-written files"] += 1
                continue
            intents_by_key[key].add(row.intent)
            if key in seen:
                stats["duplicate"] += 1
                continue
            seen[key] = Candidate(row.intent, release, text, key, diversity_tokens(text))
    conflicts = {key for key, intents in intents_by_key.items() if len(intents) > 1}
    stats["cross-intent conflict"] = len(conflicts)
    return [c for key, c in seen.items() if key not in conflicts], stats


def _distance(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return 1.0 - (len(a & b) / union if union else 1.0)


def pick_diverse(
    pool: Sequence[Candidate], k: int, rng: random.Random, chosen: Sequence[Candidate] = ()
) -> list[Candidate]:
    """Greedy farthest-point selection (max of min Jaccard distance); seeded tie-breaks."""
    rest = list(pool)
    rng.shuffle(rest)
    picked: list[Candidate] = []
    anchors = list(chosen)
    if not anchors and rest and k > 0:
        picked.append(rest.pop(0))
        anchors.append(picked[0])
    nearest = [min((_distance(c.tokens, a.tokens) for a in anchors), default=1.0) for c in rest]
    while rest and len(picked) < k:
        best = max(range(len(rest)), key=nearest.__getitem__)
        winner = rest.pop(best)
        nearest.pop(best)
        picked.append(winner)
        nearest = [
            min(d, _distance(c.tokens, winner.tokens)) for c, d in zip(rest, nearest, strict=True)
        ]
    return picked


def sample_intent(cands: Sequence[Candidate], per_intent: int, seed: int) -> list[Candidate]:
    """Up to ``per_intent`` examples, half from each release, topped up from the other."""
    rng = random.Random(f"{seed}:{cands[0].intent}" if cands else seed)
    by_release = {r: [c for c in cands if c.release == r] for r in RELEASES}
    half = per_intent // 2
    chosen: list[Candidate] = []
    for release in sorted(RELEASES, reverse=True):  # 2023 first
        quota = half if release == "2023" else per_intent - len(chosen)
        chosen += pick_diverse(by_release[release], quota, rng, chosen)
    taken = set(chosen)
    leftovers = [c for c in cands if c not in taken]
    chosen += pick_diverse(leftovers, per_intent - len(chosen), rng, chosen)
    return chosen


def header(seed: int, per_intent: int) -> list[str]:
    """Header comment of every generated file (first line is the generated marker)."""
    return [
        GENERATED_MARKER[2:] + " - do not edit by hand; regenerate instead:",
        f"  .venv/bin/python -m bot.data_tools.bitext_to_rasa --seed {seed} --per-intent "
        + str(per_intent),
        "Source: Bitext Sample Customer Service/Support Training Datasets, (c) Bitext",
        "Innovations, CDLA-Sharing-1.0: 2023 release bitext_cs_2023_4514.csv (instruction)",
        "and 2022 release bitext_cs_2022_8175.csv (utterance). Modified: sampled,",
        "placeholder values replaced, entities annotated. This file is redistributed under",
        "CDLA-Sharing-1.0; see data/LICENSES/ATTRIBUTION.md.",
    ]


def write_topics(selected: dict[str, list[Candidate]], out_dir: Path, lines: list[str]) -> None:
    """One YAML file per topic; examples sorted for stable diffs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for topic, intents in TOPICS.items():
        examples = {i: sorted((c.text for c in selected[i]), key=str.lower) for i in intents}
        (out_dir / f"{topic}.yml").write_text(render_nlu(lines, examples), encoding="utf-8")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help="folder with the Bitext CSV files")  # fmt: skip
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--per-intent", type=int, default=90)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Generate the topic files and print per-intent counts."""
    args = parse_args(argv)
    excluded = handwritten_keys(args.out)
    cands, stats = build_candidates(args.source, args.seed, excluded, benchmark_keys(args.source))
    by_intent: dict[str, list[Candidate]] = defaultdict(list)
    for cand in cands:
        by_intent[cand.intent].append(cand)
    selected = {i: sample_intent(by_intent[i], args.per_intent, args.seed) for i in INTENTS}
    write_topics(selected, args.out, header(args.seed, args.per_intent))
    print("dropped:", dict(stats))
    for intent in INTENTS:
        per_release = Counter(c.release for c in selected[intent])
        print(f"{intent:26s} {len(selected[intent]):3d}  " + " ".join(
            f"{r}={per_release[r]}" for r in sorted(RELEASES, reverse=True)))  # fmt: skip


if __name__ == "__main__":
    main()
