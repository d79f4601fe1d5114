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
from csanalysis.estimators.metrics import (
    CUSTOMER_COLUMNS,
    SOLVED_STATUSES,
    customer_column,
    filled_customer_columns,
    sampling_units,
)
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.schema import agent_initiated, rating_from_score
from csanalysis.stats.arrays import HoldsArrays, n_distinct
from csanalysis.stats.bootstrap import (
    DEFAULT_RESAMPLES,
    percentile_interval,
    poisson_weights_from_hash,
    unit_hash,
)
from csanalysis.stats.clustered import as_units, hash_seed
from csanalysis.stats.passes import expit_inplace, logistic_pass, row_blocks
from csanalysis.stats.selection import SortedGroups, select

__all__ = ["COLUMNS_READ", "DEFAULT_COVARIATES", "DEFAULT_TRIM", "DERIVED_COVARIATES", "MAX_LEVELS", "MAX_PERIODS",
           "MEASURES", "MIN_LEVEL", "MIN_PRESENT", "NONRESPONSE_COLUMNS", "REFRESH", "RIDGE", "NonresponsePart",
           "NonresponseResult", "nonresponse_from_parts", "nonresponse_weighted"]

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
#: ``passes(fits, beta, hessian)``: the scores (and Hessians) of fits ``fits`` at ``beta``, summed over the rows.
_Passes = Callable[[np.ndarray, np.ndarray, bool], tuple[np.ndarray, np.ndarray | None]]
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
    _check_arguments(confidence, n_resamples, seed, trim)
    part = NonresponsePart(tickets, outcome=outcome, scale=scale, positions=np.arange(len(tickets)))
    return nonresponse_from_parts(lambda method, **kw: [getattr(part, method)(**kw)], covariates=covariates,
                                  outcome=outcome, customer=customer, n_resamples=n_resamples,
                                  confidence=confidence, seed=seed, trim=trim)


# --------------------------------------------------------------------------- partitions
#: The columns of the tickets :class:`NonresponsePart` reads with the default covariates (besides the sampling
#: unit's column); the Dask engine sends only these to the partitions.
COLUMNS_READ: tuple[str, ...] = tuple(sorted({
    *(c for c in DEFAULT_COVARIATES if c not in DERIVED_COVARIATES), "created_at", "ticket_id", "direction",
    "solved_at", "status", "rating_offered", "rating", "rating_score", "account_id", *CUSTOMER_COLUMNS}))


