"""Sentiment: text normalisation, NB weighting, the neutral zone, training and versioning
(on tiny fixtures, never the shared datasets)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from crm_backend.ml import registry, sentiment
from crm_backend.ml import sentiment_data as data
from crm_backend.ml.sentiment import Thresholds, tune_thresholds
from crm_backend.ml.sentiment_train import train, train_small
from crm_backend.ml.text_features import MAX_CHARS, NBWeighter, normalise_en, normalise_zh

EN_POS = [
    "great service thank you",
    "i love it, excellent quality",
    "wonderful and fast delivery",
    "very happy with the lovely mug",
    "brilliant, friendly and helpful staff",
    "perfect gift, really lovely",
    "excellent, thanks a lot",
    "love the candles, great quality",
]
EN_NEG = [
    "terrible service, very slow",
    "i hate it, awful quality",
    "broken and useless rubbish",
    "very disappointed, the mug was smashed",
    "rude and unhelpful staff",
    "worst gift ever, horrible",
    "awful, never again",
    "the candles are rubbish, terrible quality",
]
ZH_POS = [
    "服务很好，谢谢",
    "质量很好，非常喜欢",
    "送货很快，很满意",
    "杯子很漂亮，喜欢",
    "客服态度好，点赞",
    "礼物很棒，满意",
    "太好了，谢谢你们",
    "蜡烛很好闻，喜欢",
]
ZH_NEG = [
    "服务太差了",
    "质量很差，讨厌",
    "坏了，太差了",
    "杯子碎了，很失望",
    "客服态度差，生气",
    "礼物很糟糕，失望",
    "太差了，再也不买",
    "蜡烛很难闻，差评",
]
PLAIN_EN = [
    "where is my order", "i want to change my address", "how do i get an invoice",
    "can i pay by paypal", "what are your delivery options", "i need to reset my password",
    "track my parcel please", "how long does shipping take", "do you ship to france",
    "change the quantity of my order", "add a new shipping address", "what is the refund policy",
]  # fmt: skip
PLAIN_ZH = [
    "我的订单到哪了", "我想改一下地址", "怎么开发票", "可以用支付宝付款吗", "有哪些配送方式",
    "我要重置密码", "帮我查一下快递", "运输要多久", "能寄到法国吗", "修改订单数量",
    "添加新的收货地址", "退款政策是什么",
]  # fmt: skip
HELD_OUT_PLAIN = [
    "where is my parcel", "how do i change my order", "can i get an invoice please",
    "what payment methods do you accept", "订单什么时候发货", "怎么修改收货地址",
    "how long is delivery to germany", "我想查一下订单",
]  # fmt: skip


@pytest.fixture(scope="module")
def small_model() -> sentiment.SentimentModel:
    return train_small(
        {"en": (EN_POS + EN_NEG, [1] * 8 + [0] * 8), "zh": (ZH_POS + ZH_NEG, [1] * 8 + [0] * 8)},
        {"en": PLAIN_EN, "zh": PLAIN_ZH},
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Doesn't work", "does n't work"),
        ("It\u2019s GREAT!", "it 's great !"),
        ("I cannot log in", "i can not log in"),
        ("  lots   of\tspace ", "lots of space"),
    ],
)
def test_normalise_en_matches_the_sst2_tokenisation(text, expected):
    assert normalise_en(text) == expected


def test_normalisers_fold_width_and_clip_huge_input():
    assert normalise_zh("ＡＢＣ 好 的") == "abc好的"
    assert len(normalise_zh("好" * 100_000)) == MAX_CHARS
    assert normalise_en(None) == "" and normalise_zh(12) == ""  # type: ignore[arg-type]


def test_nb_weighter_is_the_log_count_ratio():
    x = sp.csr_matrix(np.array([[1, 0], [1, 1], [0, 1], [0, 1]], dtype=float))
    weighter = NBWeighter(alpha=1.0).fit(x, [1, 1, 0, 0])
    p = np.array([2, 1]) + 1.0  # feature counts in the positive rows, smoothed
    q = np.array([0, 2]) + 1.0
    expected = np.log((p / p.sum()) / (q / q.sum()))
    assert np.allclose(weighter.ratio_, expected)
    assert np.allclose(weighter.transform(x).toarray(), x.toarray() * expected)


def test_scores_labels_and_languages(small_model):
    worst, best, angry_zh, happy_zh = small_model.analyse_many(
        [
            "terrible, rude and useless",
            "excellent, lovely and great",
            "太差了，很生气",
            "很好，谢谢",
        ]
    )
    assert worst.label == "negative" and worst.score < 0 and worst.language == "en"
    assert best.label == "positive" and best.score > 0
    assert angry_zh.label == "negative" and angry_zh.language == "zh"
    assert happy_zh.label == "positive" and happy_zh.language == "zh"
    for result in (worst, best, angry_zh, happy_zh):
        assert -1.0 <= result.score <= 1.0
        assert result.strongly_negative == (result.score <= -small_model.languages[
            result.language].thresholds.strong)  # fmt: skip


@pytest.mark.parametrize("text", ["", "   ", None, 12345, "12345", "😀😀", "x" * 0, b"bytes"])
def test_text_without_letters_or_not_text_is_neutral(small_model, text):
    result = small_model.analyse(text)
    assert (result.label, result.score, result.strongly_negative) == ("neutral", 0.0, False)


@pytest.mark.parametrize(
    "text",
    [
        "alice@example.com", "Wang.Fang+shop@example.com.cn", "A1001", "T-000011",
        "+44 20 7946 0958", "https://shop.example/orders/A1001", "wangfang@example.cn",
    ],
)  # fmt: skip
def test_bare_identifiers_carry_no_sentiment(small_model, text):
    """Customers answer "your e-mail?" with just the address: never an opinion (a
    review-trained model once read an address as strongly negative and escalated)."""
    result = small_model.analyse(text)
    assert (result.label, result.score, result.strongly_negative) == ("neutral", 0.0, False)


def test_identifiers_are_ignored_inside_opinions(small_model):
    masked = sentiment.without_identifiers("order A1001 is terrible, mail me at a@b.com")
    assert masked == "order   is terrible, mail me at"
    assert small_model.analyse("order A1001 is terrible, rude and useless").label == "negative"


def test_huge_and_hostile_input_is_handled(small_model):
    result = small_model.analyse("terrible " * 50_000 + "<script>alert(1)</script>")
    assert result.label == "negative"
    assert set(result.as_output()) == {"label", "score", "strongly_negative"}


def test_plain_requests_are_rarely_strongly_negative(small_model):
    results = small_model.analyse_many(HELD_OUT_PLAIN)
    strongly = sum(r.strongly_negative for r in results) / len(results)
    assert strongly < 0.05
    assert sum(r.label == "neutral" for r in results) >= len(results) // 2


def test_tune_thresholds_bounds_the_rate_on_plain_requests():
    rng = np.random.default_rng(0)
    plain = np.clip(rng.normal(-0.1, 0.3, 2000), -1, 1)
    thresholds = tune_thresholds(plain, strong_rate=0.03)
    assert np.mean(plain <= -thresholds.strong) <= 0.03 + 1e-9
    assert 0.2 <= thresholds.neutral <= 0.6 and thresholds.strong >= thresholds.neutral
    hostile = tune_thresholds(np.full(100, -1.0))
    assert hostile.strong == 0.95  # capped: never "everything is strongly negative"
    calm = tune_thresholds(np.zeros(100))
    assert (calm.neutral, calm.strong) == (0.2, 0.5)  # the lower bounds
    assert tune_thresholds([]) == Thresholds()


def test_threshold_labels():
    thresholds = Thresholds(neutral=0.3, strong=0.6)
    assert [thresholds.label(s) for s in (-0.7, -0.3, 0.0, 0.29, 0.3)] == [
        "negative", "negative", "neutral", "neutral", "positive",
    ]  # fmt: skip


def write_tiny_datasets(root: Path) -> None:
    def tsv(path: Path, header, rows) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
            writer.writerow(header)
            writer.writerows(rows)

    en = [(t, 1) for t in EN_POS] + [(t, 0) for t in EN_NEG]
    zh = [(1, t) for t in ZH_POS] + [(0, t) for t in ZH_NEG]
    tsv(root / "sst2_glue" / "train.tsv", ["sentence", "label"], en)
    tsv(root / "sst2_glue" / "dev.tsv", ["sentence", "label"], en[::3])
    for split in ("train", "dev", "test"):
        tsv(root / "chnsenticorp" / f"{split}.tsv", ["label", "text_a"], zh)
    uci = root / "uci_sentiment_labelled_sentences"
    uci.mkdir(parents=True)
    for source in ("amazon_cells", "yelp", "imdb"):
        lines = [f"{t}\t{y}" for t, y in en]
        (uci / f"{source}_labelled.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bitext = root / "bitext_customer_support"
    bitext.mkdir()
    rows = "".join(f'B,"{t}",X,track_order\n' for t in PLAIN_EN) + 'B,"awful",X,complaint\n'
    for name in ("bitext_cs_2020_21534.csv", "bitext_cs_2022_8175.csv"):
        (bitext / name).write_text("flags,utterance,category,intent\n" + rows, encoding="utf-8")
    (bitext / "bitext_cs_2023_4514.csv").write_text(
        "instruction,intent\n" + "".join(f'"{t}",track_order\n' for t in PLAIN_EN),
        encoding="utf-8",
    )
    smp = root / "smp2017_ecdt_task1"
    smp.mkdir()
    for split in ("train", "dev"):
        (smp / f"{split}.csv").write_text(
            "text,label\n" + "".join(f"{t},app\n" for t in PLAIN_ZH), encoding="utf-8"
        )


TINY_PARAMS = {
    "en": {"C": 1.0, "min_df": 1, "char_weight": 0.0, "include_uci": True, "cv": 2},
    "zh": {"C": 1.0, "max_n": 2, "min_df": 1},
    "gate": {"C": 1.0, "min_df": 1, "en_sst2_phrases": 50, "en_min_tokens": 2, "seed": 0},
}


def test_train_versions_the_model_and_skips_unchanged_inputs(tmp_path):
    datasets, models = tmp_path / "datasets", tmp_path / "models"
    write_tiny_datasets(datasets)
    info, trained = train(models, datasets, progress=False, params=TINY_PARAMS)
    assert trained
    metadata = info.metadata
    answer_files = len(data.answer_files("en")) + len(data.answer_files("zh"))
    assert answer_files >= 2  # the project's yes/no/stop answers train the opinion gate
    assert len(metadata["inputs"]) == 10 + answer_files
    assert all(len(i["sha256"]) == 64 for i in metadata["inputs"])
    assert metadata["params"]["code_version"].startswith("sentiment-")
    assert {"sst2_dev_accuracy", "chnsenticorp_test_accuracy", "en_thresholds",
            "zh_plain_eval_strong_rate"} <= set(metadata["metrics"])  # fmt: skip
    again, trained_again = train(models, datasets, progress=False, params=TINY_PARAMS)
    assert not trained_again and again.version == info.version
    (datasets / "sst2_glue" / "train.tsv").write_text(
        "sentence\tlabel\n" + "".join(f"{t}\t1\n" for t in EN_POS) + "".join(
            f"{t}\t0\n" for t in EN_NEG[:-1]), encoding="utf-8")  # fmt: skip
    changed, retrained = train(models, datasets, progress=False, params=TINY_PARAMS)
    assert retrained and changed.version != info.version
    registry.clear_cache()
    model = sentiment.load(models)
    assert model.version == changed.version
    assert model.analyse("terrible and useless").label == "negative"


def test_train_without_datasets_says_which_files_are_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="sst2_glue"):
        train(tmp_path / "models", tmp_path / "nothing", progress=False)
