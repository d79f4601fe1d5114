"""The pieces every free-text tool of :mod:`csanalysis.text` reads texts with.

:data:`STEMMERS` (the Snowball stemmer of each language), :func:`folds`
(a word's two diacritic-folded spellings), :data:`TOKEN` (masked personal
data, words and clause breaks) and :func:`texts_series` (one column of texts,
checked). The reason tagger (:mod:`~csanalysis.text.reasons`), the sentiment
scorer (:mod:`~csanalysis.text.sentiment`) and the theme finder
(:mod:`~csanalysis.text.themes`) share them, so they read a text the same way.

Examples
--------
>>> folds("Rückerstattung")
('Rückerstattung', 'Rueckerstattung', 'Ruckerstattung')
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from ..errors import CsanalysisError

__all__ = ["STEMMERS", "TOKEN", "bare", "folds", "texts_series"]

#: The Snowball stemmer (``snowballstemmer.stemmer(name)``) of each language code.
STEMMERS = {"en": "english", "da": "danish", "sv": "swedish", "no": "norwegian", "de": "german",
            "ru": "russian", "pt": "portuguese"}

_SPECIAL_DIGRAPH = {"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ё": "е"}
_SPECIAL_BASE = {"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "ß": "ss", "ё": "е"}


def _latin_bases() -> dict[str, str]:
    """Accented Latin letters (U+00C0-U+024F) to their base letters; other scripts untouched (й stays й)."""
    out = {}
    for cp in range(0xC0, 0x250):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii() and base:
            out[ch] = base.lower()
    return out


_BASES = _latin_bases()
_FOLD_DIGRAPH = str.maketrans({**_BASES, **_SPECIAL_DIGRAPH})
_FOLD_BASE = str.maketrans({**_BASES, **_SPECIAL_BASE})


def folds(word: str) -> tuple[str, ...]:
    """The word and its two folded spellings (digraphs ``ä -> ae``; bare letters ``ä -> a``), distinct, in that order."""
    out = [word]
    for table in (_FOLD_DIGRAPH, _FOLD_BASE):
        f = word.translate(table)
        if f not in out:
            out.append(f)
    return tuple(out)


def bare(word: str) -> str:
    """The word in bare letters (``æ -> ae``, ``ø -> o``, ``ä -> a``, accents removed): the last of :func:`folds`."""
    return word.translate(_FOLD_BASE)


#: Masked personal data (``[email]``, ``[phone]``, ``[name]``), words (apostrophes inside kept) and clause breaks.
TOKEN = re.compile(
    r"(?P<mask>\[(?:email|phone|name)\])"
    r"|(?P<word>\w+(?:['’]\w+)*)"
    r"|(?P<brk>[.!?;:,…()\[\]{}\n\r]|\s[-–—]+\s)"
)


def texts_series(texts, caller: str) -> tuple[pd.Series, bool]:
    """``texts`` as a Series (and whether it was one); ``caller`` names the function in the errors."""
    if isinstance(texts, str):
        raise CsanalysisError(f"{caller} takes a list or Series of texts; for one text pass [text]")
    if isinstance(texts, pd.DataFrame):
        raise CsanalysisError(f"{caller} takes one column of texts (a Series), not a DataFrame: "
                              "pass e.g. survey['Comment']")
    if isinstance(texts, pd.Series):
        return texts, True
    try:
        values = list(texts)
    except TypeError:
        raise CsanalysisError(f"{caller} takes a list or Series of texts, not {type(texts).__name__}") from None
    return pd.Series(values, dtype="object"), False
