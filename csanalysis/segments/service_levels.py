"""The four levels of service, from survey answers, and what each level does next.

The Swedish article behind csanalysis names four levels of service: 1. meet
the customer's expectations, 2. exceed them, 3. delight (consistently better
than expected: this earns loyalty), 4. amaze (rare, unexpected moments). Below
them we add a fifth band, **fails**, for service that fails expectations.

Each survey response gets a level from its answers (:class:`ServiceLevelRule`,
thresholds overridable): CSAT ``C`` (1-5), the expectation question ``E``
(centred: ``-2`` much worse than expected, ``-1`` worse, ``0`` as expected,
``+1`` better, ``+2`` much better; 3-point scales give -1/0/+1), likelihood
to recommend ``N`` (0-10) and effort ``F`` (CES 1-7). The first rule that
matches wins:

1. **fails**: ``C <= 2``, or ``E <= -1``, or ``F >= 6``;
2. **amazes**: ``C >= 5`` and ``E >= +2`` and ``N >= 10``;
3. **delights**: ``C >= 5`` and (``E >= +1``, or no expectation answer and
   ``N >= 9``);
4. **exceeds**: ``E >= +1``, or no expectation answer and ``C >= 4``;
5. **meets**: every other response with a CSAT or an expectation answer
   (``E == 0``, or no expectation answer and ``C == 3``).

So the expectation answer, where given, decides between meets and exceeds
(``CSAT 5`` but "as expected" meets expectations); without it CSAT decides.
Amazing needs evidence of surprise: it is never assigned without an
expectation question. A response with neither CSAT nor an expectation answer
(only NPS or effort below the failing threshold) gets no level.

The expectation question is found from the question texts in
``responses.attrs["questions"]`` (or, without them, from the column names)
with :func:`csanalysis.io.labels.detect_question_role`; ``expectation=`` names
it explicitly, ``expectation=False`` ignores it. Labels are mapped with
:func:`csanalysis.io.labels.map_scale`; bare numbers are read as codes
``1..expectation_points`` (5 by default).

Per customer, the level is the level of the customer's **latest** response
that has one (``per_customer="modal"``: the most frequent level, ties going to
the lower level). Behaviour after the level is measured from that latest
response's time: repeat purchase within ``window`` days, and avoidance (no
purchase in the window), with complete follow-up only, exactly as in
:mod:`csanalysis.segments.journeys`. Levels are compared with Pearson's
chi-square test of levels x (bought again, did not) among followed customers
(no continuity correction; levels without followed customers are left out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from csanalysis.schema import TABLES
from csanalysis.checks import check_confidence, check_window
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.segments.common import (
    STR,
    Key,
    as_utc,
    follow_up,
    link_pair,
    outcome_table,
    purchases,
    share_table,
    utc_as_of,
    with_customer,
)

__all__ = ["LEVELS", "ServiceLevelResult", "ServiceLevelRule", "expectation_column", "expectation_scale",
           "service_levels", "service_levels_combine", "service_levels_part"]

#: Service levels from worst to best.
LEVELS: tuple[str, ...] = ("fails", "meets", "exceeds", "delights", "amazes")


def _num(s: pd.Series | None, n: int) -> np.ndarray:
    if s is None:
        return np.full(n, np.nan)
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


@dataclass(frozen=True)
class ServiceLevelRule:
    """Thresholds that turn survey answers into a service level.

    See the module notes for the order in which the rules apply. Every
    threshold uses the canonical scales: CSAT 1-5, expectation centred
    (-2..+2), NPS 0-10, CES 1-7 (7 = very difficult).

    Parameters
    ----------
    csat_fails_at_most : float, default 2
    expectation_fails_at_most : float, default -1
        "Worse than expected" or lower fails.
    ces_fails_at_least : float or None, default 6
        Effort at or above this fails; None ignores effort.
    csat_exceeds_at_least : float, default 4
        Without an expectation answer, CSAT at or above this exceeds.
    expectation_exceeds_at_least : float, default 1
    csat_delights_at_least : float, default 5
        Delights and amazes need CSAT at or above this.
    nps_delights_at_least : float or None, default 9
        Without an expectation answer, NPS at or above this (with top CSAT)
        delights; None: never without an expectation answer.
    expectation_amazes_at_least : float, default 2
    nps_amazes_at_least : float or None, default 10
        Amazes also needs NPS at or above this; None drops the NPS condition.

    Examples
    --------
    >>> rule = ServiceLevelRule(ces_fails_at_least=None)
    >>> rule.assign(csat=[2, 3, 5, 5, 4, 5], expectation=[1, 0, 2, np.nan, np.nan, 0],
    ...             nps=[10, 5, 10, 9, 3, 10]).tolist()
    ['fails', 'meets', 'amazes', 'delights', 'exceeds', 'meets']
    """

    csat_fails_at_most: float = 2
    expectation_fails_at_most: float = -1
    ces_fails_at_least: float | None = 6
    csat_exceeds_at_least: float = 4
    expectation_exceeds_at_least: float = 1
    csat_delights_at_least: float = 5
    nps_delights_at_least: float | None = 9
    expectation_amazes_at_least: float = 2
    nps_amazes_at_least: float | None = 10

    def __post_init__(self) -> None:
        ranges = {"csat_fails_at_most": (1, 5), "csat_exceeds_at_least": (1, 5),
                  "csat_delights_at_least": (1, 5), "expectation_fails_at_most": (-3, 3),
                  "expectation_exceeds_at_least": (-3, 3), "expectation_amazes_at_least": (-3, 3),
                  "ces_fails_at_least": (1, 7), "nps_delights_at_least": (0, 10),
                  "nps_amazes_at_least": (0, 10)}
        optional = {"ces_fails_at_least", "nps_delights_at_least", "nps_amazes_at_least"}
        for name, (lo, hi) in ranges.items():
            v = getattr(self, name)
            if v is None and name in optional:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                    or not lo <= v <= hi:
                raise ValueError(f"ServiceLevelRule: `{name}` must be a number from {lo} to {hi}"
                                 f"{' or None' if name in optional else ''}, but {v!r} was passed.")
        if not self.csat_fails_at_most < self.csat_exceeds_at_least <= self.csat_delights_at_least:
            raise ValueError("ServiceLevelRule: CSAT thresholds must rise: csat_fails_at_most < "
                             "csat_exceeds_at_least <= csat_delights_at_least.")

    def describe(self) -> str:
        """The rule in plain words."""
        fails = [f"CSAT is {self.csat_fails_at_most:g} or lower",
                 f"the expectation answer is {self.expectation_fails_at_most:+g} or lower (worse than expected)"]
        if self.ces_fails_at_least is not None:
            fails.append(f"effort is {self.ces_fails_at_least:g} or higher (of 7)")
        amaze = (f"CSAT {self.csat_delights_at_least:g}+ and expectation {self.expectation_amazes_at_least:+g}+"
                 + (f" and NPS {self.nps_amazes_at_least:g}+" if self.nps_amazes_at_least is not None else ""))
        delight = (f"CSAT {self.csat_delights_at_least:g}+ and expectation "
                   f"{self.expectation_exceeds_at_least:+g}+"
                   + (f" (or, without an expectation answer, NPS {self.nps_delights_at_least:g}+)"
                      if self.nps_delights_at_least is not None else ""))
        return (f"Fails when {', or '.join(fails)}. Amazes when {amaze}. Delights when {delight}. Exceeds when "
                f"the expectation answer is {self.expectation_exceeds_at_least:+g}+ (better than expected) or, "
                f"without one, CSAT is {self.csat_exceeds_at_least:g}+. Meets: every other response with a "
                "CSAT or expectation answer. The first rule that matches wins, in this order.")

    def assign(self, csat: Any = None, expectation: Any = None, nps: Any = None,
               ces: Any = None) -> pd.Categorical:
        """Level of each response (vectorised); missing where no level applies.

        Parameters
        ----------
        csat, expectation, nps, ces : array-like or None
            Answers on the canonical scales (expectation centred on 0); None
            when the survey has no such question. At least one array.

        Returns
        -------
        pandas.Categorical
            Ordered, categories :data:`LEVELS`.
        """
        given = [x for x in (csat, expectation, nps, ces) if x is not None]
        if not given:
            raise ValueError("ServiceLevelRule.assign needs at least one of csat, expectation, nps, ces.")
        n = len(np.atleast_1d(np.asarray(given[0], dtype=object)))

        def arr(x: Any) -> np.ndarray:
            if x is None:
                return np.full(n, np.nan)
            a = pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(x, dtype=object))), errors="coerce")
            if len(a) != n:
                raise ValueError("csat, expectation, nps and ces must have the same length.")
            return a.to_numpy(dtype="float64", na_value=np.nan)

        c, e, p, f = arr(csat), arr(expectation), arr(nps), arr(ces)
        no_e = np.isnan(e)
        with np.errstate(invalid="ignore"):
            fails = (c <= self.csat_fails_at_most) | (e <= self.expectation_fails_at_most)
            if self.ces_fails_at_least is not None:
                fails |= f >= self.ces_fails_at_least
            top = c >= self.csat_delights_at_least
            amazes = top & (e >= self.expectation_amazes_at_least)
            if self.nps_amazes_at_least is not None:
                amazes &= p >= self.nps_amazes_at_least
            delights = top & (e >= self.expectation_exceeds_at_least)
            if self.nps_delights_at_least is not None:
                delights |= top & no_e & (p >= self.nps_delights_at_least)
            exceeds = (e >= self.expectation_exceeds_at_least) | (no_e & (c >= self.csat_exceeds_at_least))
        known = ~np.isnan(c) | ~no_e
        code = np.select([fails, amazes, delights, exceeds, known], [0, 4, 3, 2, 1], default=-1)
        return pd.Categorical.from_codes(code, categories=list(LEVELS), ordered=True)


# =========================================================================== expectation column
def _labels_module() -> Any:
    try:
        from csanalysis.io import labels
    except ImportError:  # pragma: no cover - the labels module ships with csanalysis
        return None
    return labels


def _find_expectation(responses: pd.DataFrame) -> str | None:
    """The first non-canonical column whose question text (or name) asks about expectations."""
    labels = _labels_module()
    if labels is None or not hasattr(labels, "detect_question_role"):
        return None
    canonical = {c.name for c in TABLES["responses"]} | {"customer"}
    texts = responses.attrs.get("questions") or {}
    for col in responses.columns:  # a handful of columns
        if col in canonical:
            continue
        text = texts.get(col, col if not texts else None)
        if text is not None and labels.detect_question_role(str(text)) == "expectation":
            return str(col)
    return None


def _check_codes(lo: float, hi: float, points: int) -> None:
    """Numeric expectation answers from ``lo`` to ``hi`` must be codes 1..``points``."""
    if lo < 1 or hi > points:
        raise ValueError(f"the expectation column holds numbers from {lo:g} to {hi:g}, "
                         f"outside the codes 1..{points}; pass expectation_points= with the scale length "
                         "(1 = much worse than expected).")


def _expectation_codes(values: pd.Series, points: int | None, notes: list[str]) -> np.ndarray:
    """Centred expectation answers (-2..+2 on a 5-point scale)."""
    v = values
    if pd.api.types.is_numeric_dtype(v.dtype) and not pd.api.types.is_bool_dtype(v.dtype):
        x = pd.to_numeric(v, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        p = 5 if points is None else int(points)
        seen = x[~np.isnan(x)]
        if seen.size:
            _check_codes(float(seen.min()), float(seen.max()), p)
        return x - (p + 1) / 2.0
    labels = _labels_module()
    if labels is None:  # pragma: no cover
        raise ValueError("the expectation column holds labels but csanalysis.io.labels is not available to "
                         "map them; give the answers as codes 1..5.")
    m = labels.map_scale(v, kind="expectation", points=points)
    if m.unmapped:
        notes.append(f"{len(m.unmapped)} expectation label(s) not recognised (left missing)")
    p = m.points if m.points else (5 if points is None else int(points))
    return m.codes.to_numpy(dtype="float64", na_value=np.nan) - (p + 1) / 2.0


# =========================================================================== result
@dataclass(repr=False)
class ServiceLevelResult(Result):
    """Result of :func:`service_levels`.

    Attributes
    ----------
    responses : DataFrame
        One row per response: ``response_id, customer, responded_at, csat,
        expectation`` (centred), ``nps, ces, level``.
    customers : DataFrame
        One row per customer with a level: ``customer, level, level_at`` (time
        of the latest response with a level), ``n_responses`` and, with
        activity, ``follow_days, followed, prior_purchase,
        next_purchase_at, days_to_next, repeat``.
    rule : ServiceLevelRule
    expectation_column : str or None
        The expectation question used.
    window : float
    end : Timestamp or None
        End of observation (None without activity).
    test : dict
        Chi-square test across levels: ``statistic, df, p_value, n, levels,
        method`` (NaN where not computable).
    kept : dict or None
        Without the rows (:meth:`~csanalysis.results.Result.without_rows`:
        ``responses`` and ``customers`` None): the summaries by customer and
        by response and the counts.
    """

    responses: pd.DataFrame | None
    customers: pd.DataFrame | None
    rule: ServiceLevelRule
    expectation_column: str | None
    window: float
    end: pd.Timestamp | None
    test: dict[str, Any]
    per_customer: str = "latest"
    confidence: float = 0.95
    notes: list[str] = field(default_factory=list)
    title: str = "Service levels (per customer)"
    kept: dict[str, Any] | None = field(default=None, repr=False)

    row_fields = ("responses", "customers")

    def _row_facts(self) -> dict[str, Any]:
        return {"summary": self.summary(), "summary_response": self.summary("response"),
                "counts": self._counts()}

    def _counts(self) -> tuple[int, int]:
        return self._kept("counts", lambda: (len(self.responses), len(self.customers)))

    def __repr__(self) -> str:
        n_responses, n_customers = self._counts()
        return (f"ServiceLevelResult({n_responses} responses, {n_customers} customers, "
                f"expectation={self.expectation_column!r})")

    def summary(self, by: Literal["customer", "response"] = "customer") -> pd.DataFrame:
        """Share of each level (Wilson intervals) and, per customer with activity, later behaviour.

        Parameters
        ----------
        by : {"customer", "response"}
            Count customers (their level, default) or responses.

        Returns
        -------
        DataFrame
            ``segment, n, share, share_ci_low, share_ci_high`` for every
            level in :data:`LEVELS`; per customer with activity also
            ``n_followed, n_censored, repeat_n, repeat_rate, repeat_ci_low,
            repeat_ci_high, avoid_rate, avoid_ci_low, avoid_ci_high, ...``.
        """
        if by not in ("customer", "response"):
            raise ValueError(f"by must be 'customer' or 'response', got {by!r}.")
        return self._kept("summary" if by == "customer" else "summary_response", lambda: self._summary(by))

    def _summary(self, by: str) -> pd.DataFrame:
        if by == "response":
            lv = self.responses["level"].dropna().astype("object")
            return share_table(lv, LEVELS, self.confidence)
        if "followed" not in self.customers.columns:
            return share_table(self.customers["level"].astype("object"), LEVELS, self.confidence)
        return outcome_table(self.customers, "level", LEVELS, self.confidence)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"segments": [...], "response_segments": [...], "test": {...}, ...}``."""
        return jsonable({"segments": frame_records(self.summary()),
                         "response_segments": frame_records(self.summary("response")), "test": self.test,
                         "rule": self.rule.describe(), "expectation_column": self.expectation_column,
                         "per_customer": self.per_customer, "window_days": self.window, "end": self.end,
                         "notes": list(self.notes)})

    def plot(self, ax: Any = None, *, what: Literal["share", "repeat", "avoid"] = "share") -> Any:
        """Share, repeat or avoid rate per level (see :func:`csanalysis.plotting.plot_service_levels`)."""
        from csanalysis.plotting.segments import plot_service_levels
        return plot_service_levels(self, ax=ax, what=what)


