r"""Survey non-response: CSAT and bad-rating share weighted for who answers the survey.

Rated tickets are a selected minority: slow, reopened or chat tickets are
rated more or less often than the rest, and if they are also rated worse,
the raw CSAT and bad-rating share describe the tickets that happen to be
rated, not the service. :func:`nonresponse_weighted` models the probability
that an eligible ticket is rated from attributes known for **every** ticket
(channel, priority, group, reply and resolution times, reopens, when it was
created), weights each rated ticket by the inverse of that probability and
reports the **response-weighted** CSAT, bad-rating share and good-rating
share beside the raw ones, with intervals from one customer-level bootstrap
and the weights' diagnostics (effective n, largest weights, covariate
balance before and after weighting).

Method
------
**Eligible tickets.** Customer-initiated tickets (``direction`` not
``"agent"``; :func:`csanalysis.schema.agent_initiated`) that could have been
rated: solved (``solved_at`` set or status solved / closed / resolved,
:data:`csanalysis.estimators.metrics.SOLVED_STATUSES`) and offered a survey
(``rating_offered`` true; a missing value counts as not offered) when the
table says so (a column without any solved ticket, or without any ticket
offered a survey, is not used). A rated ticket is always eligible (it was
evidently offered). The weighted figures estimate the measure over **all
eligible tickets**, rated or not.

**Rated, bad, good.** A ticket is rated when it has a rating: the outcome
(``rating_score``, normalised 0-1) or the tool's label (``rating``). Its
label follows the default rating rule
(:func:`csanalysis.schema.rating_from_score`: bad at a score of 0.25 or
less, good at 0.75 or more; the tool's own label wins). ``csat`` is the
mean score of the rated tickets that have one (on the outcome's scale),
``bad_share`` and ``good_share`` the shares of rated tickets labelled bad
and good.

**Response model.** A logistic regression of rated (1) or not (0) on the
covariates, over the eligible tickets. Categorical covariates (channel,
priority, group, and the period the ticket was created in: the finest of
month, quarter and year that gives at most :data:`MAX_PERIODS` periods)
become dummies against their most frequent level; levels with fewer than :data:`MIN_LEVEL` eligible tickets are merged
into ``(other)`` (and at most :data:`MAX_LEVELS` levels are kept), a missing
value is a level ``(missing)``. Numeric covariates are used as they are,
except times in minutes, which enter as :math:`\log(1 + x)`; a missing
numeric value is filled with the median and flagged by a 0/1 indicator term
(both counted in :attr:`NonresponseResult.covariates`). A covariate is used
when at least :data:`MIN_PRESENT` of the eligible tickets have a value and
it takes two values or more. The log-likelihood is penalised by a small
ridge, :math:`\tfrac{\lambda}{2}\sum_j \gamma_j^2` with :math:`\lambda =`
:data:`RIDGE`, where :math:`\gamma_j` is a numeric term's coefficient per
standard deviation and a 0/1 term's (dummy, missing indicator) log-odds
ratio; the intercept is not penalised. That is a normal prior with sd 1 on
each log-odds ratio: it keeps the fit finite when a small level is all
rated or all unrated, pulls the coefficient of a level of a dozen tickets
part of the way to the reference, and changes the coefficients of large
levels and of numeric terms by a fraction of a percent with thousands of
tickets. The fit is Newton's method (iteratively reweighted least
squares) on standardised terms, vectorised over tickets and, in the
bootstrap, over resamples: a step of every resample is one pass over the
tickets in cache-sized blocks (:mod:`csanalysis.stats.passes`), each
block's Poisson weights drawn as it is read, so time grows linearly with
the tickets and memory does not; the Hessians are refreshed every
:data:`REFRESH` steps (the chord method in between, started from the
full-data fit).

**Weights.** A rated ticket's weight is :math:`1/\hat p_i`, the inverse of
its fitted probability of being rated. Weights above ``trim`` times the
mean weight of the rated tickets (before the cut) are cut to that cap (default
:data:`DEFAULT_TRIM` = 10; ``trim=None`` keeps them; how many were cut is
reported): one rated ticket from a corner where almost nobody rates would
otherwise carry the estimate. Reported weights are normalised to sum to the
number of eligible tickets, so a weight is the number of eligible tickets a
rated ticket stands for (their mean is one over the response rate).

**Estimates.** The weighted figure is the Hajek (ratio) estimator
:math:`\sum_i w_i y_i / \sum_i w_i` over the rated tickets; the raw figure
is the plain mean. **Diagnostics**: the response rate; Kish's effective
number of rated tickets :math:`n_{\text{eff}} = (\sum w_i)^2/\sum w_i^2
\le n` (how many equally weighted ratings the weighted figure is worth);
the largest weights; and the covariate balance: per model term, the
standardised mean difference (SMD, in standard deviations of the eligible
tickets) between the rated tickets and all eligible tickets, before and
after weighting. An SMD above 0.1 in absolute value after weighting, or an
effective n below a quarter of n, flags the rows ``poor_overlap``.

**Intervals.** A customer-level Poisson bootstrap: in resample :math:`r`
every customer (the sampling unit; ``customer`` column, else the tool's
``customer_id``, else ``email_key``; a ticket without one is its own unit)
gets the Poisson(1) weight :func:`csanalysis.stats.bootstrap.poisson_weights`
draws from a hash of its identifier, ``r`` and ``seed``, and all its tickets
carry it. In every resample the response model is **refitted** (Newton,
started from the full-data fit), the weights recomputed and trimmed by the
same rule, and the raw and weighted figures recomputed; the percentile
intervals of the raw figure, the weighted figure and their difference come
from the same resamples, so the two figures are comparable and the
difference has its own interval.

Reading
-------
The weights rest on one assumption: ratings are **missing at random given
the modelled attributes**. Among tickets alike in channel, priority, group,
times, reopens and period, whether a customer rates must not depend on how
the experience went. The weights correct for who is asked and who answers
as far as these attributes predict it; they cannot correct for selection on
the experience itself (customers who answer more readily after a bad, or a
very good, experience) beyond what the attributes capture. A weighted
figure close to the raw one says that the *modelled* attributes do not
explain a difference between responders and the rest, not that there is
none. ``validation/nonresponse.py`` plants non-response that depends on the
resolution time and the channel, with customers of several tickets and a
customer random effect in both the rating and the response
(``validation/nonresponse.md``, 1,000 replications of 3,000 tickets): the
weighted intervals cover the population truth 93.5-94.1% of the time with
200 resamples (93.7-95.7% with 1,000), the raw ones 0-1%; the weighted
figures are within 0.002 of the truth, the raw ones 0.06-0.08 off. When
the experience itself drives the response, the weighted figures are as
wrong as the assumption, and no diagnostic shows it.

Examples
--------
Slow tickets are rated less often and rated bad more often:

>>> rng = np.random.default_rng(1)
>>> n = 3000
>>> slow = rng.random(n) < 0.4
>>> tickets = pd.DataFrame({
...     "ticket_id": np.arange(n).astype(str), "customer": rng.integers(0, 1500, n).astype(str),
...     "channel": rng.choice(["email", "chat"], n),
...     "resolution_minutes": np.where(slow, 3000.0, 60.0) * rng.lognormal(0.0, 0.3, n)})
>>> bad = rng.random(n) < np.where(slow, 0.5, 0.1)
>>> rated = rng.random(n) < np.where(slow, 0.15, 0.5)
>>> tickets["rating_score"] = np.where(rated, np.where(bad, 0.0, 1.0), np.nan)
>>> round(float(bad.mean()), 2)                                      # the truth over all tickets
0.27
>>> r = nonresponse_weighted(tickets, n_resamples=200, seed=1)
>>> r.summary().set_index("measure").loc["bad_share", ["raw", "weighted"]].round(2).tolist()
[0.17, 0.26]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from csanalysis.checks import check_confidence, check_frame, check_resamples
from csanalysis.estimators.metrics import CUSTOMER_COLUMNS, SOLVED_STATUSES, sampling_units
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.schema import agent_initiated, rating_from_score
from csanalysis.stats.arrays import n_distinct
from csanalysis.stats.bootstrap import DEFAULT_RESAMPLES, percentile_interval, poisson_weights_from_hash, unit_hash
from csanalysis.stats.clustered import as_units, hash_seed
from csanalysis.stats.passes import expit_inplace, logistic_pass, row_blocks

__all__ = ["DEFAULT_COVARIATES", "DEFAULT_TRIM", "DERIVED_COVARIATES", "MAX_LEVELS", "MAX_PERIODS", "MEASURES",
           "MIN_LEVEL", "MIN_PRESENT", "NONRESPONSE_COLUMNS", "REFRESH", "RIDGE", "NonresponseResult",
           "nonresponse_weighted"]

#: The contract columns of :attr:`NonresponseResult.table`, in this order and first.
NONRESPONSE_COLUMNS: tuple[str, ...] = ("measure", "raw", "raw_ci_low", "raw_ci_high", "weighted", "weighted_ci_low",
                                        "weighted_ci_high", "n", "effective_n")
#: The measures, in the table's order.
MEASURES: tuple[str, ...] = ("csat", "bad_share", "good_share")
#: Covariates of the response model by default (those the table has and can use).
DEFAULT_COVARIATES: tuple[str, ...] = ("channel", "priority", "group", "first_reply_minutes", "resolution_minutes",
                                       "reopens", "created_period")
#: Covariates derived from ``created_at``: the period (the finest of month, quarter and year that gives at most
#: :data:`MAX_PERIODS` periods), the year-month, the weekday.
DERIVED_COVARIATES: tuple[str, ...] = ("created_period", "created_month", "created_weekday")
#: Most periods of ``created_period``.
MAX_PERIODS = 12
#: Default cap of a weight, as a multiple of the mean weight of the rated tickets.
DEFAULT_TRIM = 10.0
#: Ridge penalty (lambda) of the response model: per sd of a numeric term, per unit log-odds ratio of a 0/1 term.
RIDGE = 1.0
#: Newton steps between fresh Hessians in the bootstrap refits (the chord method in between).
REFRESH = 5
#: Fewest eligible tickets a level of a categorical covariate needs to be its own term (else ``(other)``).
MIN_LEVEL = 10
#: Most levels of one categorical covariate (the most frequent; the rest ``(other)``).
MAX_LEVELS = 30
#: Smallest share of eligible tickets with a value for a covariate to be used.
MIN_PRESENT = 0.5

#: Columns that are the rating itself (known for rated tickets only): never covariates.
_RATING_COLUMNS = frozenset({"rating", "rating_score", "rating_offered", "rating_comment", "csat"})
_MAX_ITER = 60
_TOL = 1e-7

_MAX_STEP = 5.0
#: ``row_weights(fits, rows)``: the frequency weights (len(fits), rows) of fits ``fits`` on a block of rows.
_RowWeights = Callable[[np.ndarray, slice], np.ndarray]
_POOR_SMD = 0.1
_POOR_NEFF = 0.25


# --------------------------------------------------------------------------- result
@dataclass(repr=False)
class NonresponseResult(Result):
    """Raw and response-weighted ratings with the weights' diagnostics (see :func:`nonresponse_weighted`).

    Attributes
    ----------
    table : DataFrame
        One row per measure (``csat``, ``bad_share``, ``good_share``): the
        contract columns ``measure, raw, raw_ci_low, raw_ci_high, weighted,
        weighted_ci_low, weighted_ci_high, n, effective_n`` first (``n``:
        rated tickets behind the measure; ``effective_n``: Kish's effective
        number of them under the weights), then ``difference`` (weighted
        minus raw) with ``difference_ci_low`` / ``difference_ci_high``,
        ``n_tickets`` (eligible tickets), ``n_customers``,
        ``response_rate``, ``max_weight`` (the largest normalised weight:
        eligible tickets one rated ticket stands for), ``n_trimmed``,
        ``max_abs_smd_before``, ``max_abs_smd_after``, ``flags``,
        ``method`` and ``note``.
    weights : Series
        Normalised weight of every rated eligible ticket (index of the input
        table); they sum to the number of eligible tickets.
    balance : DataFrame
        Per model term: ``term``, ``mean_all`` (eligible tickets),
        ``mean_rated``, ``mean_weighted``, ``smd_before``, ``smd_after``.
    model : DataFrame
        The response model: ``term``, ``coefficient`` (log-odds of being
        rated per unit of the term, on the term's own scale), ``odds_ratio``,
        ``mean``, ``sd`` (over the eligible tickets).
    covariates : DataFrame
        Per covariate asked for: ``covariate``, ``used``, ``kind``
        (``numeric`` / ``categorical``), ``transform``, ``terms``,
        ``missing`` (eligible tickets without a value), ``reason`` (why not
        used).
    diagnostics : dict
        ``n_tickets``, ``n_rated``, ``n_customers``, ``response_rate``,
        ``effective_n``, ``mean_weight``, ``max_weight``, ``largest_weights``
        (records of the largest weights: ``ticket``, ``weight``,
        ``p_rated``), ``trim``, ``trim_cap``, ``n_trimmed``,
        ``max_abs_smd_before``, ``max_abs_smd_after``, ``excluded``
        (tickets left out, by reason), ``not_converged`` (resamples whose fit
        did not converge), ``sampling_unit``.
    confidence : float
    n_resamples : int
    seed : int
    method : str
        The method in words, with its assumption.
    notes : list of str
    """

    table: pd.DataFrame
    weights: pd.Series
    balance: pd.DataFrame
    model: pd.DataFrame
    covariates: pd.DataFrame
    diagnostics: dict[str, Any]
    confidence: float
    n_resamples: int
    seed: int
    method: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:  # type: ignore[override]
        return "Ratings weighted for survey non-response: raw and response-weighted"

    def __repr__(self) -> str:
        d = self.diagnostics
        return (f"<NonresponseResult: {d['n_rated']} of {d['n_tickets']} eligible tickets rated "
                f"({d['response_rate']:.1%}), effective n {d['effective_n']:.0f}>")

    def summary(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"nonresponse": [records], "balance", "model", "covariates", "diagnostics", "method", ...}``.

        The per-ticket weights are left out (they are :attr:`weights`).
        """
        return jsonable({
            "nonresponse": frame_records(self.table), "balance": frame_records(self.balance),
            "model": frame_records(self.model), "covariates": frame_records(self.covariates),
            "diagnostics": self.diagnostics, "confidence": self.confidence, "n_resamples": self.n_resamples,
            "seed": self.seed, "method": self.method, "notes": list(self.notes),
        })

    def plot(self, ax: Any = None) -> Any:
        """Raw and response-weighted measures (see :func:`csanalysis.plotting.plot_nonresponse`)."""
        from csanalysis.plotting.findings import plot_nonresponse
        return plot_nonresponse(self, ax=ax)

    def footnote(self) -> str:
        """The assumption behind the weights, in brief."""
        d = self.diagnostics
        return (f"{d['n_rated']} of {d['n_tickets']} eligible tickets rated ({d['response_rate']:.1%}). "
                "Weighted: rated tickets weighted by their inverse probability of being rated given the modelled "
                "attributes; valid if ratings are missing at random given those attributes, and no correction for "
                f"selection on the experience itself. {self.confidence:.0%} customer-bootstrap intervals.")


# --------------------------------------------------------------------------- entry point
def nonresponse_weighted(
    tickets: pd.DataFrame,
    *,
    covariates: Sequence[str] | None = None,
    outcome: str = "rating_score",
    scale: tuple[float, float] | None = None,
    customer: str | None = "customer",
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: Any = 0,
    trim: float | None = DEFAULT_TRIM,
) -> NonresponseResult:
    """Raw and response-weighted CSAT, bad-rating and good-rating shares, with intervals and weight diagnostics.

    Parameters
    ----------
    tickets : DataFrame
        Canonical tickets (:data:`csanalysis.schema.TICKETS`), one row per
        ticket, rated or not.
    covariates : sequence of str, optional
        Attributes known for every ticket that the response model uses:
        columns of ``tickets`` or :data:`DERIVED_COVARIATES` (from
        ``created_at``). Default :data:`DEFAULT_COVARIATES`, those the table
        has and can use. Numeric columns enter as they are (minutes as
        ``log1p``), others as dummies. A named column that is missing raises;
        one with too few values is left out and said so.
    outcome : str, default "rating_score"
        The score column. With ``"rating_score"`` the tool's label in
        ``rating`` counts too (a ticket with a label but no score is rated;
        the label decides bad and good).
    scale : (low, high), optional
        The outcome's scale, for the bad / good thresholds of the default
        rating rule (e.g. ``(1, 5)`` for a CSAT column). Default 0-1.
    customer : str or None, default "customer"
        The sampling-unit column. ``"customer"``: the linked ``customer``,
        else ``customer_id``, else ``email_key``; another column name: that
        column (a ticket without a value falls back to its customer);
        ``None``: every ticket its own unit.
    n_resamples : int, default 1000
        Bootstrap resamples (each refits the response model).
    confidence : float, default 0.95
        Level of the intervals.
    seed : int, Generator or None, default 0
        Seed of the hashed Poisson bootstrap weights (same seed, same
        intervals, whatever the order of the rows).
    trim : float or None, default 10
        Cap of a weight, as a multiple of the mean weight of the rated
        tickets (greater than 1); ``None``: no cap.

    Returns
    -------
    NonresponseResult

    Raises
    ------
    ValueError
        When the outcome column is missing or off its scale, no eligible
        ticket is rated, a named covariate is no column (or is the rating
        itself), or no covariate is usable. When every eligible ticket is
        rated there is nothing to correct: the weighted figures are the raw
        ones and a note says so.

    Examples
    --------
    Non-response completely at random: weighted and raw agree.

    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> t = pd.DataFrame({"customer": rng.integers(0, 800, n).astype(str),
    ...                   "channel": rng.choice(["email", "chat", "phone"], n),
    ...                   "first_reply_minutes": rng.lognormal(4.0, 1.0, n)})
    >>> t["rating_score"] = np.where(rng.random(n) < 0.3, rng.choice([0.0, 0.5, 1.0], n), np.nan)
    >>> r = nonresponse_weighted(t, n_resamples=100)
    >>> r
    <NonresponseResult: 589 of 2000 eligible tickets rated (29.4%), effective n 588>
    >>> s = r.summary().set_index("measure")
    >>> bool((s["weighted"] - s["raw"]).abs().max() < 0.01), bool((s["effective_n"] <= s["n"]).all())
    (True, True)
    >>> r.covariates.loc[r.covariates["used"], ["covariate", "terms"]].values.tolist()
    [['channel', 2], ['first_reply_minutes', 1]]
    """
    check_frame(tickets, "tickets")
    conf = check_confidence(confidence)
    R = check_resamples(n_resamples)
    seed_ = hash_seed(seed)
    if trim is not None and not (isinstance(trim, (int, float, np.integer, np.floating)) and not isinstance(trim, bool)
                                 and np.isfinite(trim) and trim > 1):
        raise ValueError(f"`trim` must be a number greater than 1 (a multiple of the mean weight, e.g. 10) or None, "
                         f"but {trim!r} was passed.")
    notes: list[str] = []
    score, label = _ratings(tickets, outcome, scale)
    rated_all = pd.notna(label)
    eligible, excluded = _eligible(tickets, rated_all)
    for why, k in excluded.items():
        if k:
            notes.append(f"{k} ticket(s) left out: {why}")
    n_tickets = int(eligible.sum())
    rated = rated_all[eligible]
    n_rated = int(rated.sum())
    if n_rated == 0:
        cols = f"{outcome!r}" + (" or 'rating'" if outcome == "rating_score" and "rating" in tickets.columns else "")
        raise ValueError(f"no eligible ticket is rated: {cols} is empty on all {n_tickets} eligible (customer-"
                         f"initiated, solved, offered a survey) tickets of {len(tickets)}; expected some tickets "
                         "with a rating to weight")
    names, explicit = (list(DEFAULT_COVARIATES), False) if covariates is None else (list(covariates), True)
    if isinstance(covariates, str):
        names = [covariates]
    # only the columns read below (covariates, created_at, sampling units, ticket ids), not the whole table
    keep = dict.fromkeys([*names, "created_at", "ticket_id", *CUSTOMER_COLUMNS, *([customer] if customer else [])])
    e = tickets.loc[eligible, [c for c in tickets.columns if c in keep]]
    y_score = score[eligible]
    lab = label[eligible]  # a Categorical: compared by its codes
    units, how = _units(e, customer)
    if "no customer id" in how:
        notes.append("no customer column: every ticket is its own sampling unit (intervals may be too narrow "
                     "if customers have several tickets)")
    hashes = unit_hash(units.ids, seed_)
    codes = units.codes
    n_customers = n_distinct(codes)
    r = rated.astype(float)
    measures = _measures(y_score, lab, rated)

    nothing_to_correct = n_rated == n_tickets
    if nothing_to_correct:
        notes.append(f"every eligible ticket is rated ({n_tickets}): there is no non-response to correct, so the "
                     "weighted figures are the raw ones")
        X = np.ones((n_tickets, 1))
        beta = np.zeros((1, 1))
        terms: list[str] = []
        mean_rated = np.zeros(0)
        cov_table = pd.DataFrame(columns=["covariate", "used", "kind", "transform", "terms", "missing", "reason"])
        p = np.ones(n_tickets)
        mu = sd = np.zeros(0)
    else:
        blocks, terms, cov_table = _design(e, names, explicit, outcome, tickets.columns)
        if not terms:
            why = "; ".join(f"{c}: {w}" for c, w in zip(cov_table["covariate"], cov_table["reason"]))
            raise ValueError(f"no usable covariate for the response model among {names} ({why}); expected at least "
                             f"one attribute known for all eligible tickets with values on at least "
                             f"{MIN_PRESENT:.0%} of them (e.g. channel, priority, group, first_reply_minutes, "
                             "resolution_minutes, reopens or created_at); pass `covariates=[...]`")
        for row in cov_table.itertuples(index=False):
            if row.used and row.missing:
                notes.append(f"{row.covariate}: {row.missing} eligible ticket(s) without a value (median filled, "
                             "flagged by an indicator term)")
            elif not row.used and explicit:
                notes.append(f"covariate {row.covariate!r} not used: {row.reason}")
        X, mu, sd, binary, mean_rated = _standardised(blocks, rated)
        beta0 = np.zeros((1, X.shape[1]))
        rate = n_rated / n_tickets
        beta0[0, 0] = np.log(rate / (1.0 - rate))
        pen = _penalty(binary, sd)
        ones = np.ones((1, n_tickets))
        beta, ok = _newton(X, r, lambda fits, rows: ones[:, rows], beta0, pen)
        if not ok.all():
            notes.append("the response model's Newton iterations did not converge on the full data")
        p = special.expit(X @ beta[0])

    w_raw, cap, n_trimmed = _weights(p[None, :], r, np.ones((1, n_tickets)), trim)
    w = w_raw[0] * n_tickets / w_raw[0].sum()
    est = {m: (_mean(np.ones(n_tickets), y, mask), _mean(w, y, mask)) for m, (y, mask) in measures.items()}

    # bootstrap: raw and weighted from the same customer resamples, the response model refitted in each; the
    # passes read the tickets by customer (a customer's tickets side by side, so that each block draws a
    # customer's weights once: poisson_weights_from_hash)
    by_unit = np.argsort(codes, kind="stable")
    h_rows = hashes[codes[by_unit]]  # every ticket's customer hash: a ticket's weight in a resample is its customer's
    X_u = X[by_unit]  # the terms in that order, in place of the table's (put back after the bootstrap)
    layout = "F" if X.flags.f_contiguous and not X.flags.c_contiguous else "C"
    del X
    not_converged = 0
    boot_beta = None
    if not nothing_to_correct:  # the full-data fit's Hessian starts every refit (see _newton)
        k = X_u.shape[1]
        hessian = logistic_pass(X_u, r[by_unit], beta, lambda rows: ones[:, rows],
                                row_blocks(n_tickets, k * (k + 1) // 2))[1][0]
        hessian[np.arange(k), np.arange(k)] += pen

        def resample_weights(fits: np.ndarray, rows: slice) -> np.ndarray:
            return poisson_weights_from_hash(h_rows[rows], fits)

        boot_beta, ok = _newton(X_u, r[by_unit], resample_weights, np.repeat(beta, R, axis=0), pen,
                                refresh=REFRESH, hessian0=hessian)
        not_converged = int((~ok).sum())
    rated_rows = np.flatnonzero(rated[by_unit])
    M = np.column_stack([c for y, mask in measures.values()
                         for c in (mask * y, mask.astype(float))])[by_unit[rated_rows]]
    raw_sums, weighted_sums = _resampled_means(X_u, rated_rows, h_rows[rated_rows], M, R, boot_beta, trim)
    X = np.empty(X_u.shape, order=layout)
    X[by_unit] = X_u
    del X_u
    with np.errstate(invalid="ignore", divide="ignore"):
        raw_means = raw_sums[:, 0::2] / raw_sums[:, 1::2]
        weighted_means = weighted_sums[:, 0::2] / weighted_sums[:, 1::2]
    reps = {m: np.column_stack([raw_means[:, j], weighted_means[:, j]]) for j, m in enumerate(measures)}
    if not_converged:
        notes.append(f"the response model did not converge in {not_converged} of {R} resample(s)")

    # diagnostics
    wr = w[rated]
    neff_all = float(wr.sum() ** 2 / np.sum(wr * wr))
    if terms:
        bal = _balance(X, mu, sd, mean_rated, w, terms)
        smd_b = float(np.abs(bal["smd_before"]).max())
        smd_a = float(np.abs(bal["smd_after"]).max())
        coef = beta[0, 1:] / sd
        icpt = float(beta[0, 0] - np.sum(coef * mu))
        model = pd.DataFrame({"term": ["(intercept)", *terms], "coefficient": np.r_[icpt, coef],
                              "mean": np.r_[np.nan, mu], "sd": np.r_[np.nan, sd]})
        model.insert(2, "odds_ratio", np.exp(model["coefficient"]))
    else:
        bal = pd.DataFrame(columns=["term", "mean_all", "mean_rated", "mean_weighted", "smd_before", "smd_after"])
        smd_b = smd_a = 0.0
        model = pd.DataFrame(columns=["term", "coefficient", "odds_ratio", "mean", "sd"])
    idx = np.flatnonzero(rated)
    top = idx[np.argsort(-w[idx], kind="stable")[:5]]
    ticket_ids = (e["ticket_id"].iloc[top] if "ticket_id" in e.columns else e.index[top]).tolist()  # five, not all
    largest = [{"ticket": t_, "weight": float(w[i]), "p_rated": float(p[i])} for t_, i in zip(ticket_ids, top)]
    if n_trimmed[0]:
        notes.append(f"{int(n_trimmed[0])} weight(s) above {trim:g} times the mean weight were cut to that cap")
    used = cov_table.loc[cov_table["used"].astype(bool), "covariate"].astype("str").tolist()
    terms_txt = ", ".join(used) if used else "none"
    method = _method_text(n_tickets, terms_txt, trim, R, how, nothing_to_correct)
    row_method = ("raw: mean of rated tickets; weighted: "
                  + ("= raw (every eligible ticket rated)" if nothing_to_correct else
                     f"Hajek inverse-probability weighting, logistic response model ({len(terms)} terms, ridge "
                     f"{RIDGE:g})")
                  + f"; percentile intervals, customer Poisson bootstrap ({R} resamples"
                  + ("" if nothing_to_correct else ", model refitted in each") + ")")
    poor = (not nothing_to_correct) and (smd_a > _POOR_SMD or neff_all < _POOR_NEFF * n_rated)
    rows = []
    for m, (y, mask) in measures.items():
        raw, wtd = est[m]
        n_m = int(mask.sum())
        wm = w[mask]
        neff = float(wm.sum() ** 2 / np.sum(wm * wm)) if n_m else np.nan
        rlo, rhi = percentile_interval(reps[m][:, 0], conf)
        wlo, whi = percentile_interval(reps[m][:, 1], conf)
        dlo, dhi = percentile_interval(reps[m][:, 1] - reps[m][:, 0], conf)
        note = ""
        if n_m == 0:
            note = f"no rated ticket has a value of {outcome!r}"
        elif m == "csat" and n_m < n_rated:
            note = f"{n_rated - n_m} rated ticket(s) have a label but no {outcome!r} value and are left out"
        elif nothing_to_correct:
            note = "every eligible ticket is rated: nothing to correct"
        rows.append({"measure": m, "raw": raw, "raw_ci_low": rlo, "raw_ci_high": rhi, "weighted": wtd,
                     "weighted_ci_low": wlo, "weighted_ci_high": whi, "n": n_m, "effective_n": neff,
                     "difference": wtd - raw, "difference_ci_low": dlo, "difference_ci_high": dhi,
                     "n_tickets": n_tickets, "n_customers": n_customers, "response_rate": n_rated / n_tickets,
                     "max_weight": float(wm.max()) if n_m else np.nan, "n_trimmed": int(n_trimmed[0]),
                     "max_abs_smd_before": smd_b, "max_abs_smd_after": smd_a,
                     "flags": "poor_overlap" if poor else "", "method": row_method, "note": note})
    table = pd.DataFrame(rows)
    if poor:
        notes.append(f"poor_overlap: after weighting the largest covariate SMD is {smd_a:.2f} (above {_POOR_SMD}) "
                     f"or the effective n {neff_all:.0f} is below a quarter of the {n_rated} rated tickets")
    diagnostics = {
        "n_tickets": n_tickets, "n_rated": n_rated, "n_customers": n_customers, "response_rate": n_rated / n_tickets,
        "effective_n": neff_all, "mean_weight": float(wr.mean()), "max_weight": float(wr.max()),
        "largest_weights": largest, "trim": trim, "trim_cap": float(cap[0]) * n_tickets / float(w_raw[0].sum())
        if np.isfinite(cap[0]) else None, "n_trimmed": int(n_trimmed[0]), "max_abs_smd_before": smd_b,
        "max_abs_smd_after": smd_a, "excluded": dict(excluded), "not_converged": not_converged,
        "sampling_unit": how,
    }
    weights = pd.Series(wr, index=e.index[rated], name="weight")
    return NonresponseResult(table=table, weights=weights, balance=bal, model=model, covariates=cov_table,
                             diagnostics=jsonable(diagnostics), confidence=conf, n_resamples=R, seed=seed_,
                             method=method, notes=notes)


# --------------------------------------------------------------------------- inputs
def _ratings(t: pd.DataFrame, outcome: str, scale: tuple[float, float] | None) -> tuple[np.ndarray, Any]:
    """The score (NaN when none) and the label (bad / neutral / good, missing when not rated) of every ticket."""
    use_label = outcome == "rating_score" and "rating" in t.columns
    if outcome not in t.columns and not use_label:
        raise ValueError(f"the outcome column {outcome!r} is not in the tickets table; expected a rating score "
                         f"column such as 'rating_score' (normalised 0-1) or the tool's label 'rating'")
    if outcome in t.columns:
        score = pd.to_numeric(t[outcome], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        score = np.full(len(t), np.nan)
    lo, hi = (0.0, 1.0) if scale is None else (float(scale[0]), float(scale[1]))
    if not hi > lo:
        raise ValueError(f"`scale` must be (low, high) with high > low, e.g. (1, 5), but {scale!r} was passed.")
    fin = score[np.isfinite(score)]
    if fin.size and (fin.min() < lo or fin.max() > hi):
        hint = " (pass scale=(low, high), e.g. (1, 5))" if scale is None else ""
        raise ValueError(f"values of {outcome!r} must lie within its scale {lo:g}..{hi:g}{hint}; found "
                         f"{fin.min():g}..{fin.max():g}")
    said = t["rating"] if use_label else None
    label = rating_from_score((score - lo) / (hi - lo), said=said)
    return score, label


def _eligible(t: pd.DataFrame, rated: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """Customer-initiated tickets that were solved and offered a survey (rated ones always), and who was left out."""
    n = len(t)
    agent = agent_initiated(t)
    solved = np.ones(n, dtype=bool)
    known = np.zeros(n, dtype=bool)
    if "solved_at" in t.columns:
        known |= t["solved_at"].notna().to_numpy(dtype=bool)
    if "status" in t.columns:
        st = t["status"].astype("str").str.lower()  # in Arrow, no Python string per row; missing: not solved
        known |= st.isin(SOLVED_STATUSES).to_numpy(dtype=bool, na_value=False)
    if known.any():
        solved = known | rated
    offered = np.ones(n, dtype=bool)
    if "rating_offered" in t.columns:
        o = np.asarray(t["rating_offered"].eq(True).to_numpy(dtype=bool, na_value=False), dtype=bool)
        if o.any():
            offered = o | rated
    eligible = ~agent & solved & offered
    excluded = {
        "agent-initiated": int(agent.sum()),
        "not solved": int((~agent & ~solved).sum()),
        "not offered a survey": int((~agent & solved & ~offered).sum()),
    }
    return eligible, excluded


def _units(e: pd.DataFrame, customer: str | None) -> tuple[Any, str]:
    """The sampling unit of every eligible ticket (a ticket without one is its own, by ``ticket_id``)."""
    if customer is not None and customer != "customer" and customer not in e.columns:
        raise ValueError(f"the `customer` column {customer!r} is not in the tickets table; expected a customer "
                         f"or account column (or 'customer' for the first of {list(CUSTOMER_COLUMNS)}, or None)")
    ids, how = sampling_units(e, customer, row_id="ticket_id")
    return as_units(ids, len(e)), how


def _measures(score: np.ndarray, label: pd.Categorical,
              rated: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """measure -> (values, rows it is a mean over)."""
    has = rated & np.isfinite(score)
    return {
        "csat": (np.where(has, score, 0.0), has),
        "bad_share": (np.asarray(label == "bad", dtype=float), rated),
        "good_share": (np.asarray(label == "good", dtype=float), rated),
    }


def _mean(W: np.ndarray, y: np.ndarray, mask: np.ndarray) -> Any:
    """Weighted mean of ``y`` over ``mask`` for each row of ``W`` (a vector or a (resamples, rows) matrix)."""
    m = mask.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (W @ (m * y)) / (W @ m)
    return float(out) if np.ndim(out) == 0 else out


# --------------------------------------------------------------------------- design
def _covariate_values(e: pd.DataFrame, name: str) -> pd.Series | None:
    if name in e.columns:
        return e[name]
    if name not in DERIVED_COVARIATES or "created_at" not in e.columns:
        return None
    dt = pd.to_datetime(e["created_at"], errors="coerce", utc=True)
    ok = dt.notna()
    if name == "created_weekday":
        return dt.dt.day_name().where(ok)
    if name == "created_month":
        return dt.dt.strftime("%Y-%m").where(ok)
    # the finest of month, quarter and year that gives at most MAX_PERIODS periods
    months = (dt.dt.year * 12 + dt.dt.month).where(ok)
    span = int(months.max() - months.min() + 1) if ok.any() else 0
    if span <= MAX_PERIODS:
        return dt.dt.strftime("%Y-%m").where(ok)
    year = dt.dt.year.astype("Int64").astype("str")
    if span <= 3 * MAX_PERIODS:
        return (year + "Q" + dt.dt.quarter.astype("Int64").astype("str")).where(ok)
    return year.where(ok)


def _design(e: pd.DataFrame, names: list[str], explicit: bool, outcome: str,
            columns: pd.Index) -> tuple[list[np.ndarray], list[str], pd.DataFrame]:
    """Raw model terms (blocks of eligible tickets x terms, one per covariate used), their names, and what
    became of each covariate (``columns``: the tickets table's, for the error naming a missing covariate)."""
    n = len(e)
    blocks: list[np.ndarray] = []
    terms: list[str] = []
    rows: list[dict[str, Any]] = []
    for name in dict.fromkeys(names):  # one pass per covariate (a handful), vectorised over tickets
        if name in _RATING_COLUMNS or name == outcome:
            raise ValueError(f"covariate {name!r} is the rating itself (known only for rated tickets); the response "
                             "model needs attributes known for all tickets, e.g. channel or resolution_minutes")
        s = _covariate_values(e, name)
        if s is None:
            if explicit:
                raise ValueError(f"covariate {name!r} is not a column of the tickets table (nor one of "
                                 f"{list(DERIVED_COVARIATES)}, derived from created_at); the table has "
                                 f"{list(map(str, columns))}")
            rows.append({"covariate": name, "used": False, "kind": "", "transform": "", "terms": 0, "missing": n,
                         "reason": "not in the table"})
            continue
        present = s.notna().to_numpy(dtype=bool)
        miss = int(n - present.sum())
        numeric = (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)) and not isinstance(
            s.dtype, pd.CategoricalDtype)
        row = {"covariate": name, "used": False, "kind": "numeric" if numeric else "categorical", "transform": "",
               "terms": 0, "missing": miss, "reason": ""}
        if n == 0 or present.mean() < MIN_PRESENT:
            row["reason"] = (f"only {present.mean() if n else 0:.0%} of the {n} eligible tickets have a value (at "
                             f"least {MIN_PRESENT:.0%} needed)")
            rows.append(row)
            continue
        if numeric:
            block, tnames, transform, reason = _numeric(s, name)
        else:
            block, tnames, transform, reason = _categorical(s, name)
        row["transform"], row["reason"] = transform, reason
        if block is not None:
            # a term without spread carries nothing (and cannot be standardised)
            keep = block.std(axis=0) > 0
            block, tnames = block[:, keep], [t_ for t_, k in zip(tnames, keep) if k]
        if block is None or not tnames:
            row["reason"] = reason or "no spread"
            rows.append(row)
            continue
        row["used"], row["terms"] = True, len(tnames)
        blocks.append(block)
        terms.extend(tnames)
        rows.append(row)
    return blocks, terms, pd.DataFrame(rows, columns=["covariate", "used", "kind", "transform", "terms", "missing",
                                                      "reason"])


def _standardised(blocks: list[np.ndarray], rated: np.ndarray) -> tuple[np.ndarray, ...]:
    """The design: an intercept and the raw terms' blocks standardised (tickets x (1 + terms)), and per raw term
    its mean, sd, whether it is 0/1, and its mean over the rated tickets.

    Each block is copied into the design and released at once (the design's pages are written only then), so
    the raw terms and the design are not held whole side by side.
    """
    n = len(rated)
    k = sum(b.shape[1] for b in blocks)
    X = np.empty((n, 1 + k), order="F")  # column by column: a column's pages are written when it is filled
    X[:, 0] = 1.0
    stats = np.empty((4, k))
    rated_f = rated.astype(float)
    n_rated = rated_f.sum()
    j = 1
    while blocks:
        b = blocks.pop(0)
        for c in range(b.shape[1]):  # a column at a time: no tickets x terms temporary
            x = b[:, c]
            stats[:, j - 1] = (x.mean(), x.std(), np.all((x == 0.0) | (x == 1.0)), rated_f @ x / n_rated)
            np.subtract(x, stats[0, j - 1], out=X[:, j])
            X[:, j] /= stats[1, j - 1]
            j += 1
    return X, stats[0], stats[1], stats[2].astype(bool), stats[3]


def _numeric(s: pd.Series, name: str) -> tuple[np.ndarray | None, list[str], str, str]:
    x = pd.to_numeric(s.astype("object") if pd.api.types.is_bool_dtype(s) else s, errors="coerce")
    x = x.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    label = name
    transform = "as is"
    if "minutes" in name.casefold():
        x = np.log1p(np.maximum(x, 0.0))  # NaN stays NaN (np.fmax would make a missing time 0)
        label, transform = f"log1p({name})", "log(1 + x)"
    ok = np.isfinite(x)
    if np.unique(x[ok]).size < 2:
        return None, [], transform, "a single value"
    cols = [np.where(ok, x, np.median(x[ok]))]
    names = [label]
    if not ok.all():
        cols.append((~ok).astype(float))
        names.append(f"{name} missing")
        transform += "; missing: median and an indicator"
    return np.column_stack(cols), names, transform, ""


def _categorical(s: pd.Series, name: str) -> tuple[np.ndarray | None, list[str], str, str]:
    codes, uniq = pd.factorize(s, use_na_sentinel=True)  # in the column's own dtype: no Python object per row
    codes = np.asarray(codes, dtype=np.int64)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniq))
    order = np.argsort(-counts, kind="stable")
    keep = np.zeros(len(uniq), dtype=bool)
    keep[order[:MAX_LEVELS]] = True
    keep &= counts >= MIN_LEVEL
    labels = [str(u) for u in np.asarray(uniq, dtype=object)]
    # final levels: kept values, (other), (missing)
    final = np.full(len(uniq), -1, dtype=np.int64)
    kept = np.flatnonzero(keep)
    final[kept] = np.arange(len(kept))
    names = [labels[i] for i in kept]
    other = len(names)
    if (~keep).any():
        final[~keep] = other
        names.append("(other)")
    fc = np.where(codes >= 0, final[np.maximum(codes, 0)], len(names))
    if (codes < 0).any():
        names.append("(missing)")
    L = len(names)
    transform = f"dummies ({L} levels"
    if L < 2:
        return None, [], transform + ")", "a single value"
    ref = int(np.argmax(np.bincount(fc, minlength=L)))  # the most frequent level
    cols = [j for j in range(L) if j != ref]
    col_of = np.full(L, -1, dtype=np.int64)
    col_of[cols] = np.arange(L - 1)
    dummies = np.zeros((len(fc), L - 1))
    at = col_of[fc]
    has = np.flatnonzero(at >= 0)
    dummies[has, at[has]] = 1.0
    return dummies, [f"{name}={names[j]}" for j in cols], transform + f", reference {names[ref]!r})", ""


# --------------------------------------------------------------------------- fit
def _newton(X: np.ndarray, r: np.ndarray, row_weights: _RowWeights, beta0: np.ndarray, pen: np.ndarray,
            refresh: int = 1, hessian0: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ridge logistic regressions of ``r`` on ``X`` with frequency weights (one fit per row of ``beta0``), by Newton.

    ``row_weights(fits, rows)`` gives the weights (len(fits), rows) of the fits ``fits`` (indices into
    ``beta0``; the bootstrap's resample numbers) on a block of rows. A step of every fit still being
    fitted is one pass over the rows in blocks (:func:`csanalysis.stats.passes.row_blocks`): each block's
    weights are drawn when it is read, and its scores (and, in a step that needs them, its Hessians: a
    matrix product with the products of every pair of terms) are added for all fits at once. No fit's
    weights are held for all rows, so time grows linearly with the rows and memory does not.

    The Hessian of each fit is recomputed every ``refresh`` iterations (1: Newton's method; more: the
    chord method in between, which converges fast from a good start such as the full-data fit and saves the
    Hessians' cost). ``hessian0`` (k x k, penalty included), when given, stands for every fit's first
    Hessian: the full-data fit's, from which a bootstrap resample differs by about one over the square root of
    the tickets, so that on large data the resamples converge before their own Hessian is ever needed (the
    root is the same; only the path to it differs). Fits leave the iteration when their step is below the
    tolerance. Returns the coefficients (fits x k) and whether each converged.
    """
    n, k = X.shape
    beta = beta0.copy()
    done = np.zeros(len(beta), dtype=bool)
    act = np.arange(len(beta))
    diag = np.arange(k)
    Hinv = np.zeros((0, k, k))
    blocks = row_blocks(n, max(len(beta), k * (k + 1) // 2))  # the weights' and the pair products' cells
    for it in range(_MAX_ITER):
        first = it == 0 and hessian0 is not None
        fresh = not first and it % refresh == 0
        ba = beta[act]
        grad, H = logistic_pass(X, r, ba, lambda rows, fits=act: row_weights(fits, rows), blocks, hessian=fresh)
        grad -= pen * ba
        if first:
            Hinv = np.broadcast_to(np.linalg.inv(hessian0), (len(act), k, k))
        elif fresh:
            H[:, diag, diag] += pen
            Hinv = np.linalg.inv(H)
        step = np.einsum("bij,bj->bi", Hinv, grad)
        size = np.abs(step).max(axis=1)
        step *= np.minimum(1.0, _MAX_STEP / np.fmax(size, 1e-300))[:, None]  # a safeguard against overshooting
        beta[act] += step
        conv = size < _TOL
        done[act[conv]] = True
        act, Hinv = act[~conv], Hinv[~conv]
        if not len(act):
            break
    return beta, done


def _resampled_means(X: np.ndarray, rated: np.ndarray, h: np.ndarray, M: np.ndarray, R: int,
                     beta: np.ndarray | None, trim: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Raw and weighted sums ``F @ M`` and ``(F w) @ M`` of resamples ``0 .. R-1`` over the rated tickets.

    ``X`` holds every eligible ticket's terms and ``rated`` the rows of the rated ones; ``h`` and ``M``
    (rated tickets x columns) are the rated tickets' sampling-unit hashes and the sums' columns; ``beta``
    (R x k) the refitted response models (``None``: every weight 1).
    One pass over the rated tickets in blocks draws each resample's Poisson weights ``F``, the inverse
    probabilities ``w`` and their cap (``trim`` times the resample's mean weight of the rated tickets, as
    :func:`_weights`); the few resamples with a weight above their cap get a second pass with the cut weights.
    Returns the raw and the weighted sums, both (resamples x columns).
    """
    n = len(h)
    reps = np.arange(R)
    raw = np.zeros((R, M.shape[1]))
    wtd = np.zeros((R, M.shape[1]))
    f_sum = np.zeros(R)
    w_sum = np.zeros(R)
    w_max = np.zeros(R)
    blocks = row_blocks(n, R)

    def inverse(b: np.ndarray | None, rows: slice) -> np.ndarray | None:
        if b is None:
            return None
        P = expit_inplace(b @ X[rated[rows]].T)
        np.fmax(P, 1e-12, out=P)  # a floor keeps an absurd fit finite (the cap trims it)
        return np.reciprocal(P, out=P)

    for a in blocks:
        rows = slice(a, a + blocks.step)
        F = poisson_weights_from_hash(h[rows], reps).astype(float)
        raw += F @ M[rows]
        f_sum += F.sum(axis=1)
        inv = inverse(beta, rows)
        if inv is None:
            continue
        np.maximum(w_max, np.max(np.where(F > 0, inv, 0.0), axis=1), out=w_max)
        inv *= F
        w_sum += inv.sum(axis=1)
        wtd += inv @ M[rows]
    if beta is None:
        return raw, raw.copy()
    if trim is None:
        return raw, wtd
    with np.errstate(invalid="ignore", divide="ignore"):
        cap = trim * w_sum / f_sum
    over = np.flatnonzero(w_max > cap)  # a resample without rated tickets has no cap (NaN) and no weight
    if len(over):
        wtd[over] = 0.0
        blocks = row_blocks(n, len(over))
        for a in blocks:
            rows = slice(a, a + blocks.step)
            F = poisson_weights_from_hash(h[rows], over).astype(float)
            inv = inverse(beta[over], rows)
            np.minimum(inv, cap[over, None], out=inv)
            inv *= F
            wtd[over] += inv @ M[rows]
    return raw, wtd


def _penalty(binary: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Ridge penalty per standardised coefficient: RIDGE per sd of a numeric term, RIDGE on the log-odds ratio of a
    0/1 term (``binary``: dummy, missing indicator), i.e. RIDGE / sd^2 on its standardised coefficient; the
    intercept ~0."""
    pen = np.where(binary, RIDGE / (sd * sd), RIDGE)
    return np.r_[1e-8, pen]  # a tiny value keeps a resample without rated tickets finite


def _weights(P: np.ndarray, r: np.ndarray, F: np.ndarray, trim: float | None) -> tuple[np.ndarray, ...]:
    """Per resample: frequency x inverse-probability weights of the rated tickets, the cap, the number cut."""
    inv = np.where(r > 0, 1.0 / np.fmax(P, 1e-12), 0.0)  # a floor keeps an absurd fit finite (the cap trims it)
    Fr = F * r
    if trim is None:
        return Fr * inv, np.full(len(P), np.inf), np.zeros(len(P), dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        cap = trim * np.sum(Fr * inv, axis=1) / np.sum(Fr, axis=1)
    over = (inv > cap[:, None]) & (r > 0)
    return Fr * np.where(over, cap[:, None], inv), cap, np.sum(over & (F > 0), axis=1)


def _balance(X: np.ndarray, mean_all: np.ndarray, sd: np.ndarray, mean_rated: np.ndarray, w: np.ndarray,
             terms: list[str]) -> pd.DataFrame:
    """Per raw term: its mean over all eligible tickets, the rated ones and the rated ones weighted by ``w`` (0 on
    the unrated), and the standardised differences; the weighted mean from the standardised design ``X``."""
    mean_w = mean_all + sd * ((w @ X[:, 1:]) / w.sum())
    return pd.DataFrame({"term": terms, "mean_all": mean_all, "mean_rated": mean_rated, "mean_weighted": mean_w,
                         "smd_before": (mean_rated - mean_all) / sd, "smd_after": (mean_w - mean_all) / sd})


def _method_text(n_tickets: int, terms: str, trim: float | None, R: int, how: str, nothing: bool) -> str:
    base = (f"Eligible tickets: customer-initiated, solved and offered a survey ({n_tickets}). Raw: the mean over "
            "the rated tickets. ")
    boot = (f"Intervals: percentiles of a Poisson bootstrap with the customer as the sampling unit ({how}; "
            f"{R} resamples)")
    if nothing:
        return base + ("Every eligible ticket is rated, so there is no non-response to correct: the weighted "
                       "figures are the raw ones. " + boot + ".")
    cap = (f"capped at {trim:g} times the mean weight" if trim is not None else "not capped")
    model = (f"Weighted: inverse-probability weighting for survey non-response. A logistic regression (Newton's "
             f"method; ridge {RIDGE:g}, a normal prior with sd {RIDGE ** -0.5:g} on each log-odds ratio) models the "
             f"probability that an eligible ticket is rated from attributes known for all tickets ({terms}); each "
             f"rated ticket is weighted by one over its fitted probability ({cap}, normalised to sum to the "
             "eligible tickets) and the weighted figure is the Hajek weighted mean. ")
    assumption = ("Assumption: ratings are missing at random given the modelled attributes (among tickets alike "
                  "in these attributes, whether a customer rates does not depend on how the experience went). The "
                  "weights cannot correct for selection on the experience itself (e.g. customers answering more "
                  "readily after a bad experience) beyond what the attributes capture.")
    return (base + model + boot + " that refit the response model in every resample; raw and weighted from the "
            "same resamples. " + assumption)
