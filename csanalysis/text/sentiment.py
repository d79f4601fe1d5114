"""Offline, explainable sentiment of free-text verbatims from shipped, openly licensed word lexicons.

:func:`score_sentiment` gives every text a compound score in [-1, 1], a label
and the words that made it (``evidence``, with their signed values), in the
seven languages of :data:`~csanalysis.text.language.LANGUAGES`, each from a
lexicon whose licence allows shipping it in an open-source package: published
lexicons for en, da, sv, no and pt, and csanalysis's own for de and ru (every
published German and Russian lexicon is non-commercial, GPL or unlicensed). No
model, no download, no spaCy: the lexicons are data files in
``csanalysis/text/lexicons/`` (sources, versions and licences in
``SOURCES.md`` there, licence texts beside it).

Lexicons per language
---------------------
=====  ==============================================  ============  ==========================================
code   lexicon (entries shipped, scale)                licence       missing / notes
=====  ==============================================  ============  ==========================================
en     VADER 3.3.2, Hutto & Gilbert 2014               MIT           emoticons, emoji, idioms and VADER's
       (7,251 words and phrases, -4..+4; 79 boosters)                CAPS/``!`` emphasis are not used
da     AFINN-da-32, F. Å. Nielsen (3,552, -5..+5,      Apache 2.0    no compound splitting; ``hjælpsom``,
       scaled by 0.8; 43 boosters from asent 0.8.3)                  ``uhøflig`` added by csanalysis
sv     VADER-Swedish 1.0.3 (vaderSentiment-swedish,    MIT           a machine-aided translation of VADER:
       = asent's Swedish lexicon; 5,417, -4..+4;                     some odd entries; no compounds
       67 boosters)
no     AFINN-no-165 (olavski/afinn, = asent's          Apache 2.0    ``bra`` is missing from it (added by
       Norwegian lexicon; 3,188, -5..+5, scaled by                   csanalysis); Bokmål only
       0.8; 91 boosters from asent 0.8.3)
de     csanalysis de 1.0, csanalysis's own (1,614      BSD-3-Clause  written for csanalysis, because SentiWS
       words and phrases, -4..+4; 72 boosters)                       (CC BY-NC-SA), GerVADER (based on
                                                                     SentiWS), GermanPolarityClues (no licence
                                                                     stated) and Chen & Skiena 2014 (GPL-3.0)
                                                                     cannot be shipped; compounds only as
                                                                     whole entries (``Spitzenservice``)
ru     csanalysis ru 1.0, csanalysis's own (1,711      BSD-3-Clause  written for csanalysis, because
       words and phrases, -4..+4; 77 boosters)                       RuSentiLex and LINIS Crowd (CC BY-NC-SA)
                                                                     and Chen & Skiena 2014 (GPL-3.0) cannot
                                                                     be shipped; dostoevsky needs a model
pt     LeIA, R. J. A. Almeida (a Brazilian             MIT           written without accents (matched by
       Portuguese VADER; 5,539, -4..+4; 45 boosters)                 folding); ``péssimo`` added by csanalysis
=====  ==============================================  ============  ==========================================

Texts whose language is not detected get a row with a missing (NaN) score
and a ``lexicon`` value that says why. :data:`SENTIMENT_LEXICONS` lists the
lexicon of each language. A few customer-service words the published lexicons
lack (``slow``, ``unhelpful``, Norwegian ``bra``, Portuguese ``péssimo``...)
are csanalysis's own additions (``additions.tsv``, used only where the lexicon
has no entry for the word).

The German and Russian lexicons (``de.tsv``, ``ru.tsv`` and their boosters,
BSD-3-Clause like csanalysis) were written for csanalysis, on VADER's scale,
from general knowledge of the languages, not from any existing lexicon: general
sentiment words and the words customers write about service (``freundlich``,
``hilfsbereit``, ``Abzocke``, ``Warteschleife``; ``вежливый``, ``помогли``,
``хамство``, ``мошенники``), German compounds as whole entries
(``kundenfreundlich``, ``Spitzenservice``, ``Saftladen``) and idioms as
phrases (``das Gelbe vom Ei``, ``unter aller Sau``; ``на высоте``, ``из рук вон
плохо``, ``оставляет желать лучшего``). Greetings and sign-offs (``guten Tag``,
``mit freundlichen Grüßen``, ``с уважением``) are phrases of value 0, so the
positive words in them count nothing.

Scoring, in order
-----------------
1. **Privacy first.** Texts pass :func:`csanalysis.privacy.mask_text` (e-mail
   addresses, phone numbers, greeting names masked), so ``evidence`` never
   quotes personal data; the language is detected on the masked text.
2. **Tokens and clauses** as in :func:`csanalysis.text.tag_reasons`: words are
   ``\\w+`` runs (apostrophes inside kept), lowercased, contractions read as
   their words (``didn't`` = ``did not``) by the rules of the language's reason
   vocabulary; clauses end at ``. , ; : ! ? …``, brackets, a dash between
   spaces, a line break and the vocabulary's contrastive conjunctions (``but``,
   ``men``, ``mas``...). A conjunction that is in the lexicon still counts.
3. **Lexicon look-up.** Phrases of the lexicon (``fed up``, ``for høje``)
   before single words; a word is looked up as written, then in its two folded
   spellings (``æ→ae ø→oe å→aa ä→ae ö→oe ü→ue ß→ss``, and bare letters with
   accents removed: ``não→nao``, ``dårlig→darlig``, ``ё→е``), as the reason
   tagger does, then (da, sv, no, de, ru, pt) by its Snowball stem when all
   lexicon words with that stem (4+ letters) agree in sign (``demorou`` meets
   ``demora``, ``unfreundlichen`` meets ``unfreundlich``, ``грубым`` meets
   ``грубый``). Negators and boosters are not scored themselves.
4. **Boosters** (VADER's rule): a booster among the 3 words before a scored
   word in its clause adds ``±0.293`` (``very``, ``meget``, ``sehr``,
   ``очень``, ``muito``; dampeners such as ``slightly``, ``etwas``, ``немного``
   subtract), times 1, 0.95, 0.9 by distance,
   away from zero.
5. **Negation** (VADER's rule): a negator of the language's reason vocabulary
   (en ``not no never without nothing...``, da ``ikke ingen aldrig uden``, sv
   ``inte ingen aldrig utan``, no ``ikke ingen aldri uten``, de ``nicht kein*
   nie ohne niemand nichts kaum...``, ru ``не нет ни никогда без никто
   ничего...``, pt ``não nunca nem sem nada``) among the ``negation_window``
   (3) words before a scored word in its clause, or (da, sv, no, de)
   ``ikke``/``inte``/``nicht`` right after it (``jeg anbefaler ikke``, ``ich
   empfehle nicht``), multiplies its value by ``-0.74``: ``not good`` is
   negative, ``not bad`` positive, ``ikke god``, ``nicht freundlich``, ``не
   помогли``, ``não é bom`` negative. A negator followed by ``only``/``just``
   (``kun``, ``bara``, ``nur``, ``только``, ``só``...) negates nothing (``not
   only rude``).
6. **Compound score**: ``score = s / sqrt(s**2 + 15)`` with ``s`` the sum of the
   values (VADER's normalisation, alpha = 15), so one clear word gives about
   ±0.45 and the score nears ±1 as words add up.
   ``label`` is ``"positive"`` for ``score >= 0.05``, ``"negative"`` for
   ``score <= -0.05``, else ``"neutral"`` (VADER's thresholds); a text with a
   lexicon but no scored word is ``0.0``, ``"neutral"``.

Not handled: sarcasm, irony, domain senses (``bravo`` in Portuguese is "angry"
and "well done"), compounds (``kundeservicen var elendig`` is read, ``elendig
kundeservice`` too, but a compound is not split: German ones count only when
they are entries, ``Spitzenservice`` yes, ``Hammerservice`` no), a German
``nicht`` more than one word after its verb (``ich empfehle den Laden nicht``
is read only because it is a phrase of the lexicon), Russian negation after
the word (``претензий нет`` is a phrase), VADER's ``but`` weighting and
emphasis by capitals and exclamation marks. Scores are comparable within a
language; across lexicons (VADER vs AFINN vs csanalysis's own) only roughly.

Examples
--------
>>> from csanalysis.text import score_sentiment
>>> score_sentiment(["Not bad at all, very helpful!"], language="en")[["score", "label", "evidence"]].values.tolist()
[[0.7134, 'positive', 'Not bad(1.85); very helpful(2.09)']]
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

import numpy as np
import pandas as pd

from ..errors import CsanalysisError
from ..privacy import mask_text
from .language import detect_language, language_code, language_codes
from .reasons import vocabulary_path
from .tokens import STEMMERS, TOKEN, bare, folds, texts_series

__all__ = ["SENTIMENT_LEXICONS", "SENTIMENT_COLUMNS", "score_sentiment"]

#: The lexicon used per language (``None``: no openly licensed lexicon shipped; every language has one now).
SENTIMENT_LEXICONS: dict[str, str | None] = {
    "en": "VADER 3.3.2 (MIT)",
    "da": "AFINN-da-32 (Apache-2.0)",
    "sv": "VADER-Swedish 1.0.3 (MIT)",
    "no": "AFINN-no-165 (Apache-2.0)",
    "de": "csanalysis de 1.0 (BSD-3-Clause)",
    "ru": "csanalysis ru 1.0 (BSD-3-Clause)",
    "pt": "LeIA (MIT)",
}

#: The columns of :func:`score_sentiment`'s result.
SENTIMENT_COLUMNS = ("text_index", "language", "score", "label", "n_hits", "evidence", "lexicon")

#: VADER's constants: negation factor, normalisation alpha, label threshold (boosters: +-0.293, in the files).
NEGATION_FACTOR = -0.74
ALPHA = 15.0
THRESHOLD = 0.05

# scale of the lexicon's values to VADER's -4..+4 (AFINN is -5..+5); stemming fallback
_SPECS = {"en": (1.0, False), "da": (0.8, True), "sv": (1.0, True), "no": (0.8, True), "de": (1.0, True),
          "ru": (1.0, True), "pt": (1.0, True)}
# a negator followed by one of these negates nothing ("not only", "nicht nur", "não só")
_NOT_NEGATING_NEXT = {
    "en": {"only", "just", "merely"}, "da": {"kun", "bare", "blot"}, "sv": {"bara", "endast", "enbart"},
    "no": {"bare", "kun", "berre"}, "de": {"nur", "bloß", "bloss"}, "ru": {"только", "просто"},
    "pt": {"só", "apenas", "somente", "so"},
}
_DISTANCE = (1.0, 0.95, 0.9)

_WORD = re.compile(r"\w+(?:'\w+)*")

# -- the lexicons -------------------------------------------------------------------------------


def _read_tsv(name: str) -> list[list[str]]:
    """The rows of a shipped TSV file (``# `` comment lines and the header row left out)."""
    text = (files("csanalysis.text") / "lexicons" / name).read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("# ")]
    return rows[1:]


