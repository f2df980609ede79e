"""The bilingual tokenizer: jieba for Chinese, words for Latin text, never blank tokens."""

from __future__ import annotations

from typing import List

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.tokenizer import BilingualJiebaTokenizer


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> BilingualJiebaTokenizer:
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    return BilingualJiebaTokenizer.create(
        BilingualJiebaTokenizer.get_default_config(),
        storage,
        Resource("tokenizer"),
        ExecutionContext(graph_schema=None, model_id="test"),  # type: ignore[arg-type]
    )


def tokens(tokenizer: BilingualJiebaTokenizer, text: str) -> List[str]:
    message = Message(data={"text": text})
    return [t.text for t in tokenizer.tokenize(message, "text")]


def test_mixed_chinese_and_english_has_no_whitespace_tokens(tokenizer):
    result = tokens(tokenizer, "我的order A1023还没到")
    assert result[:4] == ["我", "的", "order", "a1023"]
    assert all(t.strip() == t and t for t in result)
    assert "".join(result[4:]) == "还没到"


def test_english_is_split_into_lowercase_words_without_punctuation(tokenizer):
    assert tokens(tokenizer, "Where is my ORDER?!") == ["where", "is", "my", "order"]


def test_identifiers_stay_whole(tokenizer):
    result = tokens(tokenizer, "Email alice@example.com about A1001, £25.50")
    assert result == ["email", "alice@example.com", "about", "a1001", "£25.50"]


def test_chinese_punctuation_is_dropped(tokenizer):
    result = tokens(tokenizer, "你好，我想退货！可以吗？")
    assert "，" not in result and "！" not in result and "？" not in result
    assert "退货" in result


def test_emoji_become_their_own_tokens(tokenizer):
    assert tokens(tokenizer, "太慢了😡😡") == ["太慢", "了", "😡", "😡"]
    assert tokens(tokenizer, "great 👍") == ["great", "👍"]


def test_empty_and_blank_text_give_no_tokens(tokenizer):
    assert tokens(tokenizer, "") == []
    assert tokens(tokenizer, "   \n\t ") == []


def test_punctuation_only_keeps_one_token(tokenizer):
    assert tokens(tokenizer, "?!") == ["?!"]


def test_token_offsets_point_into_the_original_text(tokenizer):
    text = "Hi 我的订单 A1023 到哪了?"
    message = Message(data={"text": text})
    for token in tokenizer.tokenize(message, "text"):
        assert text[token.start : token.end].lower() == token.text


def test_process_sets_tokens_on_messages(tokenizer):
    message = Message(data={"text": "我的order还没到"})
    tokenizer.process([message])
    assert [t.text for t in message.get("text_tokens")] == ["我", "的", "order", "还", "没到"]


def test_loading_the_tokenizer_builds_jiebas_dictionary(tmp_path):
    import jieba

    jieba.dt.initialized = False  # as in a fresh server process
    BilingualJiebaTokenizer.load(
        BilingualJiebaTokenizer.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("tokenizer"),
        ExecutionContext(graph_schema=None, model_id="test"),  # type: ignore[arg-type]
    )
    assert jieba.dt.initialized
