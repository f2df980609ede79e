"""Rasa tokenizer for mixed English/Chinese text.

Rasa's own :class:`JiebaTokenizer` hands whole messages to jieba, which keeps spaces and
punctuation as tokens on mixed text (``我的order A1023还没到`` gives a ``" "`` token). This
subclass segments Han runs with jieba (custom dictionaries still work through the parent's
``dictionary_path``) and Latin text by words, lower-cases, and drops whitespace.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.segmentation import segment


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class BilingualJiebaTokenizer(JiebaTokenizer):
    """Jieba for Chinese, word rules for everything else; lower-cased; no blank tokens."""

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        """Any pipeline language: the component itself handles English and Chinese."""
        return None

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Tokenize the text of ``attribute`` (see :func:`bot.nlu.segmentation.segment`)."""
        text = message.get(attribute) or ""
        tokens = [
            Token(piece.text, piece.start, end=piece.end, lemma=piece.text)
            for piece in segment(text)
        ]
        if not tokens and text.strip():
            # Only punctuation: keep one token so featurizers still see the message.
            stripped = text.strip()
            tokens = [Token(stripped, text.index(stripped))]
        return self._apply_token_pattern(tokens)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "BilingualJiebaTokenizer":
        """Load, and build jieba's prefix dictionary now (~1.5 s), while the server starts,
        instead of on the first Chinese message a customer sends."""
        import jieba

        tokenizer = super().load(config, model_storage, resource, execution_context, **kwargs)
        jieba.initialize()
        return tokenizer

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Same options as Rasa's JiebaTokenizer."""
        return JiebaTokenizer.get_default_config()
