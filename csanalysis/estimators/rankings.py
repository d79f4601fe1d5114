r"""Agents, teams, channels and months compared fairly: shrunken estimates and who stands out.

A league table of raw bad-rating shares puts the agent with 3 bad ratings out
of 9 at the bottom and the one with 0 of 6 at the top, though neither says
much. :func:`rank_units` gives every unit (agent, team, group, channel,
month) an **empirical-Bayes** estimate that borrows strength from the other
units, an interval for it, and a verdict against the rest of the units
(``worse``, ``better`` or ``indistinguishable``) from a test whose
p-values are adjusted for the number of units (Benjamini-Hochberg). Units
with fewer than ``min_n`` rated rows (at least :data:`MIN_RATED` = 20) keep
their row but are ``not ranked``, and the ``reason`` column says why. Agents
are shown under keyed pseudonyms unless the caller opts out.

Method
------
**Sampling unit.** One customer gives several tickets and their ratings are
alike, so a unit's rows are not independent. The customer is the sampling
unit: every unit's variance carries a **design effect**
:math:`d_j = 1 + \hat\rho\,(\bar m_j - 1)`, where :math:`\bar m_j =
\sum_c n_{cj}^2 / n_j` is the size-weighted mean number of rows per
customer in unit :math:`j` and :math:`\hat\rho` the intra-customer
correlation of the outcome (Kish's design effect of a cluster sample).
:math:`\hat\rho` is one method-of-moments estimate pooled over the units
(per unit it is too noisy): under :math:`y = \mu_j + a_c + \varepsilon`,
the sum over a unit's customers of their squared summed deviations from
the unit mean, :math:`E_j = \sum_c e_{cj}^2`, and the unit's sum of
squares :math:`SS_j` have expectations :math:`\sigma_j^2(A_j + \rho B_j)`
and :math:`\sigma_j^2(n_j - 1 + \rho D_j)`, with :math:`A_j, B_j, D_j`
known functions of the customers' row counts (the mean's estimation
included); :math:`\hat\rho` solves :math:`\sum_j [E_j (n_j - 1 + \rho D_j)
- SS_j (A_j + \rho B_j)] = 0`, truncated to [0, 1]. With one row per
customer :math:`d_j = 1`. A unit's **effective size** is :math:`n_j^* =
n_j / d_j`. (A customer's rows with *different* units are treated as
independent.)

**Shares (beta-binomial).** Unit :math:`j` has :math:`k_j^* = \hat p_j
n_j^*` effective successes of :math:`n_j^*`; its true share is drawn from a
prior :math:`\mathrm{Beta}(\mu M, (1-\mu) M)`. The prior mean :math:`\mu`
and strength :math:`M` maximise the **marginal (beta-binomial) likelihood**
:math:`\sum_j \log B(\mu M + k_j^*, (1-\mu)M + n_j^* - k_j^*) - \log B(\mu
M, (1-\mu) M)` over all units with data, plus the log of a
:math:`\mathrm{Beta}(3/2, 3/2)` hyperprior density of :math:`\mu` (half a
success and half a failure added to the pooled data), with both shape
parameters at least 1/2, Jeffreys' (L-BFGS-B, :math:`M \le 10^6`, started
from the method of moments and from near complete pooling). The penalty
keeps the prior from collapsing onto 0 or 1 when no unit (or every unit) has
a success, where the plain maximum runs off to a point mass and the
intervals would close; with real data it moves :math:`\mu` by about :math:`1/(2\sum_j
n_j^*)`.
The estimate is the posterior mean :math:`(\mu M + k_j^*)/(M + n_j^*)`,
which pulls a unit towards :math:`\mu` by the weight :math:`B_j = M/(M +
n_j^*)` (``shrinkage``). The interval is the equal-tailed interval of a
beta distribution with the posterior's mean and its variance plus
:math:`B_j^2\,\mathrm{Var}(\hat\mu)` (the uncertainty of the estimated
prior mean, Morris 1983), so it stays within [0, 1].

**Means (normal-normal).** A unit's mean :math:`\bar y_j` has variance
:math:`V_j = \tilde s_j^2 d_j / n_j`, where :math:`\tilde s_j^2 =
((n_j-1)s_j^2 + 10\,s_w^2)/(n_j - 1 + 10)` moderates the unit's row
variance towards the pooled within-unit variance :math:`s_w^2` (so a
small unit whose answers happen to agree does not get a zero variance). The
true means are drawn from :math:`N(\mu, \tau^2)`; :math:`\tau^2` maximises
the **restricted (REML) marginal likelihood** and :math:`\mu` is its
precision-weighted mean. The estimate is :math:`\mu + (1 - B_j)(\bar y_j -
\mu)` with :math:`B_j = V_j/(V_j + \tau^2)`; the interval is normal with
variance :math:`(1-B_j)V_j + B_j^2\,\mathrm{Var}(\hat\mu)`, cut to
``bounds`` when given.

**Versus the rest.** Each unit with at least ``min_n`` rows is compared with
the pooled rows of the *other units that do not stand out* (its reference,
with its own design effect): first all other units; then the most clearly
flagged unit (largest :math:`|z|`) still in the pool is left out of every
reference and all tests are repeated, one unit a round, until no unit in
the pool is flagged or two units are left (a backward search for
outliers, which does not let several outliers mask or swamp the others).
So a few very bad agents do not make their ordinary colleagues look
"better". Shares are compared by Anscombe's arcsine-root
z-test, :math:`z = (a_j - a_{\text{ref}})/\sqrt{d_j/(4n_j + 2) +
d_{\text{ref}}/(4n_{\text{ref}} + 2)}` with :math:`a = \arcsin\sqrt{(k +
3/8)/(n + 3/4)}` (its variance does not depend on the share, so a unit
with a low share is neither favoured nor penalised, and its size holds at
small counts); means by :math:`t = (\bar y_j - \bar
y_{\text{ref}})/\sqrt{V_j + V_{\text{ref}}}` on :math:`G_j - 1` degrees of
freedom (:math:`G_j` customers of the unit). The test uses the unit's own
data, not its shrunken estimate. The p-values of the ranked units are
adjusted together by Benjamini-Hochberg
(:func:`csanalysis.stats.multiplicity.adjust_pvalues`); a unit whose
adjusted p-value (``q_value``) is below ``fdr`` is ``worse`` or
``better`` by the sign of its difference and ``good_direction``; the rest
are ``indistinguishable``. ``rest_estimate`` is the reference's mean. A
customer seen by both a unit and its reference makes the two means
positively correlated; the test ignores that, which makes it slightly
conservative.

Reading
-------
The estimates and intervals are shrunken; the verdicts are not (a unit can be
``worse`` while its interval reaches the prior mean, when it is large and
its shrunken interval is narrow, or the other way round). A unit is compared
with the rest of *these* units: "worse" means worse than the others here,
not worse than a standard. Empirical-Bayes intervals cover the units' true
values about 95% of the time *on average over the units*; a truly outlying
unit's interval is pulled towards the others and covers less often, an
ordinary unit's more often. ``validation/rankings.py`` measures how often
truly different and equal agents are flagged and how often the intervals
cover the agents' true rates (``validation/rankings.md``: with 40 agents of
60-400 rated tickets, about 1% of equal agents flagged, 85-90% of the
clearly worse ones, 65% of those with a bad share 6.6% instead of 15%,
which is what the data allow; coverage 94-96% over all agents, 83-86% for
the planted outliers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from csanalysis.checks import check_alpha, check_confidence, check_frame, check_positive_int
from csanalysis.privacy import pseudonymise as keyed_pseudonyms
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.stats.arrays import sum_parts
from csanalysis.stats.clustered import as_units
from csanalysis.stats.multiplicity import adjust_pvalues

__all__ = ["MIN_RATED", "PERSON_TYPES", "RANKING_COLUMNS", "VERSUS_REST", "RankingResult", "rank_units"]

#: The fewest rated rows (tickets or answers) a unit needs to be ranked; ``min_n`` may not go below it.
MIN_RATED = 20
#: The contract columns of :attr:`RankingResult.table`, in this order and first.
RANKING_COLUMNS: tuple[str, ...] = ("unit_type", "unit_name", "estimate", "ci_low", "ci_high", "n", "versus_rest")
#: Values of ``versus_rest``.
VERSUS_REST: tuple[str, ...] = ("worse", "better", "indistinguishable", "not ranked")
#: Unit types that are people: their names are replaced by keyed pseudonyms unless ``pseudonymise=False``.
PERSON_TYPES: frozenset[str] = frozenset({"agent", "assignee", "person", "employee", "staff", "user", "advisor",
                                          "representative"})

Kind = Literal["share", "mean"]
#: Weight (in rows) of the pooled within-unit variance in a unit's moderated variance (means only).
_PRIOR_ROWS = 10.0
_MAX_STRENGTH = 1e6
#: Smallest shape parameters of the beta prior (Jeffreys' 1/2): the prior never collapses onto 0 or 1.
_FLOOR = 0.5
_PSEUDONYM = re.compile(r"^agent_[0-9a-f]{16}$")
_PERSON_COLUMN = re.compile(r"agent|assignee|employee|advisor|staff")


# --------------------------------------------------------------------------- result
@dataclass(repr=False)
class RankingResult(Result):
    """Units compared fairly (see :func:`rank_units`).

    Attributes
    ----------
    table : DataFrame
        One row per unit: the contract columns ``unit_type, unit_name,
        estimate, ci_low, ci_high, n, versus_rest`` first, then ``reason``
        (why a unit is not ranked; empty when ranked), ``raw_estimate``,
        ``customers``, ``design_effect``, ``n_effective``, ``shrinkage``
        (weight of the prior mean in the estimate), ``rest_estimate``,
        ``difference`` (raw estimate minus the rest), ``statistic``,
        ``p_value``, ``q_value`` (Benjamini-Hochberg), ``prior_mean``,
        ``prior_sd``, ``good_direction``, ``method``. Ranked units first,
        from the worst estimate to the best, then the units not ranked.
    outcome : str
        The outcome column.
    kind : {"share", "mean"}
    good_direction : {"up", "down"}
    min_n : int
    confidence : float
        Level of the intervals.
    fdr : float
        False-discovery rate of the verdicts.
    priors : dict
        Unit type -> fitted prior and design-effect figures (``mean``,
        ``sd``, ``strength`` (shares) or ``tau`` (means), ``icc``, ``units``).
    method : str
        The method in words.
    notes : list of str
        Rows left out and other remarks.
    """

    table: pd.DataFrame
    outcome: str
    kind: str
    good_direction: str
    min_n: int
    confidence: float
    fdr: float
    priors: dict[str, dict[str, Any]] = field(default_factory=dict)
    method: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:  # type: ignore[override]
        types = ", ".join(dict.fromkeys(self.table["unit_type"].astype("str"))) or "units"
        return f"{self.outcome} by {types}: empirical-Bayes estimates, compared with the rest"

    def __repr__(self) -> str:
        counts = self.table["versus_rest"].value_counts()
        v = ", ".join(f"{k} {int(counts.get(k, 0))}" for k in VERSUS_REST if counts.get(k, 0))
        return f"<RankingResult outcome={self.outcome!r} kind={self.kind!r}: {len(self.table)} units ({v})>"

    def summary(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"rankings": [records], "method", "priors", "min_n", ...}`` (NaN -> None)."""
        return jsonable({
            "rankings": frame_records(self.table), "outcome": self.outcome, "kind": self.kind,
            "good_direction": self.good_direction, "min_n": self.min_n, "confidence": self.confidence,
            "fdr": self.fdr, "priors": self.priors, "method": self.method, "notes": list(self.notes),
        })

    def plot(self, ax: Any = None, unit_type: str = "agent") -> Any:
        """Shrunken shares of one unit type with intervals (see :func:`csanalysis.plotting.plot_rankings`)."""
        from csanalysis.plotting.findings import plot_rankings
        return plot_rankings(self, ax=ax, unit_type=unit_type)

    def footnote(self) -> str:
        """Minimum volume, error rate and the method in brief."""
        return (f"Units with fewer than {self.min_n} rated rows are not ranked; worse / better: "
                f"Benjamini-Hochberg adjusted p below {self.fdr:g} against the rest; "
                f"{self.confidence:.0%} intervals of the shrunken estimates.")