def _chi_square(summary: pd.DataFrame) -> dict[str, Any]:
    method = "Pearson chi-square, levels x (bought again, did not), followed customers"
    s = summary.loc[summary["n_followed"] > 0]
    k = s["repeat_n"].to_numpy(dtype=float)
    n = s["n_followed"].to_numpy(dtype=float)
    obs = np.column_stack([k, n - k])
    out = {"statistic": np.nan, "df": np.nan, "p_value": np.nan, "n": int(n.sum()),
           "levels": [str(x) for x in s["segment"]], "method": method}
    if len(s) < 2 or (obs.sum(axis=0) == 0).any():
        out["method"] = method + "; not computable (fewer than two levels or no variation)"
        return out
    res = stats.chi2_contingency(obs, correction=False)
    out.update(statistic=float(res.statistic), df=int(res.dof), p_value=float(res.pvalue))
    return out


# =========================================================================== main function
def service_levels(
    responses: pd.DataFrame,
    activity: pd.DataFrame | None = None,
    *,
    rule: ServiceLevelRule = ServiceLevelRule(),
    expectation: str | Literal[False] | None = None,
    expectation_points: int | None = None,
    per_customer: Literal["latest", "modal"] = "latest",
    window: float = 365,
    as_of: Any = None,
    customer: str = "customer",
    key: Key = "auto",
    confidence: float = 0.95,
) -> ServiceLevelResult:
    """Assign the four levels of service (plus "fails") to responses and customers.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses (``csat``, ``nps``, ``ces``, ``responded_at``;
        other questions in their own columns, texts in
        ``attrs["questions"]``).
    activity : DataFrame, optional
        Canonical activity, to measure repeat purchase and avoidance after
        each customer's level.
    rule : ServiceLevelRule
        Thresholds; see :meth:`ServiceLevelRule.describe`.
    expectation : str, False or None
        Column of the expectation question; None detects it from the
        question texts; False ignores any.
    expectation_points : int, optional
        Scale length of the expectation answers (for bare numbers; default 5).
    per_customer : {"latest", "modal"}
        The customer's level: that of the latest response, or the most
        frequent (ties to the lower level).
    window : float, default 365
        Follow-up window in days after the customer's latest levelled response.
    as_of : date-like, optional
        End of observation; default the latest purchase or response.
    customer : str, default "customer"
        Customer column; unlinked tables are linked with
        :func:`csanalysis.link.link_customers` (``key``).
    key : {"auto", "customer_id", "email_key"}
    confidence : float, default 0.95

    Returns
    -------
    ServiceLevelResult

    Raises
    ------
    ValueError
        No response, no CSAT or expectation question, no response with a
        level, or a bad option.

    Examples
    --------
    >>> r = pd.DataFrame({"customer": ["a", "b", "c", "c"], "csat": [2.0, 4.0, 5.0, 5.0],
    ...                   "nps": [3.0, 8.0, 10.0, 9.0],
    ...                   "responded_at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
    ...                                                   "2024-02-01"], utc=True)})
    >>> res = service_levels(r, expectation=False)
    >>> res.customers[["customer", "level", "n_responses"]]
      customer     level  n_responses
    0        a     fails            1
    1        b   exceeds            1
    2        c  delights            2
    """
    window, confidence = _check_options(rule, per_customer, window, confidence)
    if activity is not None:
        resp, act = link_pair(responses, "responses", activity, "activity", customer, key)
    else:
        resp, act = with_customer(responses, "responses", customer, key), None
    if len(resp) == 0:
        raise ValueError("responses is empty; service levels need survey responses.")
    notes: list[str] = []
    # ---- the expectation question
    exp_col: str | None
    if expectation is False:
        exp_col = None
    elif expectation is None:
        exp_col = _find_expectation(resp)
        if exp_col is not None:
            notes.append(f"expectation question detected in column {exp_col!r}")
    else:
        if expectation not in resp.columns:
            raise ValueError(f"responses has no column {expectation!r} for the expectation question.")
        exp_col = str(expectation)
    e = (_expectation_codes(resp[exp_col], expectation_points, notes) if exp_col is not None
         else np.full(len(resp), np.nan))
    part = _levels_part(resp, act, e, rule=rule, per_customer=per_customer, window=window, end=None,
                        as_of=as_of, positions=None)
    return service_levels_combine([part], rule=rule, expectation_column=exp_col, per_customer=per_customer,
                                  window=window, end=part["end"], with_activity=act is not None,
                                  confidence=confidence, notes=notes)


