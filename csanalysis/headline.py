"""The headline: every cited figure of the registry against the company's own data.

:func:`benchmark_table` is :attr:`csanalysis.Analysis.comparisons` of
:func:`csanalysis.analyse` on the tables given: one pipeline, so the table
holds the same numbers as the report, ``results.json`` and the notebooks.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from .analysis import DEFAULT_RESAMPLES, analyse
from .experiences import BadExperienceRule

__all__ = ["benchmark_table", "TABLE_COLUMNS"]

#: The first columns of :func:`benchmark_table` (fixed; more follow, see
#: :data:`csanalysis.registry.compare.COMPARISON_COLUMNS`).
TABLE_COLUMNS = ["id", "cited", "cited_low", "cited_high", "observed", "ci_low", "ci_high", "n", "p_value",
                 "verdict", "provenance", "definition"]


def benchmark_table(
    tickets: pd.DataFrame | None = None,
    responses: pd.DataFrame | None = None,
    activity: pd.DataFrame | None = None,
    *,
    customers: pd.DataFrame | None = None,
    as_of: Any = None,
    window: float = 730,
    link_on: Literal["auto", "customer_id", "email_key"] = "auto",
    rule: BadExperienceRule | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    confidence: float = 0.95,
    override: bool | set[str] = False,
) -> pd.DataFrame:
    """Every cited figure of the registry against the company's own data.

    The same as ``cs.analyse(tickets=..., survey=responses, activity=...,
    customers=..., ...).comparisons``.

    Parameters
    ----------
    tickets, responses, activity, customers : DataFrame or path, optional
        Tables as the readers return them (or files).
    as_of, window, link_on, rule, n_resamples, seed, confidence, override
        See :func:`csanalysis.analyse`.

    Returns
    -------
    DataFrame
        One row per registry id: ``id, cited, cited_low, cited_high,
        observed, ci_low, ci_high, n, p_value, verdict, provenance,
        definition`` then ``own_id, own_group, label, unit, direction, flags``
        and more (:data:`csanalysis.registry.compare.COMPARISON_COLUMNS`).
        Shares are fractions. Verdicts (:data:`csanalysis.registry.compare.VERDICTS`):
        ``not supported`` (the reason in ``definition``), ``not comparable``,
        ``too few``, ``too uncertain``, ``above``, ``below``, ``consistent``;
        ``direction`` says whether ``above``/``below`` is ``worse`` or
        ``better`` for the company.

    Examples
    --------
    >>> import csanalysis as cs
    >>> s = cs.datasets.load_sample()
    >>> t = cs.benchmark_table(s.tickets, s.responses, s.activity, n_resamples=200)
    >>> t.set_index("id").loc["avoid_2y_after_bad", "verdict"] in {"below", "above", "consistent"}
    True
    """
    return analyse(tickets=tickets, survey=responses, activity=activity, customers=customers, as_of=as_of,
                   window=window, link_on=link_on, rule=rule, n_resamples=n_resamples, seed=seed,
                   confidence=confidence, override=override).comparisons
