"""Explainable reason tags for free-text verbatims: survey comments, ticket texts, reviews, churn reasons.

:func:`tag_reasons` finds the reasons of :data:`REASONS` in texts in the
languages of :data:`~csanalysis.text.language.LANGUAGES` and keeps, for every
tag, the words that triggered it (``evidence``), so every count can be read back.

The vocabulary
--------------
One TOML file per language in ``csanalysis/text/vocabulary/`` (``en.toml``,
``da.toml``, ...): per reason a list of ``terms`` (single words) and
``phrases`` (several words), written as ordinary words; they are stemmed when
the file is loaded, with the language's Snowball stemmer (``snowballstemmer``,
pure Python, no download), and so match inflected forms (``rude``, ``rudely``,
``rudeness``). Words are compared by their stems and by the stems of those
stems (4+ letters), which joins forms a stemmer leaves one step apart (Swedish
``leverans`` -> ``leveran``, ``leveransen`` -> ``leverans`` -> ``leveran``).
Three markers change that, in terms and in phrases alike:

* ``word*`` matches every word that begins with ``word`` (``хам*`` matches
  хамство, хамить, хамка; used for Russian roots the stemmer leaves apart);
* ``=word`` matches the word exactly as written (no stemming);
* a single-word term whose stem is shorter than 4 letters matches only as
  written (the Danish stemmer turns ``leveret`` into ``lev``, which would match
  ``lever``, "lives").

Each file also holds its language's rules: negators (and which of them negate
the word before them), clause breaks, the phrase gap (and the gap allowed
after a negator), pseudo-negations, neutral phrases, compound linking
morphemes and neutral compound parts.
:func:`load_vocabulary` shows a language's terms; ``vocabulary=`` extends them.

Matching, in order
------------------
1. **Privacy first.** Texts pass :func:`csanalysis.privacy.mask_text` (e-mail
   addresses, phone numbers, greeting names masked) before anything else, so
   ``evidence`` never quotes personal data.
2. **Tokens.** Words are ``\\w+`` runs (Unicode, apostrophes inside a word
   kept: ``didn't``), lowercased. Clauses end at ``. , ; : ! ? …``, brackets,
   a dash between spaces, a line break and the language's contrastive
   conjunctions (``but``, ``however``, ``men``, ``aber``, ``но``, ``mas``...).
3. **Diacritics fallback.** Every word and every vocabulary word is also
   compared in two folded spellings: digraphs (``æ→ae ø→oe å→aa ä→ae ö→oe
   ü→ue ß→ss``) and bare letters (``æ→ae ø→o å→a ä→a ö→o ü→u``, accents
   removed: ``não→nao``, ``cobrança→cobranca``), and ``ё→е``. So ``vaerste``,
   ``Rueckerstattung`` and ``nao chegou`` match. The price: words that differ
   only by a diacritic can meet (Danish ``får`` and ``far``); the vocabulary
   avoids such words.
4. **Compounds** (Danish, Swedish, Norwegian, German). A word that matches no
   vocabulary word whole is split into known parts: the vocabulary's own single
   words and their stems, phrase words of 4+ letters and the file's neutral
   ``compound_parts`` (``tid``, ``zeit``, ``kunde``...), each part at least 3
   letters, joined by nothing or a linking morpheme (da/no ``s``, ``e``; sv
   ``s``, ``e``, ``a``, ``o``, ``u``; de ``s``, ``es``, ``n``, ``en``, ``er``,
   ``e``); the last part may be inflected (its stem is a known part). The split
   with the fewest parts wins (then the longest first part); the whole word
   must be covered, so ``forventning`` is not read as containing ``vent``.
   The parts then match like words in a row: Danish ``telefonventetiden`` =
   ``telefon|ventetiden`` matches the term ``ventetiden``; German
   ``Hotlinewarteschleife`` = ``hotline|warteschleife`` the term
   ``Warteschleife``; ``Kundenservicemitarbeiter`` = ``kundenservice|
   mitarbeiter`` (neutral parts) tags nothing by itself. The evidence is the
   whole compound.
5. **Phrases before words.** Candidate matches are taken longest pattern
   first, then leftmost, then in reason order; a word used by an accepted
   match is not used again by another reason (a pattern listed under two
   reasons tags both). Matches of one reason may share words, and
   overlapping matches of one reason are one piece of evidence (``waited 40
   minutes`` + ``minutes on hold`` = ``waited 40 minutes on hold``).
   A phrase's words must come in order in one clause with at most
   ``phrase_gap`` (2) other words between consecutive ones (``no reply`` also
   matches ``no one replied``), and at most ``negator_gap`` after a negator
   (Russian 0: ``не`` stands right before its verb, so ``не груб и ответил``
   is no ``не ответил``; Portuguese 1, for a clitic: ``não me responderam``)
   unless the next word is a negator too (``никто мне не ответил``). So
   phrases that contain their own negator (``never arrived``, ``ikke
   modtaget``, ``nie angekommen``, ``не пришла``, ``não chegou``, ``ingen
   svar``) are taken first, and their negator then negates nothing else.
   Pseudo-negations (``not only``, ``can't believe``, ``nicht nur``, ``не
   только``...) and neutral phrases (``as promised``, ``kurze Wartezeit``,
   ``kort ventetid``) are taken the same way and tag nothing.
6. **Negation.** A match is dropped when a negator not used by a phrase
   (en ``not no never n't without nothing nobody hardly``; da/no ``ikke ingen
   aldrig/aldri uden/uten intet ingenting``; sv ``inte ingen inga aldrig utan
   inget``; de ``nicht kein* nie niemals ohne``; ru ``не нет никогда без ни``;
   pt ``não nunca nenhum/nenhuma sem nem``) stands in the same clause within
   ``negation_window`` (3) words before it or between its words; in the
   verb-second languages (da, sv, no, de) also the adverbs of
   ``negators_after`` right after it (``jeg ventede ikke længe``, ``ich
   wartete nicht lange``; not ``uden``/``ohne``: ``lukkede sagen uden at
   spørge`` is still a closed case). A phrase holding its own negator is not
   negated again (negative concord: ``никто не ответил``, ``nunca ninguém
   respondeu``). So ``not rude at all``, ``ingen ventetid``, ``keine
   Wartezeit``, ``не грубо``, ``não demorou`` tag nothing, while ``no, they
   were rude`` (comma) and ``not cheap but rude`` (contrast) still tag
   rudeness.
7. **Context exclusions.** A reason may list ``unless`` words: its
   *single-word* matches are dropped when one of them stands in the same
   clause (``waiting`` is service speed, so ``wait`` next to ``parcel`` or
   ``delivery`` is not ``waiting``; a longer phrase such as ``on hold`` still
   is).

Choice of terms: bare topic words that name a subject without a complaint
(``price``, ``delivery``, ``website``) are not terms; the vocabulary prefers
words and phrases that carry the complaint (``too expensive``, ``late
delivery``, ``never arrived``, ``website crashed``), trading recall for
precision (validation publishes a reason in a language only at precision 0.8
and recall 0.5).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

import numpy as np
import pandas as pd

from ..errors import CsanalysisError
from ..privacy import mask_text
from .language import LANGUAGES, detect_language, language_code, language_codes
from .tokens import STEMMERS, TOKEN, folds, texts_series

__all__ = ["REASONS", "LANGUAGES", "COLUMNS", "tag_reasons", "load_vocabulary", "vocabulary_path"]

#: The shipped reasons, in output order, with what each means.
REASONS: dict[str, str] = {
    "rudeness": "treated rudely, disrespectfully, condescendingly or arrogantly; shouted at, hung up on, "
                "mocked, not taken seriously",
    "waiting": "long waits, slow responses, queues, on hold, no reply for days (service speed, not parcels)",
    "repeat": "had to repeat or explain again, transferred and re-explain, asked for the same information again",
    "not_resolved": "problem not solved, still broken, closed without a solution, nobody helped",
    "wrong_information": "wrong, contradictory or misleading information or promises",
    "delivery": "shipping and delivery problems: late, lost, damaged in transit, courier, items missing "
                "from the parcel",
    "product_quality": "the product broken, defective, of poor quality, not as described, stopped working",
    "billing": "invoices, charges, double charges, refunds not received, payment problems, charged after "
               "cancelling",
    "price": "too expensive, price increases, shipping costs too high",
    "self_service": "website, app, FAQ, help centre, chatbot, login, password reset or online form problems",
}

#: The columns of :func:`tag_reasons`' result.
COLUMNS = ("text_index", "language", "reason", "evidence")

# -- tokens -------------------------------------------------------------------------------------



def _words(text: str) -> list[str]:
    """The lowercased words of a vocabulary entry (same tokenisation as the texts), with its markers."""
    out = []
    for raw in text.split():
        marker_eq = raw.startswith("=")
        marker_star = raw.endswith("*")
        core = raw.strip("=*")
        parts = [m.group().lower().replace("’", "'") for m in re.finditer(r"\w+(?:['’]\w+)*", core)]
        for k, p in enumerate(parts):
            out.append(("=" if marker_eq else "") + p + ("*" if marker_star and k == len(parts) - 1 else ""))
    return out


# -- the compiled vocabulary ----------------------------------------------------------------------


@dataclass
class _Pattern:
    reason: str | None  # None: a pseudo-negation (consumes a negator, tags nothing)
    rank: int
    words: tuple[int, ...]  # word ids


@dataclass
class _Token:
    ids: frozenset[int]
    negator: bool
    brk: bool
    parts: tuple[frozenset[int], ...] = ()
    negates_before: bool = False  # a negator that also negates the word before it (V2: "ventede ikke")


@dataclass
class _Lexicon:
    language: str
    reasons: list[str]
    rules: dict
    stemmer: object
    patterns: list[_Pattern] = field(default_factory=list)
    by_first: dict[int, list[_Pattern]] = field(default_factory=dict)
    word_keys: dict[str, set[int]] = field(default_factory=dict)
    prefixes: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    word_ids: dict[str, int] = field(default_factory=dict)
    unless: dict[str, frozenset[int]] = field(default_factory=dict)
    negators: set[str] = field(default_factory=set)
    after_negators: set[str] | None = None
    neg_prefixes: tuple[str, ...] = ()
    neg_suffixes: tuple[str, ...] = ()
    breaks: set[str] = field(default_factory=set)
    parts: set[str] = field(default_factory=set)
    linking: tuple[str, ...] = ()
    rewrite: dict[str, list[str]] = field(default_factory=dict)
    split_suffixes: dict[str, list[str]] = field(default_factory=dict)
    _stems: dict[str, str] = field(default_factory=dict)
    _tokens: dict[str, _Token] = field(default_factory=dict)

    # stems and keys
    def stem(self, w: str) -> str:
        s = self._stems.get(w)
        if s is None:
            s = self._stems[w] = self.stemmer.stemWord(w)
        return s

    def stem_keys(self, w: str) -> set[str]:
        """The stems of the word's spellings, and the stems of those stems where they are 4+ letters.

        Stemming twice joins forms a stemmer leaves one step apart (Swedish
        ``leverans`` -> ``leveran`` but ``leveransen`` -> ``leverans`` -> ``leveran``).
        """
        keys = set()
        for f in folds(w):
            s = self.stem(f)
            keys.add("s:" + s)
            s2 = self.stem(s)
            if len(s2) >= 4:
                keys.add("s:" + s2)
        return keys

    def word_id(self, spec: str, single: bool) -> int:
        """The id of a vocabulary word (``word``, ``word*``, ``=word``), indexed for lookup."""
        key = (spec, single)
        if key in self.word_ids:
            return self.word_ids[key]
        wid = len(self.word_ids)
        self.word_ids[key] = wid
        if spec.endswith("*"):
            self.prefixes.append((wid, folds(spec[:-1].lstrip("="))))
            return wid
        exact = spec.startswith("=")
        w = spec.lstrip("=")
        if not exact and single and len(self.stem(w)) < 4 and self.stem(w) != w:
            exact = True  # a short stem matches too much: the word as written
        keys = {"e:" + f for f in folds(w)} if exact else self.stem_keys(w)
        for k in keys:
            self.word_keys.setdefault(k, set()).add(wid)
        if not exact or single:
            # known compound parts: single words (any length >= 3) and phrase words of 4+ letters
            if len(w) >= (3 if single else 4):
                for f in folds(w):
                    self.parts.add(f)
                if not exact:
                    for f in folds(self.stem(w)):
                        if len(f) >= 3:
                            self.parts.add(f)
        return wid

    def add(self, reason: str | None, rank: int, entry: str) -> None:
        words = [x for w in _words(entry) for x in (self.expand(w) if w.isalpha() or "'" in w else [w])]
        if not words:
            return
        ids = tuple(self.word_id(w, len(words) == 1) for w in words)
        p = _Pattern(reason, rank, ids)
        self.patterns.append(p)
        self.by_first.setdefault(ids[0], []).append(p)

    # tokens of the texts
    def _ids(self, w: str, extra_stems: tuple[str, ...] = ()) -> frozenset[int]:
        forms = folds(w)
        keys = {"e:" + f for f in forms} | self.stem_keys(w) | {"s:" + f for s in extra_stems for f in folds(s)}
        ids: set[int] = set()
        for k in keys:
            ids |= self.word_keys.get(k, set())
        for wid, prefixes in self.prefixes:
            if any(f.startswith(p) for f in forms for p in prefixes):
                ids.add(wid)
        return frozenset(ids)

    def expand(self, w: str) -> list[str]:
        """A contraction as its words (``didn't`` -> ``did not``, ``cannot`` -> ``can not``), else ``[w]``."""
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

    def token(self, w: str) -> _Token:
        t = self._tokens.get(w)
        if t is not None:
            return t
        if any(f in self.breaks for f in folds(w)):
            t = _Token(frozenset(), False, True)
        else:
            ids = self._ids(w)
            neg = self.is_negator(w)
            parts: tuple[frozenset[int], ...] = ()
            if not ids and not neg and self.rules["compounds"] and len(w) >= 6 and not w.isdigit():
                split = self.split(w)
                if split:
                    parts = tuple(self._ids(p, (p,)) for p in split)
                    if not any(parts):
                        parts = ()
            after = neg and (self.after_negators is None or any(f in self.after_negators for f in folds(w)))
            t = _Token(ids, neg, False, parts, after)
        self._tokens[w] = t
        return t

    def split(self, word: str) -> list[str] | None:
        """The compound split of ``word`` into known parts (see the module docstring), or None."""
        for form in folds(word):
            best = self._split(form)
            if best and len(best) >= 2:
                return best
        return None

    def _split(self, s: str) -> list[str] | None:
        memo: dict[int, list[str] | None] = {}
        n = len(s)

        def seg(i: int) -> list[str] | None:
            if i in memo:
                return memo[i]
            options = []
            rest = s[i:]
            if len(rest) >= 3 and (rest in self.parts or self.stem(rest) in self.parts):
                options.append([rest])
            for j in range(n - 3, i + 2, -1):  # longest first part first
                head = s[i:j]
                if head not in self.parts:
                    continue
                for link in ("", *self.linking):
                    k = j + len(link)
                    if s.startswith(link, j) and n - k >= 3:
                        tail = seg(k)
                        if tail:
                            options.append([head, *tail])
            best = min(options, key=len) if options else None
            memo[i] = best
            return best

        return seg(0)


def _read_toml(language: str) -> dict:
    path = files("csanalysis.text") / "vocabulary" / f"{language}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def vocabulary_path(language: str):
    """Where the shipped vocabulary file of ``language`` is (a copy is a good start for your own).

    Examples
    --------
    >>> vocabulary_path("da").name
    'da.toml'
    """
    code = _code(language)
    return files("csanalysis.text") / "vocabulary" / f"{code}.toml"


def _code(language: object) -> str:
    code = language_code(language)
    if code is None:
        raise CsanalysisError(f"a language code is needed here, one of {', '.join(LANGUAGES)}; got {language!r}")
    return code


def load_vocabulary(language: str) -> dict[str, list[str]]:
    """The shipped vocabulary of one language: ``{reason: [terms and phrases, as written]}``.

    Terms are single words, phrases several words; both are stemmed when
    matched (see the module docstring for the markers ``word*`` and ``=word``).
    Pass a dict of the same shape, per language, as ``vocabulary=`` to
    :func:`tag_reasons` to add your own words or reasons.

    Parameters
    ----------
    language : str
        A code of :data:`LANGUAGES` (or a Qualtrics code such as ``"PT-BR"``).

    Examples
    --------
    >>> v = load_vocabulary("de")
    >>> list(v) == list(REASONS)
    True
    >>> "unfreundlich" in v["rudeness"] and "Wartezeit" in v["waiting"]
    True
    """
    raw = _read_toml(_code(language))
    return {r: [*spec.get("terms", []), *spec.get("phrases", [])] for r, spec in raw["reasons"].items()}


def _compile(language: str, user: Mapping[str, Sequence[str]] | None, extend: bool) -> _Lexicon:
    import snowballstemmer

    raw = _read_toml(language)
    rules = {"negation_window": 3, "negation_after": 0, "phrase_gap": 2, "compounds": False, "linking": []}
    rules.update(raw.get("rules", {}))
    shipped = raw["reasons"]
    reasons = list(REASONS)
    for r in user or {}:
        if r not in reasons:
            reasons.append(r)
    lex = _Lexicon(language, reasons, rules, snowballstemmer.stemmer(STEMMERS[language]))
    lex.linking = tuple(rules["linking"])
    lex.rewrite = {k.lower(): v.lower().split() for k, v in raw.get("rewrite", {}).items()}
    lex.split_suffixes = {k.lower(): v.lower().split() for k, v in raw.get("split_suffixes", {}).items()}
    for w in rules.get("negators", raw.get("negators", [])):
        w = w.lower()
        if w.endswith("*"):
            lex.neg_prefixes += folds(w[:-1])
        elif w.startswith("*"):
            lex.neg_suffixes += folds(w[1:])
        else:
            lex.negators.update(folds(w))
    if "negators_after" in rules:
        lex.after_negators = {f for w in rules["negators_after"] for f in folds(w.lower())}
    for w in rules.get("clause_breaks", raw.get("clause_breaks", [])):
        lex.breaks.update(folds(w.lower()))
    for w in rules.get("compound_parts", raw.get("compound_parts", [])):
        for f in folds(w.lower()):
            lex.parts.add(f)
            lex.parts.add(lex.stem(f))
    for entry in [*rules.get("pseudo_negations", raw.get("pseudo_negations", [])),
                  *rules.get("neutral", raw.get("neutral", []))]:
        lex.add(None, -1, entry)
    for rank, r in enumerate(reasons):
        entries: list[str] = []
        if extend or user is None or r not in user:
            spec = shipped.get(r, {})
            entries = [*spec.get("terms", []), *spec.get("phrases", [])]
            unless = spec.get("unless", [])
            if unless:
                lex.unless[r] = frozenset(lex.word_id(w, True) for u in unless for w in _words(u))
        if user is not None and r in user:
            entries = [*entries, *user[r]] if extend else list(user[r])
        for e in entries:
            lex.add(r, rank, e)
    return lex


@lru_cache(maxsize=None)
def _shipped(language: str) -> _Lexicon:
    return _compile(language, None, True)


def _check_user_vocabulary(vocabulary: object) -> dict[str, dict[str, list[str]]]:
    example = "{'en': {'billing': ['direct debit'], 'packaging': ['too much plastic']}}"
    if not isinstance(vocabulary, Mapping):
        raise CsanalysisError(f"vocabulary= is a dict {{language: {{reason: [terms]}}}}, e.g. {example}; "
                              f"got {type(vocabulary).__name__}")
    out: dict[str, dict[str, list[str]]] = {}
    for lang, reasons in vocabulary.items():
        code = _code(lang)
        if not isinstance(reasons, Mapping):
            raise CsanalysisError(f"vocabulary[{lang!r}] is a dict {{reason: [terms]}}, e.g. {example}")
        for reason, terms in reasons.items():
            if not isinstance(reason, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", reason):
                raise CsanalysisError(f"a reason id is lowercase letters, digits and _ (like 'not_resolved'), "
                                      f"not {reason!r}")
            if isinstance(terms, str) or not all(isinstance(t, str) and _words(t) for t in terms):
                raise CsanalysisError(f"vocabulary[{lang!r}][{reason!r}] is a list of words or phrases, "
                                      f"e.g. ['direct debit', 'overcharged']; got {terms!r}")
            out.setdefault(code, {}).setdefault(reason, []).extend(terms)
    return out


# -- matching one text -----------------------------------------------------------------------------


@dataclass
class _Unit:
    word: int
    clause: int
    start: int
    end: int
    ids: frozenset[int]
    negator: bool
    negates_before: bool = False


def _units(text: str, lex: _Lexicon) -> list[_Unit]:
    units: list[_Unit] = []
    w = -1
    clause = 0
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "brk":
            clause += 1
            continue
        w += 1
        if kind == "mask":
            units.append(_Unit(w, clause, m.start(), m.end(), frozenset(), False))
            continue
        for k, piece in enumerate(lex.expand(m.group().lower().replace("’", "'"))):
            w += k > 0
            t = lex.token(piece)
            if t.brk:
                clause += 1
                continue
            if t.parts:
                units.extend(_Unit(w, clause, m.start(), m.end(), ids, False) for ids in t.parts)
            else:
                units.append(_Unit(w, clause, m.start(), m.end(), t.ids, t.negator, t.negates_before))
    return units


def _extend(units: list[_Unit], i: int, words: tuple[int, ...], gap: int, neg_gap: int) -> list[int] | None:
    """The units of a phrase starting at unit ``i``: each next word in the same clause within ``gap`` words
    of the previous one (within ``neg_gap`` words after a negator: Russian ``не`` stands right before its verb).
    """
    pos = [i]
    prev = i
    for wid in words[1:]:
        j = prev + 1
        found = None
        while j < len(units) and units[j].clause == units[prev].clause and units[j].word - units[prev].word - 1 <= gap:
            # after a negator only ``neg_gap`` words may stand before the next word, unless that is a negator
            # too (никто мне не ответил)
            near = (not units[prev].negator or units[j].negator
                    or units[j].word - units[prev].word - 1 <= neg_gap)
            if near and wid in units[j].ids:
                found = j
                break
            j += 1
        if found is None:
            return None
        pos.append(found)
        prev = found
    return pos


def _tag_text(text: str, lex: _Lexicon) -> dict[str, list[str]]:
    """``{reason: [evidence, ...]}`` of one (masked) text."""
    units = _units(text, lex)
    if not units:
        return {}
    gap = lex.rules["phrase_gap"]
    neg_gap = lex.rules.get("negator_gap", gap)
    cands = []
    for i, u in enumerate(units):
        for wid in u.ids:
            for p in lex.by_first.get(wid, ()):
                pos = _extend(units, i, p.words, gap, neg_gap) if len(p.words) > 1 else [i]
                if pos is not None:
                    cands.append((-len(p.words), i, p.rank, tuple(pos), p))
    if not cands:
        return {}
    cands.sort(key=lambda c: c[:3])
    owner: dict[int, set[str | None]] = {}  # unit -> reasons of the accepted matches using it
    accepted_spans: set[tuple[int, ...]] = set()
    accepted = []
    for _, _, _, pos, p in cands:
        taken = [owner[k] for k in pos if k in owner]
        # free words, the very span of an accepted match (another reason), or words only this reason used
        if pos in accepted_spans or not taken or (p.reason is not None and all(t == {p.reason} for t in taken)):
            for k in pos:
                owner.setdefault(k, set()).add(p.reason)
            accepted_spans.add(pos)
            if p.reason is not None:
                accepted.append((pos, p))
    used = set(owner)
    window = lex.rules["negation_window"]
    after = lex.rules["negation_after"]
    negs = [k for k, u in enumerate(units) if u.negator and k not in used]
    found: dict[str, list[tuple[int, int]]] = {}
    for pos, p in accepted:
        first, last = units[pos[0]], units[pos[-1]]
        # a phrase holding its own negator is not negated again (negative concord: никто не ответил)
        negated = not any(units[k].negator for k in pos) and any(
            units[k].clause == first.clause
            and (first.word - window <= units[k].word < first.word
                 or (pos[0] < k < pos[-1])
                 or (after and units[k].negates_before and last.word < units[k].word <= last.word + after))
            for k in negs)
        if negated:
            continue
        if len(pos) == 1 and p.reason in lex.unless:
            ex = lex.unless[p.reason]
            if any(u.clause == first.clause and u.ids & ex for k, u in enumerate(units) if k != pos[0]):
                continue
        found.setdefault(p.reason, []).append((first.start, last.end))
    out: dict[str, list[str]] = {}
    for r, spans in found.items():
        merged: list[list[int]] = []
        for a, b in sorted(spans):  # overlapping matches of one reason are one piece of evidence
            if merged and a < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        evs: list[str] = []
        for a, b in merged:
            ev = text[a:b]
            if ev.lower() not in (e.lower() for e in evs):
                evs.append(ev)
        out[r] = evs
    return out


# -- the public function -----------------------------------------------------------------------


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def tag_reasons(texts, language=None, *, vocabulary: Mapping | None = None, extend: bool = True) -> pd.DataFrame:
    """The reasons each text gives, one row per text and reason, with the words that triggered it.

    Parameters
    ----------
    texts : sequence of str or pandas.Series
        Survey comments, ticket descriptions, review texts, churn-reason fields.
        Missing and empty texts give no rows. Texts are masked with
        :func:`csanalysis.privacy.mask_text` before tagging.
    language : None, str, or sequence/Series of str
        ``None``: detected per text by :func:`csanalysis.text.detect_language`
        (texts it cannot decide give no rows). A code (``"da"``, ``"PT-BR"``)
        for all texts, or one code per text, e.g. Qualtrics' ``UserLanguage``
        column (``EN``, ``DA``, ``SV``, ``NO``/``NB``, ``DE``, ``RU``,
        ``PT-BR``/``PT``); a missing code means "detect this one". A Series must
        have the index of ``texts`` when ``texts`` is a Series.
    vocabulary : dict, optional
        Your own words: ``{language: {reason: [terms and phrases]}}``. Reasons
        may be new ids (lowercase, ``_``); they come after the shipped reasons.
        Entries are written like the shipped ones (stemmed; ``word*`` prefix,
        ``=word`` exact).
    extend : bool, default True
        ``True`` adds ``vocabulary`` to the shipped vocabulary; ``False``
        replaces the shipped terms of each reason ``vocabulary`` names (for its
        languages) and keeps the others.

    Returns
    -------
    pandas.DataFrame
        Columns ``text_index`` (the index label of the text when ``texts`` is a
        Series, else its position), ``language`` (the code used), ``reason``
        (an id of :data:`REASONS` or of ``vocabulary``) and ``evidence`` (the
        words or phrases that triggered the tag as they stand in the masked
        text, several joined by ``"; "``). Rows follow the order of the texts,
        then the order of the reasons. Texts without a reason have no row.

    Raises
    ------
    csanalysis.errors.CsanalysisError
        For an unknown language code (naming the accepted ones), a language
        sequence of the wrong length, a malformed ``vocabulary``.

    Examples
    --------
    >>> from csanalysis.text import tag_reasons
    >>> texts = ["The agent was rude and I waited 40 minutes on hold.",
    ...          "Not rude at all, very helpful!",
    ...          "Pakken er aldrig kommet frem, skriv til anna@example.com"]
    >>> print(tag_reasons(texts, language=["en", "en", "da"]).to_string(index=False))
     text_index language   reason                  evidence
              0       en rudeness                      rude
              0       en  waiting waited 40 minutes on hold
              2       da delivery        aldrig kommet frem
    >>> tag_reasons(["Die Wartezeit war viel zu lang"], language="DE")["evidence"].tolist()
    ['Wartezeit; viel zu lang']
    """
    s, is_series = texts_series(texts, "tag_reasons")
    n = len(s)
    labels = s.index if is_series else pd.RangeIndex(n)
    user = _check_user_vocabulary(vocabulary) if vocabulary is not None else {}

    # per-text language codes
    if language is None:
        codes: list[str | None] = [None] * n
    elif isinstance(language, str):
        codes = [_code(language)] * n
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
    present = np.array([not _missing(v) and str(v).strip() != "" for v in values], dtype=bool)
    rows: list[tuple[int, str, int, str, str]] = []
    if present.any():
        idx = np.flatnonzero(present)
        masked = mask_text(pd.Series([str(values[i]) for i in idx], dtype="object"))
        todo = [k for k, i in enumerate(idx) if codes[i] is None]
        if todo:
            detected = detect_language(masked.iloc[todo]).to_numpy()
            for k, d in zip(todo, detected):
                codes[idx[k]] = d
        lexicons: dict[str, _Lexicon] = {}
        for k, i in enumerate(idx):
            code = codes[i]
            if code is None:
                continue
            lex = lexicons.get(code)
            if lex is None:
                lex = lexicons[code] = (_compile(code, user[code], extend) if code in user else _shipped(code))
            text = masked.iloc[k]
            for reason, ev in _tag_text(text, lex).items():
                rows.append((i, code, lex.reasons.index(reason), reason, "; ".join(ev)))
    rows.sort(key=lambda r: (r[0], r[2]))
    out = pd.DataFrame({
        "text_index": labels[[r[0] for r in rows]] if rows else labels[:0],
        "language": pd.array([r[1] for r in rows], dtype="str"),
        "reason": pd.array([r[3] for r in rows], dtype="str"),
        "evidence": pd.array([r[4] for r in rows], dtype="str"),
    })
    return out