# --------------------------------------------------------------------------- entry point
def rank_units(
    table: pd.DataFrame,
    unit: str | Sequence[str],
    outcome: str,
    *,
    kind: Kind = "share",
    customer: str | None = "customer",
    min_n: int = MIN_RATED,
    confidence: float = 0.95,
    fdr: float = 0.05,
    good_direction: Literal["up", "down"] | None = None,
    bounds: tuple[float, float] | None = None,
    unit_type: str | Sequence[str] | None = None,
    pseudonymise: bool = True,
    key: str | bytes | None = None,
) -> RankingResult:
    """Empirical-Bayes estimates per unit, with intervals and a verdict against the rest.

    Parameters
    ----------
    table : DataFrame
        Tidy: one row per rated ticket or survey answer.
    unit : str or sequence of str
        The unit column (agent, team, group, channel, month). Several columns
        are ranked one after the other (each its own prior and its own
        Benjamini-Hochberg family) and stacked in one table.
    outcome : str
        The outcome column: 0/1 (or boolean) for ``kind="share"`` (e.g. bad
        rating), a number for ``kind="mean"`` (e.g. CSAT 1-5). Rows without
        an outcome are not rated and left out.
    kind : {"share", "mean"}, default "share"
        Beta-binomial shrinkage of shares or normal-normal shrinkage of means
        (see the module notes).
    customer : str or None, default "customer"
        The sampling-unit column (customer or account); rows without one
        count as their own customer. ``None``: every row independent.
    min_n : int, default 20
        Fewest rated rows a unit needs to be ranked; at least
        :data:`MIN_RATED`.
    confidence : float, default 0.95
        Level of the intervals.
    fdr : float, default 0.05
        False-discovery rate of the ``worse`` / ``better`` verdicts.
    good_direction : {"up", "down"}, optional
        Whether a higher outcome is better (``"up"``) or worse
        (``"down"``). Default: ``"down"`` for shares (bad-rating share,
        reopen rate) and ``"up"`` for means (CSAT).
    bounds : (low, high), optional
        The scale of a mean (e.g. ``(1, 5)``): values outside raise, and the
        intervals are cut to it.
    unit_type : str or sequence of str, optional
        What a unit is (``"agent"``, ``"team"``, ``"channel"``, ``"month"``),
        one per ``unit`` column. Default: ``"agent"`` for a column whose name
        says agent / assignee or whose values are the readers' agent
        pseudonyms (``agent_`` + 16 hex digits), else the column name.
    pseudonymise : bool, default True
        Replace the names of people (unit types in :data:`PERSON_TYPES`) by
        keyed pseudonyms (``agent_`` + 16 hex digits,
        :func:`csanalysis.privacy.pseudonymise`, the function the readers
        use, so a name gets the same pseudonym as in the readers' tables);
        values that already are such pseudonyms are kept. ``False`` shows
        the names. Other unit types are never pseudonymised.
    key : str or bytes, optional
        Secret of the pseudonyms; default ``CSANALYSIS_KEY`` or the per-user
        secret (see :mod:`csanalysis.privacy`).

    Returns
    -------
    RankingResult
        ``.table`` (contract columns ``unit_type, unit_name, estimate,
        ci_low, ci_high, n, versus_rest``, then the extras listed in
        :class:`RankingResult`), ``.summary()``, ``.to_dict()``.

    Raises
    ------
    ValueError
        For a missing column, ``min_n`` below 20, a share outcome that is not
        0/1, or a mean outside ``bounds``.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> agent = np.repeat(["Ann", "Bo", "Cy", "Di", "Ed", "Flo"], [300, 300, 300, 300, 300, 12])
    >>> bad = rng.random(1512) < np.where(agent == "Cy", 0.35, 0.10)
    >>> t = pd.DataFrame({"agent": agent, "bad": bad, "customer": rng.integers(0, 700, 1512)})
    >>> r = rank_units(t, "agent", "bad", pseudonymise=False)
    >>> r.table[["unit_name", "n", "estimate", "ci_low", "ci_high", "raw_estimate", "versus_rest"]].round(3)
      unit_name    n  estimate  ci_low  ci_high  raw_estimate        versus_rest
    0        Cy  300     0.370   0.317    0.424         0.380              worse
    1        Bo  300     0.134   0.099    0.174         0.133  indistinguishable
    2        Ed  300     0.115   0.082    0.153         0.113  indistinguishable
    3        Di  300     0.096   0.066    0.131         0.093  indistinguishable
    4       Ann  300     0.074   0.048    0.106         0.070  indistinguishable
    5       Flo   12     0.125   0.027    0.281         0.083         not ranked
    >>> r.table["reason"].iloc[-1]
    'fewer than 20 rated rows (12)'
    >>> named = rank_units(t, "agent", "bad", key="example-secret")      # agents: keyed pseudonyms by default
    >>> named.table["unit_name"].str.fullmatch(r"agent_[0-9a-f]{16}").all()
    np.True_
    """
    check_frame(table, "table")
    _options(unit, kind, min_n, confidence, fdr, good_direction, unit_type)
    part = RankPart(table, unit, outcome, kind=kind, customer=customer, bounds=bounds)
    return rank_units_from_parts(lambda method, **kw: [getattr(part, method)(**kw)], unit, outcome, kind=kind,
                                 customer=customer, min_n=min_n, confidence=confidence, fdr=fdr,
                                 good_direction=good_direction, bounds=bounds, unit_type=unit_type,
                                 pseudonymise=pseudonymise, key=key)