def _check_options(rule: Any, per_customer: str, window: Any, confidence: Any) -> tuple[float, float]:
    if not isinstance(rule, ServiceLevelRule):
        raise TypeError(f"rule must be a ServiceLevelRule, got {type(rule).__name__}.")
    if per_customer not in ("latest", "modal"):
        raise ValueError(f"per_customer must be 'latest' or 'modal', got {per_customer!r}.")
    return check_window(window), check_confidence(confidence)


def _timestamp(end: Any) -> pd.Timestamp | None:
    """The end of observation as a UTC timestamp (a timestamp given stays as it is)."""
    return end if end is None or isinstance(end, pd.Timestamp) else utc_as_of(end, None)


def expectation_column(responses: pd.DataFrame) -> str | None:
    """The expectation question :func:`service_levels` detects (``expectation=None``): the first
    non-canonical column whose question text (or name) asks about expectations, or None."""
    return _find_expectation(responses)


def expectation_scale(answers: pd.Series, points: int | None = None) -> tuple[dict[Any, float], list[str]]:
    """How :func:`service_levels` codes a column of expectation labels: ``({label: centred code}, notes)``.

    ``answers`` holds the column's distinct labels (or all its answers): the
    scale is decided from the distinct labels (:func:`csanalysis.io.labels.map_scale`),
    so the parts of a table split by customer can each map their answers
    with one mapping made from every part's labels. Numbers (a numeric
    column) are coded by :func:`service_levels_part` itself.
    """
    labels = _labels_module()
    if labels is None:  # pragma: no cover
        raise ValueError("the expectation column holds labels but csanalysis.io.labels is not available to "
                         "map them; give the answers as codes 1..5.")
    notes: list[str] = []
    distinct = pd.Series(pd.unique(answers.dropna()), dtype=answers.dtype)
    codes = _expectation_codes(distinct, points, notes)
    return {k: float(v) for k, v in zip(distinct.tolist(), codes) if not np.isnan(v)}, notes


