"""Train and evaluate the NLU part of the model (shared by benchmarks/nlu.py and the tests).

- :func:`load_examples` reads Rasa NLU YAML (one file or a folder) into ``(text, intent)``
  pairs, entity markup stripped.
- :func:`train_nlu_model` trains only the NLU pipeline of a config into a folder, with
  Rasa's own ``rasa.model_training.train_nlu``.
- :class:`NluModel` loads such a model (or a full one) and parses many messages at once
  through the model's graph (exactly what the Rasa server runs per message), or one at a
  time through the message processor (for latency).
- :func:`scores` computes accuracy / macro-F1 the same way for every benchmark.
- :func:`gibberish` makes nonsense messages (keyboard mashes, random letters, random Han
  characters, symbols and emoji) from a fixed seed, for fallback checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    text: str
    intent: str


@dataclass(frozen=True)
class Prediction:
    """What the NLU model said about one message."""

    intent: str  # final intent (``nlu_fallback`` when the FallbackClassifier fired)
    classifier_intent: str  # the intent classifier's top intent, ignoring the fallback
    confidence: float  # the classifier's confidence in ``classifier_intent``
    margin: float  # confidence gap between the classifier's top two intents
    language: Optional[str]


def _yaml_files(path: Path) -> List[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.yml") if p.is_file())
    return [path]


def load_examples(paths: Iterable[Path | str]) -> List[Example]:
    """All intent examples of the NLU YAML files (or folders of them) in ``paths``."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples: List[Example] = []
    for path in paths:
        for file in _yaml_files(Path(path)):
            data = load_data(str(file))
            examples.extend(
                Example(message.get("text"), message.get("intent"))
                for message in data.intent_examples
            )
    return examples


def write_examples(examples: Sequence[Example], path: Path) -> Path:
    """Write plain (unannotated) examples as Rasa NLU YAML, grouped by intent."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = TrainingData(
        [Message(data={"text": example.text, "intent": example.intent}) for example in examples]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    RasaYAMLWriter().dump(path, data)
    return path


@contextlib.contextmanager
def quiet_rasa() -> Iterator[None]:
    """Silence Rasa's progress output and warnings while training or loading."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
    finally:
        logging.disable(previous)


def train_nlu_model(
    config: Path, nlu_data: Path, out_dir: Path, domain: Optional[Path] = None
) -> Path:
    """Train only the NLU pipeline of ``config`` on ``nlu_data``; returns the archive.

    Rasa's training cache is switched off so that every call really trains (and timings
    mean something).
    """
    from rasa.model_training import train_nlu

    out_dir.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("RASA_MAX_CACHE_SIZE")
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"  # read by Rasa when training starts
    try:
        with quiet_rasa():
            archive = train_nlu(
                str(config),
                str(nlu_data),
                str(out_dir),
                fixed_model_name="nlu",
                domain=str(domain) if domain else None,
            )
    finally:
        if previous is None:
            os.environ.pop("RASA_MAX_CACHE_SIZE", None)
        else:
            os.environ["RASA_MAX_CACHE_SIZE"] = previous
    if not archive:
        raise RuntimeError(f"NLU training on {nlu_data} produced no model")
    return Path(archive)


def _prediction(parse: Dict[str, Any]) -> Prediction:
    intent = str((parse.get("intent") or {}).get("name") or "")
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    top_name = str(ranking[0].get("name") or "") if ranking else intent
    top = float(ranking[0].get("confidence") or 0.0) if ranking else 0.0
    second = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else 0.0
    return Prediction(
        intent=intent,
        classifier_intent=top_name,
        confidence=top,
        margin=top - second,
        language=parse.get("language"),
    )


class NluModel:
    """A trained model archive, loaded once, that parses messages."""

    def __init__(self, archive: Path) -> None:
        from rasa.core.agent import Agent

        with quiet_rasa():
            self._agent = Agent.load(str(archive))
        processor = self._agent.processor
        if processor is None:
            raise RuntimeError(f"{archive} has no NLU model")
        self._processor = processor
        self._loop = asyncio.new_event_loop()

    def close(self) -> None:
        self._loop.close()

    def parse_batch(self, texts: Sequence[str], batch_size: int = 512) -> List[Prediction]:
        """Parse many messages through the model's NLU graph, ``batch_size`` at a time."""
        from rasa.core.channels.channel import UserMessage
        from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
        from rasa.shared.core.trackers import DialogueStateTracker

        target = self._processor.model_metadata.nlu_target
        tracker = DialogueStateTracker("benchmark", [])
        predictions: List[Prediction] = []
        for start in range(0, len(texts), batch_size):
            batch = [UserMessage(text) for text in texts[start : start + batch_size]]
            with quiet_rasa():
                results = self._processor.graph_runner.run(
                    inputs={PLACEHOLDER_MESSAGE: batch, PLACEHOLDER_TRACKER: tracker},
                    targets=[target],
                )
            predictions.extend(
                _prediction(message.as_dict(only_output_properties=True))
                for message in results[target]
            )
        return predictions

    def parse(self, text: str) -> Prediction:
        """Parse one message the way the Rasa server does for each incoming message."""
        from rasa.core.channels.channel import UserMessage

        parse = self._loop.run_until_complete(self._processor.parse_message(UserMessage(text)))
        return _prediction(parse)


def scores(
    gold: Sequence[str], predicted: Sequence[str], labels: Optional[Sequence[str]] = None
) -> Tuple[float, float]:
    """Accuracy and macro-F1 (over ``labels``, default: the gold labels)."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(gold)) if labels is None else list(labels)
    accuracy = float(accuracy_score(gold, predicted))
    macro_f1 = float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0))
    return accuracy, macro_f1


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_SYMBOLS = "!?.,;:*#@&%~^+=-_/\\|()[]{}<>…。，？！、"
_EMOJI = "😀😂🙂🙃😅😭😡👍👎🙏🎉🔥💯❤️🤔😴🤷🐱🌧️⭐"
# Han characters drawn at random: frequent ones, so strings look "Chinese" but mean nothing.
_HAN_POOL = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
    "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物"
    "现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表"
    "间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军"
)


def _mash(rng: random.Random) -> str:
    row = rng.choice(_KEYBOARD_ROWS)
    start = rng.randrange(len(row) - 3)
    run = row[start : start + rng.randint(3, len(row) - start)]
    return run * rng.randint(1, 2) if rng.random() < 0.3 else run


def _latin_noise(rng: random.Random) -> str:
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 8)))
        for _ in range(rng.randint(1, 4))
    ]
    return " ".join(words)


def _han_noise(rng: random.Random) -> str:
    return "".join(rng.choice(_HAN_POOL) for _ in range(rng.randint(2, 7)))


def _symbols(rng: random.Random) -> str:
    pool = _SYMBOLS + _EMOJI
    return "".join(rng.choice(pool) for _ in range(rng.randint(1, 6)))


def gibberish(count: int, seed: int = 7) -> List[str]:
    """``count`` nonsense messages of four kinds, in equal shares (deterministic)."""
    rng = random.Random(seed)
    makers = (_mash, _latin_noise, _han_noise, _symbols)
    return [makers[i % len(makers)](rng) for i in range(count)]
