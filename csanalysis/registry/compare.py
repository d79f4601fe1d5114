"""Compare an own-data figure with a published benchmark, honestly.

:func:`compare_to_benchmark` puts an observed value with its confidence
interval next to the cited figure, tests the difference, gives a verdict and
carries the provenance and the definitions on both sides.

Comparing is one vectorised join: :func:`compare_figures` joins the figure
table of an analysis (:attr:`csanalysis.Analysis.figures`) with the registry
on the registry's ``own_id`` / ``own_group`` columns, so that adding a cited
figure is adding a registry row, not code.

Verdict rule
------------
Exactly one of :data:`VERDICTS`, the first that applies, in this order:

``not supported``
    No own figure: the data lacks what the figure needs (the registry's
    ``needs`` says what), or the estimate is missing.
``not comparable``
    The definitions cannot meet: the registry classes the figure as a
    lifetime any-brand self-report (``lifetime_any_brand``, e.g. Microsoft's
    "ever stopped doing business with a brand") or as ``undefined``, and the
    caller did not pass ``override=True``.
``too few``
    Fewer than :data:`MIN_N` observations behind the own figure (30 for
    shares, means and medians), or an unknown number; the figure carries
    the flag ``small_n``.
``too uncertain``
    The own figure has no confidence interval, (for shares) its interval
    is wider than :data:`MAX_SHARE_WIDTH` (0.5), or it carries a flag of
    :data:`csanalysis.flags.NO_VERDICT` (``poor_overlap``, ``short_followup``,
    ``outcome_leakage`` ...): a condition under which validation showed the
    figure can miss, or the data cannot carry a finding.
``above`` / ``below``
    The whole confidence interval lies strictly above / below the cited
    value (for a cited range such as 9-15: above its high end / below its
    low end). Where the registry knows the cited study's denominator
    (``denominator_n``) the cited share is not treated as exact: the
    verdict comes from the interval of the *difference* own minus cited,
    whose variance adds the own figure's (read off its interval) and the
    cited survey's binomial variance ``p0 (1 - p0) / denominator_n`` (a
    two-sample z-test; the cited study's own interval is shown as
    ``cited_ci_low`` / ``cited_ci_high``).
``consistent``
    Otherwise: the interval overlaps the cited value or range.

With many verdicts on one page some differences are expected by chance:
``q_value`` holds the Benjamini-Hochberg adjusted p-value over the rows
with an above/below/consistent verdict, and ``fdr_significant`` marks the
rows whose difference survives a false-discovery rate of 5%.

``direction`` says what an ``above`` / ``below`` verdict means for the
company, from the registry's ``worse_if``: ``worse``, ``better``, or empty.

An untraceable figure (provenance ``U``) still gets its observed value and
verdict, but is labelled ``"U (folklore: untraceable)"`` wherever it is shown
and is never framed as a target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from scipy import stats

import numpy as np
import pandas as pd

from csanalysis.results import jsonable

__all__ = ["Comparison", "compare_to_benchmark", "compare_figures", "comparison_table", "VERDICTS", "ROW_FIELDS",
           "COMPARISON_COLUMNS", "MIN_N", "MAX_SHARE_WIDTH", "REGISTRY_UNITS", "FDR_LEVEL"]

Verdict = Literal["not supported", "not comparable", "too few", "too uncertain", "above", "below", "consistent"]

#: The possible verdicts, in their order of precedence (the first that applies wins).
VERDICTS: tuple[str, ...] = ("not supported", "not comparable", "too few", "too uncertain", "above", "below",
                             "consistent")

#: Minimum n behind an own figure for an above / below / consistent verdict, per unit
#: (units not listed: no minimum).
MIN_N: dict[str, int] = {"share": 30, "people": 30, "score_1_5": 30, "score_0_10": 30, "score_1_7": 30,
                         "nps_points": 30, "days": 30, "minutes": 30, "hours": 30, "currency": 30, "ratio": 30}

#: A share whose interval is wider than this gets the verdict ``too uncertain``.
MAX_SHARE_WIDTH = 0.5

#: Registry unit -> figure-table unit.
REGISTRY_UNITS: dict[str, str] = {"proportion": "share", "people": "people", "ratio": "ratio"}

#: Columns of :func:`compare_figures` (the first twelve are :data:`ROW_FIELDS`; columns may be added,
#: never removed).
COMPARISON_COLUMNS: tuple[str, ...] = (
    "id", "cited", "cited_low", "cited_high", "observed", "ci_low", "ci_high", "n", "p_value", "verdict",
    "provenance", "definition", "own_id", "own_group", "label", "unit", "direction", "flags", "test",
    "provenance_level", "comparability", "denominator_n", "reason", "cited_ci_low", "cited_ci_high", "q_value",
    "fdr_significant",
)

#: False-discovery rate at which ``fdr_significant`` marks a comparison.
FDR_LEVEL = 0.05

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
    "stated_preference": (
        "the cited figure is a stated preference or expectation, which only a survey item measures; the own "
        "figure beside it is what customers did, a different question (shown, never judged)"
    ),
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
        from csanalysis.display import table_html

        return table_html(self.summary(), str(self))

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The observed interval against the cited value or range (see :func:`csanalysis.plotting.plot_comparison`)."""
        from csanalysis.plotting.benchmarks import plot_comparison

        return plot_comparison([self], ax=ax, **kwargs)


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
    from csanalysis.registry import load_registry

    row = load_registry().set_index("id").loc[[id]].reset_index()
    row["observed"], row["ci_low"], row["ci_high"], row["n"] = obs, lo, hi, nn
    row["unit"] = REGISTRY_UNITS.get(unit, unit)
    row["p_given"], row["test_given"] = pv, test
    if comparable is False:
        row["comparability"] = "undefined"
    j = _judge(row, override=override and comparable is not False).iloc[0]
    verdict, pv, test = str(j["verdict"]), float(j["p_value"]), (j["test"] or None)
    reason = j["reason"] or None
    if comparable is False:
        reason = "the caller declared the definitions incompatible (comparable=False)"
    overridden = bool(j["overridden"])

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