class NonresponsePart(HoldsArrays):
    """One partition's share of :func:`nonresponse_weighted`: what the combining step asks of it, in rounds.

    Built from a partition of the tickets (:func:`csanalysis.partition.split_customers` with the
    analysis's sampling unit, so that no unit spans partitions); :func:`nonresponse_weighted` is the same with
    the whole table as the only part. :func:`nonresponse_from_parts` asks the rounds in order: the
    eligibility's flags (:meth:`first`), the eligible tickets (:meth:`eligible`), the covariates' values
    (:meth:`describe`; the numeric covariates' medians from :meth:`sorted`'s counts), the design's sums
    (:meth:`design`, :meth:`spread`, :meth:`standardise`), one round per Newton step of the response model
    (:meth:`scores`), the weights (:meth:`caps`, :meth:`weigh`), the bootstrap's refits (:meth:`resample`,
    :meth:`scores`) and its sums (:meth:`sums`, :meth:`capped_sums`). Every answer is a count, a sum, a
    range or a handful of rows (the five largest weights); the rated tickets' weights come back in
    :meth:`weigh`.

    Parameters
    ----------
    tickets : DataFrame
        A partition of the canonical tickets.
    outcome, scale
        As :func:`nonresponse_weighted`.
    positions : array of int, optional
        Each row's position in the whole table (equally common levels of a covariate and equal weights are
        ordered by it, as on the whole table). Default: the table's index when it holds integers (a partition
        keeps the whole table's index), else the rows' order.
    """

    def __init__(self, tickets: pd.DataFrame, *, outcome: str = "rating_score",
                 scale: tuple[float, float] | None = None, positions: np.ndarray | None = None) -> None:
        if positions is None:
            idx = tickets.index
            positions = (idx.to_numpy(dtype=np.int64) if pd.api.types.is_integer_dtype(idx.dtype)
                         else np.arange(len(tickets)))
        self.pos = np.asarray(positions, dtype=np.int64)
        self.t = tickets
        self.score, self.label = _ratings(tickets, outcome, scale)
        self.rated_all = np.asarray(pd.notna(self.label), dtype=bool)
        self.agent, self.known, self.offered = _eligibility_flags(tickets, self.rated_all)

    # -- round 1: what the eligibility needs of every part
    def first(self) -> dict[str, Any]:
        """Rows, whether any ticket says it is solved or was offered a survey, the columns, a rating score's
        presence."""
        t = self.t
        return {"n": len(t), "known": bool(self.known.any()), "offered": bool(self.offered.any()),
                "columns": list(t.columns),
                "has_score": "rating_score" in t.columns and bool(t["rating_score"].notna().any())}

    # -- round 2: the eligible tickets
    def eligible(self, *, known: bool, offered: bool, names: list[str], customer: str | None) -> dict[str, Any]:
        """Fix the eligible tickets (``known``, ``offered``: any part's); their counts, the months spanned, the
        customer columns filled."""
        eligible, excluded = _eligible_from(self.agent, self.known, self.offered, self.rated_all, known, offered)
        t = self.t
        keep = dict.fromkeys([*names, "created_at", "ticket_id", *CUSTOMER_COLUMNS, *([customer] if customer else [])])
        self.e = t.loc[eligible, [c for c in t.columns if c in keep]]
        self.pos = self.pos[eligible]
        self.rated = self.rated_all[eligible]
        self.y_score, self.lab = self.score[eligible], self.label[eligible]
        del self.t, self.score, self.label, self.rated_all, self.agent, self.known, self.offered
        months = None
        if "created_period" in names and "created_at" in self.e.columns:
            m = _months(self.e["created_at"])
            months = (float(np.nanmin(m)), float(np.nanmax(m))) if np.isfinite(m).any() else None
        return {"excluded": excluded, "n_tickets": len(self.e), "n_rated": int(self.rated.sum()),
                "months": months, "customer": filled_customer_columns(self.e)}

    # -- round 3: the sampling units and the covariates' values
    def describe(self, *, names: list[str], span: int, customer: str | None, cust_col: str | None,
                 seed: int) -> dict[str, Any]:
        """The sampling units (their hashes kept) and, per covariate, what deciding its terms needs: values
        present; numeric: finite values, their range; categorical: its levels, their counts and first
        positions. The numeric covariates' finite values are kept sorted for :meth:`sorted`."""
        e = self.e
        units, self.how = _units(e, customer, cust_col)
        self.codes = units.codes
        self.hashes = unit_hash(units.ids, seed)
        self.values: dict[str, tuple[str, Any, Any]] = {}
        out: dict[str, Any] = {}
        xs, gs = [], []
        for name in names:
            s = _covariate_values(e, name, span)
            if s is None:
                continue
            numeric = (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)) and not isinstance(
                s.dtype, pd.CategoricalDtype)
            d: dict[str, Any] = {"present": int(s.notna().sum()), "numeric": numeric}
            if numeric:
                x, label, transform = _numeric_values(s, name)
                ok = np.isfinite(x)
                d.update(finite=int(ok.sum()), low=float(x[ok].min()) if ok.any() else np.nan,
                         high=float(x[ok].max()) if ok.any() else np.nan, label=label, transform=transform)
                self.values[name] = ("numeric", x, None)
                xs.append(x)
                gs.append(np.full(len(x), len(xs) - 1))
                d["group"] = len(xs) - 1
            else:
                codes, uniq = pd.factorize(s, use_na_sentinel=True)  # the column's own dtype: no object per row
                codes = np.asarray(codes, dtype=np.int64)
                ok = codes >= 0
                first = np.full(len(uniq), np.iinfo(np.int64).max)
                np.minimum.at(first, codes[ok], self.pos[ok])
                d.update(levels=uniq, counts=np.bincount(codes[ok], minlength=len(uniq)), first=first,
                         n_missing=int((~ok).sum()))
                self.values[name] = ("categorical", codes, uniq)
            out[name] = d
        self._sorted = SortedGroups(np.concatenate(xs) if xs else np.zeros(0),
                                    np.concatenate(gs) if gs else np.zeros(0, np.int64), len(xs))
        return {"covariates": out, "how": self.how, "n_units": n_distinct(self.codes), "n": len(e)}

    def sorted(self, *, query: str, **kw: Any) -> Any:
        """:class:`~csanalysis.stats.selection.SortedGroups` method ``query`` on the numeric covariates' finite values
        (one group each), for :func:`~csanalysis.stats.selection.select`."""
        return getattr(self._sorted, query)(**kw)

    # -- round 4: the raw terms and their sums
    def design(self, *, spec: list[tuple[str, Any]]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Build the raw terms (``spec``: per covariate used, ``("numeric", median, missing indicator)`` or
        ``("categorical", (levels, the dummy column of each level and of a missing value, -1: none))``); per
        covariate its terms' sums, sums over the rated tickets and whether each is 0/1."""
        del self._sorted
        rated_f = self.rated.astype(float)
        self.blocks = []
        out = []
        for name, how in spec:
            _, x, uniq = self.values[name]
            if how[0] == "numeric":
                ok = np.isfinite(x)
                cols = [np.where(ok, x, how[1])]
                if how[2]:
                    cols.append((~ok).astype(float))
                block = np.column_stack(cols)
            else:
                levels, column = how[1]
                at = np.full(len(uniq) + 1, -1, dtype=np.int64)  # local code -> dummy column (last: missing)
                at[:len(uniq)] = column[:-1][levels.get_indexer(uniq)]
                at[len(uniq)] = column[-1]
                col = at[x]  # (x: local codes, -1 missing: the last entry)
                block = np.zeros((len(x), int(column.max()) + 1))
                has = np.flatnonzero(col >= 0)
                block[has, col[has]] = 1.0
            self.blocks.append(block)
            cs = range(block.shape[1])  # a column at a time, each summed as the whole table's would be
            out.append((np.array([block[:, c].sum() for c in cs]), np.array([rated_f @ block[:, c] for c in cs]),
                        np.all((block == 0.0) | (block == 1.0), axis=0)))
        del self.values
        return out

    def spread(self, *, means: list[np.ndarray]) -> list[np.ndarray]:
        """Per covariate used, its terms' sums of squares around the ``means``."""
        return [np.array([np.sum(np.square(b[:, c] - m[c])) for c in range(b.shape[1])])
                for b, m in zip(self.blocks, means)]

    def standardise(self, *, keep: list[np.ndarray], mu: np.ndarray, sd: np.ndarray) -> None:
        """The design: the intercept and the kept terms (``keep``: per covariate used) standardised by the
        means ``mu`` and sds ``sd`` of all parts (tickets x (1 + terms), a column at a time: a column's pages
        are written when it is filled; each covariate's raw terms released once copied)."""
        n = len(self.rated)
        X = np.empty((n, 1 + len(mu)), order="F")
        X[:, 0] = 1.0
        j = 1
        for b, k in zip(self.blocks, keep):
            for c in np.flatnonzero(k):
                np.subtract(b[:, c], mu[j - 1], out=X[:, j])
                X[:, j] /= sd[j - 1]
                j += 1
        del self.blocks
        self.X = X
        self.r = self.rated.astype(float)

    # -- the response model's Newton steps: one round each
    def scores(self, *, beta: np.ndarray, hessian: bool, cells: int,
               fits: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """The penalty-free scores (and Hessians) of the fits ``beta``: on the data (``fits`` None) or, after
        :meth:`resample`, in the resamples ``fits``."""
        if fits is None:
            ones = np.ones((1, len(self.r)))
            return logistic_pass(self.X, self.r, beta, lambda rows: ones[:, rows], row_blocks(len(self.r), cells),
                                 hessian=hessian)
        h = self.h_rows
        return logistic_pass(self.X_u, self.r_u, beta, lambda rows: poisson_weights_from_hash(h[rows], fits),
                             row_blocks(len(self.r_u), cells), hessian=hessian)

    # -- the weights
    def caps(self, *, beta: np.ndarray | None) -> tuple[float, float]:
        """The fitted probabilities (``beta`` None: every ticket 1); the rated tickets' inverse probabilities
        summed, and their count, for the cap."""
        self.p = np.ones(len(self.r)) if beta is None else special.expit(self.X @ beta[0])
        inv = np.where(self.r > 0, 1.0 / np.fmax(self.p, 1e-12), 0.0)
        return float(np.sum(self.r * inv)), float(np.sum(self.r))

    def weigh(self, *, trim: float | None, cap: float, total: float | None, n_tickets: int) -> dict[str, Any]:
        """Cap the weights at ``cap``; without ``total``, their sum. With it (the sum over all parts), the
        weights normalised to sum to ``n_tickets``, and their sums: the estimates, Kish's n, the balance, the
        largest weights, and the rated tickets' weights."""
        r = self.r
        if total is None:
            w_raw, _, n_trimmed = _weights(self.p[None, :], r, np.ones((1, len(r))), trim, cap=np.array([cap]))
            self.w_raw = w_raw[0]
            return {"total": float(self.w_raw.sum()), "n_trimmed": int(n_trimmed[0])}
        w = self.w_raw * n_tickets / total
        del self.w_raw
        one = np.ones(len(r))
        sums = {m: (one @ (mask * y), one @ mask.astype(float), w @ (mask * y), w @ mask.astype(float),
                    float(np.sum(w[mask])), float(np.sum(w[mask] * w[mask])), float(w[mask].max()) if mask.any()
                    else -np.inf, int(mask.sum()))
                for m, (y, mask) in _measures(self.y_score, self.lab, self.rated).items()}
        rated = self.rated
        wr = w[rated]
        idx = np.flatnonzero(rated)
        top = idx[np.lexsort((self.pos[idx], -w[idx]))[:5]]
        ids = (self.e["ticket_id"].iloc[top] if "ticket_id" in self.e.columns else self.e.index[top]).tolist()
        return {"sums": sums, "w_sum": float(wr.sum()), "w_sq": float(np.sum(wr * wr)),
                "w_max": float(wr.max()) if len(wr) else -np.inf, "balance": w @ self.X[:, 1:], "w_total": w.sum(),
                "top": [(float(w[i]), int(self.pos[i]), t_, float(self.p[i])) for t_, i in zip(ids, top)],
                "weights": (self.e.index[rated], self.pos[rated], wr)}

    # -- the bootstrap
    def resample(self, *, beta: np.ndarray | None) -> np.ndarray | None:
        """Order the tickets by sampling unit (each block of a pass draws a unit's weights once) and give the
        Hessian at the full-data fit ``beta`` (None: no model, no Hessian)."""
        by_unit = np.argsort(self.codes, kind="stable")
        self.h_rows = self.hashes[self.codes[by_unit]]
        self.X_u, self.r_u = self.X[by_unit], self.r[by_unit]
        del self.X, self.p, self.e
        rated_rows = np.flatnonzero(self.rated[by_unit])
        self.rated_rows, self.h_rated = rated_rows, self.h_rows[rated_rows]
        self.M = np.column_stack([c for y, mask in _measures(self.y_score, self.lab, self.rated).values()
                                  for c in (mask * y, mask.astype(float))])[by_unit[rated_rows]]
        if beta is None:
            return None
        k = self.X_u.shape[1]
        ones = np.ones((1, len(self.r_u)))
        return logistic_pass(self.X_u, self.r_u, beta, lambda rows: ones[:, rows],
                             row_blocks(len(self.r_u), k * (k + 1) // 2))[1][0]

    def sums(self, *, R: int, beta: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """Each resample's raw and weighted sums, and the sums and largest inverse probabilities behind its cap
        (:func:`_resampled_sums`)."""
        return _resampled_sums(self.X_u, self.rated_rows, self.h_rated, self.M, R, beta)

    def capped_sums(self, *, over: np.ndarray, beta: np.ndarray, cap: np.ndarray) -> np.ndarray:
        """The weighted sums of the resamples ``over``, their weights cut at ``cap``."""
        return _capped_sums(self.X_u, self.rated_rows, self.h_rated, self.M, over, beta, cap)


def nonresponse_from_parts(
    each: Callable[..., list[Any]],
    *,
    covariates: Sequence[str] | None = None,
    outcome: str = "rating_score",
    customer: str | None = "customer",
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: Any = 0,
    trim: float | None = DEFAULT_TRIM,
) -> NonresponseResult:
    """:func:`nonresponse_weighted` combined from partitions (:class:`NonresponsePart`), asked in rounds.

    Parameters
    ----------
    each : callable
        ``each(method, **kw)`` calls :class:`NonresponsePart` ``method`` on every partition and returns their
        answers (a list): a loop on one machine, tasks on a cluster (the Dask engine).
    covariates, outcome, customer, n_resamples, confidence, seed, trim
        As :func:`nonresponse_weighted` (the parts were built with the same ``outcome`` and ``scale``).

    Returns
    -------
    NonresponseResult
        The one :func:`nonresponse_weighted` gives on the whole table: every sampling unit's tickets are in
        one partition; the covariates' levels, medians and standardisation are decided from all parts' counts,
        order statistics and sums, every Newton step of every fit (the data's and the resamples') sums all
        parts' scores and Hessians, and the bootstrap's sums are sums over parts (its weights are hashes of
        the units). Equal to the whole-table function up to the order of floating-point sums.
    """
    conf, R, seed_ = _check_arguments(confidence, n_resamples, seed, trim)
    notes: list[str] = []
    seen = each("first")
    columns = pd.Index(seen[0]["columns"])
    n_all = sum(p["n"] for p in seen)
    names, explicit = (list(DEFAULT_COVARIATES), False) if covariates is None else (list(covariates), True)
    if isinstance(covariates, str):
        names = [covariates]
    names = list(dict.fromkeys(names))
    got = each("eligible", known=any(p["known"] for p in seen), offered=any(p["offered"] for p in seen),
               names=names, customer=customer)
    excluded = {why: sum(g["excluded"][why] for g in got) for why in got[0]["excluded"]}
    for why, k in excluded.items():
        if k:
            notes.append(f"{k} ticket(s) left out: {why}")
    n_tickets = sum(g["n_tickets"] for g in got)
    n_rated = sum(g["n_rated"] for g in got)
    if n_rated == 0:
        cols = f"{outcome!r}" + (" or 'rating'" if outcome == "rating_score" and "rating" in columns else "")
        raise ValueError(f"no eligible ticket is rated: {cols} is empty on all {n_tickets} eligible (customer-"
                         f"initiated, solved, offered a survey) tickets of {n_all}; expected some tickets "
                         "with a rating to weight")
    _check_unit(customer, columns)
    for name in names:  # the errors a covariate gives, in the order of the covariates
        _check_covariate(name, outcome, columns, explicit)
    months = [g["months"] for g in got if g["months"] is not None]
    span = int(max(m[1] for m in months) - min(m[0] for m in months) + 1) if months else 0
    nothing_to_correct = n_rated == n_tickets
    described = each("describe", names=[] if nothing_to_correct else names, span=span, customer=customer,
                     cust_col=customer_column(g["customer"] for g in got), seed=seed_)
    how = next((d["how"] for d in described if d["n"]), described[0]["how"])
    if "no customer id" in how:
        notes.append("no customer column: every ticket is its own sampling unit (intervals may be too narrow "
                     "if customers have several tickets)")
    n_customers = sum(d["n_units"] for d in described)

    if nothing_to_correct:
        notes.append(f"every eligible ticket is rated ({n_tickets}): there is no non-response to correct, so the "
                     "weighted figures are the raw ones")
        terms: list[str] = []
        mean_rated = mu = sd = np.zeros(0)
        cov_table = pd.DataFrame(columns=["covariate", "used", "kind", "transform", "terms", "missing", "reason"])
        each("design", spec=[])
        each("standardise", keep=[], mu=mu, sd=sd)
        beta = None
    else:
        specs, rows = _covariate_decisions(each, names, [d["covariates"] for d in described], n_tickets)
        spec = [(name, how_) for name, how_, _ in specs]
        sums = each("design", spec=spec)
        total = [sum(s[j][0] for s in sums) for j in range(len(spec))]
        rated_sum = [sum(s[j][1] for s in sums) for j in range(len(spec))]
        binary = [np.logical_and.reduce([s[j][2] for s in sums]) for j in range(len(spec))]
        means = [t_ / n_tickets for t_ in total]
        sq = each("spread", means=means)
        sds = [np.sqrt(sum(s[j] for s in sq) / n_tickets) for j in range(len(spec))]
        keep = [s_ > 0 for s_ in sds]  # a term without spread carries nothing (and cannot be standardised)
        terms = []
        row_of = {r_["covariate"]: r_ for r_ in rows}
        for (name, _, tnames), k in zip(specs, keep):
            row = row_of[name]
            kept = [t_ for t_, k_ in zip(tnames, k) if k_]
            if kept:
                row["used"], row["terms"] = True, len(kept)
                terms.extend(kept)
            else:
                row["reason"] = row["reason"] or "no spread"
        cov_table = pd.DataFrame(rows, columns=["covariate", "used", "kind", "transform", "terms", "missing",
                                                "reason"])
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
        mu = np.concatenate([m[k] for m, k in zip(means, keep)])
        sd = np.concatenate([s_[k] for s_, k in zip(sds, keep)])
        mean_rated = np.concatenate([s_[k] for s_, k in zip(rated_sum, keep)]) / n_rated
        is_binary = np.concatenate([b[k] for b, k in zip(binary, keep)])
        each("standardise", keep=keep, mu=mu, sd=sd)
        k_ = 1 + len(mu)
        beta0 = np.zeros((1, k_))
        rate = n_rated / n_tickets
        beta0[0, 0] = np.log(rate / (1.0 - rate))
        pen = _penalty(is_binary, sd)
        cells = max(1, k_ * (k_ + 1) // 2)
        beta, ok = _newton(lambda fits, b, fresh: _summed(each("scores", beta=b, hessian=fresh, cells=cells)),
                           beta0, pen)
        if not ok.all():
            notes.append("the response model's Newton iterations did not converge on the full data")

    inv_sum, n_r = (sum(x) for x in zip(*each("caps", beta=beta)))
    cap = np.inf if trim is None else trim * inv_sum / n_r
    weighed = each("weigh", trim=trim, cap=cap, total=None, n_tickets=n_tickets)
    w_total = sum(g["total"] for g in weighed)
    n_trimmed = sum(g["n_trimmed"] for g in weighed)
    got = each("weigh", trim=trim, cap=cap, total=w_total, n_tickets=n_tickets)
    sums_of = {m: [sum(g["sums"][m][j] for g in got) for j in range(6)] for m in MEASURES}
    est = {m: (_ratio(s[0], s[1]), _ratio(s[2], s[3])) for m, s in sums_of.items()}  # (raw, weighted)

    # bootstrap: raw and weighted from the same customer resamples, the response model refitted in each
    not_converged = 0
    boot_beta = None
    hessians = each("resample", beta=beta)
    if beta is not None:  # the full-data fit's Hessian starts every refit (see _newton)
        k = beta.shape[1]
        hessian = sum(hessians)
        hessian[np.arange(k), np.arange(k)] += pen
        cells = max(R, k * (k + 1) // 2)
        boot_beta, ok = _newton(lambda fits, b, fresh: _summed(each("scores", beta=b, hessian=fresh, cells=cells,
                                                                    fits=fits)),
                                np.repeat(beta, R, axis=0), pen, refresh=REFRESH, hessian0=hessian)
        not_converged = int((~ok).sum())
    parts = each("sums", R=R, beta=boot_beta)
    raw_sums, weighted_sums, f_sum, w_sum = (sum(p[i] for p in parts) for i in range(4))
    w_max = np.max([p[4] for p in parts], axis=0)
    if boot_beta is None:
        weighted_sums = raw_sums.copy()
    elif trim is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            caps = trim * w_sum / f_sum
        over = np.flatnonzero(w_max > caps)  # a resample without rated tickets has no cap (NaN) and no weight
        if len(over):
            weighted_sums[over] = sum(each("capped_sums", over=over, beta=boot_beta[over], cap=caps[over]))
    with np.errstate(invalid="ignore", divide="ignore"):
        raw_means = raw_sums[:, 0::2] / raw_sums[:, 1::2]
        weighted_means = weighted_sums[:, 0::2] / weighted_sums[:, 1::2]
    reps = {m: np.column_stack([raw_means[:, j], weighted_means[:, j]]) for j, m in enumerate(MEASURES)}
    if not_converged:
        notes.append(f"the response model did not converge in {not_converged} of {R} resample(s)")

    # diagnostics
    w_sum_all, w_sq_all = sum(g["w_sum"] for g in got), sum(g["w_sq"] for g in got)
    neff_all = float(w_sum_all ** 2 / w_sq_all)
    if terms:
        mean_w = mu + sd * (sum(g["balance"] for g in got) / sum(g["w_total"] for g in got))
        bal = pd.DataFrame({"term": terms, "mean_all": mu, "mean_rated": mean_rated, "mean_weighted": mean_w,
                            "smd_before": (mean_rated - mu) / sd, "smd_after": (mean_w - mu) / sd})
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
    top = sorted((c for g in got for c in g["top"]), key=lambda c: (-c[0], c[1]))[:5]
    largest = [{"ticket": t_, "weight": w_, "p_rated": p_} for w_, _, t_, p_ in top]
    if n_trimmed:
        notes.append(f"{n_trimmed} weight(s) above {trim:g} times the mean weight were cut to that cap")
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
    w_max_all = max(g["w_max"] for g in got)
    for m in MEASURES:
        raw, wtd = est[m]
        s = sums_of[m]
        n_m = sum(g["sums"][m][7] for g in got)
        neff = float(s[4] ** 2 / s[5]) if n_m else np.nan
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
                     "max_weight": max(g["sums"][m][6] for g in got) if n_m else np.nan, "n_trimmed": n_trimmed,
                     "max_abs_smd_before": smd_b, "max_abs_smd_after": smd_a,
                     "flags": "poor_overlap" if poor else "", "method": row_method, "note": note})
    table = pd.DataFrame(rows)
    if poor:
        notes.append(f"poor_overlap: after weighting the largest covariate SMD is {smd_a:.2f} (above {_POOR_SMD}) "
                     f"or the effective n {neff_all:.0f} is below a quarter of the {n_rated} rated tickets")
    diagnostics = {
        "n_tickets": n_tickets, "n_rated": n_rated, "n_customers": n_customers, "response_rate": n_rated / n_tickets,
        "effective_n": neff_all, "mean_weight": w_sum_all / n_rated, "max_weight": w_max_all,
        "largest_weights": largest, "trim": trim, "trim_cap": float(cap) * n_tickets / w_total
        if np.isfinite(cap) else None, "n_trimmed": n_trimmed, "max_abs_smd_before": smd_b,
        "max_abs_smd_after": smd_a, "excluded": dict(excluded), "not_converged": not_converged,
        "sampling_unit": how,
    }
    index, pos, values = zip(*(g["weights"] for g in got))
    order = np.argsort(np.concatenate(pos), kind="stable")
    weights = pd.Series(np.concatenate(values)[order], index=index[0].append(list(index[1:]))[order],
                        name="weight")
    return NonresponseResult(table=table, weights=weights, balance=bal, model=model, covariates=cov_table,
                             diagnostics=jsonable(diagnostics), confidence=conf, n_resamples=R, seed=seed_,
                             method=method, notes=notes)


def _check_arguments(confidence: float, n_resamples: int, seed: Any, trim: float | None) -> tuple[float, int, int]:
    """The level, the resamples and the seed checked (with ``trim``), as the estimator's errors say them."""
    conf = check_confidence(confidence)
    R = check_resamples(n_resamples)
    seed_ = hash_seed(seed)
    if trim is not None and not (isinstance(trim, (int, float, np.integer, np.floating)) and not isinstance(trim, bool)
                                 and np.isfinite(trim) and trim > 1):
        raise ValueError(f"`trim` must be a number greater than 1 (a multiple of the mean weight, e.g. 10) or None, "
                         f"but {trim!r} was passed.")
    return conf, R, seed_


def _summed(answers: list[tuple[np.ndarray, np.ndarray | None]]) -> tuple[np.ndarray, np.ndarray | None]:
    """The parts' scores and Hessians added up."""
    grad = sum(g for g, _ in answers)
    H = None if answers[0][1] is None else sum(h for _, h in answers)
    return grad, H


def _ratio(num: float, den: float) -> float:
    """``num / den`` as a float (NaN when both are 0: a measure without rated tickets)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.float64(num) / np.float64(den))


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


def _eligibility_flags(t: pd.DataFrame, rated: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per ticket: agent-initiated, known to be solved, offered a survey (rated ones always, when the table says
    so of any ticket: :func:`_eligible_from`)."""
    n = len(t)
    agent = agent_initiated(t)
    known = np.zeros(n, dtype=bool)
    if "solved_at" in t.columns:
        known |= t["solved_at"].notna().to_numpy(dtype=bool)
    if "status" in t.columns:
        st = t["status"].astype("str").str.lower()  # in Arrow, no Python string per row; missing: not solved
        known |= st.isin(SOLVED_STATUSES).to_numpy(dtype=bool, na_value=False)
    offered = np.zeros(n, dtype=bool)
    if "rating_offered" in t.columns:
        offered = np.asarray(t["rating_offered"].eq(True).to_numpy(dtype=bool, na_value=False), dtype=bool)
    return agent, known, offered


def _eligible_from(agent: np.ndarray, known: np.ndarray, offered: np.ndarray, rated: np.ndarray, any_known: bool,
                   any_offered: bool) -> tuple[np.ndarray, dict[str, int]]:
    """Customer-initiated tickets that were solved and offered a survey (rated ones always), and who was left
    out; a column without any solved ticket (``any_known``), or without any ticket offered a survey
    (``any_offered``), over the whole table is not used."""
    solved = known | rated if any_known else np.ones(len(agent), dtype=bool)
    offered = offered | rated if any_offered else np.ones(len(agent), dtype=bool)
    eligible = ~agent & solved & offered
    excluded = {
        "agent-initiated": int(agent.sum()),
        "not solved": int((~agent & ~solved).sum()),
        "not offered a survey": int((~agent & solved & ~offered).sum()),
    }
    return eligible, excluded


def _check_unit(customer: str | None, columns: pd.Index) -> None:
    if customer is not None and customer != "customer" and customer not in columns:
        raise ValueError(f"the `customer` column {customer!r} is not in the tickets table; expected a customer "
                         f"or account column (or 'customer' for the first of {list(CUSTOMER_COLUMNS)}, or None)")


def _units(e: pd.DataFrame, customer: str | None, cust_col: str | None) -> tuple[Any, str]:
    """The sampling unit of every eligible ticket (a ticket without one is its own, by ``ticket_id``;
    ``cust_col``: the customer column the whole table fills)."""
    _check_unit(customer, e.columns)
    ids, how = sampling_units(e, customer, row_id="ticket_id", customer=cust_col)
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


# --------------------------------------------------------------------------- design
def _months(created_at: pd.Series) -> np.ndarray:
    """Year * 12 + month of each creation time (NaN when missing or unreadable)."""
    dt = pd.to_datetime(created_at, errors="coerce", utc=True)
    return (dt.dt.year * 12 + dt.dt.month).to_numpy(dtype=float, na_value=np.nan)


def _covariate_values(e: pd.DataFrame, name: str, span: int) -> pd.Series | None:
    """A covariate's values: the column, or derived from ``created_at`` (``span``: the months the whole table's
    creation times span, for ``created_period``); None when the table has neither."""
    if name in e.columns:
        return e[name]
    if name not in DERIVED_COVARIATES or "created_at" not in e.columns:
        return None
    dt = pd.to_datetime(e["created_at"], errors="coerce", utc=True)
    ok = dt.notna()
    if name == "created_weekday":
        return dt.dt.day_name().where(ok)
    if name == "created_month" or span <= MAX_PERIODS:
        return dt.dt.strftime("%Y-%m").where(ok)
    # the finest of month, quarter and year that gives at most MAX_PERIODS periods
    year = dt.dt.year.astype("Int64").astype("str")
    if span <= 3 * MAX_PERIODS:
        return (year + "Q" + dt.dt.quarter.astype("Int64").astype("str")).where(ok)
    return year.where(ok)


def _check_covariate(name: str, outcome: str, columns: pd.Index, explicit: bool) -> None:
    """The errors a covariate asked for gives: the rating itself, or (named explicitly) no column."""
    if name in _RATING_COLUMNS or name == outcome:
        raise ValueError(f"covariate {name!r} is the rating itself (known only for rated tickets); the response "
                         "model needs attributes known for all tickets, e.g. channel or resolution_minutes")
    if explicit and name not in columns and (name not in DERIVED_COVARIATES or "created_at" not in columns):
        raise ValueError(f"covariate {name!r} is not a column of the tickets table (nor one of "
                         f"{list(DERIVED_COVARIATES)}, derived from created_at); the table has "
                         f"{list(map(str, columns))}")


def _numeric_values(s: pd.Series, name: str) -> tuple[np.ndarray, str, str]:
    """A numeric covariate as floats (times in minutes as log(1 + x); NaN when missing), its term's name and
    the transform in words."""
    x = pd.to_numeric(s.astype("object") if pd.api.types.is_bool_dtype(s) else s, errors="coerce")
    x = x.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    if "minutes" in name.casefold():
        x = np.log1p(np.maximum(x, 0.0))  # NaN stays NaN (np.fmax would make a missing time 0)
        return x, f"log1p({name})", "log(1 + x)"
    return x, name, "as is"


def _covariate_decisions(each: Callable[..., list[Any]], names: list[str], described: list[dict[str, Any]],
                         n: int) -> tuple[list[tuple[str, Any, list[str]]], list[dict[str, Any]]]:
    """What becomes of each covariate, decided from every part's description (:meth:`NonresponsePart.describe`):
    the covariates with terms (``(name, how the part builds them, term names)``; the numeric covariates'
    medians found by :func:`~csanalysis.stats.selection.select`) and the covariate table's rows (``used``
    and ``terms`` filled once the terms' spread is known)."""
    rows: list[dict[str, Any]] = []
    specs: list[tuple[str, Any, list[str]]] = []
    medians: dict[str, tuple[int, int]] = {}  # name -> (its group of the sorted values, finite values)
    for name in names:
        ds = [d[name] for d in described if name in d]
        if not ds:
            rows.append({"covariate": name, "used": False, "kind": "", "transform": "", "terms": 0, "missing": n,
                         "reason": "not in the table"})
            continue
        present = sum(d["present"] for d in ds)
        numeric = ds[0]["numeric"]
        row = {"covariate": name, "used": False, "kind": "numeric" if numeric else "categorical", "transform": "",
               "terms": 0, "missing": n - present, "reason": ""}
        rows.append(row)
        if n == 0 or present / n < MIN_PRESENT:
            row["reason"] = (f"only {present / n if n else 0:.0%} of the {n} eligible tickets have a value (at "
                             f"least {MIN_PRESENT:.0%} needed)")
            continue
        if numeric:
            finite = sum(d["finite"] for d in ds)
            lows = [d["low"] for d in ds if d["finite"]]
            highs = [d["high"] for d in ds if d["finite"]]
            transform = ds[0]["transform"]
            if not finite or min(lows) == max(highs):  # fewer than two distinct values
                row["transform"], row["reason"] = transform, "a single value"
                continue
            tnames = [ds[0]["label"]]
            if finite < n:
                tnames.append(f"{name} missing")
                transform += "; missing: median and an indicator"
            row["transform"] = transform
            medians[name] = (ds[0]["group"], finite)
            specs.append((name, finite < n, tnames))
        else:
            spec, tnames, transform, reason = _levels(ds, name)
            row["transform"], row["reason"] = transform, reason
            if spec is not None:
                specs.append((name, spec, tnames))
    if medians:  # np.median: the middle value, or the mean of the two middle ones (exact order statistics)
        groups = np.array([g for g, m in medians.values() for _ in range(2 - m % 2)])
        ranks = np.array([r for _, m in medians.values() for r in ((m // 2,) if m % 2 else (m // 2 - 1, m // 2))])
        values = iter(select(lambda method, **kw: each("sorted", query=method, **kw), groups, ranks))
        mid = {name: (next(values) if m % 2 else (next(values) + next(values)) / 2.0)
               for name, (_, m) in medians.items()}
        specs = [(name, ("numeric", mid[name], how) if name in mid else how, tnames) for name, how, tnames in specs]
    return specs, rows


def _levels(ds: list[dict[str, Any]], name: str) -> tuple[Any, list[str], str, str]:
    """A categorical covariate's levels from every part's (values, counts, first positions): the kept values
    (at most :data:`MAX_LEVELS` of the most frequent, at least :data:`MIN_LEVEL` tickets each), ``(other)`` and
    ``(missing)``, in the order of their first ticket (as one ``pd.factorize`` of the whole table orders them),
    the reference the most frequent (ties: the first); ``("categorical", (levels, dummy column of each level
    and of a missing value, -1 for the reference))``."""
    uniq = ds[0]["levels"].append([d["levels"] for d in ds[1:]]) if len(ds) > 1 else ds[0]["levels"]
    code, values = pd.factorize(uniq)
    G = len(values)
    counts = np.bincount(code, weights=np.concatenate([d["counts"] for d in ds]), minlength=G).astype(np.int64)
    first = np.full(G, np.iinfo(np.int64).max)
    np.minimum.at(first, code, np.concatenate([d["first"] for d in ds]))
    at = np.argsort(first, kind="stable")  # the whole table's order of first appearance
    values, counts = values[at], counts[at]
    n_missing = sum(d["n_missing"] for d in ds)
    order = np.argsort(-counts, kind="stable")
    keep = np.zeros(G, dtype=bool)
    keep[order[:MAX_LEVELS]] = True
    keep &= counts >= MIN_LEVEL
    labels = [str(u) for u in np.asarray(values, dtype=object)]
    final = np.full(G, -1, dtype=np.int64)
    kept = np.flatnonzero(keep)
    final[kept] = np.arange(len(kept))
    names = [labels[i] for i in kept]
    if (~keep).any():
        final[~keep] = len(names)
        names.append("(other)")
    missing_level = len(names)
    if n_missing:
        names.append("(missing)")
    L = len(names)
    transform = f"dummies ({L} levels"
    if L < 2:
        return None, [], transform + ")", "a single value"
    sizes = np.bincount(final, weights=counts, minlength=L)
    if n_missing:
        sizes[missing_level] += n_missing
    ref = int(np.argmax(sizes))  # the most frequent level
    col_of = np.full(L + 1, -1, dtype=np.int64)
    cols = [j for j in range(L) if j != ref]
    col_of[cols] = np.arange(L - 1)
    column = np.r_[col_of[final], col_of[missing_level] if n_missing else -1]
    return (("categorical", (values, column)), [f"{name}={names[j]}" for j in cols],
            transform + f", reference {names[ref]!r})", "")


# --------------------------------------------------------------------------- fit
def _newton(passes: _Passes, beta0: np.ndarray, pen: np.ndarray, refresh: int = 1,
            hessian0: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ridge logistic regressions with frequency weights (one fit per row of ``beta0``), by Newton.

    ``passes(fits, beta, hessian)`` gives the scores (len(fits) x k) and, when ``hessian``, the Hessians
    (len(fits) x k x k, without sign or penalty) of the fits ``fits`` (indices into ``beta0``; the bootstrap's
    resample numbers) at ``beta``: one pass over the rows in blocks
    (:func:`csanalysis.stats.passes.logistic_pass`), in which each block's weights are drawn when it is read,
    so time grows linearly with the rows and memory does not; over partitions, the parts' sums
    (:meth:`NonresponsePart.scores`).

    The Hessian of each fit is recomputed every ``refresh`` iterations (1: Newton's method; more: the
    chord method in between, which converges fast from a good start such as the full-data fit and saves the
    Hessians' cost). ``hessian0`` (k x k, penalty included), when given, stands for every fit's first
    Hessian: the full-data fit's, from which a bootstrap resample differs by about one over the square root of
    the tickets, so that on large data the resamples converge before their own Hessian is ever needed (the
    root is the same; only the path to it differs). Fits leave the iteration when their step is below the
    tolerance. Returns the coefficients (fits x k) and whether each converged.
    """
    k = beta0.shape[1]
    beta = beta0.copy()
    done = np.zeros(len(beta), dtype=bool)
    act = np.arange(len(beta))
    diag = np.arange(k)
    Hinv = np.zeros((0, k, k))
    for it in range(_MAX_ITER):
        first = it == 0 and hessian0 is not None
        fresh = not first and it % refresh == 0
        ba = beta[act]
        grad, H = passes(act, ba, fresh)
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


def _inverse_probabilities(X: np.ndarray, rated: np.ndarray, b: np.ndarray, rows: slice) -> np.ndarray:
    """One over the fitted probabilities of fits ``b`` on the rated tickets ``rated[rows]`` (fits x rows)."""
    P = expit_inplace(b @ X[rated[rows]].T)
    np.fmax(P, 1e-12, out=P)  # a floor keeps an absurd fit finite (the cap trims it)
    return np.reciprocal(P, out=P)


def _resampled_sums(X: np.ndarray, rated: np.ndarray, h: np.ndarray, M: np.ndarray, R: int,
                    beta: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """Raw and weighted sums ``F @ M`` and ``(F w) @ M`` of resamples ``0 .. R-1`` over the rated tickets, before
    any cap, with what each resample's cap needs: the sums of ``F`` and ``F w`` and the largest ``w`` of a
    ticket in the resample.

    ``X`` holds every eligible ticket's terms and ``rated`` the rows of the rated ones; ``h`` and ``M``
    (rated tickets x columns) are the rated tickets' sampling-unit hashes and the sums' columns; ``beta``
    (R x k) the refitted response models (``None``: every weight 1; the weighted sums are then 0). One pass
    over the rated tickets in blocks draws each resample's Poisson weights ``F`` and the inverse
    probabilities ``w``. Every value is a sum over tickets (the largest a maximum): additive over partitions.
    """
    n = len(h)
    reps = np.arange(R)
    raw = np.zeros((R, M.shape[1]))
    wtd = np.zeros((R, M.shape[1]))
    f_sum = np.zeros(R)
    w_sum = np.zeros(R)
    w_max = np.zeros(R)
    blocks = row_blocks(n, R)
    for a in blocks:
        rows = slice(a, a + blocks.step)
        F = poisson_weights_from_hash(h[rows], reps).astype(float)
        raw += F @ M[rows]
        f_sum += F.sum(axis=1)
        if beta is None:
            continue
        inv = _inverse_probabilities(X, rated, beta, rows)
        np.maximum(w_max, np.max(np.where(F > 0, inv, 0.0), axis=1), out=w_max)
        inv *= F
        w_sum += inv.sum(axis=1)
        wtd += inv @ M[rows]
    return raw, wtd, f_sum, w_sum, w_max


def _capped_sums(X: np.ndarray, rated: np.ndarray, h: np.ndarray, M: np.ndarray, over: np.ndarray,
                 beta: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """The weighted sums of the resamples ``over`` (with their models ``beta`` and caps ``cap``), each weight cut
    at its resample's cap: a second pass over the rated tickets (see :func:`_resampled_sums`)."""
    wtd = np.zeros((len(over), M.shape[1]))
    blocks = row_blocks(len(h), len(over))
    for a in blocks:
        rows = slice(a, a + blocks.step)
        F = poisson_weights_from_hash(h[rows], over).astype(float)
        inv = _inverse_probabilities(X, rated, beta, rows)
        np.minimum(inv, cap[:, None], out=inv)
        inv *= F
        wtd += inv @ M[rows]
    return wtd


def _resampled_means(X: np.ndarray, rated: np.ndarray, h: np.ndarray, M: np.ndarray, R: int,
                     beta: np.ndarray | None, trim: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Raw and weighted sums ``F @ M`` and ``(F w) @ M`` of resamples ``0 .. R-1`` over the rated tickets, the
    weights capped at ``trim`` times the resample's mean weight of the rated tickets (as :func:`_weights`):
    :func:`_resampled_sums`, then :func:`_capped_sums` for the few resamples with a weight above their cap
    (what :func:`nonresponse_from_parts` does over partitions)."""
    raw, wtd, f_sum, w_sum, w_max = _resampled_sums(X, rated, h, M, R, beta)
    if beta is None:
        return raw, raw.copy()
    if trim is None:
        return raw, wtd
    with np.errstate(invalid="ignore", divide="ignore"):
        cap = trim * w_sum / f_sum
    over = np.flatnonzero(w_max > cap)  # a resample without rated tickets has no cap (NaN) and no weight
    if len(over):
        wtd[over] = _capped_sums(X, rated, h, M, over, beta[over], cap[over])
    return raw, wtd


def _penalty(binary: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Ridge penalty per standardised coefficient: RIDGE per sd of a numeric term, RIDGE on the log-odds ratio of a
    0/1 term (``binary``: dummy, missing indicator), i.e. RIDGE / sd^2 on its standardised coefficient; the
    intercept ~0."""
    pen = np.where(binary, RIDGE / (sd * sd), RIDGE)
    return np.r_[1e-8, pen]  # a tiny value keeps a resample without rated tickets finite


def _weights(P: np.ndarray, r: np.ndarray, F: np.ndarray, trim: float | None,
             cap: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Per resample: frequency x inverse-probability weights of the rated tickets, the cap, the number cut.

    The cap is ``trim`` times the resample's mean weight of the rated tickets (``cap``, when given: each
    resample's, found over all partitions)."""
    inv = np.where(r > 0, 1.0 / np.fmax(P, 1e-12), 0.0)  # a floor keeps an absurd fit finite (the cap trims it)
    Fr = F * r
    if trim is None:
        return Fr * inv, np.full(len(P), np.inf), np.zeros(len(P), dtype=np.int64)
    if cap is None:
        with np.errstate(invalid="ignore", divide="ignore"):
            cap = trim * np.sum(Fr * inv, axis=1) / np.sum(Fr, axis=1)
    over = (inv > cap[:, None]) & (r > 0)
    return Fr * np.where(over, cap[:, None], inv), cap, np.sum(over & (F > 0), axis=1)


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