def _options(unit: Any, kind: Any, min_n: Any, confidence: Any, fdr: Any, good_direction: Any,
             unit_type: Any) -> tuple[float, float, int, str, list[str], list[str | None]]:
    """:func:`rank_units`' options checked: ``(confidence, fdr, min_n, good_direction, units, unit types)``."""
    conf = check_confidence(confidence)
    q_level = check_alpha(fdr)
    min_n = check_positive_int(min_n, "min_n")
    if min_n < MIN_RATED:
        raise ValueError(f"`min_n` must be at least {MIN_RATED} rated rows (the documented minimum volume for a "
                         f"ranking), but {min_n!r} was passed.")
    if kind not in ("share", "mean"):
        raise ValueError(f"The value for `kind` must be one of ['share', 'mean'], but {kind!r} was passed.")
    if good_direction is None:
        good_direction = "down" if kind == "share" else "up"
    if good_direction not in ("up", "down"):
        raise ValueError(f"The value for `good_direction` must be 'up' or 'down', but {good_direction!r} was "
                         "passed.")
    units = [unit] if isinstance(unit, str) else list(unit)
    if not units:
        raise ValueError("`unit` names no column; give a unit column such as 'agent' or 'channel'")
    if unit_type is None or isinstance(unit_type, str):
        types: list[str | None] = [unit_type] * len(units)
    else:
        types = list(unit_type)
        if len(types) != len(units):
            raise ValueError(f"`unit_type` has {len(types)} entries for {len(units)} unit columns")
    return conf, q_level, min_n, good_direction, units, types