# --------------------------------------------------------------------------- the vectorised join

_TESTS = {
    "km_loglog": "Wald test on the log(-log) scale of the Kaplan-Meier estimate, standard error read off its interval",
    "interval_normal": "normal approximation, standard error read off the interval; distance to the cited value "
                       "or the nearest end of the cited range",
    "proportion": "",  # named per row by csanalysis.stats.intervals.proportion_test_method
    # the own figure's interval is an identified range (bounds under stated assumptions), not a sampling
    # interval: the verdict reads it; no p-value is invented
    "identified_range": "no test: the verdict compares the identified range (bounds with their sampling error) "
                        "with the cited value or range",
}


def _loglog_p(est: np.ndarray, lo: np.ndarray, hi: np.ndarray, p0: np.ndarray, z: float) -> np.ndarray:
    """Two-sided Wald p of S = p0 on the log(-log) scale the KM interval is built on (NaN where undefined)."""
    ok = ((est > 0) & (est < 1) & (p0 > 0) & (p0 < 1) & (lo > 0) & (hi < 1) & np.isfinite(lo) & np.isfinite(hi))
    with np.errstate(all="ignore"):
        g = lambda s: np.log(-np.log(np.where(ok, s, 0.5)))  # noqa: E731
        se = np.abs(g(lo) - g(hi)) / (2 * z)
        zstat = np.abs(g(est) - g(p0)) / se
        p = 2 * stats.norm.sf(zstat)
    return np.where(ok & (se > 0), p, np.nan)