def service_levels_part(responses: pd.DataFrame, activity: pd.DataFrame | None = None, *, end: Any = None,
                        expectation: str | None = None, expectation_map: dict[Any, float] | None = None,
                        expectation_points: int | None = None, rule: ServiceLevelRule = ServiceLevelRule(),
                        per_customer: Literal["latest", "modal"] = "latest", window: float = 365,
                        positions: np.ndarray | None = None) -> dict[str, Any]:
    """One partition's contribution to :func:`service_levels`: its responses' levels and its customers.

    ``responses`` and ``activity`` (linked, with ``customer``) hold every
    row of the partition's customers (split by the response's own
    customer); ``positions`` says where each response is in the whole table.
    What :func:`service_levels` decides from the whole tables comes resolved:
    ``expectation`` (the column, :func:`expectation_column`), its
    ``expectation_map`` when it holds labels (:func:`expectation_scale` of
    every part's labels), ``end`` (as_of; default the latest purchase or
    response of all). :func:`service_levels_combine` of every part equals
    :func:`service_levels` of the whole tables.
    """
    window = check_window(window)
    e = np.full(len(responses), np.nan)
    seen = np.array([])
    if expectation is not None:
        values = responses[expectation]
        if expectation_map is not None:
            v = values.astype(object) if isinstance(values.dtype, pd.CategoricalDtype) else values
            e = v.map(expectation_map).astype("float64").to_numpy(dtype="float64", na_value=np.nan)
        else:  # numbers: the codes less the middle of the scale (the range is checked over every part)
            x = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            seen = x[~np.isnan(x)]
            p = 5 if expectation_points is None else int(expectation_points)
            e = x - (p + 1) / 2.0
    if end is None and activity is not None:
        raise ValueError("service_levels_part needs the end of observation resolved over the whole tables "
                         "(end=: as_of, default the latest purchase or response of all)")
    part = _levels_part(responses, activity, e, rule=rule, per_customer=per_customer, window=window,
                        end=_timestamp(end), positions=positions)
    part["seen"] = (float(seen.min()), float(seen.max())) if seen.size else None
    return part