def _limits(bounds: Any) -> tuple[float, float] | None:
    if bounds is None:
        return None
    lim = (float(bounds[0]), float(bounds[1]))
    if not lim[1] > lim[0]:
        raise ValueError(f"`bounds` must be (low, high) with low < high, but {bounds!r} was passed.")
    return lim


class RankPart:
    """One partition's share of :func:`rank_units` (its rows: every sampling unit's rows in one partition),
    answering the combining step's rounds: :meth:`first` (the units seen, the rows left out), :meth:`moments`
    (rows, sums and (unit, customer) cells per unit), :meth:`centred` (the cells' squared deviations around the
    combined means), :meth:`pool` (one round of the outlier loop: the customers' rows over the units still in
    the reference pool). :func:`rank_units` is the same with the whole table as the only part."""

    def __init__(self, table: pd.DataFrame, unit: str | Sequence[str], outcome: str, *, kind: Kind = "share",
                 customer: str | None = "customer", bounds: tuple[float, float] | None = None) -> None:
        check_frame(table, "table")
        units = [unit] if isinstance(unit, str) else list(unit)
        needed = [*units, outcome] + ([customer] if customer is not None else [])
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise ValueError(f"column(s) {missing} not in the table; it has {list(table.columns)}")
        self.y = _outcome_values(table[outcome], kind, _limits(bounds))
        self.rated = np.isfinite(self.y)
        # identifiers compared as text and coded in sorted order (rows without one: their own customer), so the
        # result does not depend on the order of the rows
        self.cust = (np.arange(len(table), dtype=np.int64) if customer is None
                     else as_units(table[customer].reset_index(drop=True)).codes)
        self.values = [table[col] for col in units]

    def first(self) -> dict[str, Any]:
        """Rows without an outcome; per unit column the distinct values of the rated rows, the rated rows
        without a value, and whether every value is an agent pseudonym."""
        cols = []
        for v in self.values:
            present = v.notna().to_numpy(dtype=bool)
            nn = v[present]
            cols.append({"labels": v[self.rated & present].drop_duplicates(),
                         "no_unit": int((self.rated & ~present).sum()), "nonnull": len(nn),
                         "agent": bool(nn.astype("str").str.startswith("agent_").all())})
        return {"unrated": int((~self.rated).sum()), "columns": cols}

    def moments(self, *, labels: list[pd.Index]) -> list[dict[str, np.ndarray]]:
        """Per unit column (its units ``labels``, sorted): each unit's rows, sums, customers and cell sizes."""
        self.cells = []
        out = []
        for v, lab in zip(self.values, labels):
            use = self.rated & v.notna().to_numpy(dtype=bool)
            u = np.asarray(pd.Index(lab).get_indexer(v[use]), dtype=np.int64)
            cell = _unit_cells(u, self.y[use], self.cust[use], len(lab))
            self.cells.append(cell)
            out.append({k: cell[k] for k in ("N", "S", "Q", "G", "sq", "cube")})
        return out

    def centred(self, *, means: list[np.ndarray]) -> list[dict[str, Any]]:
        """Per unit column: each unit's sum over customers of the squared deviation of the customer's sum."""
        return [_centred(cell, m) for cell, m in zip(self.cells, means)]

    def pool(self, *, column: int, out: np.ndarray) -> tuple[float, np.ndarray]:
        """One round of the outlier loop for unit column ``column``: the customers' squared row counts over the
        units not ``out``, and what each unit's own cells take out of them."""
        return _pool(self.cells[column], out)