def _normal_p(est: np.ndarray, lo: np.ndarray, hi: np.ndarray, t_lo: np.ndarray, t_hi: np.ndarray,
              z: float) -> np.ndarray:
    """Two-sided p of the distance to a cited value or range, standard error read off the interval."""
    with np.errstate(all="ignore"):
        target = np.where(est < t_lo, t_lo, t_hi)
        se = (hi - lo) / (2 * z)
        p = 2 * stats.norm.sf(np.abs(est - target) / se)
    p = np.where((est >= t_lo) & (est <= t_hi), 1.0, p)
    ok = np.isfinite(est) & np.isfinite(lo) & np.isfinite(hi) & np.isfinite(t_lo) & np.isfinite(t_hi) & (se > 0)
    return np.where(ok, p, np.nan)


def _judge(m: pd.DataFrame, *, override: bool | set[str] | frozenset = False, confidence: float = 0.95) -> pd.DataFrame:
    """Verdict, direction, p-value and test for registry rows joined with own figures (vectorised).

    ``m`` holds the registry columns plus ``observed, ci_low, ci_high, n, unit, flags`` and optionally
    ``p_given, test_given`` (a p-value computed elsewhere).
    """
    from csanalysis.stats.intervals import proportion_test, proportion_test_method

    z = float(stats.norm.ppf(0.5 + confidence / 2))
    obs, lo, hi, n = (m[c].to_numpy(dtype="float64", na_value=np.nan) for c in ("observed", "ci_low", "ci_high", "n"))
    cited = m["value"].to_numpy(dtype="float64", na_value=np.nan)
    clo = m["cited_low"].to_numpy(dtype="float64", na_value=np.nan)
    chi = m["cited_high"].to_numpy(dtype="float64", na_value=np.nan)
    has_range = np.isfinite(clo) & np.isfinite(chi)
    ref_lo, ref_hi = np.where(has_range, clo, cited), np.where(has_range, chi, cited)
    unit = m["unit"].astype("object").fillna("").to_numpy()
    if isinstance(override, bool):
        ov = np.full(len(m), override)
    else:
        ov = m["id"].isin(set(override)).to_numpy()
    never = m["comparability"].isin(list(_NEVER_COMPARABLE)).to_numpy()
    min_n = np.array([MIN_N.get(u, 0) for u in unit], dtype="float64")
    has_ci = np.isfinite(lo) & np.isfinite(hi)
    too_wide = (unit == "share") & has_ci & ((hi - lo) > MAX_SHARE_WIDTH)
    # the cited survey's own sampling error, where its denominator is known (a share, not a range)
    den = (m["denominator_n"].to_numpy(dtype="float64", na_value=np.nan) if "denominator_n" in m.columns
           else np.full(len(m), np.nan))
    two = (unit == "share") & ~has_range & np.isfinite(den) & (den > 0) & np.isfinite(cited)
    with np.errstate(all="ignore"):
        se_cited = np.where(two, np.sqrt(cited * (1 - cited) / den), np.nan)
        se_own = (hi - lo) / (2 * z)
        se_diff = np.sqrt(se_own ** 2 + se_cited ** 2)
        diff_lo, diff_hi = (obs - cited) - z * se_diff, (obs - cited) + z * se_diff
    above = np.where(two, diff_lo > 0, lo > ref_hi)
    below = np.where(two, diff_hi < 0, hi < ref_lo)

    # figures flagged as unreliable for a verdict (csanalysis.flags.NO_VERDICT; small_n is "too few" above)
    from csanalysis.flags import NO_VERDICT

    blocking = [sorted(set(_flag_list(f)) & (NO_VERDICT - {"small_n"})) for f in m["flags"]] \
        if "flags" in m.columns else [[] for _ in range(len(m))]
    flagged = np.array([bool(b) for b in blocking], dtype=bool)
    # an own figure without its n cannot show it has enough observations: no verdict either
    n_unknown = ~np.isfinite(n) & (min_n > 0)
    conds = [~np.isfinite(obs), never & ~ov, (np.isfinite(n) & (n < min_n)) | n_unknown,
             ~has_ci | too_wide | flagged, above, below]
    verdict = np.select(conds, list(VERDICTS[:6]), default="consistent")
    reasons = np.select(
        conds,
        ["no own figure: " + m["needs"].fillna("the data lacks what this figure needs").astype("str"),
         m["comparability"].map(_NEVER_COMPARABLE).fillna("").astype("str"),
         pd.Series(np.where(n_unknown, "the own figure does not say how many observations are behind it",
                            "fewer than " + pd.Series(min_n, index=m.index).map("{:.0f}".format)
                            + " observations behind the own figure"), index=m.index),
         pd.Series(np.where(flagged, ["flagged " + ", ".join(b) + " (see the flags)" for b in blocking],
                            np.where(has_ci, f"the own figure's interval is wider than {MAX_SHARE_WIDTH:g}",
                                     "the own figure has no confidence interval")), index=m.index),
         pd.Series("", index=m.index), pd.Series("", index=m.index)],
        default="")
    worse_if = m["worse_if"].fillna("").to_numpy()
    direction = np.select([(verdict == "above") & (worse_if == "higher"), (verdict == "above") & (worse_if == "lower"),
                           (verdict == "below") & (worse_if == "lower"), (verdict == "below") & (worse_if == "higher")],
                          ["worse", "better", "worse", "better"], default="")

    # p-values, by the registry's test (or as given by the caller)
    test_kind = m["test"].fillna("").to_numpy()
    test_kind = np.where((test_kind == "") & (unit == "share"), "proportion", test_kind)
    p_km = _loglog_p(obs, lo, hi, cited, z)
    p_norm = _normal_p(obs, lo, hi, ref_lo, ref_hi, z)
    k = np.clip(np.round(np.nan_to_num(obs) * np.nan_to_num(n)), 0, np.nan_to_num(n))
    target = np.where(has_range, np.where(obs < clo, clo, chi), cited)
    prop_ok = ((test_kind == "proportion") & np.isfinite(obs) & np.isfinite(n) & (n > 0) & np.isfinite(target)
               & (target >= 0) & (target <= 1))
    p_prop = np.full(len(m), np.nan)
    if prop_ok.any():
        p_prop[prop_ok] = np.asarray(proportion_test(k[prop_ok], n[prop_ok], target[prop_ok]), dtype="float64")
    inside = has_range & (obs >= clo) & (obs <= chi)
    p_prop = np.where(inside, 1.0, p_prop)
    p = np.select([test_kind == "km_loglog", test_kind == "interval_normal", test_kind == "proportion"],
                  [p_km, p_norm, p_prop], default=np.nan)
    methods = np.where(prop_ok, np.asarray(proportion_test_method(np.where(prop_ok, n, 1)), dtype=object), "")
    prop_name = np.where(inside, "observed inside the cited range (p = 1 by convention)",
                         pd.Series(methods, index=m.index).astype("str") + " of k = round(observed x n) against "
                         + pd.Series(target, index=m.index).map("{:g}".format))
    test_name = np.select([test_kind == "km_loglog", test_kind == "interval_normal", test_kind == "proportion",
                           test_kind == "identified_range"],
                          [_TESTS["km_loglog"], _TESTS["interval_normal"], prop_name, _TESTS["identified_range"]],
                          default="")
    if "p_given" in m.columns:
        given = m["p_given"].to_numpy(dtype="float64", na_value=np.nan)
        use = np.isfinite(given)
        p = np.where(use, given, p)
        test_name = np.where(use, m.get("test_given", pd.Series("", index=m.index)).fillna("").astype("str"),
                             test_name)
    with np.errstate(all="ignore"):
        p_two = 2 * stats.norm.sf(np.abs(obs - cited) / se_diff)
    p = np.where(two & np.isfinite(p_two), p_two, p)
    test_name = np.where(two & np.isfinite(p_two),
                         "two-sample z-test: own share (standard error read off its interval) against the cited "
                         "survey's share (binomial standard error from its denominator_n)", test_name)
    no_test = np.isin(verdict, ["not supported", "not comparable"])
    p = np.where(no_test, np.nan, p)
    test_name = np.where(no_test | (~np.isfinite(p) & (test_kind != "identified_range")), "", test_name)
    overridden = never & ov
    with np.errstate(all="ignore"):
        half = z * se_cited
    from csanalysis.stats.multiplicity import adjust_pvalues

    judged = np.isin(verdict, ["above", "below", "consistent"]) & np.isfinite(p)
    q = np.full(len(m), np.nan)
    if judged.any():
        q[judged] = adjust_pvalues(p[judged], "fdr_bh")
    return pd.DataFrame({"verdict": verdict, "direction": direction, "p_value": p, "test": test_name,
                         "reason": reasons, "overridden": overridden,
                         "cited_ci_low": np.clip(cited - half, 0, 1), "cited_ci_high": np.clip(cited + half, 0, 1),
                         "q_value": q, "fdr_significant": judged & (q <= FDR_LEVEL)}, index=m.index)