def _levels_part(resp: pd.DataFrame, act: pd.DataFrame | None, e: np.ndarray, *, rule: ServiceLevelRule,
                 per_customer: str, window: float, end: pd.Timestamp | None, positions: np.ndarray | None,
                 as_of: Any = None) -> dict[str, Any]:
    """:func:`service_levels_part` with the expectation answers coded (``e``); without ``end`` (one part: the
    whole tables) the end is ``as_of``, default the latest purchase or response."""
    n = len(resp)
    col = {c: (resp[c] if c in resp.columns else None) for c in ("csat", "nps", "ces")}
    level = rule.assign(csat=_num(col["csat"], n), expectation=e, nps=_num(col["nps"], n),
                        ces=_num(col["ces"], n))
    at = (as_utc(resp["responded_at"], "responses 'responded_at'") if "responded_at" in resp.columns
          else pd.Series(pd.NaT, index=resp.index, dtype="datetime64[ns, UTC]"))
    rtab = pd.DataFrame({
        "response_id": (resp["response_id"].astype(STR) if "response_id" in resp.columns
                        else pd.Series(np.nan, index=resp.index, dtype=STR)),
        "customer": resp["customer"].astype(STR), "responded_at": at,
        "csat": _num(col["csat"], n), "expectation": e, "nps": _num(col["nps"], n),
        "ces": _num(col["ces"], n), "level": pd.Series(level, index=resp.index),
    }).reset_index(drop=True)
    assigned = rtab["level"].notna()
    out: dict[str, Any] = {"rows": n, "has_csat": "csat" in resp.columns and bool(resp["csat"].notna().any()),
                           "assigned": int(assigned.sum()), "responses": rtab,
                           "positions": np.arange(n, dtype=np.int64) if positions is None
                           else np.asarray(positions, dtype=np.int64),
                           "times": int(at.notna().sum()), "customers": None, "censored": 0, "end": end}
    # ---- per customer
    lv = rtab.loc[assigned & rtab["customer"].notna()].sort_values(
        ["customer", "responded_at"], na_position="first", kind="stable")
    if len(lv) == 0:
        return out
    last = lv.groupby("customer", sort=True).tail(1).set_index("customer")
    cust = pd.DataFrame({"level_at": last["responded_at"]})
    if per_customer == "latest":
        cust["level"] = last["level"]
    else:
        counts = pd.crosstab(lv["customer"], lv["level"].cat.codes)
        # most frequent level; idxmax takes the first maximum = the lower level on ties
        cust["level"] = pd.Categorical.from_codes(
            counts.idxmax(axis=1).reindex(cust.index).to_numpy(dtype="int64"),
            categories=list(LEVELS), ordered=True)
    cust["n_responses"] = lv.groupby("customer", sort=True).size().reindex(cust.index).astype("int64")
    cust.index.name = "customer"
    cust = cust.reset_index()[["customer", "level", "level_at", "n_responses"]]
    cust["customer"] = cust["customer"].astype(STR)
    if act is not None:
        pur = purchases(act)
        out["times"] += len(pur)
        if end is None:
            candidates = [x for x in (pur["at"].max() if len(pur) else pd.NaT, rtab["responded_at"].max())
                          if pd.notna(x)]
            end = out["end"] = utc_as_of(as_of, max(candidates)) if candidates else None
        if end is not None:
            fu = follow_up(cust.rename(columns={"level_at": "index_at"})[["customer", "index_at"]], pur,
                           window=window, end=end)
            cust = pd.concat([cust, fu], axis=1)
            out["censored"] = int((~cust["followed"]).sum())
    out["customers"] = cust
    return out


