"""Sparse features of the intent classifier, the bilingual glossary and the calibrated SVM."""

from __future__ import annotations

from typing import List

import numpy as np
import pytest
import scipy.sparse as sp

from bot.nlu.glossary import concepts
from bot.nlu.intent_features import (
    TextView,
    TfidfBlock,
    TokenSpan,
    char_ngrams,
    compile_patterns,
    stack,
    stack_row,
    text_view,
)
from bot.nlu.linear_model import DEFAULT_TEMPERATURE, CalibratedLinearSVM, fit_temperature, softmax
from bot.nlu.segmentation import segment

PATTERNS = compile_patterns(
    [
        {"name": "order_number", "pattern": r"(?<![A-Za-z0-9@._-])[A-Za-z]\d{4,8}(?![0-9@])"},
        {"name": "email", "pattern": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}"},
        {"name": "broken", "pattern": "(unclosed"},
    ]
)


def view(text: str, glossary: bool = False) -> TextView:
    spans = [TokenSpan(p.text, p.start, p.end) for p in segment(text)]
    return text_view(text, spans, PATTERNS, glossary=glossary)


def test_invalid_regexes_are_skipped():
    assert [name for name, _ in PATTERNS] == ["order_number", "email"]


def test_identifiers_become_one_placeholder_each():
    result = view("Order A1023 and a1024, mail me at jo.li@example.com")
    assert result.words == "order __order_number and __order_number mail me at __email"
    assert "a1023" not in result.chars and "example" not in result.chars


def test_han_runs_are_glued_back_for_character_ngrams():
    result = view("我的订单A1023还没到")
    assert " " in result.words  # jieba words stay separate in the word view
    assert result.chars == "我的订单 还没到"


def test_glossary_concepts_in_both_languages():
    assert view("can I get a reimbursement?", glossary=True).concepts == "@refund"
    assert view("我想退钱", glossary=True).concepts == "@refund"
    assert view("where is my parcel", glossary=True).concepts == "@track @order"
    assert view("where is my parcel").concepts == ""


@pytest.mark.parametrize(
    "text, expected",
    [
        ("cancel order fee", ["cancel", "order", "fee"]),
        ("Refunded already", ["refund"]),
        ("i want to sign up", ["register"]),  # two-word term
        ("sign the form", []),  # first word alone is not the term
        ("取消订单要手续费吗", ["cancel", "order", "fee"]),
    ],
)
def test_concepts_match_words_prefixes_and_phrases(text: str, expected: List[str]):
    words = [p.text for p in segment(text)]
    assert sorted(concepts(text, words)) == sorted(expected)


def test_char_ngrams_never_include_bare_spaces():
    grams = char_ngrams(1, 3)("ab cd")
    assert grams and not any(g.isspace() for g in grams)
    assert "ab" in grams and " ab" in grams


def test_tfidf_rows_are_unit_length_and_weighted():
    views = [view(t) for t in ["where is my order", "refund my order", "hello there"]]
    block = TfidfBlock("word", (1, 2), weight=0.5)
    matrix = block.fit_transform(views)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, 0.5)
    assert "my order" in (block.vocabulary or [])


def test_a_block_rebuilt_from_its_state_transforms_identically():
    train = [view(t) for t in ["where is my order", "我要退款", "hello there"]]
    block = TfidfBlock("char", (1, 3))
    block.fit_transform(train)
    copy = TfidfBlock("char", (1, 3), vocabulary=block.vocabulary, idf=block.idf)
    probe = [view("where's my 退款?")]
    assert (block.transform(probe) != copy.transform(probe)).nnz == 0


def test_unknown_text_has_no_features_and_empty_training_data_is_safe():
    block = TfidfBlock("word", (1, 1))
    block.fit_transform([view("hello")])
    assert block.transform([view("zzzz")]).nnz == 0
    empty = TfidfBlock("word", (1, 1))
    assert empty.fit_transform([TextView("", "")]).shape == (1, 0)
    assert empty.transform([TextView("x", "x")]).shape == (1, 0)


