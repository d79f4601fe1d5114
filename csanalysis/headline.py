"""The headline: every cited figure of the registry against the company's own data.

:func:`benchmark_table` links the readers' tables, builds the experiences,
runs the estimators (avoidance after a bad experience, word of mouth,
service-attributable churn, snapshot churn) and compares each result with the
registry (:mod:`csanalysis.registry`). :func:`benchmark_results` does the same
and keeps every result object, for notebooks and the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ._results import frame_records, jsonable
from .estimators.avoidance import AvoidanceResult, avoidance
from .estimators.churn import AttributableChurnResult, SnapshotChurnResult, attributable_churn, snapshot_churn
from .estimators.word_of_mouth import WordOfMouthResult, word_of_mouth
from .experiences import BadExperienceRule, experiences
from .link import LinkedData, link_customers
from .registry import compare_to_benchmark, load_registry

__all__ = ["benchmark_table", "benchmark_results", "BenchmarkResults", "TABLE_COLUMNS", "EXTRA_IDS"]

#: Columns of :func:`benchmark_table` (fixed).
TABLE_COLUMNS = ["id", "cited", "cited_low", "cited_high", "observed", "ci_low", "ci_high", "n", "p_value",
                 "verdict", "provenance", "definition"]
#: Rows with no registry entry that the table always carries.
EXTRA_IDS = ("avoid_2y_after_good",)

# What own data is needed for registry figures csanalysis cannot compute; shown as the reason.
_UNSUPPORTED = {
    "avoid_2y_after_bad_women": "needs customer gender, which the canonical tables do not carry",
    "avoid_2y_after_bad_b2b": "needs a B2B/B2C account type per customer",
    "avoid_2y_after_bad_gen_x": "needs customer birth years",
    "avoid_2y_after_bad_income_150k": "needs household income",
    "seek_2y_after_good": ("the survey's 24% asks how long a good experience kept people seeking the vendor; "
                           "see avoid_2y_after_good for the behavioural analogue"),
    "switched_after_bad": "switching to a competitor is not observable in a company's own data",
    "share_bad_social": "needs linked social-media posts or reviews",
    "tell_more_than_5y_ago": "a stated attitude; only a survey item measures it",
    "buy_more_after_good_b2b": "needs a B2B/B2C account type per customer",
    "buy_more_after_good_b2c": "needs a B2B/B2C account type per customer",
    "stop_buying_after_bad_b2b": "needs a B2B/B2C account type per customer",
    "stop_buying_after_bad_b2c": "needs a B2B/B2C account type per customer",
    "ms_expect_self_service": "a stated expectation; only a survey item measures it",
    "neg_wom_3x_faster": "the cited quantity has no defined unit",
    "no_return_after_disrespect": "needs tickets labelled for disrespect or rudeness",
    "pay_more_for_better_cx": "a stated willingness to pay; only a survey item or pricing data measures it",
    "prefer_self_service": "needs help-center / self-service usage or a preference survey item",
    "want_omnichannel": "a stated preference; only a survey item measures it",
}


def _loglog_p(est: float, lo: float, hi: float, p0: float, confidence: float = 0.95) -> float:
    """Two-sided Wald p of S = p0 on the log(-log) scale the KM interval is built on."""
    vals = np.array([est, lo, hi, p0], dtype=float)
    if not np.all(np.isfinite(vals)) or np.any((vals[[0, 3]] <= 0) | (vals[[0, 3]] >= 1)) or lo <= 0 or hi >= 1:
        return math.nan
    g = lambda s: math.log(-math.log(s))  # noqa: E731
    z = stats.norm.ppf(0.5 + confidence / 2)
    se = abs(g(lo) - g(hi)) / (2 * z)
    if se <= 0:
        return math.nan
    return float(2 * stats.norm.sf(abs(g(est) - g(p0)) / se))


def _normal_p(est: float, lo: float, hi: float, target_lo: float, target_hi: float, confidence: float = 0.95) -> float:
    """Two-sided p of the distance to a cited value or range, SE read off a (bootstrap) interval."""
    if not all(map(math.isfinite, (est, lo, hi, target_lo, target_hi))):
        return math.nan
    if target_lo <= est <= target_hi:
        return 1.0
    target = target_lo if est < target_lo else target_hi
    se = (hi - lo) / (2 * stats.norm.ppf(0.5 + confidence / 2))
    if se <= 0:
        return math.nan
    return float(2 * stats.norm.sf(abs(est - target) / se))


@dataclass
class BenchmarkResults:
    """Everything :func:`benchmark_table` computed, for notebooks and the report.

    Attributes
    ----------
    table : DataFrame
        The benchmark table (columns :data:`TABLE_COLUMNS`).
    comparisons : dict
        id -> :class:`csanalysis.registry.Comparison` (registry rows).
    linked : LinkedData
    experiences : DataFrame
    avoidance, word_of_mouth, attributable_churn, snapshot_churn
        The estimators' results (``None`` when the data lacks what they need).
    notes : list of str
        Why an estimator did not run.
    """

    table: pd.DataFrame
    comparisons: dict = field(default_factory=dict)
    linked: LinkedData | None = None
    experiences: pd.DataFrame | None = None
    avoidance: AvoidanceResult | None = None
    word_of_mouth: WordOfMouthResult | None = None
    attributable_churn: AttributableChurnResult | None = None
    snapshot_churn: SnapshotChurnResult | None = None
    as_of: pd.Timestamp | None = None
    rule: BadExperienceRule | None = None
    notes: list[str] = field(default_factory=list)

    title = "Own figures against the cited figures"

    def summary(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": None if self.as_of is None else self.as_of.date().isoformat(),
                "rule": None if self.rule is None else self.rule.describe(),
                "benchmarks": frame_records(self.table), "notes": list(self.notes)}

    def _repr_html_(self) -> str:
        t = self.table.copy()
        return t.to_html(index=False, na_rep="–", float_format=lambda x: f"{x:.3g}")

    def plot(self, ax=None, *, unit: Literal["share", "count"] = "share"):
        """Forest plot (see :func:`csanalysis.plotting.plot_benchmarks`)."""
        from .plotting import plot_benchmarks

        return plot_benchmarks(self.table, ax=ax, unit=unit)


def _has(df: pd.DataFrame | None, *cols: str) -> bool:
    return df is not None and len(df) > 0 and all(c in df.columns and df[c].notna().any() for c in cols)


def benchmark_results(
    tickets: pd.DataFrame | None = None,
    responses: pd.DataFrame | None = None,
    activity: pd.DataFrame | None = None,
    *,
    customers: pd.DataFrame | None = None,
    as_of: Any = None,
    window: float = 730,
    key: Literal["auto", "customer_id", "email_key"] = "auto",
    rule: BadExperienceRule | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    override: bool | set[str] = False,
) -> BenchmarkResults:
    """Compute every registry figure the data supports and keep the result objects.

    Same parameters as :func:`benchmark_table`; returns a :class:`BenchmarkResults`
    whose ``table`` is exactly what :func:`benchmark_table` returns, plus the
    result objects behind it (avoidance curves, word of mouth, churn) for
    plots and notebooks.

    Examples
    --------
    >>> import csanalysis as cs
    >>> s = cs.datasets.load_sample()
    >>> r = cs.benchmark_results(s.tickets, s.responses, s.activity, n_resamples=100)
    >>> r.avoidance.figure("avoid_2y_after_bad")["n"] > 0, list(r.table.columns) == cs.headline.TABLE_COLUMNS
    (True, True)
    """
    rule = rule or BadExperienceRule()
    notes: list[str] = []
    present = {k: v for k, v in (("tickets", tickets), ("responses", responses), ("activity", activity),
                                 ("customers", customers)) if v is not None}
    if not present:
        raise ValueError("benchmark_table needs at least one table (tickets, responses, activity or customers)")
    linked = link_customers(tickets, responses, activity, customers, key=key)
    if as_of is None and _has(linked.activity, "at"):
        as_of = linked.activity["at"].max()
    as_of = None if as_of is None else pd.Timestamp(as_of)
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.tz_localize("UTC")

    exp = None
    if _has(linked.tickets, "created_at") or _has(linked.responses, "responded_at"):
        exp = experiences(linked.tickets if linked.tickets is not None and len(linked.tickets) else None,
                          linked.responses, rule=rule)
    av = wom = ac = sc = None
    if exp is not None and len(exp) and _has(linked.activity, "at"):
        av = avoidance(exp, linked.activity, window=window, as_of=as_of, n_resamples=n_resamples, seed=seed,
                       confidence=confidence)
        ac = attributable_churn(exp, linked.activity, as_of=as_of, confidence=confidence,
                                n_resamples=n_resamples, seed=seed)
    else:
        notes.append("avoidance and attributable churn need service experiences (tickets or survey answers) "
                     "and purchase activity")
    if _has(linked.responses, "csat"):
        wom = word_of_mouth(linked.responses, n_resamples=n_resamples, seed=seed, confidence=confidence)
    else:
        notes.append("word of mouth needs survey responses with a satisfaction (CSAT) answer")
    if _has(linked.customers, "churned"):
        sc = snapshot_churn(linked.customers, confidence=confidence)

    observed: dict[str, dict[str, Any]] = {}

    def put(id_: str, est, lo, hi, n, definition: str, p_value=None, test=None):
        observed[id_] = {"observed": est, "ci_low": lo, "ci_high": hi, "n": n, "p_value": p_value,
                         "test": test, "definition": definition}

    reg = load_registry().set_index("id")
    if av is not None:
        for fid in ("avoid_2y_after_bad", "avoid_2y_after_bad_changed", "avoid_2y_after_good"):
            f = av.figure(fid)
            est, lo, hi = (np.nan if f.get(k) is None else f[k] for k in ("estimate", "ci_low", "ci_high"))
            p0 = float(reg.loc[fid, "value"]) if fid in reg.index else np.nan
            definition = f"{f.get('method') or ''}; {rule.describe()}" + (f" ({f['note']})" if f.get("note") else "")
            if fid == "avoid_2y_after_bad_changed":  # weighted (IPCW) estimate with a bootstrap/delta interval
                p, test = (_normal_p(est, lo, hi, p0, p0, confidence),
                           "normal approximation, standard error read off the interval")
            else:
                p, test = (_loglog_p(est, lo, hi, p0, confidence),
                           "Wald test on the log(-log) scale of the Kaplan-Meier estimate")
            put(fid, est, lo, hi, f.get("n"), definition, p, test)
    if wom is not None:
        ws = wom.summary()
        ws = ws[ws["group"] == "dissatisfied"].set_index("id")
        for fid, src in (("told_others_not_to_buy_after_bad", "told_others_not_to_buy_after_bad"),
                         ("wom_told_over_20", "wom_told_over_20"), ("share_bad_gt5", "share_bad_gt5"),
                         ("share_bad_any", "share_bad_any"), ("wom_told_mean", "wom_told_mean"),
                         ("wom_told_median_tarp", "wom_told_median")):
            if src not in ws.index:
                continue
            r = ws.loc[src]
            p = test = None
            if fid in ("wom_told_mean", "wom_told_median_tarp"):
                clo, chi = reg.loc[fid, "cited_low"], reg.loc[fid, "cited_high"]
                v = float(reg.loc[fid, "value"])
                tl, th = (clo, chi) if pd.notna(clo) and pd.notna(chi) else (v, v)
                p = _normal_p(r["estimate"], r["ci_low"], r["ci_high"], tl, th, confidence)
                test = "normal approximation, standard error read off the bootstrap interval"
            put(fid, r["estimate"], r["ci_low"], r["ci_high"], r["n"], r["method"], p, test)
        sat = wom.summary()
        sat = sat[sat["group"] == "satisfied"].set_index("id")
        for fid in ("share_good_any", "share_good_gt5"):
            if fid in sat.index:
                r = sat.loc[fid]
                put(fid, r["estimate"], r["ci_low"], r["ci_high"], r["n"], r["method"])
    attributable = None
    if ac is not None:
        s = ac.summary().set_index("id")
        if "attributable_churn_share" in s.index:
            r = s.loc["attributable_churn_share"]
            attributable = (r["estimate"], r["ci_low"], r["ci_high"], r["n"],
                            "service-attributable churn: " + str(r["method"]))
    elif sc is not None:
        s = sc.summary().set_index("id")
        if "service_reason_share" in s.index:
            r = s.loc["service_reason_share"]
            attributable = (r["estimate"], r["ci_low"], r["ci_high"], r["n"],
                            "share of churners whose stated reason is about service: " + str(r["method"]))
    if attributable is not None:
        for fid in ("switched_after_poor_service", "ms_stopped_business_poor_service",
                    "ms_stopped_business_poor_service_2015", "ms_stopped_business_poor_service_2016",
                    "ms_stopped_business_poor_service_2018"):
            put(fid, *attributable)

    rows, comps = [], {}
    for fid in reg.index:
        o = observed.get(fid)
        ov = override if isinstance(override, bool) else fid in override
        if o is None:
            reason = _UNSUPPORTED.get(fid, "the data lacks what this figure needs")
            if fid.startswith(("avoid", "switched", "ms_stopped")) and av is None:
                reason = "needs service experiences and purchase activity"
            elif fid.startswith(("wom", "share_", "told_")) and wom is None:
                reason = "needs survey answers about people told / warned others"
            c = compare_to_benchmark(fid, None, None, None, None, observed_definition=f"not computed: {reason}",
                                     override=ov)
        else:
            c = compare_to_benchmark(fid, o["observed"], o["ci_low"], o["ci_high"], o["n"], p_value=o["p_value"],
                                     test=o["test"], observed_definition=o["definition"], override=ov)
        comps[fid] = c
        rows.append(c.to_row())
    # rows without a cited figure
    if "avoid_2y_after_good" in observed:
        o = observed["avoid_2y_after_good"]
        rows.append({"id": "avoid_2y_after_good", "cited": np.nan, "cited_low": np.nan, "cited_high": np.nan,
                     "observed": o["observed"], "ci_low": o["ci_low"], "ci_high": o["ci_high"], "n": o["n"],
                     "p_value": np.nan, "verdict": "not comparable", "provenance": "own data (no cited figure)",
                     "definition": ("own: " + o["definition"] + " | cited: none; the survey's 24% for good "
                                    "experiences measures how long people kept seeking a vendor, not this")})
    else:
        rows.append({"id": "avoid_2y_after_good", "cited": np.nan, "cited_low": np.nan, "cited_high": np.nan,
                     "observed": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": np.nan, "p_value": np.nan,
                     "verdict": "not supported", "provenance": "own data (no cited figure)",
                     "definition": "not computed: needs service experiences and purchase activity"})
    table = pd.DataFrame(rows)
    for c in TABLE_COLUMNS:
        if c not in table.columns:
            table[c] = np.nan
    table = table[TABLE_COLUMNS]
    for c in ("cited", "cited_low", "cited_high", "observed", "ci_low", "ci_high", "n", "p_value"):
        table[c] = pd.to_numeric(table[c], errors="coerce").astype("float64")
    return BenchmarkResults(table, comps, linked, exp, av, wom, ac, sc, as_of, rule, notes)


def benchmark_table(
    tickets: pd.DataFrame | None = None,
    responses: pd.DataFrame | None = None,
    activity: pd.DataFrame | None = None,
    *,
    customers: pd.DataFrame | None = None,
    as_of: Any = None,
    window: float = 730,
    key: Literal["auto", "customer_id", "email_key"] = "auto",
    rule: BadExperienceRule | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    override: bool | set[str] = False,
) -> pd.DataFrame:
    """Every cited figure of the registry against the company's own data.

    Parameters
    ----------
    tickets, responses, activity : DataFrame, optional
        Tables as :func:`~csanalysis.read_tickets`, :func:`~csanalysis.read_survey`
        and :func:`~csanalysis.read_activity` return them (linked here).
    customers : DataFrame, optional
        A customer snapshot (:func:`~csanalysis.read_customers`); used for the
        churn figures when there is no purchase history.
    as_of : date-like, optional
        End of follow-up (default: the last date in the activity data).
    window : float
        Days of avoidance (730 = two years).
    key : {"auto", "customer_id", "email_key"}
        How tables are linked (see :func:`csanalysis.link.link_customers`).
    rule : BadExperienceRule, optional
        What counts as a bad experience (default: rating bad or CSAT 1-2).
    n_resamples, seed : int
        Bootstrap resamples and seed (results are reproducible).
    confidence : float
        Interval level.
    override : bool or set of ids
        Compare even figures whose definitions cannot meet (lifetime any-brand
        self-reports); ``True`` for all, or a set of ids.

    Returns
    -------
    DataFrame
        One row per registry id plus ``avoid_2y_after_good``, with columns
        ``id, cited, cited_low, cited_high, observed, ci_low, ci_high, n,
        p_value, verdict, provenance, definition``. Shares are fractions,
        ``wom_told_mean`` is in people. A figure the data cannot support has
        ``observed`` missing, verdict ``not supported`` and the reason in
        ``definition``. Verdicts: ``below`` / ``above`` when the interval lies
        wholly below / above the cited value (or range), ``consistent``
        otherwise, ``not comparable`` when the definitions cannot meet.

    Examples
    --------
    >>> import csanalysis as cs
    >>> s = cs.datasets.load_sample()
    >>> t = cs.benchmark_table(s.tickets, s.responses, s.activity, n_resamples=200)
    >>> t.set_index("id").loc["avoid_2y_after_bad", "verdict"] in {"below", "above", "consistent"}
    True
    """
    return benchmark_results(tickets, responses, activity, customers=customers, as_of=as_of, window=window,
                             key=key, rule=rule, n_resamples=n_resamples, seed=seed, confidence=confidence,
                             override=override).table