def _flag_list(v: Any) -> list[str]:
    if isinstance(v, (list, tuple, np.ndarray)):
        return [str(x) for x in v]
    return []


def compare_figures(figures: pd.DataFrame, registry: pd.DataFrame | None = None, *,
                    override: bool | set[str] = False, confidence: float = 0.95) -> pd.DataFrame:
    """Every cited figure of the registry against the own figures: one vectorised join.

    Parameters
    ----------
    figures : DataFrame
        A figure table (:attr:`csanalysis.Analysis.figures`): columns ``id,
        label, unit, group, estimate, ci_low, ci_high, n, method,
        definition, flags``.
    registry : DataFrame, optional
        The registry (default :func:`csanalysis.registry.load_registry`).
    override : bool or set of ids
        Compare even figures whose definitions cannot meet (lifetime
        any-brand self-reports); ``True`` for all, or a set of registry ids.
    confidence : float
        Level of the figures' intervals (used to read standard errors off them).

    Returns
    -------
    DataFrame
        One row per registry id, columns :data:`COMPARISON_COLUMNS`: the
        cited figure (``cited, cited_low, cited_high``), the own figure
        (``observed, ci_low, ci_high, n``, from the figure ``own_id`` in
        slice ``own_group``), ``p_value`` and ``test``, ``verdict`` (one of
        :data:`VERDICTS`), ``direction`` (``worse`` / ``better`` / empty),
        ``provenance``, both definitions, ``label``, ``unit`` and ``flags``
        (the own figure's flags, plus ``folklore`` for untraceable cited
        figures and ``override`` where ``override`` lifted the comparability
        rule).

    Examples
    --------
    >>> f = pd.DataFrame({"id": ["share_bad_any"], "label": ["told anyone"], "unit": ["share"],
    ...                   "group": ["satisfaction=dissatisfied"], "estimate": [0.84], "ci_low": [0.77],
    ...                   "ci_high": [0.89], "n": [142.0], "method": ["Wilson"], "definition": ["..."],
    ...                   "flags": [[]]})
    >>> c = compare_figures(f).set_index("id")
    >>> c.loc["share_bad_any", ["verdict", "direction"]].tolist(), c.loc["avoid_2y_after_bad", "verdict"]
    (['below', 'better'], 'not supported')
    """
    from csanalysis.registry import load_registry, provenance_label

    reg = load_registry() if registry is None else registry.copy()
    reg = reg.reset_index(drop=True)
    # the own figure: the first of the ``own_id`` alternatives that the figure table holds
    alts = (reg[["id", "own_id", "own_group"]].assign(own_id=reg["own_id"].fillna("").str.split("|"))
            .explode("own_id"))
    alts["own_id"] = alts["own_id"].str.strip()
    alts["rank"] = alts.groupby("id").cumcount()
    alts["own_group"] = alts["own_group"].fillna("all")
    fig = figures.rename(columns={"id": "own_id", "group": "own_group", "estimate": "observed",
                                  "definition": "observed_definition", "unit": "fig_unit"})
    fig = fig[fig["observed"].notna()] if len(fig) else fig
    keep = ["own_id", "own_group", "observed", "ci_low", "ci_high", "n", "observed_definition", "fig_unit",
            "flags", "method"]
    hit = alts.merge(fig[[c for c in keep if c in fig.columns]], on=["own_id", "own_group"], how="inner")
    hit = hit.sort_values(["id", "rank"]).drop_duplicates("id").drop(columns=["rank", "own_group"])
    m = reg.drop(columns=["own_id"]).merge(hit, on="id", how="left")
    m["own_id"] = m["own_id"].where(m["own_id"].notna(), reg["own_id"].fillna("").str.split("|").str[0].str.strip())
    m["own_group"] = m["own_group"].fillna("all")
    m["unit"] = m["unit"].map(REGISTRY_UNITS).fillna(m["unit"])
    for c in ("observed", "ci_low", "ci_high", "n"):
        m[c] = pd.to_numeric(m[c], errors="coerce").astype("float64") if c in m.columns else np.nan
    if "flags" not in m.columns:
        m["flags"] = None
    j = _judge(m, override=override, confidence=confidence)

    cited_def = m["metric_definition"].fillna("").astype("str")
    cond = m["conditional_on"].fillna("").astype("str")
    cited_def = cited_def.where(cond.eq(""), cited_def + " [conditional on: " + cond + "]")
    cited_def = cited_def.where(m["comparability"].ne("conditional"),
                                cited_def + " (the cited figure is conditional; the observed figure must be "
                                            "conditioned the same way)")
    obs_def = m["observed_definition"].fillna("").astype("str")
    method = m["method"].fillna("").astype("str") if "method" in m.columns else pd.Series("", index=m.index)
    obs_def = obs_def.where(method.eq(""), method + "; " + obs_def)
    obs_def = obs_def.where(m["observed"].notna(), "not computed: " + m["needs"].fillna(
        "the data lacks what this figure needs").astype("str"))
    definition = "cited: " + cited_def + " || observed: " + obs_def
    definition = definition.where(j["reason"].eq(""), definition + " || " + j["verdict"] + ": " + j["reason"])
    definition = definition.where(~j["overridden"], definition + " || compared with override=True although the "
                                                                 "definitions differ")
    prov = m["provenance_level"].map(provenance_label)
    flags = [sorted(set(_flag_list(f)) | ({"folklore"} if lvl == "U" else set()) | ({"override"} if o else set()))
             for f, lvl, o in zip(m["flags"], m["provenance_level"], j["overridden"])]
    out = pd.DataFrame({
        "id": m["id"], "cited": m["value"], "cited_low": m["cited_low"], "cited_high": m["cited_high"],
        "observed": m["observed"], "ci_low": m["ci_low"], "ci_high": m["ci_high"], "n": m["n"],
        "p_value": j["p_value"], "verdict": j["verdict"], "provenance": prov, "definition": definition,
        "own_id": m["own_id"], "own_group": m["own_group"], "label": m["label"].fillna(m["id"]), "unit": m["unit"],
        "direction": j["direction"], "flags": flags, "test": j["test"], "provenance_level": m["provenance_level"],
        "comparability": m["comparability"], "denominator_n": m["denominator_n"], "reason": j["reason"],
        "cited_ci_low": j["cited_ci_low"], "cited_ci_high": j["cited_ci_high"], "q_value": j["q_value"],
        "fdr_significant": j["fdr_significant"].astype("bool"),
    })
    for c in ("cited", "cited_low", "cited_high", "observed", "ci_low", "ci_high", "n", "p_value", "denominator_n",
              "cited_ci_low", "cited_ci_high", "q_value"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    return out[list(COMPARISON_COLUMNS)]