def rank_units_from_parts(each: Callable[..., list[Any]], unit: str | Sequence[str], outcome: str, *,
                          kind: Kind = "share", customer: str | None = "customer", min_n: int = MIN_RATED,
                          confidence: float = 0.95, fdr: float = 0.05,
                          good_direction: Literal["up", "down"] | None = None,
                          bounds: tuple[float, float] | None = None, unit_type: str | Sequence[str] | None = None,
                          pseudonymise: bool = True, key: str | bytes | None = None) -> RankingResult:
    """:func:`rank_units` combined from partitions (:class:`RankPart`), asked in rounds.

    ``each(method, **kw)`` calls :class:`RankPart` ``method`` on every partition and returns their answers
    (a list): a loop on one machine, tasks on a cluster (the Dask engine). The other parameters are
    :func:`rank_units`' (the parts were built with the same). Every sampling unit's rows must be in one
    partition; the ranked units (agents, months) span partitions, and their statistics are sums.
    """
    conf, q_level, min_n, good_direction, units, types = _options(unit, kind, min_n, confidence, fdr,
                                                                   good_direction, unit_type)
    lim = _limits(bounds)
    seen = each("first")
    notes: list[str] = []
    unrated = sum(p["unrated"] for p in seen)
    if unrated:
        notes.append(f"{unrated} row(s) without an outcome left out (not rated)")
    if customer is None:
        notes.append("no customer column: every row counts as its own sampling unit")
    labels, typs, col_notes = [], [], []
    for i, (col, typ) in enumerate(zip(units, types)):
        cols = [p["columns"][i] for p in seen]
        if typ is None:
            agent = bool(_PERSON_COLUMN.search(str(col).casefold())) or (
                sum(c["nonnull"] for c in cols) > 0 and all(c["agent"] for c in cols))
            typ = "agent" if agent else str(col)
        typs.append(typ)
        no_unit = sum(c["no_unit"] for c in cols)
        col_notes.append([f"{no_unit} rated row(s) without a {col!r} value left out of the {typ} ranking"]
                         if no_unit else [])
        labels.append(pd.Index(pd.factorize(pd.concat([c["labels"] for c in cols]), sort=True)[1]))
    sums = sum_parts(each("moments", labels=labels))
    with np.errstate(divide="ignore", invalid="ignore"):
        means = [s["S"] / s["N"] for s in sums]
    got = each("centred", means=means)
    E = [_spread(sums[i], [p[i] for p in got]) for i in range(len(units))]
    frames, priors, methods = [], {}, []
    for i, (col, typ) in enumerate(zip(units, typs)):  # one pass per unit column, each vectorised over its units
        def pool(out: np.ndarray, i: int = i) -> tuple[float, np.ndarray]:
            got = each("pool", column=i, out=out)
            return float(sum(g[0] for g in got)), np.sum([g[1] for g in got], axis=0)

        frame, prior, method, note = _rank_column(
            labels[i], sums[i], E[i], pool, col=col, unit_type=typ, kind=kind, bounds=lim, good=good_direction,
            min_n=min_n, conf=conf, q_level=q_level, pseudonymise=pseudonymise, key=key)
        frames.append(frame)
        name = str(frame["unit_type"].iloc[0]) if len(frame) else str(typ or col)
        priors[name if name not in priors else f"{name} ({col})"] = prior
        methods.append(method)
        notes.extend(col_notes[i] + note)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(RANKING_COLUMNS))
    return RankingResult(table=out, outcome=outcome, kind=kind, good_direction=good_direction, min_n=min_n,
                         confidence=conf, fdr=q_level, priors=priors, method=methods[0] if methods else "",
                         notes=notes)


# --------------------------------------------------------------------------- one unit column
def _outcome_values(s: pd.Series, kind: str, lim: tuple[float, float] | None) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s.dtype):
        y = s.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    else:
        y = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    fin = y[np.isfinite(y)]
    if kind == "share" and fin.size and not np.all((fin == 0) | (fin == 1)):
        raise ValueError(f"a share outcome must be 0/1 or boolean; {s.name!r} has other values (e.g. "
                         f"{fin[(fin != 0) & (fin != 1)][0]:g}); use kind='mean' for scores")
    if lim is not None and fin.size and (fin.min() < lim[0] or fin.max() > lim[1]):
        raise ValueError(f"values of {s.name!r} must lie within bounds {lim[0]:g}..{lim[1]:g}; found "
                         f"{fin.min():g}..{fin.max():g}")
    return y


def _infer_type(values: pd.Series, col: str) -> str:
    if _PERSON_COLUMN.search(str(col).casefold()):
        return "agent"
    v = values.dropna()
    if len(v) and v.astype("str").str.startswith("agent_").all():
        return "agent"
    return str(col)


def _names(labels: pd.Index, unit_type: str, pseudonymise: bool, key: str | bytes | None) -> np.ndarray:
    names = pd.Series(np.asarray(labels.astype("str"), dtype=object))
    if not (pseudonymise and unit_type.casefold() in PERSON_TYPES):
        return names.to_numpy(dtype=object)
    already = names.str.fullmatch(_PSEUDONYM.pattern).to_numpy(dtype=bool)
    hashed = keyed_pseudonyms(names, key, prefix="agent_").astype("object").to_numpy(dtype=object)
    return np.where(already, names.to_numpy(dtype=object), hashed)


