"""Multilingual answer labels and question roles of survey exports.

Survey tools export answers as the text the survey author wrote, in the
survey's language ("5 – Mycket nöjd", "Доволен(на)", "Somewhat satisfied\\n\\n").
This module turns such labels into numbers on a known scale, and finds which
question of a survey asks for satisfaction, likelihood to recommend, effort,
word of mouth, warnings to others or expectations.

Languages: English, Danish, Swedish, Norwegian (bokmål), German, Russian.

Principles
----------
* Labels are normalised (:func:`normalise_label`) and looked up in scale
  vocabularies (:mod:`csanalysis.io._vocabulary`, and the ticket tools'
  rating scales in :mod:`csanalysis.io.tools`); labels that are not in a
  vocabulary are **never guessed**: they become missing and are listed in
  ``ScaleMapping.unmapped``.
* The scale is decided from the *distinct* labels of a column, which are
  mapped once; the column is then mapped with :meth:`pandas.Series.map`.
* Code direction: 1 is the negative end (very dissatisfied, strongly
  disagree, much worse than expected, worst rating); for effort 1 is very
  easy (higher = more effort); yes/no is 0/1; likelihood to recommend is 0-10.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import CsanalysisWarning
from ..stats.arrays import per_distinct
from . import _vocabulary as V
from .tools import LABEL_SCALES, NONRESPONSE_LABELS

__all__ = [
    "KINDS",
    "asks_overall",
    "ROLES",
    "ScaleMapping",
    "ces_direction",
    "detect_question_role",
    "detect_question_roles",
    "map_scale",
    "map_spss_labels",
    "normalise_label",
    "parse_told_count",
    "parse_yes_no",
    "question_role_evidence",
    "question_roles_table",
    "to_ces_effort",
    "unparsed_told_counts",
]

#: Scale kinds :func:`map_scale` knows.
KINDS: tuple[str, ...] = (
    "satisfaction", "agreement", "effort", "expectation", "yes_no", "recommend", "rating",
    "numeric",
)
# Tie-break between kinds that explain the labels equally well.
_KIND_RANK = {k: i for i, k in enumerate(
    ("satisfaction", "agreement", "effort", "expectation", "recommend", "rating", "yes_no"))}
_KIND_ALIASES = {"csat": "satisfaction", "nps": "recommend", "ces": "effort",
                 "likert": "agreement", "yesno": "yes_no", "bool": "yes_no"}

#: Question roles :func:`detect_question_role` returns.
ROLES: tuple[str, ...] = ("csat", "nps", "ces", "told_count", "warned_others", "expectation")

# --------------------------------------------------------------------------- normalisation

_DASHES = "[\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d]"
_QUOTES = "\"'`\u00ab\u00bb\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2039\u203a"
_QUOTE_RE = f"^[{_QUOTES}]+|[{_QUOTES}]+$"
# Leading numbering: "5 - ", "5 – ", "1 -", "5)", "(5) ", "5. ", "5: ", "5 = ", "5 ".
# The number must be followed by a non-digit so that "5", "5.5" and "6-10" stay.
_NUMBERING_RE = r"^[(\[]?(\d{1,2})(?:\s*[-:=.)\]]+\s*|\s+)(?=[^\d\s.,])"
_NUMERIC_RE = r"^[+-]?\d+(?:[.,]\d+)?$"


def _as_str(values: pd.Series) -> pd.Series:
    """Any Series as the ``str`` dtype, missing values kept missing."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.na_value is not pd.NA:
        return values
    return values.astype("str")