def test_unknown_block_kind_is_rejected():
    with pytest.raises(ValueError):
        TfidfBlock("phonetic", (1, 1))


def test_stack_concatenates_blocks():
    views = [view(t) for t in ["hello", "bye"]]
    blocks = [TfidfBlock("word", (1, 1)), TfidfBlock("char", (1, 2))]
    matrix = stack(blocks, views, fit=True)
    assert matrix.shape[1] == sum(b.size for b in blocks)


def _toy_problem(n_per_class: int = 30, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = np.eye(3) * 3.0
    rows, labels = [], []
    for label, centre in zip(["a", "b", "c"], centres, strict=True):
        rows.append(centre + rng.normal(scale=1.2, size=(n_per_class, 3)))
        labels += [label] * n_per_class
    return sp.csr_matrix(np.vstack(rows)), labels


def test_softmax_rows_sum_to_one_and_temperature_sharpens():
    scores = np.array([[1.0, 0.0, -1.0]])
    soft, sharp = softmax(scores, 1.0), softmax(scores, 0.1)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0)
    assert sharp[0, 0] > soft[0, 0]


def test_fit_temperature_prefers_sharper_scores_when_they_are_right():
    scores = np.array([[2.0, 0.0], [0.0, 2.0]] * 20)
    labels = np.array([0, 1] * 20)
    assert fit_temperature(scores, labels) < fit_temperature(scores, 1 - labels)


def test_calibrated_svm_probabilities_track_accuracy():
    matrix, labels = _toy_problem()
    model = CalibratedLinearSVM(calibration_folds=5).fit(matrix, labels)
    test_matrix, test_labels = _toy_problem(seed=1)
    probabilities = model.predict_proba(test_matrix)
    predicted = [model.classes[i] for i in probabilities.argmax(axis=1)]
    accuracy = np.mean([p == g for p, g in zip(predicted, test_labels, strict=True)])
    mean_confidence = probabilities.max(axis=1).mean()
    assert accuracy > 0.8
    assert abs(mean_confidence - accuracy) < 0.1  # calibrated, not ~1.0 everywhere


def test_state_round_trip_and_binary_problems():
    matrix, labels = _toy_problem()
    binary = [label if label == "a" else "other" for label in labels]
    model = CalibratedLinearSVM(calibration_folds=3).fit(matrix, binary)
    assert model.weights.shape == (3, 2)
    copy = CalibratedLinearSVM.from_state(model.classes, model.state())
    np.testing.assert_allclose(copy.predict_proba(matrix), model.predict_proba(matrix))


def test_too_little_data_keeps_the_default_temperature_and_one_class_fails():
    matrix = sp.csr_matrix(np.eye(2))
    model = CalibratedLinearSVM().fit(matrix, ["a", "b"])
    assert model.temperature == DEFAULT_TEMPERATURE
    with pytest.raises(ValueError):
        CalibratedLinearSVM().fit(matrix, ["a", "a"])


def test_the_per_message_path_equals_the_matrix_path():
    train = [view(t, glossary=True) for t in ["where is my order", "我要退款", "cancel fee?"]]
    blocks = [
        TfidfBlock("word", (1, 2)),
        TfidfBlock("char", (1, 3)),
        TfidfBlock("concept", (1, 1), weight=0.5),
    ]
    matrix = stack(blocks, train, fit=True)
    model = CalibratedLinearSVM(calibration_folds=0).fit(matrix, ["track", "refund", "fee"])
    for text in ["where's my 退款 order?", "cancel", "zzz"]:
        probe = view(text, glossary=True)
        columns, values = stack_row(blocks, probe)
        dense = np.zeros(matrix.shape[1])
        dense[columns] = values
        np.testing.assert_allclose(dense, stack(blocks, [probe]).toarray()[0], atol=1e-12)
        if columns.size:
            np.testing.assert_allclose(
                model.predict_proba_row(columns, values),
                model.predict_proba(stack(blocks, [probe]))[0],
                rtol=1e-5,
            )
