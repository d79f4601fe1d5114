"""The benchmark registry: published customer-service figures with their provenance.

The registry is a versioned data file shipped with the package,
``csanalysis/registry/benchmarks.csv``: one row per published figure, with
what was actually measured (numerator, denominator, time window, population,
sample), who paid for it, how far its source could be traced, how it is
commonly misquoted, and whether a company's own data can produce a comparable
number.

Provenance levels
-----------------
``P1``
    Primary, verified: the number was read in the sponsor's report or page.
``P2``
    Primary, partial: the report exists and was read in part; the number or
    its question wording was seen only second-hand.
``S``
    Secondary only: the number appears only in press or blog write-ups that
    name a source.
``U``
    Untraceable: no original study carrying the number was found. Such a
    figure is shown as folklore only and never as a target.

Comparability
-------------
``comparable``
    An own-data metric with the same definition exists (often a survey item).
``conditional``
    The figure is conditional on a subgroup (for example respondents whose
    behaviour changed); compare only with an own figure conditioned alike.
``lifetime_any_brand``
    A lifetime self-report about any brand ("have you ever stopped doing
    business with a brand ..."). It is not comparable with one company's
    churn; :func:`~csanalysis.registry.compare_to_benchmark` refuses unless
    ``override=True``.
``stated_preference``
    A stated attitude or expectation; only a survey item measures it.
``undefined``
    The quantity has no defined unit; nothing can be compared with it.

Examples
--------
>>> from csanalysis.registry import load_registry, get_benchmark
>>> reg = load_registry()
>>> bool(reg["id"].is_unique)
True
>>> b = get_benchmark("wom_told_mean")
>>> b["provenance_level"], b["cited_low"], b["cited_high"]
('U', 9.0, 15.0)
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import pandas as pd

from csanalysis.results import jsonable

__all__ = [
    "PROVENANCE_LEVELS",
    "COMPARABILITY",
    "REGISTRY_COLUMNS",
    "LIST_FIELDS",
    "REGISTRY_VERSION",
    "load_registry",
    "get_benchmark",
    "registry_version",
    "provenance_label",
    "compare_to_benchmark",
    "Comparison",
    "comparison_table",
]

#: Provenance levels and what they mean.
PROVENANCE_LEVELS: dict[str, str] = {
    "P1": "primary, verified",
    "P2": "primary, partial",
    "S": "secondary only",
    "U": "folklore: untraceable",
}

#: Comparability classes of the ``comparability`` column.
COMPARABILITY: tuple[str, ...] = (
    "comparable",
    "conditional",
    "lifetime_any_brand",
    "stated_preference",
    "undefined",
)

#: Columns of ``benchmarks.csv``, in order.
REGISTRY_COLUMNS: tuple[str, ...] = (
    "id", "registry_version", "value", "cited_low", "cited_high", "value_as_cited", "unit",
    "claim_as_cited", "metric_definition", "numerator", "denominator", "time_window",
    "conditional_on", "population_country", "segment", "sample_size", "fieldwork_period",
    "publication_year", "sponsor", "research_firm", "report_title", "question_wording",
    "question_wording_verified", "provenance_level", "provenance_note", "urls",
    "known_misquotes", "caveats", "comparable_own_metric", "comparability",
    # How comparing works (data, not code): the own figure compared with, its slice, which
    # direction is worse for the company, the test, what the data needs, the cited study's n.
    "label", "own_id", "own_group", "worse_if", "test", "needs", "denominator_n",
)

#: Columns that hold several entries separated by `` | `` in the CSV; they
#: are lists in :func:`get_benchmark`.
LIST_FIELDS: tuple[str, ...] = ("urls", "known_misquotes", "caveats")

_NUMERIC = ("value", "cited_low", "cited_high", "sample_size", "publication_year", "denominator_n")


@functools.lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    path = resources.files("csanalysis.registry") / "benchmarks.csv"
    with path.open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype="str", keep_default_na=False, na_values=[""])
    missing = [c for c in REGISTRY_COLUMNS if c not in df.columns]
    if missing:  # pragma: no cover - guards the shipped file
        raise ValueError(f"benchmarks.csv lacks the column(s) {missing}; the installed registry is damaged")
    for c in _NUMERIC:
        df[c] = pd.to_numeric(df[c], errors="raise").astype("float64")
    df["sample_size"] = df["sample_size"].astype("Int64")
    df["publication_year"] = df["publication_year"].astype("Int64")
    df["denominator_n"] = df["denominator_n"].astype("Int64")
    df["question_wording_verified"] = df["question_wording_verified"].map(
        {"True": True, "False": False}).astype("boolean")
    return df[list(REGISTRY_COLUMNS)]


def load_registry() -> pd.DataFrame:
    """The benchmark registry as a DataFrame (a fresh copy on every call).

    Returns
    -------
    DataFrame
        One row per published figure; columns :data:`REGISTRY_COLUMNS`.
        ``value`` is the figure compared against (a proportion in 0-1 for
        ``unit == "proportion"``); ``cited_low`` / ``cited_high`` hold a cited
        range and are missing otherwise; ``value_as_cited`` is the number as
        it circulates (``0.40`` where the source says 44%). Multi-entry text
        fields (``urls``, ``known_misquotes``, ``caveats``) are separated by
        `` | ``.

        The comparing columns: ``label`` (a short human label), ``own_id``
        (the id of the own figure in :attr:`csanalysis.Analysis.figures`
        compared with it; several ids separated by `` | `` are tried in
        order; empty when no own data can produce it), ``own_group`` (the
        figure's slice, e.g. ``"all"`` or ``"satisfaction=dissatisfied"``),
        ``worse_if`` (``higher`` / ``lower``: which side is worse for the
        company; empty when neither), ``test`` (``km_loglog``,
        ``interval_normal``, ``proportion`` or ``identified_range``; see
        :func:`csanalysis.registry.compare_figures`), ``needs`` (what the
        data must hold, shown when the figure is not supported) and
        ``denominator_n`` (the cited study's denominator where known).

    Examples
    --------
    >>> reg = load_registry()
    >>> sorted(reg["provenance_level"].unique())
    ['P1', 'P2', 'S', 'U']
    >>> float(reg.set_index("id").loc["avoid_2y_after_bad", "value"])
    0.39
    """
    return _read().copy()


def registry_version() -> str:
    """Version of the shipped registry file (the ``registry_version`` column).

    Examples
    --------
    >>> registry_version() == REGISTRY_VERSION
    True
    """
    versions = _read()["registry_version"].unique()
    return str(versions[0]) if len(versions) == 1 else ",".join(map(str, versions))


def get_benchmark(id: str) -> dict[str, Any]:
    """One registry entry as a JSON-ready dict.

    Parameters
    ----------
    id : str
        Registry id, for example ``"avoid_2y_after_bad"``.

    Returns
    -------
    dict
        All registry fields; ``urls``, ``known_misquotes`` and ``caveats`` as
        lists, missing values as ``None``, plus ``provenance`` (the level with
        its meaning, e.g. ``"U (folklore: untraceable)"``) and ``folklore``
        (``True`` for level U).

    Raises
    ------
    KeyError
        When the id is not in the registry (the message lists close ids).

    Examples
    --------
    >>> b = get_benchmark("switched_after_poor_service")
    >>> b["provenance"], b["folklore"], b["comparability"]
    ('U (folklore: untraceable)', True, 'lifetime_any_brand')
    """
    reg = _read()
    hit = reg[reg["id"] == id]
    if hit.empty:
        import difflib

        close = difflib.get_close_matches(str(id), reg["id"].tolist(), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise KeyError(f"{id!r} is not a benchmark id in the registry (version {registry_version()}){hint} "
                       "See load_registry()['id'] for all ids.")
    row = jsonable(hit.iloc[0].to_dict())
    for f in LIST_FIELDS:
        v = row.get(f)
        row[f] = [] if v is None else [s.strip() for s in str(v).split(" | ") if s.strip()]
    row["provenance"] = provenance_label(row["provenance_level"])
    row["folklore"] = row["provenance_level"] == "U"
    return row


def provenance_label(level: str) -> str:
    """The provenance level with its meaning, as shown next to every figure.

    Examples
    --------
    >>> provenance_label("U")
    'U (folklore: untraceable)'
    >>> provenance_label("P1")
    'P1 (primary, verified)'
    """
    if level not in PROVENANCE_LEVELS:
        raise ValueError(f"provenance level must be one of {list(PROVENANCE_LEVELS)}, got {level!r}")
    return f"{level} ({PROVENANCE_LEVELS[level]})"


REGISTRY_VERSION: str = registry_version()

from csanalysis.registry.compare import Comparison, compare_to_benchmark, comparison_table  # noqa: E402  (after the loader it needs)