def _normalise_parts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalised labels and the number of their leading numbering (float, NaN if none)."""
    s = _as_str(values)
    s = s.str.normalize("NFKC").str.casefold().str.replace("ё", "е", regex=False)
    s = s.str.replace(_DASHES, "-", regex=True)
    s = s.str.replace(r"\s+", " ", regex=True).str.strip()
    s = s.str.replace(_QUOTE_RE, "", regex=True).str.strip()
    number = pd.to_numeric(s.str.extract(_NUMBERING_RE, expand=False), errors="coerce")
    s = s.str.replace(_NUMBERING_RE, "", regex=True).str.strip()
    s = s.str.replace(_QUOTE_RE, "", regex=True).str.strip()
    s = s.mask(s == "")
    return s, number.astype("float64")


def normalise_label(values: pd.Series) -> pd.Series:
    """Normalise answer labels so that spellings of one label compare equal.

    Applies, in order: Unicode NFKC, case folding, ``ё`` -> ``е``, every dash
    (en/em dash, minus, ...) -> ``-``, whitespace runs (including newlines and
    no-break spaces) -> one space, stripping of surrounding whitespace and
    quotes, and stripping of leading numbering (``"5 – "``, ``"1 -"``,
    ``"5)"``, ``"(5) "``, ``"5. "``, ``"5 = "``). A bare number (``"5"``,
    ``"5.5"``) and a range (``"6-10"``) are kept. Empty labels become missing.

    Parameters
    ----------
    values : pandas.Series
        Labels; any dtype (numbers are turned into their text).

    Returns
    -------
    pandas.Series
        ``str`` dtype, same index, missing stays missing.

    Examples
    --------
    >>> s = pd.Series(["5 – Mycket  Nöjd\\n\\n", '"Очень довольна"', None, "Ёлка", "6–10"])
    >>> normalise_label(s).tolist()
    ['mycket nöjd', 'очень довольна', nan, 'елка', '6-10']
    """
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    return _normalise_parts(values)[0]


_RU_GENDER = [
    (r"\(\s*-?\s*(?:льна|на|а|ла)\s*\)", ""),               # доволен(на), согласен(а)
    (r"\s*/\s*(?:не)?(?:льна|довольна|на|а|ла)\b", ""),     # доволен/льна, доволен/довольна
    (r"\b(не)?довольн[аы]\b", r"\1доволен"),
    (r"\b(не)?согласн[аы]\b", r"\1согласен"),
    (r"\b(не)?удовлетворен[аы]\b", r"\1удовлетворен"),
]


def _match_key(norm: pd.Series) -> pd.Series:
    """Lookup key of normalised labels: Russian gendered forms folded, punctuation dropped."""
    s = norm
    for pat, rep in _RU_GENDER:
        s = s.str.replace(pat, rep, regex=True)
    s = s.str.replace(r"[-_/]", " ", regex=True)
    s = s.str.replace(r"[,.;:!?\u2026\"'()\[\]*]", "", regex=True)
    s = s.str.replace(r"\s+", " ", regex=True).str.strip()
    return s.mask(s == "")


def _keys(labels) -> list[str]:
    return _match_key(normalise_label(pd.Series(list(labels), dtype="str"))).tolist()


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class _Scale:
    name: str
    kind: str
    language: str
    points: int
    lookup: dict[str, float]        # key -> code
    lo: float
    hi: float
    numbers_are_values: bool        # endpoint-labelled numeric scale (NPS, 0-10)
    order: int
    endpoints: tuple[str, str]      # first label of the lowest and highest code


#: Every scale: the tool-independent ones, then the ticket tools' rating scales.
_ALL_SCALES = [*V.ALL_SCALES, *LABEL_SCALES]


def _build_scales() -> list[_Scale]:
    out = []
    # every label of every scale keyed in one vectorised call (one call per label costs seconds)
    every = [lab for (_, _, _, _, positions) in _ALL_SCALES for labels in positions.values() for lab in labels]
    keyed = iter(_keys(every))
    for order, (name, kind, lang, points, positions) in enumerate(_ALL_SCALES):
        lookup: dict[str, float] = {}
        for code, labels in positions.items():
            for k in [next(keyed) for _ in labels]:
                if k in lookup and lookup[k] != code:  # pragma: no cover - vocabulary check
                    raise RuntimeError(f"label {k!r} sits at two positions in scale {name}")
                lookup[k] = float(code)
        codes = sorted(positions)
        lo, hi = float(codes[0]), float(codes[-1])
        if points == 11 or kind == "yes_no":
            lo, hi = (0.0, 1.0) if kind == "yes_no" else (0.0, 10.0)
        numbers_are_values = points == 11 or kind == "yes_no"
        out.append(_Scale(name, kind, lang, points, lookup, lo, hi, numbers_are_values, order,
                          (positions[codes[0]][0], positions[codes[-1]][0])))
    return out


_SCALES: list[_Scale] = _build_scales()
_NONRESPONSE_KEYS: frozenset[str] = frozenset(_keys(V.NONRESPONSE + NONRESPONSE_LABELS))
_YES_NO_LANG = {k: frozenset(v.split("/")) for k, v in
                zip(_keys(V.YES_NO_LANGUAGE), V.YES_NO_LANGUAGE.values())}
_RECOMMEND_LANG: dict[str, frozenset[str]] = {}
for _lang, _labels in V.RECOMMEND_LANGUAGE.items():
    for _k in _keys(_labels):
        _RECOMMEND_LANG[_k] = _RECOMMEND_LANG.get(_k, frozenset()) | {_lang}
_YES_PREFIX_RE = r"^(?:" + "|".join(V.YES_PREFIXES) + r")\s"
_NO_PREFIX_RE = r"^(?:" + "|".join(V.NO_PREFIXES) + r")\s"

_DIRECTION = {
    "satisfaction": "1 = most dissatisfied ... {p} = most satisfied (higher is better)",
    "agreement": "1 = strongly disagree ... {p} = strongly agree (higher is more agreement)",
    "effort": "1 = very easy ... {p} = very difficult (higher is more effort)",
    "expectation": "1 = much worse than expected ... {p} = much better than expected",
    "rating": "1 = worst ... {p} = best (higher is better)",
    "yes_no": "0 = no, 1 = yes",
    "recommend": "0 = not at all likely ... 10 = extremely likely (the numbers are the answers)",
    "numeric": "numbers taken as they are; no scale was inferred",
}


def _direction(kind: str | None, points: int | None, lo: float = 1.0) -> str:
    if kind is None:
        return "no scale recognised; every label is unmapped"
    if kind == "recommend" and points == 5:
        return "1 = very unlikely ... 5 = very likely (a verbal likelihood scale, not 0-10)"
    if kind == "satisfaction" and points == 11:
        return "0 = completely dissatisfied ... 10 = completely satisfied (numbers are answers)"
    text = _DIRECTION[kind]
    return text.format(p=points if points is not None else "max")


# --------------------------------------------------------------------------- result


@dataclass
class ScaleMapping:
    """Result of :func:`map_scale`: a labelled column as numbers on one scale.

    Attributes
    ----------
    codes : pandas.Series
        float64, same index as the input; position on the scale (see
        ``direction``); missing for missing, non-response and unmapped labels.
    points : int or None
        Scale length (5, 7, 11 for 0-10, 2 for yes/no); None for ``numeric``
        or when no scale was recognised.
    kind : str or None
        One of :data:`KINDS`, or None when no label could be mapped and no
        kind was given.
    language : str or None
        ``en``, ``da``, ``sv``, ``no``, ``de``, ``ru``; ``"da+en"`` for a column
        mixing languages; ``"da/sv"`` when the labels fit several languages.
    unmapped : list of str
        Distinct labels (as they appear) that fit no vocabulary: never guessed.
    direction : str
        What the codes mean, in words.
    scale : str or None
        Name of the vocabulary scale chosen (e.g. ``satisfaction_5_sv``).
    labels : dict
        Distinct label (as it appears) -> code, for every mapped label.
    nonresponse : list of str
        Distinct labels read as "no answer" (``Don't know``, ``Vet ej``, ...).
    alternatives : list of str
        Other scales that explain the labels equally well (an ambiguity to
        check, e.g. when only a few points of a scale occur).
    notes : list of str
        Anything else worth knowing (e.g. numbering that contradicts the text).
    """

    codes: pd.Series
    points: int | None
    kind: str | None
    language: str | None
    unmapped: list[str]
    direction: str
    scale: str | None = None
    labels: dict[Any, float] = field(default_factory=dict)
    nonresponse: list[str] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[Any, int] = field(default_factory=dict, repr=False)

    def summary(self) -> pd.DataFrame:
        """One row per distinct label: ``label, code, status, n``.

        ``status`` is ``mapped``, ``nonresponse`` or ``unmapped``.
        """
        rows = [(k, c, "mapped") for k, c in self.labels.items()]
        rows += [(k, np.nan, "nonresponse") for k in self.nonresponse]
        rows += [(k, np.nan, "unmapped") for k in self.unmapped]
        out = pd.DataFrame(rows, columns=["label", "code", "status"])
        out["label"] = out["label"].astype("str")
        out["code"] = out["code"].astype("float64")
        counts = {str(k): v for k, v in self.counts.items()}
        out["n"] = out["label"].map(counts).fillna(0).astype("int64")
        return out.sort_values(["status", "code", "label"], kind="stable",
                               key=lambda c: c.map({"mapped": 0, "nonresponse": 1,
                                                    "unmapped": 2}) if c.name == "status" else c,
                               ).reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (without the codes themselves)."""
        from ..results import jsonable

        return jsonable({
            "kind": self.kind, "points": self.points, "language": self.language,
            "scale": self.scale, "direction": self.direction,
            "labels": {str(k): v for k, v in self.labels.items()},
            "unmapped": [str(u) for u in self.unmapped],
            "nonresponse": [str(u) for u in self.nonresponse],
            "alternatives": list(self.alternatives), "notes": list(self.notes),
            "summary": self.summary(),
        })

    def _repr_html_(self) -> str:
        head = (f"<p><b>{html.escape(str(self.kind))}</b> scale, {self.points} points, "
                f"language {html.escape(str(self.language))}: "
                f"{html.escape(self.direction)}; {len(self.unmapped)} unmapped label(s)</p>")
        return head + self.summary().to_html(index=False, na_rep="–")


# --------------------------------------------------------------------------- map_scale


def _mapped(values: pd.Series, mapping: dict) -> pd.Series:
    """``values.map(mapping).astype("float64")``, each distinct value looked up once (answers repeat)."""
    out = per_distinct(values, lambda u: pd.Series(u, dtype=object).map(mapping)
                       .to_numpy(dtype="float64", na_value=np.nan), missing=np.nan)
    return pd.Series(out, index=values.index, name=values.name)


def _check_kind(kind: str | None) -> str | None:
    if kind is None:
        return None
    k = _KIND_ALIASES.get(str(kind).lower(), str(kind).lower())
    if k not in KINDS:
        raise ValueError(f"kind={kind!r} is not a scale kind csanalysis knows; expected one of "
                         f"{', '.join(KINDS)} (or None to decide from the labels).")
    return k


def _distinct(values: pd.Series) -> pd.DataFrame:
    """Analyse the distinct non-missing values: raw, norm, key, lead number, numeric value."""
    raw = pd.Series(pd.unique(values.dropna()), dtype=object)
    norm, lead = _normalise_parts(raw)
    num_text = norm.where(norm.str.fullmatch(_NUMERIC_RE).fillna(False).astype(bool))
    value = pd.to_numeric(num_text.str.replace(",", ".", regex=False), errors="coerce")
    key = _match_key(norm.where(value.isna()))
    return pd.DataFrame({"raw": raw, "norm": norm, "key": key, "lead": lead,
                         "value": value.astype("float64")})


@dataclass
class _Labels:
    """The distinct text labels and bare numbers of a column, as plain lists.

    Scales are scored in Python over these few distinct values (never over
    rows); everything per row happens in one ``Series.map`` at the end.
    """

    raw: list
    key: list            # lookup key (None for bare numbers)
    lead: list           # number of the leading numbering, or nan
    value: list          # bare number, or nan
    is_text: list
    yes: list            # key starts with a yes word followed by more words
    no: list

    @classmethod
    def of(cls, d: pd.DataFrame, text: pd.Series) -> _Labels:
        key = d["key"].where(text)
        yes = key.str.contains(_YES_PREFIX_RE, regex=True).fillna(False).astype(bool)
        no = key.str.contains(_NO_PREFIX_RE, regex=True).fillna(False).astype(bool)
        return cls(d["raw"].tolist(), [k if isinstance(k, str) else None for k in key],
                   d["lead"].tolist(), d["value"].tolist(), text.tolist(), yes.tolist(),
                   (no & ~yes).tolist())


def _whole(x: float, lo: float, hi: float) -> bool:
    return not np.isnan(x) and lo <= x <= hi and float(x).is_integer()


def _scale_codes(scale: _Scale, L: _Labels) -> tuple[list, list]:
    """Codes of the text labels under one scale (None where not in it).

    Returns the codes and which labels the vocabulary itself recognised (only
    those count when scales compete). On the 0-10 recommend scale a numbered
    label is its number ("10 - Extremely likely" -> 10), also when its text is
    not in the vocabulary.
    """
    codes, known = [], []
    for k, lead, yes, no in zip(L.key, L.lead, L.yes, L.no):
        c = None if k is None else scale.lookup.get(k)
        if c is None and scale.kind == "yes_no" and (yes or no):
            c = 1.0 if yes else 0.0
        kn = c is not None
        if (scale.numbers_are_values and scale.kind != "yes_no" and k is not None
                and _whole(lead, scale.lo, scale.hi) and (kn or scale.kind == "recommend")):
            c = float(lead)
        codes.append(c)
        known.append(kn)
    return codes, known


def _accept_numbers(scale: _Scale, L: _Labels, codes: list, known: list,
                    kind: str | None, points: int | None) -> list:
    """Which bare numbers count as answers on ``scale``.

    On a 0-10 or yes/no scale, when the kind was asked for or a label of the
    scale is present; on other scales, when ``points`` says the scale length
    or numbered labels show that the numbers are the codes.
    """
    ok = [_whole(v, scale.lo, scale.hi) for v in L.value]
    if (points is not None and points == scale.points) or (
            scale.numbers_are_values and (kind == scale.kind or any(known))):
        return ok
    numbered = [(lead, c) for lead, c in zip(L.lead, codes)
                if c is not None and not np.isnan(lead)]
    if numbered and all(lead == c for lead, c in numbered):
        return ok
    return [False] * len(ok)


def _language_of(scale: _Scale, keys: pd.Series) -> str | None:
    table = {"yes_no": _YES_NO_LANG, "recommend": _RECOMMEND_LANG}.get(scale.kind)
    if table is None or scale.language != "multi":
        return scale.language
    langs: frozenset[str] | None = None
    for k in keys.dropna().unique():
        if k in table:
            langs = table[k] if langs is None else langs & table[k]
    if langs is None:
        return None
    return "/".join(sorted(langs)) if langs else "mixed"


def map_scale(values: pd.Series, kind: str | None = None, *,
              points: int | None = None) -> ScaleMapping:
    """Map answer labels to positions on the scale they belong to.

    The scale (kind, length, language) is decided from the distinct labels in
    ``values``: every vocabulary scale of the allowed kinds is scored by how
    many distinct labels (and bare numbers) it explains; ties go to the scale
    where no two labels land on one position, then to the kind in the order
    satisfaction, agreement, effort, expectation, recommend, rating, yes/no,
    then to the shorter scale, then to the vocabulary order. Labels of the
    same kind and length in another language are then mapped too (a column
    mixing languages). Anything else is left unmapped, reported, and missing
    in ``codes``.

    Numbers: a column of bare numbers is ``numeric`` (codes = the numbers)
    unless ``kind`` is given. For ``recommend`` the numbers 0-10 are the
    answers (and ``"10 - Extremely likely"`` is 10); with another kind, bare
    numbers count only when ``points`` is given (1..points) or when numbered
    labels of the column (``"5 – Mycket nöjd"``) show that the numbers are the
    codes. A numbered label otherwise takes its code from its text.

    Parameters
    ----------
    values : pandas.Series
        Answers as exported (labels, numbers, or a mix).
    kind : str, optional
        Restrict to one of :data:`KINDS` (aliases ``csat``, ``nps``, ``ces``).
        None decides from the labels.
    points : int, optional
        Restrict to scales of this length; also the length for bare numbers.

    Returns
    -------
    ScaleMapping
        ``codes``, ``points``, ``kind``, ``language``, ``unmapped``,
        ``direction`` and more; see :class:`ScaleMapping`.

    Examples
    --------
    >>> m = map_scale(pd.Series(["5 – Mycket nöjd", "Ganska missnöjd", "Varken nöjd eller missnöjd",
    ...                          None, "Något helt annat"]))
    >>> m.kind, m.points, m.language, m.codes.tolist(), m.unmapped
    ('satisfaction', 5, 'sv', [5.0, 2.0, 3.0, nan, nan], ['Något helt annat'])
    >>> map_scale(pd.Series(["10 - Extremely likely", "7", "0 - Not at all likely"])).codes.tolist()
    [10.0, 7.0, 0.0]
    """
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    kind = _check_kind(kind)
    if points is not None and (not isinstance(points, (int, np.integer)) or points < 2):
        raise ValueError(f"points={points!r} must be an integer of at least 2 (the scale length).")
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    counts = values.value_counts(dropna=True).to_dict()

    if pd.api.types.is_bool_dtype(values.dtype):
        return _numeric_result(values.astype("float64"), "yes_no" if kind in (None, "yes_no")
                               else kind, 2 if kind in (None, "yes_no") else points, counts)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return _numeric_result(values.astype("float64"), kind, points, counts)

    d = _distinct(values)
    text = d["key"].notna()
    nonresp = text & d["key"].isin(_NONRESPONSE_KEYS)
    text = text & ~nonresp
    nonresponse = d.loc[nonresp, "raw"].tolist()
    nums = d["value"].notna()

    if not text.any() and kind in (None, "numeric"):
        mapping = dict(zip(d.loc[nums, "raw"], d.loc[nums, "value"]))
        res = _numeric_result(_mapped(values, mapping), kind, points, counts)
        res.unmapped = d.loc[~nums & ~nonresp, "raw"].astype(str).tolist()
        res.nonresponse = [str(x) for x in nonresponse]
        return res
    if kind == "numeric":
        mapping = dict(zip(d.loc[nums, "raw"], d.loc[nums, "value"]))
        return ScaleMapping(_mapped(values, mapping), points, "numeric", None,
                            d.loc[text, "raw"].astype(str).tolist(), _direction("numeric", None),
                            labels={}, nonresponse=nonresponse, counts=counts)

    candidates = [s for s in _SCALES if (kind is None or s.kind == kind)
                  and (points is None or s.points == points)]
    L = _Labels.of(d, text)
    n = len(L.raw)
    scored = []
    for sc in candidates:
        tc, known = _scale_codes(sc, L)
        acc = _accept_numbers(sc, L, tc, known, kind, points)
        mapped_keys = {k for k, kn in zip(L.key, known) if kn}
        positions = {c for c, kn in zip(tc, known) if kn}
        score = (len(mapped_keys) + sum(acc), -(len(mapped_keys) - len(positions)),
                 -_KIND_RANK[sc.kind], -sc.points, -sc.order)
        scored.append((score, sc, tc, acc))
    scored.sort(key=lambda t: t[0], reverse=True)

    if (not scored or scored[0][0][0] == 0) and kind is None and nums.any():
        # No label is on any scale, but there are numbers: a numeric column with junk.
        mapping = dict(zip(d.loc[nums, "raw"], d.loc[nums, "value"]))
        res = _numeric_result(_mapped(values, mapping), None, points, counts)
        res.unmapped = d.loc[~nums & ~nonresp, "raw"].astype(str).tolist()
        res.nonresponse = [str(x) for x in nonresponse]
        res.notes = ["no label matched a known scale vocabulary; numbers taken as they are"]
        return res
    if not scored or scored[0][0][0] == 0:
        unm = d.loc[text | nums, "raw"].astype(str).tolist()
        return ScaleMapping(pd.Series(np.nan, index=values.index, dtype="float64"), points, kind,
                            None, unm, _direction(kind, points) if kind else _direction(None, None),
                            nonresponse=[str(x) for x in nonresponse], counts=counts,
                            notes=["no label matched a known scale vocabulary"])

    best_score, best, tc, acc = scored[0]
    alternatives: list[str] = []
    seen = {(best.kind, best.points)}
    for sc_, s_, _, _ in scored[1:]:
        if sc_[:2] == best_score[:2] and (s_.kind, s_.points) not in seen:
            seen.add((s_.kind, s_.points))
            alternatives.append(s_.name)
    codes_d = [float(L.value[i]) if acc[i] else tc[i] for i in range(n)]
    languages = [_language_of(best, pd.Series([k for k, c in zip(L.key, tc) if c is not None],
                                              dtype=object))]
    notes: list[str] = []

    # Second pass: unmapped labels from other scales of the same kind and length.
    rest = [i for i in range(n) if L.is_text[i] and codes_d[i] is None]
    if rest:
        found: dict[int, set] = {}
        langs: dict[int, set] = {}
        for sc in _SCALES:
            if sc is best or sc.kind != best.kind or sc.points != best.points or sc.lo != best.lo:
                continue
            c, _ = _scale_codes(sc, L)
            for i in rest:
                if c[i] is not None:
                    found.setdefault(i, set()).add(c[i])
                    langs.setdefault(i, set()).add(sc.language)
        extra: set = set()
        for i, cs in found.items():
            if len(cs) == 1:
                codes_d[i] = next(iter(cs))
                extra |= langs[i]
            else:
                notes.append(f"label {str(L.raw[i])!r} fits other languages' scales at "
                             "different positions and was left unmapped")
        extra -= {best.language}
        languages += sorted(extra)

    # Numbering that contradicts the label text (e.g. "1 - Very satisfied").
    if not best.numbers_are_values and any(
            c is not None and not np.isnan(lead) and lead != c for c, lead in zip(tc, L.lead)):
        notes.append("the numbers on the labels do not match their position on the scale; "
                     "codes follow the label text")

    mapping = {L.raw[i]: codes_d[i] for i in range(n) if codes_d[i] is not None}
    codes = _mapped(values, mapping)
    unmapped = [str(L.raw[i]) for i in range(n)
                if codes_d[i] is None and (L.is_text[i] or not np.isnan(L.value[i]))]
    unmapped += d.loc[~text & ~nums & ~nonresp, "raw"].astype(str).tolist()
    language = "+".join(x for x in languages if x) or None
    return ScaleMapping(
        codes=codes, points=best.points, kind=best.kind, language=language,
        unmapped=unmapped, direction=_direction(best.kind, best.points), scale=best.name,
        labels=mapping, nonresponse=[str(x) for x in nonresponse], alternatives=alternatives,
        notes=notes, counts=counts)


def _numeric_result(x: pd.Series, kind: str | None, points: int | None,
                    counts: dict) -> ScaleMapping:
    """Numbers as codes; with a kind, only whole numbers on the scale are kept."""
    if kind in (None, "numeric"):
        return ScaleMapping(x, points, "numeric", None, [], _direction("numeric", None),
                            counts=counts)
    if kind == "recommend":
        points = 11 if points is None else points
    if kind == "yes_no":
        points = 2
    if points is None:
        bad = sorted(x.dropna().unique().tolist())
        return ScaleMapping(pd.Series(np.nan, index=x.index, dtype="float64"), None, kind, None,
                            [_fmt_num(b) for b in bad], _direction(kind, None), counts=counts,
                            notes=[(f"bare numbers cannot be placed on a {kind} scale without "
                                    "its length; pass points= (e.g. points=5 for codes 1-5)")])
    lo, hi = (0.0, 10.0) if (kind == "recommend" and points == 11) else \
             (0.0, 1.0) if kind == "yes_no" else (1.0, float(points))
    ok = x.between(lo, hi) & (x == x.round())
    bad = sorted(x[x.notna() & ~ok].unique().tolist())
    return ScaleMapping(x.where(ok), points, kind, None, [_fmt_num(b) for b in bad],
                        _direction(kind, points), counts=counts,
                        notes=[f"bare numbers read as codes {lo:g}-{hi:g}"])


def _fmt_num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def map_spss_labels(codes: pd.Series, value_labels: Mapping[Any, str],
                    kind: str | None = None, *, points: int | None = None) -> ScaleMapping:
    """Map SPSS-coded answers through their value labels onto a scale.

    SPSS codes are arbitrary (Qualtrics uses 11-15 or 35-41), so the codes are
    first replaced by their value labels (``meta.variable_value_labels[col]``
    from :func:`pyreadstat.read_sav`), then mapped with :func:`map_scale`.
    Codes without a value label keep their number as text and are reported
    unmapped unless the scale accepts them.

    Examples
    --------
    >>> codes = pd.Series([11.0, 15.0, 13.0, 99.0])
    >>> labels = {11.0: "Extremely dissatisfied", 13.0: "Neither satisfied nor dissatisfied",
    ...           15.0: "Extremely satisfied"}
    >>> m = map_spss_labels(codes, labels, "satisfaction")
    >>> m.codes.tolist(), m.unmapped
    ([1.0, 5.0, 3.0, nan], ['99'])
    """
    if not isinstance(codes, pd.Series):
        codes = pd.Series(codes)
    labelled = codes.map(dict(value_labels))
    unlabelled = codes.notna() & labelled.isna()
    as_text = codes.astype(object).where(~unlabelled)
    if unlabelled.any():
        as_text = as_text.where(~unlabelled, codes[unlabelled].map(_fmt_num))
    text = labelled.astype(object).where(labelled.notna(), as_text)
    return map_scale(text.astype("str"), kind, points=points)


def parse_yes_no(values: pd.Series) -> pd.Series:
    """Parse yes/no answers in the six languages into a nullable boolean.

    Recognises ``yes/no``, ``ja/nej/nei/nein``, ``да/нет``, ``true/false`` (and
    ``wahr/falsch``, ``sand/falsk``, ``sant/falskt``), ``1/0``, and answers
    starting with a yes/no word (``"Yes, I did"``, ``"Nej, aldrig"``).
    Anything else is ``<NA>``; the distinct unrecognised answers are listed in
    ``result.attrs["unmapped"]``.

    Examples
    --------
    >>> parse_yes_no(pd.Series(["Yes", "nej", "Да", "1", None, "maybe"])).tolist()
    [True, False, True, True, <NA>, <NA>]
    """
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    if pd.api.types.is_bool_dtype(values.dtype):
        out = values.astype("boolean")
        out.attrs["unmapped"] = []
        return out
    m = map_scale(values, "yes_no")
    out = pd.Series(pd.array(m.codes.map({1.0: True, 0.0: False}), dtype="boolean"),
                    index=values.index, name=values.name)
    out.attrs["unmapped"] = list(m.unmapped)
    return out


# --------------------------------------------------------------------------- question roles

_DASH_C = re.compile(_DASHES)
_SPACE_C = re.compile(r"\s+")
_QUOTE_C = re.compile(_QUOTE_RE)
_NUMBERING_C = re.compile(_NUMBERING_RE)


@functools.lru_cache(maxsize=4096)
def _norm_text(text: str) -> str:
    """One question text normalised as :func:`normalise_label` does a Series ("" if nothing is left).

    A scalar twin of the vectorised function: question texts are matched one at
    a time against the role patterns, and a one-row Series costs a thousand
    times more than these few regular expressions.
    """
    s = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    s = _SPACE_C.sub(" ", _DASH_C.sub("-", s)).strip()
    s = _QUOTE_C.sub("", s).strip()
    s = _NUMBERING_C.sub("", s, count=1).strip()
    return _QUOTE_C.sub("", s).strip()


_EXCLUDE = re.compile(
    r"^(?:why|please (?:explain|tell us why|describe|comment)|what is the (?:main |primary )?reason"
    r"|what (?:is|was) the reason|hvorfor|varför|warum|weshalb|wieso|почему|по какой причине)\b"
    r"|- display order\b|- (?:parent )?topics\b|- sentiment\b|_text\b",
)

# a likelihood ("how likely ... a recommendation"): makes the noun "recommendation" an NPS question
_LIKELY = (r"\b(?:likely|likelihood|probability|sandsynlig\w*|sannolik\w*|sannsynlig\w*|wahrscheinlich\w*"
           r"|вероятн\w*)")

# Notices that are no question: consent, privacy and instruction texts ("we expect it to take 5 minutes").
_NOTICE = re.compile(
    r"\bconsent\w*|\bagree to (?:take part|participate|participating|the terms)\b|\bparticipation is voluntary\b"
    r"|\bby (?:clicking|continuing|proceeding|submitting)\b|\bprivacy (?:policy|notice|statement)\b"
    r"|\b(?:this|the) (?:survey|questionnaire) (?:will )?(?:take|takes|last|lasts)\b"
    r"|\bsamtykke\w*|\bsamtyck\w*|\bdeltagelse(?:n)? er frivillig\b|\bdeltagandet är frivilligt\b"
    r"|\bdeltakelse(?:n)? er frivillig\b|\beinwillig\w*|\bteilnahme ist freiwillig\b|\bdatenschutz\w*"
    r"|\bсогласи\w* на (?:участие|обработку)\b|\bучастие (?:является )?добровольн\w*"
)
# The survey's own voice ("we expect to use your answers ..."): not a question about expectations.
_OWN_VOICE = re.compile(r"\b(?:we|vi|wir|мы)\s+(?:expect|forventer|förväntar|erwarten|ожидаем)\w*")

_ROLE_PATTERNS: dict[str, list[str]] = {
    "told_count": [
        # en
        r"\bhow many\b.*\b(?:tell|told|talk(?:ed)?|mention(?:ed)?|spoke|spoken|share[d]?)\b",
        r"\b(?:tell|told|talked to|mentioned (?:it|this) to|spoken to)\b.*\bhow many\b",
        r"\bnumber of (?:people|persons|others)\b.*\b(?:told|tell|talked)\b",
        # da / no
        r"\bhvor mange\b.*\b(?:fortalt|fortalte|fortælle|fortelle|nævnt|nevnt|talt)\b",
        # sv
        r"\bhur många\b.*\b(?:berättat|berättade|berätta|pratat|nämnt)\b",
        # de
        r"\bwie viel(?:e|en)?\b.*\b(?:erzählt|weitererzählt|berichtet|gesprochen|erzählen)\b",
        r"\banzahl (?:der )?personen\b.*\b(?:erzählt|berichtet)\b",
        # ru
        r"\bскольким\b.*\b(?:рассказ\w*|сообщ\w*|говор\w*|поделил\w*)",
        r"\bскольким (?:людям|знакомым|друзьям|человекам|собеседникам)\b",
        r"\bсколько (?:людей|человек)\b.*\b(?:рассказ\w*|говорил\w*|сообщил\w*)",
    ],
    "warned_others": [
        r"\bwarn(?:ed|ing)?\b", r"\badvised?\b.*\bnot to\b", r"\bdiscourag\w*",
        r"\b(?:told|tell|asked|ask|urged?)\b.*\bnot to (?:buy|use|purchase|shop|order)\b",
        r"\brecommended? against\b", r"\bnot to (?:buy|purchase|shop|order) (?:from|with|at)\b",
        r"\bikke at købe\b", r"\bikke kjøpe\b", r"\binte (?:att )?köpa\b", r"\bnicht (?:zu )?kaufen\b",
        r"\bне покупать\b",
        r"\bfrarå\w*", r"\badvar\w*",                    # da / no
        r"\bavrå\w*", r"\bvarna\w*",                     # sv (avråda, avrått, varnat)
        r"\babgeraten\b", r"\babraten\b", r"\bgewarnt\b", r"\bwarnen\b",  # de
        r"\bотговар\w*", r"\bотговори\w*", r"\bпредостере\w*", r"\bпредупреди\w*",
        r"\bпредупрежда\w*",
    ],
    "nps": [
        # the verb (recommend us); the noun ("the recommendations you were given") only with a likelihood
        r"\brecommend(?!ation)\w*", r"\banbefal(?!ing)\w*", r"\brekommend(?!ation)\w*",
        r"\bempfehl(?!ung)\w*", r"\bempfiehl\w*", r"\bweiterempfehl(?!ung)\w*", r"\bпорекоменд\w*",
        r"\bрекомендова\w*", r"\bпосовету\w*",
        r"\b(?:recommendation|anbefaling|rekommendation|weiterempfehlung|empfehlung)\w*\b.*" + _LIKELY
        + r"|" + _LIKELY + r".*\b(?:recommendation|anbefaling|rekommendation|weiterempfehlung|empfehlung)",
    ],
    "ces": [
        r"\beffort\b", r"\beasy\b", r"\beasily\b", r"\bdifficult\b", r"\bhassle\b",
        r"\blet at\b", r"\bnemt\b", r"\bnem at\b", r"\bbesvær\w*", r"\bhvor let\b",
        r"\blätt att\b", r"\benkelt att\b", r"\bhur lätt\b", r"\bhur enkelt\b",
        r"\bansträngning\b",
        r"\blett å\b", r"\benkelt å\b", r"\bhvor lett\b", r"\bhvor enkelt\b", r"\binnsats\b",
        r"\bwie einfach\b", r"\bwie leicht\b", r"\beinfach\b", r"\baufwand\w*", r"\bmühe\w*",
        r"\bлегко\b", r"\bнасколько просто\b", r"\bпросто было\b", r"\bусили\w*",
        r"\bнасколько сложно\b", r"\bнасколько трудно\b",
    ],
    "expectation": [
        r"\bexpect\w*", r"\bforvent\w*", r"\bförvänt\w*", r"\berwart\w*", r"\bожида\w*",
        r"\bожидани\w*",
    ],
    "csat": [
        r"\bsatisf\w*", r"\bhow happy\b", r"\btilfreds\w*", r"\bnöjd\w*", r"\bfornøyd\w*",
        r"\bzufrieden\w*", r"\bдоволь\w*", r"\bдоволен\b", r"\bудовлетвор\w*",
    ],
}
_ROLE_ORDER = ("told_count", "warned_others", "nps", "ces", "expectation", "csat")
_ROLE_RE = {r: [re.compile(p) for p in ps] for r, ps in _ROLE_PATTERNS.items()}
_OVERALL_RE = re.compile(
    r"\boverall\b|\ball in all\b|\bin general\b|\bsamlet\b|\bsamlede\b|\boverordnet\b"
    r"|\balt i alt\b|\bgenerelt\b|\bsammantaget\b|\btotalt sett\b|\btotalt\b|\bi stort\b"
    r"|\bsamlad\w*|\bgesamt\w*|\binsgesamt\b|\balles in allem\b|\bв целом\b|\bв общем\b"
    r"|\bобщ\w+"
)


def detect_question_role(text: str) -> str | None:
    """Which measure a survey question asks for, from its text.

    Recognises, in English, Danish, Swedish, Norwegian, German and Russian:

    * ``'told_count'`` - how many people did you tell (``Hvor mange personer
      har du fortalt``, ``Скольким людям вы рассказали``);
    * ``'warned_others'`` - did you warn / advise others not to buy
      (``fraråde``, ``varnat``, ``abgeraten``, ``отговаривали``);
    * ``'nps'`` - how likely to recommend (``anbefale``, ``rekommendera``,
      ``weiterempfehlen``, ``порекомендуете``);
    * ``'ces'`` - effort / how easy (``let at``, ``lätt att``, ``lett å``,
      ``einfach``, ``легко``);
    * ``'expectation'`` - compared with what you expected (``forventet``,
      ``förväntat``, ``erwartet``, ``ожидали``);
    * ``'csat'`` - how satisfied (``tilfreds``, ``nöjd``, ``fornøyd``,
      ``zufrieden``, ``довольны``, ``удовлетворены``).

    When several match, the first in the order above wins (the more specific
    question). Follow-up texts (``Why ...``, ``Please explain ...``,
    ``Warum ...``) and Qualtrics display-order / Text iQ columns return None.

    Examples
    --------
    >>> detect_question_role("Hur nöjd är du med vår kundtjänst?")
    'csat'
    >>> detect_question_role("Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?")
    'nps'
    >>> detect_question_role("Why did you give this score?") is None
    True
    """
    role, why_not = question_role_evidence(text)
    return role if why_not is None else None


def question_role_evidence(text: str | None) -> tuple[str | None, str | None]:
    """The role a question text names, and why the text is no measure question after all.

    Returns ``(role, reason)``: ``role`` is the role whose words the text
    uses (None when none), ``reason`` is None when the text is a question of
    that role, else why not: a follow-up (``Why ...``), a Qualtrics
    display-order or Text iQ column, or a consent, privacy or instruction
    notice ("The survey takes five minutes; we expect ... Do you agree to
    take part?"). The survey's own voice (``we expect``) is never an
    expectation question. :func:`detect_question_role` is the role when the
    reason is None.

    Examples
    --------
    >>> question_role_evidence("Overall, how satisfied are you?")
    ('csat', None)
    >>> question_role_evidence("By continuing you consent to our privacy notice. How satisfied are you?")
    ('csat', 'a consent, privacy or instruction notice, not a question')
    >>> question_role_evidence("How useful were the recommendations you were given?")
    (None, None)
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None, None
    t = _norm_text(str(text))
    if not t:
        return None, None
    role = next((r for r in _ROLE_ORDER if any(p.search(t) for p in _ROLE_RE[r])), None)
    if role is None:
        return None, None
    own = _OWN_VOICE.sub(" ", t)
    if own != t:
        mine = next((r for r in _ROLE_ORDER if any(p.search(own) for p in _ROLE_RE[r])), None)
        if mine is None:
            return role, ("a consent, privacy or instruction notice, not a question" if _NOTICE.search(t) else
                          "the survey's own voice ('we expect ...'), not a question about the respondent's view")
        role = mine
    if _EXCLUDE.search(t):
        return role, "a follow-up or a tool's derived column (why ..., display order, topics), not the question"
    if _NOTICE.search(t):
        return role, "a consent, privacy or instruction notice, not a question"
    return role, None


def asks_overall(text: str | None) -> bool:
    """Whether a question text asks about the overall experience (``Overall``, ``Samlet set``, ``Insgesamt`` ...).

    Examples
    --------
    >>> asks_overall("Overall, how satisfied are you?"), asks_overall("How satisfied were you with the agent?")
    (True, False)
    """
    return text is not None and bool(_OVERALL_RE.search(_norm_text(str(text))))


def question_roles_table(texts: Mapping[str, str]) -> pd.DataFrame:
    """Role of every column and which column :func:`detect_question_roles` picks.

    Returns a DataFrame with ``column, role, overall, chosen, ambiguous``:
    ``overall`` says the text asks about the overall experience (``Overall``,
    ``Samlet set``, ``Insgesamt``, ``В целом`` ...), ``chosen`` marks the one
    column per role, ``ambiguous`` marks roles where several columns were
    equally good candidates (the first in column order is chosen).

    Examples
    --------
    >>> question_roles_table({"Q1": "How satisfied were you with the agent?",
    ...                       "Q2": "Overall, how satisfied are you?"})[["column", "chosen"]]
      column  chosen
    0     Q1   False
    1     Q2    True
    """
    cols = list(texts)
    roles = [detect_question_role(texts[c]) for c in cols]
    overall = [bool(_OVERALL_RE.search(_norm_text(str(texts[c])))) if texts[c] is not None
               else False for c in cols]
    out = pd.DataFrame({"column": pd.Series(cols, dtype="str"),
                        "role": pd.Series(roles, dtype="str"),
                        "overall": overall})
    out["chosen"] = False
    out["ambiguous"] = False
    for role, g in out[out["role"].notna()].groupby("role", sort=False):
        best = g[g["overall"]] if g["overall"].any() else g
        out.loc[best.index[0], "chosen"] = True
        if len(best) > 1:
            out.loc[g.index, "ambiguous"] = True
    return out


def detect_question_roles(
    texts: Mapping[str, str],
    *,
    on_ambiguous: Literal["first", "warn", "raise"] = "warn",
) -> dict[str, str]:
    """Pick one column per question role from the columns' question texts.

    Each column gets the role of :func:`detect_question_role`. When several
    columns share a role, a column whose text asks about the overall
    experience wins; otherwise (or among several overall ones) the first in
    ``texts`` order, which is deterministic. Such ties are ambiguous:
    ``on_ambiguous`` says whether to pick silently (``"first"``), pick and
    issue a :class:`~csanalysis.errors.CsanalysisWarning` (``"warn"``), or
    raise :class:`ValueError` (``"raise"``). :func:`question_roles_table`
    shows every candidate.

    Parameters
    ----------
    texts : Mapping[str, str]
        Column name -> question text (e.g. Qualtrics row 2).

    Returns
    -------
    dict
        role -> column, only for roles found, in :data:`ROLES` order.

    Examples
    --------
    >>> detect_question_roles({"Q1": "Hvor tilfreds er du samlet set?",
    ...                        "Q2": "Hvor sandsynligt er det, at du vil anbefale os?",
    ...                        "Q3": "Hvor mange personer har du fortalt om det?"})
    {'csat': 'Q1', 'nps': 'Q2', 'told_count': 'Q3'}
    """
    if on_ambiguous not in ("first", "warn", "raise"):
        raise ValueError(f"on_ambiguous={on_ambiguous!r}; expected 'first', 'warn' or 'raise'.")
    tab = question_roles_table(texts)
    chosen = tab[tab["chosen"]]
    amb = tab[tab["ambiguous"]]
    if len(amb) and on_ambiguous != "first":
        detail = "; ".join(f"{r}: {', '.join(map(str, g['column']))}"
                           for r, g in amb.groupby("role", sort=False))
        msg = (f"several columns ask the same question ({detail}); the first was chosen. "
               "Pass the column explicitly, or see question_roles_table() for every candidate.")
        if on_ambiguous == "raise":
            raise ValueError(msg)
        warnings.warn(msg, CsanalysisWarning, stacklevel=2)
    found = dict(zip(chosen["role"], chosen["column"]))
    return {r: found[r] for r in ROLES if r in found}


# --------------------------------------------------------------------------- CES

_EASE_RE = re.compile(
    r"\beasy\b|\beasily\b|\beasier\b|\blet\b|\bnemt?\b|\blätt\b|\benkelt?\b|\blett\b"
    r"|\beinfach\w*|\bleicht\w*|\bлегк\w*|\bлегко\b|\bпросто\b|\bудобно\b"
)
_EFFORT_RE = re.compile(
    r"\beffort\w*|\bdifficult\w*|\bhard\b|\bhassle\b|\bsvært\b|\bsvær\b|\bbesvær\w*"
    r"|\bvanskelig\w*|\bsvårt?\b|\bansträng\w*|\binnsats\b|\bschwierig\w*|\bschwer\b"
    r"|\baufwand\w*|\bmühe\w*|\bсложно\b|\bтрудно\b|\bусили\w*"
)


def ces_direction(question_text: str, scale_kind: str) -> Literal["effort", "ease"]:
    """Whether high codes of a CES question mean more effort or more ease.

    * An ``effort`` scale (very easy ... very difficult) is already coded as
      effort (1 = very easy): ``'effort'``, whatever the wording.
    * An ``agreement`` or ``numeric`` scale follows the wording: agreeing that
      something was *easy* ("The company made it easy to handle my issue",
      "Det var let at ...", "Es war einfach ...") is ``'ease'`` and must be
      reversed; agreeing that it took *effort* or was *difficult* is
      ``'effort'``.

    Raises ValueError when the wording says both or neither, or for a scale
    kind that cannot carry effort.

    Examples
    --------
    >>> ces_direction("The company made it easy for me to handle my issue.", "agreement")
    'ease'
    >>> ces_direction("How easy was it to get help?", "effort")
    'effort'
    """
    k = _check_kind(scale_kind)
    if k == "effort":
        return "effort"
    if k not in ("agreement", "numeric"):
        raise ValueError(f"a CES answer on a {k!r} scale has no effort direction; expected an "
                         "'effort' scale (very easy ... very difficult) or an 'agreement' / "
                         "'numeric' scale whose question says easy or effort.")
    t = _norm_text(str(question_text))
    ease, effort = bool(_EASE_RE.search(t)), bool(_EFFORT_RE.search(t))
    if ease and not effort:
        return "ease"
    if effort and not ease:
        return "effort"
    found = "both 'easy' and 'effort/difficult' words" if ease else "neither 'easy' nor 'effort' words"
    raise ValueError(f"cannot tell which way the CES question runs: its text has {found}. "
                     "Pass direction='ease' (high = easy) or 'effort' (high = more effort) "
                     "to to_ces_effort() yourself.")


def to_ces_effort(codes: pd.Series, points: int,
                  direction: Literal["effort", "ease"]) -> pd.Series:
    """CES codes on 1..points as effort on 1-7 (1 = very easy, 7 = very difficult).

    ``direction='ease'`` (high = easy, e.g. agreement that it was easy) is
    reversed first: ``x -> points + 1 - x``. The result is then rescaled
    linearly to 1-7: ``(x - 1) / (points - 1) * 6 + 1`` (so a 5-point scale
    gives 1, 2.5, 4, 5.5, 7). Missing stays missing.

    Raises ValueError for codes outside 1..points.

    Examples
    --------
    >>> to_ces_effort(pd.Series([5.0, 1.0, 3.0, None]), 5, "ease").tolist()
    [1.0, 7.0, 4.0, nan]
    >>> to_ces_effort(pd.Series([1.0, 7.0]), 7, "effort").tolist()
    [1.0, 7.0]
    """
    if direction not in ("effort", "ease"):
        raise ValueError(f"direction={direction!r}; expected 'effort' or 'ease' "
                         "(see ces_direction()).")
    if not isinstance(points, (int, np.integer)) or points < 2:
        raise ValueError(f"points={points!r} must be the scale length, an integer of at least 2.")
    x = pd.Series(codes, copy=False).astype("float64")
    bad = x.notna() & ~x.between(1, points)
    if bad.any():
        raise ValueError(f"{int(bad.sum())} CES code(s) lie outside 1-{points} (e.g. "
                         f"{x[bad].iloc[0]:g}); expected positions on a {points}-point scale "
                         "from map_scale().")
    if direction == "ease":
        x = points + 1 - x
    return (x - 1) / (points - 1) * 6 + 1


# --------------------------------------------------------------------------- told count

_APPROX = (r"(?:(?:ca|c|about|approx|approximately|around|roughly|circa|cirka|omkring|ungefär"
           r"|ungefær|omtrent|rundt|etwa|ungefähr|rund|zirka|около|примерно|приблизительно"
           r"|где-то)\.?\s*|[~≈]\s*)?")
_UNIT = (r"(?:\s*(?:people|persons?|personer|personen|pers|leute|menschen|folk|mennesker"
         r"|människor|venner|vänner|freunde|friends|others|andre|andra|andere|individuals"
         r"|людей|людям|человек|человека|человеку|st|stk|stycken|stück|шт)\.?)?")
_N = r"(\d{1,6})"
_ZERO = (r"^(?:0|none|nobody|no one|no-one|noone|not anyone|zero|ingen|ingen personer|keine"
         r"|keinem|niemand|niemandem|никому|ни одному|никто|ноль|nul|noll|null)\.?$")
_TOLD_PATTERNS: list[tuple[str, str]] = [
    # (regex with groups, how to read them)
    (r"^" + _APPROX + r"(?:>=|≥)\s*" + _N + _UNIT + r"$", "atleast"),
    (r"^(?:at least|mindst|minst|mindestens|не менее|как минимум|минимум)\s*" + _N + _UNIT + r"$",
     "atleast"),
    (r"^" + _APPROX + _N + r"\s*\+" + _UNIT + r"$", "atleast"),
    (r"^" + _APPROX + _N + _UNIT + r"\s*(?:or more|and more|and above|og flere|eller flere"
     r"|eller fler|eller mer|og mer|oder mehr|und mehr|или больше|и более|или более|и больше)"
     + _UNIT + r"$", "atleast"),
    (r"^(?:more than|over|>|mere end|flere end|fler än|mer än|över|flere enn|mer enn|mehr als"
     r"|über|более чем|больше чем|более|больше|свыше)\s*" + _N + _UNIT + r"$", "morethan"),
    (r"^(?:fewer than|less than|under|<|færre end|mindre end|färre än|mindre än|færre enn"
     r"|mindre enn|weniger als|unter|менее|меньше)\s*" + _N + _UNIT + r"$", "lessthan"),
    (r"^(?:up to|op til|upp till|opp til|bis zu|до)\s*" + _N + _UNIT + r"$", "upto"),
    (r"^" + _APPROX + r"(?:between|mellem|mellan|mellom|zwischen|от|from|fra|från|von)?\s*" + _N
     + r"\s*(?:-|to|til|till|bis|до|and|og|och|und|и|or|eller|oder|или|/)\s*" + _N + _UNIT + r"$",
     "range"),
    (r"^" + _APPROX + _N + _UNIT + r"$", "exact"),
]


def _told_distinct(values: pd.Series) -> pd.DataFrame:
    raw = pd.Series(pd.unique(values.dropna()), dtype=object)
    t = _as_str(raw).str.normalize("NFKC").str.casefold().str.replace("ё", "е", regex=False)
    t = t.str.replace(_DASHES, "-", regex=True).str.replace(r"\s+", " ", regex=True).str.strip()
    t = t.str.replace(_QUOTE_RE, "", regex=True).str.strip()
    low = pd.Series(np.nan, index=raw.index, dtype="float64")
    high = pd.Series(np.nan, index=raw.index, dtype="float64")
    done = pd.Series(False, index=raw.index)
    zero = t.str.fullmatch(_ZERO).fillna(False).astype(bool)
    low[zero], high[zero], done = 0.0, 0.0, done | zero
    for pat, how in _TOLD_PATTERNS:
        m = t.where(~done).str.extract(pat)
        hit = m[0].notna()
        if not hit.any():
            continue
        a = pd.to_numeric(m[0], errors="coerce")
        if how == "exact":
            lo, hi = a, a
        elif how == "atleast":
            lo, hi = a, pd.Series(np.nan, index=a.index)
        elif how == "morethan":
            lo, hi = a + 1, pd.Series(np.nan, index=a.index)
        elif how == "lessthan":
            lo, hi = pd.Series(0.0, index=a.index), a - 1
        elif how == "upto":
            lo, hi = pd.Series(0.0, index=a.index), a
        else:  # range
            b = pd.to_numeric(m[1], errors="coerce")
            lo, hi = np.minimum(a, b), np.maximum(a, b)
        low = low.mask(hit, lo)
        high = high.mask(hit, hi)
        done = done | hit
    high = high.mask(high < low)  # "fewer than 0"
    return pd.DataFrame({"raw": raw, "low": low, "high": high, "done": done})


def parse_told_count(values: pd.Series) -> pd.DataFrame:
    """Parse "how many people did you tell" answers into a low-high interval.

    Returns a DataFrame (index of ``values``) with float columns
    ``told_count_low`` and ``told_count_high``:

    * exact answers (``"5"``, ``"ca. 5"``, ``"about 5"``, ``"~5"``,
      ``"omkring 5"``, ``"etwa 5"``, ``"около 5"``, ``"5 personer"``) give
      ``[5, 5]``; ``"0"``, ``"none"``, ``"nobody"``, ``"ingen"``, ``"keine"``,
      ``"никому"`` give ``[0, 0]``;
    * ranges (``"6-10"``, ``"6–10"``, ``"6 to 10"``, ``"6 til 10"``,
      ``"6 till 10"``, ``"6 bis 10"``, ``"от 6 до 10"``, ``"6-10 people"``)
      give ``[6, 10]``;
    * **open intervals have a missing high end**: ``"5+"``, ``"5 or more"``,
      ``"at least 5"`` give ``[5, NaN]``; ``"more than 20"``, ``"over 20"``,
      ``">20"``, ``"mere end 20"``, ``"fler än 20"``, ``"mehr als 20"``,
      ``"более 20"`` give ``[21, NaN]`` (strictly more);
    * ``"fewer than 5"`` / ``"less than 5"`` give ``[0, 4]``; ``"up to 5"``
      gives ``[0, 5]``.

    Anything else is missing in both columns; the distinct unparsed answers
    are in ``result.attrs["unparsed"]`` (see also :func:`unparsed_told_counts`).
    Numeric input is taken as exact counts (negative or fractional counts are
    unparsed).

    Examples
    --------
    >>> parse_told_count(pd.Series(["ca. 5", "6–10", "mere end 20", "5+", "ingen", "lots"]))
       told_count_low  told_count_high
    0             5.0              5.0
    1             6.0             10.0
    2            21.0              NaN
    3             5.0              NaN
    4             0.0              0.0
    5             NaN              NaN
    """
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        x = values.astype("float64")
        ok = (x >= 0) & (x == x.round())
        out = pd.DataFrame({"told_count_low": x.where(ok), "told_count_high": x.where(ok)},
                           index=values.index)
        out.attrs["unparsed"] = [_fmt_num(v) for v in sorted(x[x.notna() & ~ok].unique())]
        return out
    d = _told_distinct(values)
    lo_map = dict(zip(d["raw"], d["low"]))
    hi_map = dict(zip(d["raw"], d["high"]))
    out = pd.DataFrame({"told_count_low": _mapped(values, lo_map),
                        "told_count_high": _mapped(values, hi_map)},
                       index=values.index)
    out.attrs["unparsed"] = d.loc[~d["done"], "raw"].astype(str).tolist()
    return out


def unparsed_told_counts(values: pd.Series) -> list[str]:
    """The distinct answers :func:`parse_told_count` could not read.

    Examples
    --------
    >>> unparsed_told_counts(pd.Series(["5", "a few", "6-10", "a few"]))
    ['a few']
    """
    return parse_told_count(values).attrs["unparsed"]
