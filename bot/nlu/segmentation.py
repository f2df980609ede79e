"""Bilingual segmentation: jieba for Han script, word rules for everything else.

Kept free of Rasa imports so the web app, the ML modules and the tests can segment text
exactly the way the NLU pipeline does.
"""

from __future__ import annotations

import re
from typing import Iterator, List, NamedTuple

# Han ideographs (CJK Unified + Extension A + Compatibility ideographs).
HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{HAN}]+")
# Outside Han runs a token is an e-mail, a URL, a number with separators, a word (letters,
# digits, inner apostrophes/hyphens), or a single emoji/symbol. Punctuation and spaces are
# dropped, exactly like Rasa's WhitespaceTokenizer does.
_OTHER_TOKEN = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail
    r"|https?://\S+"  # URL
    r"|[£$€¥￥+]?\d+(?:[.,:]\d+)*%?"  # number, price, time
    r"|[^\W\d_](?:[\w]|['’-](?=\w))*"  # word starting with a letter
    r"|\d\w*"  # identifier starting with a digit
    r"|[\U0001F000-\U0001FAFF\u2600-\u27BF]",  # emoji and pictographs
    re.UNICODE,
)


class Piece(NamedTuple):
    """A token: its normalised text and its character span in the original text."""

    text: str
    start: int
    end: int


def _han_pieces(run: str, offset: int) -> Iterator[Piece]:
    import jieba  # imported lazily: jieba builds its prefix dictionary on first use

    for word, start, end in jieba.tokenize(run):
        if word.strip():
            yield Piece(word, offset + start, offset + end)


def _other_pieces(chunk: str, offset: int) -> Iterator[Piece]:
    for match in _OTHER_TOKEN.finditer(chunk):
        yield Piece(match.group().lower(), offset + match.start(), offset + match.end())


def segment(text: str) -> List[Piece]:
    """Split ``text`` into lower-cased tokens with their spans; never yields whitespace.

    Han runs are segmented by jieba; everything between them by the word rules above.
    """
    pieces: List[Piece] = []
    position = 0
    for match in _HAN_RUN.finditer(text):
        pieces.extend(_other_pieces(text[position : match.start()], position))
        pieces.extend(_han_pieces(match.group(), match.start()))
        position = match.end()
    pieces.extend(_other_pieces(text[position:], position))
    return pieces