@dataclass
class _Lexicon:
    language: str
    words: dict[str, float] = field(default_factory=dict)  # exact
    folded: dict[str, float] = field(default_factory=dict)  # folded spellings (unambiguous)
    stems: dict[str, float] = field(default_factory=dict)  # stems (all entries agree in sign)
    phrases: dict[str, list[tuple[tuple[str, ...], float]]] = field(default_factory=dict)  # by first word
    boosters: dict[str, float] = field(default_factory=dict)
    negators: set[str] = field(default_factory=set)
    neg_prefixes: tuple[str, ...] = ()
    neg_suffixes: tuple[str, ...] = ()
    negators_after: set[str] = field(default_factory=set)
    breaks: set[str] = field(default_factory=set)
    rewrite: dict[str, list[str]] = field(default_factory=dict)
    split_suffixes: dict[str, list[str]] = field(default_factory=dict)
    window: int = 3
    after: int = 0
    stemmer: object | None = None
    cache: dict[str, float | None] = field(default_factory=dict)

    def expand(self, w: str) -> list[str]:
        if w in self.rewrite:
            return self.rewrite[w]
        for suffix, replacement in self.split_suffixes.items():
            if w.endswith(suffix) and len(w) > len(suffix):
                return [w[: -len(suffix)], *replacement]
        return [w]

    def is_negator(self, w: str) -> bool:
        forms = folds(w)
        return (any(f in self.negators for f in forms) or any(f.startswith(p) for f in forms for p in self.neg_prefixes)
                or any(f.endswith(s) for f in forms for s in self.neg_suffixes))

    def value(self, w: str) -> float | None:
        if w in self.cache:
            return self.cache[w]
        v = self.cache[w] = self._value(w)
        return v

    def _value(self, w: str) -> float | None:
        forms = folds(w)
        for f in forms:
            if f in self.words:
                return self.words[f]
        for f in forms:
            if f in self.folded:
                return self.folded[f]
        if self.stemmer is not None and len(w) >= 4:
            for f in forms:
                s = self.stemmer.stemWord(f)
                if s in self.stems:
                    return self.stems[s]
        return None

    def booster(self, w: str) -> float | None:
        for f in folds(w):
            if f in self.boosters:
                return self.boosters[f]
        return None