def _rank_column(labels: pd.Index, sums: dict[str, np.ndarray], E: np.ndarray,
                 pool: Callable[[np.ndarray], tuple[float, np.ndarray]], *, col: str, unit_type: str, kind: str,
                 bounds: tuple[float, float] | None, good: str, min_n: int, conf: float, q_level: float,
                 pseudonymise: bool, key: str | bytes | None) -> tuple[pd.DataFrame, dict[str, Any], str, list[str]]:
    """One unit column ranked from its units' combined sums (``pool(out)``: one round of the outlier loop)."""
    notes: list[str] = []
    typ = unit_type
    J = len(labels)
    if J == 0:
        return pd.DataFrame(columns=list(RANKING_COLUMNS)), {}, "", notes + [f"no rated rows with a {col!r} value"]
    st = _unit_moments(sums, E)
    N, m, G, deff = st["N"], st["mean"], st["G"], st["deff"]
    n_eff = N / deff
    if kind == "share":
        post, prior = _beta_binomial(m, n_eff, conf)
    else:
        post, prior = _normal_normal(m, st["V"], conf, bounds)
    prior["icc"] = st["icc"]
    prior["units"] = int(J)
    # each unit against the pooled rows of the other units that do not stand out themselves: start from all
    # other units; leave the most clearly flagged unit still in the pool out of every reference and test
    # again, one unit a round, until no unit in the pool is flagged (each round is vectorised over the units)
    out = np.zeros(J, dtype=bool)
    while True:
        stat, p, rest, diff = _versus_rest(st, _reference(st, out, *pool(out)), kind)
        ranked = (N >= min_n) & np.isfinite(p) & (J >= 2)
        q = adjust_pvalues(np.where(ranked, p, np.nan), "fdr_bh")
        flagged = ranked & (q < q_level)
        cand = flagged & ~out
        if not cand.any() or np.sum(~out) <= 2:
            break
        out[int(np.argmax(np.where(cand, np.abs(stat), -np.inf)))] = True
    worse_sign = 1.0 if good == "down" else -1.0
    verdict = np.where(~ranked, "not ranked",
                       np.where(flagged, np.where(diff * worse_sign > 0, "worse", "better"), "indistinguishable"))
    small = (f"fewer than {min_n} rated rows (" + pd.Series(N.astype(np.int64)).astype("str") + ")").to_numpy(
        dtype=object)
    reason = np.where(ranked, "", np.where(N < min_n, small, "no test possible (no variation)"))
    if J < 2:
        reason[:] = "only one unit has rated rows, so there is no rest to compare with"
    method = (("empirical Bayes, beta-binomial prior by marginal ML" if kind == "share"
               else "empirical Bayes, normal-normal prior by REML")
              + "; customer design effect (pooled ICC); "
              + ("arcsine-root z-test" if kind == "share" else "t-test")
              + " against the units that do not stand out, Benjamini-Hochberg")
    frame = pd.DataFrame({
        "unit_type": typ,
        "unit_name": _names(pd.Index(labels), typ, pseudonymise, key),
        "estimate": post["estimate"], "ci_low": post["low"], "ci_high": post["high"],
        "n": N.astype(np.int64), "versus_rest": verdict, "reason": reason, "raw_estimate": m,
        "customers": G.astype(np.int64), "design_effect": deff, "n_effective": n_eff, "shrinkage": post["weight"],
        "rest_estimate": rest, "difference": diff, "statistic": stat, "p_value": np.where(ranked, p, np.nan),
        "q_value": q, "prior_mean": prior["mean"], "prior_sd": prior["sd"], "good_direction": good,
        "method": method,
    })
    # ranked units from the worst estimate to the best, then the others by volume
    bad_first = -worse_sign * frame["estimate"].to_numpy(dtype=float)
    order = np.lexsort((-N, np.where(ranked, bad_first, 0.0), ~ranked))
    frame = frame.iloc[order].reset_index(drop=True)
    for c_ in ("unit_type", "unit_name", "versus_rest", "reason", "good_direction", "method"):
        frame[c_] = frame[c_].astype("str")
    return frame, jsonable(prior), method, notes


# --------------------------------------------------------------------------- kernels
def _unit_cells(u: np.ndarray, y: np.ndarray, c: np.ndarray, J: int) -> dict[str, Any]:
    """Per unit: rows, sums, sums of squares, customers and the customers' cell sizes (squared, cubed); the
    (unit, customer) cells themselves (kept by the part for the later rounds)."""
    N = np.bincount(u, minlength=J).astype(float)
    S = np.bincount(u, weights=y, minlength=J)
    Q = np.bincount(u, weights=y * y, minlength=J)
    C = int(c.max()) + 1 if len(c) else 1
    cell, keys = pd.factorize(u * np.int64(C) + c, sort=True)
    keys = np.asarray(keys, dtype=np.int64)
    cu, cc = keys // C, keys % C
    n_c = np.bincount(cell, minlength=len(keys)).astype(float)
    s_c = np.bincount(cell, weights=y, minlength=len(keys))
    G = np.bincount(cu, minlength=J).astype(float)
    sq = np.bincount(cu, weights=n_c * n_c, minlength=J)  # sum of squared cell sizes
    cube = np.bincount(cu, weights=n_c ** 3, minlength=J)
    whole = bool(np.all(y == np.round(y))) and (not len(y) or float(np.abs(y).max()) < 2.0 ** 20)
    return {"N": N, "S": S, "Q": Q, "G": G, "sq": sq, "cube": cube, "cu": cu, "cc": cc, "n_c": n_c, "s_c": s_c,
            "C": C, "J": J, "whole": whole}


def _centred(cell: dict[str, Any], m: np.ndarray) -> dict[str, Any]:
    """Per unit: the sum over its customers of ``(s_c - m n_c)^2`` around the unit's (combined) mean ``m``; for
    whole-number outcomes (0/1 shares, 1-5 scores) also its exact parts, the sums of ``s_c^2`` and ``s_c n_c``
    (whole numbers: their sums over partitions are exact, see :func:`_spread`)."""
    cu, s_c, n_c, J = cell["cu"], cell["s_c"], cell["n_c"], cell["J"]
    e = s_c - m[cu] * n_c
    return {"E": np.bincount(cu, weights=e * e, minlength=J), "ss": np.bincount(cu, weights=s_c * s_c, minlength=J),
            "sn": np.bincount(cu, weights=s_c * n_c, minlength=J), "whole": cell["whole"]}


