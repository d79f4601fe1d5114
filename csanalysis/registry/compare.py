"""Compare an own-data figure with a published benchmark, honestly.

:func:`compare_to_benchmark` puts an observed value with its confidence
interval next to the cited figure, tests the difference, gives a verdict and
carries the provenance and the definitions on both sides.

Verdict rule
------------
``not comparable``
    The definitions cannot meet: the registry classes the figure as a
    lifetime any-brand self-report (``lifetime_any_brand``, e.g. Microsoft's
    "ever stopped doing business with a brand") or as ``undefined``, and the
    caller did not pass ``override=True``; or the caller passed
    ``comparable=False``.
``not supported``
    The observed value is missing (the data lacks what the figure needs; the
    reason belongs in ``observed_definition``), or it has no confidence
    interval.
``below`` / ``above``
    The whole confidence interval lies strictly below / above the cited value
    (for a cited range such as 9-15: below its low end / above its high end).
``consistent``
    Otherwise: the interval overlaps the cited value or range.

An untraceable figure (provenance ``U``) still gets its observed value and
verdict, but is labelled ``"U (folklore: untraceable)"`` wherever it is shown
and is never framed as a target.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from csanalysis._results import jsonable

__all__ = ["Comparison", "compare_to_benchmark", "comparison_table", "VERDICTS", "ROW_FIELDS"]

Verdict = Literal["below", "above", "consistent", "not comparable", "not supported"]

#: The possible verdicts.
VERDICTS: tuple[str, ...] = ("below", "above", "consistent", "not comparable", "not supported")

#: Keys of :meth:`Comparison.to_row`, in order.
ROW_FIELDS: tuple[str, ...] = (
    "id", "cited", "cited_low", "cited_high", "observed", "ci_low", "ci_high", "n",
    "p_value", "verdict", "provenance", "definition",
)

#: Registry comparability classes that can never meet an own-data figure
#: without an explicit override.
_NEVER_COMPARABLE = {
    "lifetime_any_brand": (
        "the cited figure is a lifetime self-report about any brand a respondent ever used, "
        "not the churn of one company; pass override=True only for a like-for-like survey item"
    ),
    "undefined": "the cited figure has no defined quantity (no unit, population or window)",
}


def _f(x: Any) -> float:
    if x is None or x is pd.NA:
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number, got {type(x).__name__}") from None


@dataclass(frozen=True)
class Comparison:
    """An observed figure set against a published benchmark.

    Attributes
    ----------
    id : str
        Registry id.
    cited, cited_low, cited_high : float
        The cited figure and, where the source gives a range, its ends
        (missing otherwise).
    observed, ci_low, ci_high : float
        Own-data estimate and its confidence interval.
    n : float
        Sample size behind ``observed``.
    p_value : float
        Two-sided p-value of the difference from the cited figure (missing
        when no test applies).
    test : str or None
        Which test gave ``p_value``.
    verdict : str
        One of :data:`VERDICTS`.
    provenance_level, provenance : str
        ``"U"`` and ``"U (folklore: untraceable)"``, etc.
    folklore : bool
        True for untraceable figures: displayed, never a target.
    cited_definition, observed_definition : str
        What each side measures.
    comparability : str
        The registry's comparability class.
    reason : str or None
        Why the verdict is ``not comparable`` / ``not supported``.
    unit : str
        ``proportion``, ``people`` or ``ratio``.
    overridden : bool
        True when ``override=True`` lifted a ``not comparable`` rule.
    caveats : list of str
        The registry's caveats for the cited figure.
    """

    id: str
    cited: float
    cited_low: float
    cited_high: float
    observed: float
    ci_low: float
    ci_high: float
    n: float
    p_value: float
    test: str | None
    verdict: str
    provenance_level: str
    provenance: str
    folklore: bool
    cited_definition: str
    observed_definition: str
    comparability: str
    reason: str | None = None
    unit: str = "proportion"
    overridden: bool = False
    caveats: list[str] = field(default_factory=list)

    @property
    def role(self) -> str:
        """``"folklore"`` for untraceable figures, ``"benchmark"`` otherwise."""
        return "folklore" if self.folklore else "benchmark"

    @property
    def definition(self) -> str:
        """Both definitions (and the reason for a missing verdict) in one string."""
        parts = [f"cited: {self.cited_definition}", f"observed: {self.observed_definition}"]
        if self.reason:
            parts.append(f"{self.verdict}: {self.reason}")
        if self.overridden:
            parts.append("compared with override=True although the definitions differ")
        return " || ".join(parts)

    def to_row(self) -> dict[str, Any]:
        """Exactly :data:`ROW_FIELDS`, JSON-ready (NaN -> None)."""
        return jsonable({
            "id": self.id, "cited": self.cited, "cited_low": self.cited_low,
            "cited_high": self.cited_high, "observed": self.observed, "ci_low": self.ci_low,
            "ci_high": self.ci_high, "n": self.n, "p_value": self.p_value,
            "verdict": self.verdict, "provenance": self.provenance, "definition": self.definition,
        })

    def summary(self) -> pd.DataFrame:
        """One-row tidy table (the columns of :meth:`to_row`)."""
        return pd.DataFrame([self.to_row()], columns=list(ROW_FIELDS))

    def to_dict(self) -> dict[str, Any]:
        """Every attribute, JSON-ready."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["role"] = self.role
        d["definition"] = self.definition
        return jsonable(d)

    def _fmt(self, x: float) -> str:
        if not math.isfinite(x):
            return "n/a"
        return f"{100 * x:.1f}%" if self.unit == "proportion" else f"{x:.3g}"

    def cited_text(self) -> str:
        """The cited figure as text (a range where the source gives one)."""
        if math.isfinite(self.cited_low) and math.isfinite(self.cited_high):
            return f"{self._fmt(self.cited_low)}-{self._fmt(self.cited_high)}"
        return self._fmt(self.cited)

    def __str__(self) -> str:
        what = ("folklore figure (untraceable; shown for context, not a target)" if self.folklore
                else f"cited benchmark [{self.provenance}]")
        obs = (f"observed {self._fmt(self.observed)} (CI {self._fmt(self.ci_low)} to {self._fmt(self.ci_high)}, "
               f"n={self.n:g})" if math.isfinite(self.observed) else "observed: not available")
        s = f"{self.id}: {obs} vs {what} {self.cited_text()}: {self.verdict}"
        if math.isfinite(self.p_value):
            s += f" (p={self.p_value:.3g})"
        if self.reason:
            s += f". {self.reason}"
        return s

    def _repr_html_(self) -> str:
        cap = html.escape(str(self))
        return self.summary().to_html(index=False, na_rep="–", float_format=lambda x: f"{x:.4g}").replace(
            ">", f"><caption>{cap}</caption>", 1)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The observed interval against the cited value or range.

        The provenance level is part of the label; an untraceable figure is
        drawn dashed and labelled folklore.

        Returns
        -------
        matplotlib.axes.Axes
        """
        return _plot_comparisons([self], ax=ax, **kwargs)


def _plot_comparisons(comps: list[Comparison], ax: Any = None, **kwargs: Any) -> Any:
    import matplotlib.pyplot as plt

    if ax is None:
        ax = plt.gca()
    for i, c in enumerate(comps):
        y = len(comps) - 1 - i
        style = {"ls": "--", "color": "0.5"} if c.folklore else {"ls": "-", "color": "C3"}
        if math.isfinite(c.cited_low) and math.isfinite(c.cited_high):
            ax.fill_betweenx([y - 0.3, y + 0.3], c.cited_low, c.cited_high, alpha=0.2, color=style["color"])
        else:
            ax.vlines(c.cited, y - 0.3, y + 0.3, linestyles=style["ls"], colors=style["color"])
        if math.isfinite(c.observed):
            lo = c.observed - c.ci_low if math.isfinite(c.ci_low) else 0.0
            hi = c.ci_high - c.observed if math.isfinite(c.ci_high) else 0.0
            ax.errorbar([c.observed], [y], xerr=[[lo], [hi]], fmt="o", color="C0", capsize=3, **kwargs)
    ax.set_yticks(range(len(comps)))
    ax.set_yticklabels([f"{c.id}\n[{c.provenance}] {c.verdict}" for c in reversed(comps)], fontsize=8)
    ax.set_xlabel("observed (dot, CI) vs cited (line or band; dashed = folklore)")
    return ax


def comparison_table(comparisons: list[Comparison]) -> pd.DataFrame:
    """Several comparisons as one tidy table (columns :data:`ROW_FIELDS`).

    Examples
    --------
    >>> c = compare_to_benchmark("share_bad_gt5", 0.40, 0.33, 0.47, 180,
    ...                          observed_definition="survey: told >5 among tellers")
    >>> comparison_table([c])[["id", "verdict"]].to_dict("records")
    [{'id': 'share_bad_gt5', 'verdict': 'below'}]
    """
    return pd.DataFrame([c.to_row() for c in comparisons], columns=list(ROW_FIELDS))


def compare_to_benchmark(
    id: str,
    observed: float | None,
    ci_low: float | None,
    ci_high: float | None,
    n: float | None,
    *,
    p_value: float | None = None,
    test: str | None = None,
    observed_definition: str,
    comparable: bool | None = None,
    override: bool = False,
) -> Comparison:
    """Compare an observed figure with a registry benchmark.

    Parameters
    ----------
    id : str
        Registry id (see :func:`csanalysis.registry.load_registry`).
    observed : float or None
        Own-data estimate, on the registry's scale (a proportion in 0-1 for
        ``unit == "proportion"``). ``None`` / NaN when the data cannot
        produce it; say why in ``observed_definition``.
    ci_low, ci_high : float or None
        Its confidence interval.
    n : float or None
        Sample size behind the estimate (respondents, customers).
    p_value : float, optional
        Two-sided p-value of the difference from the cited figure, as the
        estimator computed it (e.g. ``mean_test`` against 15). When omitted
        and the unit is a proportion, an exact binomial / score test of
        ``k = round(observed * n)`` against the cited value is computed here
        (:func:`csanalysis.stats.intervals.proportion_test`); for a cited
        range the nearest end is tested, and a value inside the range gets
        p = 1.
    test : str, optional
        Name of the test behind a given ``p_value``.
    observed_definition : str
        What the observed figure measures (numerator, denominator, window),
        or why it is missing.
    comparable : bool or None
        ``None`` (default) follows the registry's comparability class;
        ``False`` forces ``not comparable``; ``True`` confirms comparability
        but does not lift the lifetime any-brand rule (only ``override``
        does).
    override : bool, default False
        Compare even where the registry says the definitions cannot meet
        (lifetime any-brand self-reports, undefined quantities). The
        comparison records that it was overridden.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> c = compare_to_benchmark("told_others_not_to_buy_after_bad", 0.30, 0.25, 0.35, 300,
    ...                          observed_definition="dissatisfied survey respondents who warned others")
    >>> c.verdict, c.provenance
    ('below', 'S (secondary only)')
    >>> compare_to_benchmark("wom_told_mean", 12.0, 10.0, 14.5, 200, observed_definition="midpoint mean").verdict
    'consistent'
    >>> compare_to_benchmark("ms_stopped_business_poor_service", 0.12, 0.10, 0.14, 900,
    ...                      observed_definition="12-month churn after a bad ticket").verdict
    'not comparable'
    """
    from csanalysis.registry import get_benchmark
    from csanalysis.stats.intervals import proportion_test, proportion_test_method

    if not isinstance(observed_definition, str) or not observed_definition.strip():
        raise ValueError("observed_definition must say what the observed figure measures "
                         "(numerator, denominator, window), or why it is missing")
    if comparable not in (None, True, False):
        raise ValueError(f"comparable must be None, True or False, got {comparable!r}")
    b = get_benchmark(id)
    unit = b["unit"]
    cited = _f(b["value"])
    clo, chi = _f(b["cited_low"]), _f(b["cited_high"])
    has_range = math.isfinite(clo) and math.isfinite(chi)
    obs, lo, hi, nn = _f(observed), _f(ci_low), _f(ci_high), _f(n)
    pv = _f(p_value)

    if math.isfinite(obs):
        if unit == "proportion" and not 0.0 <= obs <= 1.0:
            raise ValueError(f"{id} is a proportion (0-1) but observed = {obs:g}; "
                             + ("pass it as a share, e.g. 0.12 for 12%" if 1 < obs <= 100 else "it lies outside 0-1"))
        if math.isfinite(lo) and math.isfinite(hi) and not lo <= obs <= hi:
            raise ValueError(f"the confidence interval ({lo:g}, {hi:g}) does not contain observed = {obs:g}; "
                             "pass ci_low <= observed <= ci_high")
    if math.isfinite(nn) and nn < 0:
        raise ValueError(f"n must be a non-negative sample size, got {nn:g}")
    if math.isfinite(pv) and not 0.0 <= pv <= 1.0:
        raise ValueError(f"p_value must lie in [0, 1], got {pv:g}")

    comparability = b["comparability"]
    reason: str | None = None
    overridden = False
    if comparable is False:
        verdict, reason = "not comparable", "the caller declared the definitions incompatible (comparable=False)"
    elif comparability in _NEVER_COMPARABLE and not override:
        verdict, reason = "not comparable", _NEVER_COMPARABLE[comparability]
    else:
        overridden = comparability in _NEVER_COMPARABLE
        if not math.isfinite(obs):
            verdict, reason = "not supported", "no observed value: the data lacks what this figure needs"
        elif not (math.isfinite(lo) and math.isfinite(hi)):
            verdict, reason = "not supported", "the observed value has no confidence interval (too few observations?)"
        else:
            ref_lo, ref_hi = (clo, chi) if has_range else (cited, cited)
            verdict = "below" if hi < ref_lo else "above" if lo > ref_hi else "consistent"
            if not math.isfinite(pv) and p_value is None and unit == "proportion" and math.isfinite(nn) and nn > 0:
                k = float(np.clip(np.round(obs * nn), 0, nn))
                if has_range and clo <= obs <= chi:
                    pv, test = 1.0, "observed inside the cited range (p = 1 by convention)"
                else:
                    target = (clo if obs < clo else chi) if has_range else cited
                    pv = float(proportion_test(k, nn, target))
                    test = (f"{proportion_test_method(nn)} of k = round(observed x n) = {k:g} of {nn:g} "
                            f"against {target:g}")
    if verdict == "not comparable":
        pv = _f(p_value)

    cited_def = b["metric_definition"] or ""
    if b.get("conditional_on"):
        cited_def += f" [conditional on: {b['conditional_on']}]"
    if comparability == "conditional":
        reason_c = "the cited figure is conditional; the observed figure must be conditioned the same way"
        cited_def += f" ({reason_c})"
    return Comparison(
        id=id, cited=cited, cited_low=clo if has_range else math.nan,
        cited_high=chi if has_range else math.nan, observed=obs, ci_low=lo, ci_high=hi, n=nn,
        p_value=pv, test=test, verdict=verdict, provenance_level=b["provenance_level"],
        provenance=b["provenance"], folklore=bool(b["folklore"]), cited_definition=cited_def,
        observed_definition=observed_definition.strip(), comparability=comparability, reason=reason,
        unit=unit, overridden=overridden, caveats=list(b["caveats"]),
    )