def _rules(language: str) -> dict:
    """The negation and clause rules of the language's reason vocabulary (``vocabulary/<code>.toml``)."""
    raw = tomllib.loads(vocabulary_path(language).read_text(encoding="utf-8"))
    rules = {"negation_window": 3, "negation_after": 0}
    rules.update(raw.get("rules", {}))
    rules["rewrite"] = raw.get("rewrite", {})
    rules["split_suffixes"] = raw.get("split_suffixes", {})
    return rules


def _key(word: str) -> str:
    return " ".join(_WORD.findall(word.lower().replace("’", "'")))


@lru_cache(maxsize=None)
def _lexicon(language: str) -> _Lexicon:
    import snowballstemmer

    scale, stem = _SPECS[language]
    lex = _Lexicon(language)
    entries = [(_key(w), float(v) * scale) for w, v in _read_tsv(f"{language}.tsv")]
    known = {k for k, _ in entries}
    additions = [(kind, _key(w), float(v)) for lang, kind, w, v in _read_tsv("additions.tsv") if lang == language]
    entries += [(k, v) for kind, k, v in additions if kind == "word" and k not in known]
    folded: dict[str, list[float]] = {}
    for k, v in entries:
        if not k:
            continue
        if " " in k:
            words = tuple(bare(w) for w in k.split())
            lex.phrases.setdefault(words[0], []).append((words, v))
            continue
        lex.words[k] = v
        for f in folds(k)[1:]:
            folded.setdefault(f, []).append(v)
    for f, vs in folded.items():
        if f not in lex.words and (all(v > 0 for v in vs) or all(v < 0 for v in vs)):
            lex.folded[f] = sum(vs) / len(vs)
    for first in lex.phrases:
        lex.phrases[first].sort(key=lambda p: -len(p[0]))
    if stem:
        lex.stemmer = snowballstemmer.stemmer(STEMMERS[language])
        by_stem: dict[str, list[float]] = {}
        for k, v in lex.words.items():
            s = lex.stemmer.stemWord(bare(k))
            if len(s) >= 4:
                by_stem.setdefault(s, []).append(v)
        # the stems of folded spellings too, so accent-free texts (and accent-free LeIA) meet
        for k, v in list(lex.words.items()):
            s = lex.stemmer.stemWord(k)
            if len(s) >= 4 and s != lex.stemmer.stemWord(bare(k)):
                by_stem.setdefault(s, []).append(v)
        lex.stems = {s: sum(vs) / len(vs) for s, vs in by_stem.items()
                     if all(v > 0 for v in vs) or all(v < 0 for v in vs)}
    boosters = [(_key(w), float(v)) for w, v in _read_tsv(f"{language}_boosters.tsv")]
    for k, v in [*boosters, *((k, v) for kind, k, v in additions if kind == "booster")]:
        for f in folds(k):
            lex.boosters.setdefault(f, v)
    rules = _rules(language)
    for w in rules.get("negators", []):
        w = w.lower()
        if w.endswith("*"):
            lex.neg_prefixes += folds(w[:-1])
        elif w.startswith("*"):
            lex.neg_suffixes += folds(w[1:])
        else:
            lex.negators.update(folds(w))
    if rules.get("negation_after", 0):
        lex.after = int(rules["negation_after"])
        lex.negators_after = {f for w in rules.get("negators_after", rules.get("negators", []))
                              for f in folds(w.lower().strip("*"))}
    lex.window = int(rules["negation_window"])
    lex.breaks = {f for w in rules.get("clause_breaks", []) for f in folds(w.lower())}
    lex.rewrite = {k.lower(): v.lower().split() for k, v in rules["rewrite"].items()}
    lex.split_suffixes = {k.lower(): v.lower().split() for k, v in rules["split_suffixes"].items()}
    return lex