def service_levels_combine(parts: list[dict[str, Any]], *, rule: ServiceLevelRule = ServiceLevelRule(),
                           expectation_column: str | None = None, per_customer: str = "latest",
                           window: float = 365, end: Any = None, with_activity: bool | None = None,
                           expectation_points: int | None = None, confidence: float = 0.95,
                           notes: list[str] | None = None) -> ServiceLevelResult:
    """:func:`service_levels` of the whole tables from every partition's :func:`service_levels_part` (the
    same options; ``notes``: those the expectation column gave, :func:`expectation_scale`)."""
    window, confidence = _check_options(rule, per_customer, window, confidence)
    notes = list(notes or [])
    n = sum(p["rows"] for p in parts)
    if n == 0:
        raise ValueError("responses is empty; service levels need survey responses.")
    seen = [p["seen"] for p in parts if p.get("seen") is not None]
    if seen:  # numeric expectation answers outside the codes
        _check_codes(min(x for x, _ in seen), max(x for _, x in seen),
                     5 if expectation_points is None else int(expectation_points))
    if not any(p["has_csat"] for p in parts) and expectation_column is None:
        raise ValueError("responses has neither CSAT answers nor an expectation question; levels need one of "
                         "them (name the expectation column with expectation='<column>').")
    assigned = sum(p["assigned"] for p in parts)
    if not assigned:
        raise ValueError(f"none of the {n} responses could be given a service level (no CSAT or expectation "
                         "answer); check the column mapping.")
    if assigned < n:
        notes.append(f"{n - assigned} response(s) without a CSAT or expectation answer got no level")
    custs = [p["customers"] for p in parts if p["customers"] is not None]
    if not custs:
        raise ValueError("no response with a level is linked to a customer; link the tables first.")
    rtabs = [p["responses"] for p in parts]
    if len(rtabs) == 1:
        rtab = rtabs[0]
    else:  # the whole table's order
        order = np.argsort(np.concatenate([p["positions"] for p in parts]), kind="stable")
        rtab = pd.concat(rtabs, ignore_index=True).take(order).reset_index(drop=True)
    cust = custs[0] if len(custs) == 1 else (
        pd.concat(custs, ignore_index=True).sort_values("customer", kind="stable", ignore_index=True))
    act = with_activity if with_activity is not None else (end is not None)
    test: dict[str, Any] = {"statistic": np.nan, "df": np.nan, "p_value": np.nan, "n": 0, "levels": [],
                            "method": "no activity given"}
    end_ts = None
    if act:
        if not sum(p["times"] for p in parts) or end is None:
            raise ValueError("neither purchases nor responses carry a time; behaviour cannot be followed.")
        end_ts = _timestamp(end)
        n_cens = sum(p["censored"] for p in parts)
        if n_cens:
            notes.append(f"{n_cens} customer(s) followed for less than {window:g} days: left out of the rates")
    res = ServiceLevelResult(responses=rtab, customers=cust, rule=rule, expectation_column=expectation_column,
                             window=window, end=end_ts, test=test, per_customer=per_customer,
                             confidence=confidence, notes=notes)
    if act:
        res.test = _chi_square(res.summary())
    return res
