"""Free-text verbatims: explainable reason tags and the language of each text.

:func:`tag_reasons` tags survey comments, ticket descriptions, review texts and
churn-reason fields with the reasons of :data:`REASONS` in the seven languages
of :data:`LANGUAGES`, from a documented, user-extendable vocabulary (one TOML
file per language, :func:`load_vocabulary`), keeping the words that triggered
every tag. :func:`detect_language` gives the language where the export has no
language column. :func:`discover_themes` finds the words that set a group of
comments apart (for example the bad-experience comments no tag caught), so the
vocabulary can grow from the user's own data. :func:`score_sentiment` scores each
text's sentiment from shipped, openly licensed lexicons (third-party for en,
da, sv, no, pt; csanalysis's own for de and ru, :data:`SENTIMENT_LEXICONS`) with
the words that made the score. Texts are masked for e-mails, phone numbers and names first.

Examples
--------
>>> from csanalysis.text import tag_reasons
>>> tag_reasons(["Ingen ventetid, men varen var i stykker"], language="da")[["reason", "evidence"]].values.tolist()
[['product_quality', 'i stykker']]
"""

from .language import LANGUAGES, detect_language, language_code
from .reasons import COLUMNS, REASONS, load_vocabulary, tag_reasons, vocabulary_path
from .sentiment import SENTIMENT_COLUMNS, SENTIMENT_LEXICONS, score_sentiment
from .themes import THEME_COLUMNS, discover_themes

__all__ = ["tag_reasons", "detect_language", "language_code", "load_vocabulary", "vocabulary_path",
           "discover_themes", "score_sentiment", "REASONS", "LANGUAGES", "COLUMNS", "THEME_COLUMNS",
           "SENTIMENT_LEXICONS", "SENTIMENT_COLUMNS"]