# -- one text -----------------------------------------------------------------------------------


@dataclass
class _Unit:
    word: str
    clause: int
    start: int
    end: int
    mask: bool = False
    negator: bool = False


def _units(text: str, lex: _Lexicon) -> list[_Unit]:
    units: list[_Unit] = []
    clause = 0
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "brk":
            clause += 1
            continue
        if kind == "mask":
            units.append(_Unit("", clause, m.start(), m.end(), mask=True))
            continue
        for piece in lex.expand(m.group().lower().replace("’", "'")):
            if any(f in lex.breaks for f in folds(piece)):
                clause += 1  # a contrastive conjunction opens a new clause (and may still be scored)
            units.append(_Unit(piece, clause, m.start(), m.end(), negator=lex.is_negator(piece)))
    return units


def _fmt(v: float) -> str:
    s = f"{v:.2f}".rstrip("0")
    return s + "0" if s.endswith(".") else s


def _score_text(text: str, lex: _Lexicon) -> tuple[float, int, str]:
    """``(sum of values, number of scored words, evidence)`` of one masked text."""
    units = _units(text, lex)
    not_next = _NOT_NEGATING_NEXT.get(lex.language, set())
    n = len(units)
    active = [u.negator and not (k + 1 < n and units[k + 1].clause == u.clause and units[k + 1].word in not_next)
              for k, u in enumerate(units)]
    total = 0.0
    hits = 0
    evidence: list[str] = []
    i = 0
    while i < n:
        u = units[i]
        if u.mask or u.negator:
            i += 1
            continue
        span = 1
        value = None
        for words, v in lex.phrases.get(bare(u.word), ()):
            k = len(words)
            if (i + k <= n and all(units[i + j].clause == u.clause and not units[i + j].mask
                                   and bare(units[i + j].word) == words[j] for j in range(k))):
                span, value = k, v
                break
        if value is None:
            if lex.booster(u.word) is not None:
                i += 1
                continue
            value = lex.value(u.word)
        if value is None:
            i += 1
            continue
        start, end = u.start, units[i + span - 1].end
        # boosters among the 3 words before, in the clause
        for d in range(1, 4):
            j = i - d
            if j < 0 or units[j].clause != u.clause:
                break
            b = lex.booster(units[j].word)
            if b is None and not units[j].negator and lex.value(units[j].word) is not None:
                break  # a booster further back belongs to that scored word
            if b is not None:
                b *= _DISTANCE[d - 1]
                value += b if value > 0 else -b
                start = min(start, units[j].start)
        # negation: a negator in the window before, or (V2 languages) right after
        negated = False
        for j in range(max(0, i - lex.window), i):
            if active[j] and units[j].clause == u.clause:
                negated = True
                start = min(start, units[j].start)
                break
        if not negated and lex.after:
            last = i + span - 1
            for j in range(last + 1, min(n, last + 1 + lex.after)):
                if (active[j] and units[j].clause == u.clause
                        and any(f in lex.negators_after for f in folds(units[j].word))):
                    negated = True
                    end = max(end, units[j].end)
                    break
        if negated:
            value *= NEGATION_FACTOR
        total += value
        hits += 1
        evidence.append(f"{text[start:end]}({_fmt(value)})")
        i += span
    return total, hits, "; ".join(evidence)