def _spread(sums: dict[str, np.ndarray], parts: list[dict[str, Any]]) -> np.ndarray:
    """Per unit the sum over customers of ``(s_c - m n_c)^2``, ``m = S / N``: for whole-number outcomes exactly,
    ``(N^2 sum s_c^2 - 2 N S sum s_c n_c + S^2 sum n_c^2) / N^2`` in integers (so every partition of the
    rows gives the same bits, and the ICC fit downstream the same result), else the partitions' sums."""
    if not all(p["whole"] for p in parts):
        return np.sum([p["E"] for p in parts], axis=0)
    exact = {k: np.asarray(v, dtype=np.float64).astype(np.int64).astype(object)
             for k, v in (("N", sums["N"]), ("S", sums["S"]), ("C", sums["sq"]),
                          ("A", np.sum([p["ss"] for p in parts], axis=0)),
                          ("B", np.sum([p["sn"] for p in parts], axis=0)))}
    N, S = exact["N"], exact["S"]
    num = N * N * exact["A"] - 2 * N * S * exact["B"] + S * S * exact["C"]
    return np.asarray(num / (N * N), dtype=np.float64) if len(num) else np.zeros(0)


def _pool(cell: dict[str, Any], out: np.ndarray) -> tuple[float, np.ndarray]:
    """The customers' squared row counts over the units not ``out``, and what each unit's cells take out."""
    cu, cc, n_c = cell["cu"], cell["cc"], cell["n_c"]
    inc = ~out
    n_pool = np.bincount(cc, weights=n_c * inc[cu], minlength=cell["C"])
    cell_in = inc[cu]
    drop = np.where(cell_in, n_pool[cc] ** 2 - (n_pool[cc] - n_c) ** 2, 0.0)
    return float(np.sum(n_pool * n_pool)), np.bincount(cu, weights=drop, minlength=len(out))


def _unit_moments(sums: dict[str, np.ndarray], E: np.ndarray) -> dict[str, Any]:
    """Per unit, from the combined sums: design effect (pooled ICC), moderated variance."""
    N, S, Q, G, sq, cube = (sums[k] for k in ("N", "S", "Q", "G", "sq", "cube"))
    m = S / N
    pairs = sq - N  # sum of n_c (n_c - 1)
    ss = np.fmax(Q - S * m, 0.0)
    # moments under y = mu + customer effect + noise (intra-customer correlation rho, variance s^2):
    # E[sum_c e_c^2] = s^2 (A + rho B) and E[ss] = s^2 (F + rho D); one rho solves their pooled ratio
    A = N - sq / N
    B = pairs - 2.0 * (cube - sq) / N + sq * pairs / (N * N)
    F = N - 1.0
    D = -pairs / N
    ok = (N > 1) & (ss > 0)
    num = float(np.sum((ss * A - E * F)[ok]))
    den = float(np.sum((E * D - ss * B)[ok]))
    icc = float(np.clip(num / den, 0.0, 1.0)) if den < 0 else 0.0  # den < 0 whenever a customer has 2+ rows
    deff = 1.0 + icc * pairs / N
    # pooled within-unit variance, and each unit's variance moderated towards it (used for means)
    dfw = float(np.sum(N - 1.0))
    s2w = float(np.sum(ss) / dfw) if dfw > 0 else 0.0
    s2mod = (ss + _PRIOR_ROWS * s2w) / (N - 1.0 + _PRIOR_ROWS)
    return {"N": N, "S": S, "Q": Q, "mean": m, "G": G, "deff": deff, "icc": icc, "V": s2mod * deff / N}


def _reference(st: dict[str, Any], out: np.ndarray, sq_pool: float, drop: np.ndarray) -> dict[str, np.ndarray]:
    """Per unit, the pooled rows of the other units not in ``out``: rows, mean, design effect, variance
    (``sq_pool``, ``drop``: :func:`_pool` added up over the partitions)."""
    N, S, Q = st["N"], st["S"], st["Q"]
    inc = ~out
    own = inc.astype(float)  # a unit's own rows are in the pool only when it is not left out
    Nr = float(N[inc].sum()) - own * N
    Sr = float(S[inc].sum()) - own * S
    Qr = float(Q[inc].sum()) - own * Q
    # customers' row counts over the pool, and the unit's cells taken out of them
    sq_r = sq_pool - drop
    with np.errstate(divide="ignore", invalid="ignore"):
        mr = np.where(Nr > 0, Sr / Nr, np.nan)
        deff_r = np.where(Nr > 0, 1.0 + st["icc"] * (sq_r - Nr) / Nr, np.nan)
        s2r = np.where(Nr > 1, np.fmax(Qr - Sr * mr, 0.0) / (Nr - 1.0), np.nan)
        Vr = np.where(Nr > 1, s2r * deff_r / Nr, np.nan)
    return {"N": Nr, "S": Sr, "mean": mr, "deff": deff_r, "V": Vr}