def _compound(s: float) -> float:
    return s / math.sqrt(s * s + ALPHA)


# -- the public function ------------------------------------------------------------------------


def score_sentiment(texts, language: str | Sequence[str | None] | pd.Series | None = None) -> pd.DataFrame:
    """The sentiment of each text: a compound score in [-1, 1], a label and the words that made it.

    Lexicon-based, offline and explainable; see the module docstring for the
    lexicon of each language (:data:`SENTIMENT_LEXICONS`; csanalysis's own
    for ``de`` and ``ru``) and the scoring rules (VADER's: boosters, negation by ``-0.74``,
    ``score = s / sqrt(s**2 + 15)``).

    Parameters
    ----------
    texts : sequence of str or pandas.Series
        Survey comments, ticket descriptions, review texts. Texts are masked
        with :func:`csanalysis.privacy.mask_text` before scoring. Missing and
        empty texts give a row with a missing score.
    language : None, str, or sequence/Series of str
        As in :func:`csanalysis.text.tag_reasons`: ``None`` detects each text's
        language with :func:`csanalysis.text.detect_language`; a code
        (``"da"``, ``"PT-BR"``) for all texts; or one code per text (e.g.
        Qualtrics' ``UserLanguage`` column), where a missing code means "detect
        this one". A Series must have the index of ``texts`` when ``texts`` is a
        Series.

    Returns
    -------
    pandas.DataFrame
        One row per text, in order, with columns ``text_index`` (the index
        label when ``texts`` is a Series, else the position), ``language`` (the
        code used; missing when undetected), ``score`` (float in [-1, 1];
        NaN without text or language), ``label`` (``"negative"``
        for ``score <= -0.05``, ``"positive"`` for ``score >= 0.05``, else
        ``"neutral"``; missing with the score), ``n_hits`` (number of scored
        words and phrases), ``evidence`` (each as it stands in the masked text,
        with its negator or booster, and its signed value, joined by ``"; "``)
        and ``lexicon`` (the lexicon used, or ``"none: ..."`` saying why there
        is no score).

    Raises
    ------
    csanalysis.errors.CsanalysisError
        For an unknown language code (naming the accepted ones), a language
        sequence of the wrong length, texts given as one string or a DataFrame.

    Examples
    --------
    >>> from csanalysis.text import score_sentiment
    >>> texts = ["The agent was rude and not helpful.",
    ...          "Ikke dårligt, meget hurtig levering",
    ...          "Atendimento péssimo, não recomendo",
    ...          "Die Wartezeit war viel zu lang",
    ...          "Оператор был очень груб и ничем не помог",
    ...          None]
    >>> out = score_sentiment(texts, language=["en", "da", "pt", "de", "ru", "en"])
    >>> print(out.drop(columns="text_index").to_string(index=False))
    language   score    label  n_hits                                 evidence                          lexicon
          en -0.6522 negative       2           rude(-2.0); not helpful(-1.33)                VADER 3.3.2 (MIT)
          da  0.6877 positive       2   Ikke dårligt(1.78); meget hurtig(1.89)         AFINN-da-32 (Apache-2.0)
          pt -0.7278 negative       2      péssimo(-3.0); não recomendo(-1.11)                       LeIA (MIT)
          de -0.4767 negative       2      Wartezeit(-0.6); viel zu lang(-1.5) csanalysis de 1.0 (BSD-3-Clause)
          ru -0.6833 negative       2 очень груб(-2.29); ничем не помог(-1.33) csanalysis ru 1.0 (BSD-3-Clause)
          en     NaN      NaN       0                                      NaN                    none: no text
    """
    s, is_series = texts_series(texts, "score_sentiment")
    n = len(s)
    labels = s.index if is_series else pd.RangeIndex(n)

    if language is None:
        codes: list[str | None] = [None] * n
    elif isinstance(language, str):
        codes = [language_code(language)] * n
    else:
        if isinstance(language, pd.Series) and is_series and not language.index.equals(s.index):
            raise CsanalysisError("language= as a Series needs the index of the texts (use the same table's "
                                  "column, or pass language.to_numpy() to align by position)")
        langs = list(language)
        if len(langs) != n:
            raise CsanalysisError(f"language= has {len(langs)} codes for {n} texts: give one code for all "
                                  "texts or one per text")
        codes = language_codes(langs)

    values = s.to_numpy(dtype=object)
    present = np.array([not (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)))
                        and str(v).strip() != "" for v in values], dtype=bool)
    score = np.full(n, np.nan)
    hits = np.zeros(n, dtype=np.int64)
    evidence: list[str | None] = [None] * n
    lexicon: list[str] = ["none: no text"] * n
    idx = np.flatnonzero(present)
    if len(idx):
        masked = mask_text(pd.Series([str(values[i]) for i in idx], dtype="object")).tolist()
        todo = [k for k, i in enumerate(idx) if codes[i] is None]
        if todo:
            detected = detect_language(pd.Series([masked[k] for k in todo], dtype="object")).to_numpy()
            for k, d in zip(todo, detected):
                codes[idx[k]] = d
        for k, i in enumerate(idx):
            code = codes[i]
            if code is None:
                lexicon[i] = "none: language not detected"
                continue
            name = SENTIMENT_LEXICONS.get(code)
            if name is None:
                lexicon[i] = f"none: no openly licensed lexicon for {code}"
                continue
            total, hits[i], evidence[i] = _score_text(masked[k], _lexicon(code))
            score[i] = _compound(total)
            lexicon[i] = name
    score = np.round(score, 4)
    label = np.where(score >= THRESHOLD, "positive", np.where(score <= -THRESHOLD, "negative", "neutral"))
    label = np.where(np.isnan(score), None, label).astype(object)
    return pd.DataFrame({
        "text_index": labels,
        "language": pd.array(codes, dtype="str"),
        "score": score,
        "label": pd.array(label, dtype="str"),
        "n_hits": hits,
        "evidence": pd.array(evidence, dtype="str"),
        "lexicon": pd.array(lexicon, dtype="str"),
    }).reset_index(drop=True)