def _versus_rest(st: dict[str, Any], ref: dict[str, np.ndarray], kind: str) -> tuple[np.ndarray, ...]:
    N, m = st["N"], st["mean"]
    diff = m - ref["mean"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "share":
            # Anscombe's arcsine square root: variance 1 / (4 n + 2) whatever the share, times the design effect
            a_u = np.arcsin(np.sqrt((st["S"] + 0.375) / (N + 0.75)))
            a_r = np.arcsin(np.sqrt((ref["S"] + 0.375) / (ref["N"] + 0.75)))
            var = st["deff"] / (4.0 * N + 2.0) + ref["deff"] / (4.0 * ref["N"] + 2.0)
            stat = np.where(var > 0, (a_u - a_r) / np.sqrt(var), 0.0)
            p = np.where(var > 0, 2.0 * stats.norm.sf(np.abs(stat)), 1.0)
        else:
            var = st["V"] + ref["V"]
            stat = np.where(var > 0, diff / np.sqrt(var), 0.0)
            df = np.fmax(st["G"] - 1.0, 1.0)
            p = np.where(var > 0, 2.0 * stats.t.sf(np.abs(stat), df), 1.0)
    bad = ~(np.isfinite(diff) & np.isfinite(var))
    return (np.where(bad, np.nan, stat), np.where(bad, np.nan, p), ref["mean"], diff)


def _beta_binomial(m: np.ndarray, n: np.ndarray, conf: float) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Beta prior by marginal ML on effective counts; posterior means and moment-matched beta intervals."""
    k = m * n
    # the fit sums over the units in an order fixed by their counts, so that the prior (and every shrunken
    # estimate) is the same whatever order or names the units come in (agent pseudonyms change with the key)
    srt = np.lexsort((m, n))
    m, n, k = m[srt], n[srt], k[srt]
    back = np.argsort(srt)
    mu0 = float(np.clip(k.sum() / n.sum(), 1e-6, 1 - 1e-6))
    # method-of-moments start: between-unit variance beyond the binomial part
    w = n / n.sum()
    between = float(np.sum(w * (m - mu0) ** 2) - mu0 * (1 - mu0) * np.mean(1.0 / n) * (len(n) - 1) / max(len(n), 1))
    M0 = mu0 * (1 - mu0) / between - 1.0 if between > 0 else _MAX_STRENGTH / 10
    M0 = float(np.clip(M0, 0.5, _MAX_STRENGTH / 10))

    def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Minus the penalised log marginal likelihood and its gradient in (log(a - 1/2), log(b - 1/2))."""
        ea, eb = np.exp(theta)
        a, b = _FLOOR + ea, _FLOOR + eb
        M = a + b
        ll = (special.gammaln(a + k) - special.gammaln(a) + special.gammaln(b + n - k) - special.gammaln(b)
              - special.gammaln(M + n) + special.gammaln(M))
        pen = 0.5 * np.log(a) + 0.5 * np.log(b) - np.log(M)  # log Beta(3/2, 3/2) density of mu = a / M
        common = np.sum(special.digamma(M) - special.digamma(M + n)) - 1.0 / M
        da = np.sum(special.digamma(a + k) - special.digamma(a)) + common + 0.5 / a
        db = np.sum(special.digamma(b + n - k) - special.digamma(b)) + common + 0.5 / b
        return -float(ll.sum() + pen), -np.array([da * ea, db * eb])

    lim = (np.log(1e-8), np.log(_MAX_STRENGTH))

    def theta(a: float, b: float) -> np.ndarray:
        return np.clip(np.log(np.fmax(np.array([a, b]) - _FLOOR, 1e-8)), *lim)

    starts = [theta(mu0 * M0, (1 - mu0) * M0), theta(mu0 * _MAX_STRENGTH / 10, (1 - mu0) * _MAX_STRENGTH / 10)]
    best = None
    for s in starts:  # two starts: the method of moments and near complete pooling
        r = optimize.minimize(nll, s, jac=True, method="L-BFGS-B", bounds=[lim, lim],
                              options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 500})
        if best is None or r.fun < best.fun:
            best = r
    a, b = (float(v) for v in _FLOOR + np.exp(best.x))
    m, n, k = m[back], n[back], k[back]
    M = a + b
    mu = a / M
    alpha_, beta_ = a + k, b + n - k
    tot = alpha_ + beta_
    est = alpha_ / tot
    var = alpha_ * beta_ / (tot * tot * (tot + 1.0))
    weight = M / (M + n)
    # uncertainty of the estimated prior mean (Morris 1983): precision-weighted over the units
    n1 = np.fmax(n, 1.0)
    v_unit = mu * (1 - mu) * (1.0 / n1 + (1.0 - 1.0 / n1) / (M + 1.0))
    var_mu = 1.0 / np.sum(1.0 / v_unit)
    var_tot = var + weight ** 2 * var_mu
    nu = np.fmax(est * (1.0 - est) / var_tot - 1.0, 1e-6)
    lo = stats.beta.ppf((1.0 - conf) / 2.0, est * nu, (1.0 - est) * nu)
    hi = stats.beta.ppf((1.0 + conf) / 2.0, est * nu, (1.0 - est) * nu)
    post = {"estimate": est, "low": np.minimum(lo, est), "high": np.maximum(hi, est), "weight": weight}
    prior = {"mean": mu, "sd": float(np.sqrt(mu * (1 - mu) / (M + 1.0))), "strength": M,
             "fit": "beta-binomial marginal likelihood on effective counts, penalised by a Beta(3/2, 3/2) "
                    "hyperprior on the mean, shapes at least 1/2"}
    return post, prior


def _normal_normal(y: np.ndarray, V: np.ndarray, conf: float,
                   bounds: tuple[float, float] | None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Normal prior by REML; posterior means and normal intervals (with the prior mean's uncertainty)."""
    scale = float(np.nanmax(V)) if np.isfinite(V).any() else 1.0
    V = np.fmax(V, 1e-12 * max(scale, 1e-12))

    def reml(tau2: float) -> float:
        w = 1.0 / (V + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return 0.5 * float(np.sum(np.log(V + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    spread = float(np.var(y)) if len(y) > 1 else 0.0
    tau2 = 0.0
    if spread > 0:
        r = optimize.minimize_scalar(lambda t: reml(t * t), bounds=(0.0, 3.0 * np.sqrt(spread)), method="bounded",
                                     options={"xatol": 1e-10})
        cand = float(r.x) ** 2
        tau2 = cand if reml(cand) < reml(0.0) else 0.0
    w = 1.0 / (V + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    var_mu = 1.0 / float(np.sum(w))
    weight = V / (V + tau2)
    est = mu + (1.0 - weight) * (y - mu)
    var = (1.0 - weight) * V + weight ** 2 * var_mu
    z = stats.norm.ppf(0.5 + conf / 2.0)
    lo, hi = est - z * np.sqrt(var), est + z * np.sqrt(var)
    if bounds is not None:
        lo, hi = np.clip(lo, *bounds), np.clip(hi, *bounds)
    post = {"estimate": est, "low": lo, "high": hi, "weight": weight}
    prior = {"mean": mu, "sd": float(np.sqrt(tau2)), "tau": float(np.sqrt(tau2)),
             "fit": "normal-normal, tau^2 by restricted maximum likelihood (REML)"}
    return post, prior
