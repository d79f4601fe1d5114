"""Planted-truth simulator for the validation of csanalysis (issue 10, point 8).

This is the validation's own generator: it shares nothing with the bundled
sample's generator (``csanalysis/datasets/generate.py``). Everything is
vectorised (counts drawn per customer, event times drawn uniformly and thinned);
there is no Python loop over customers or events.

The world
---------
Time is in days from ``ORIGIN``; the data end at ``T = years * 365.25`` and the
world is simulated on to ``T + 731`` days so that every truth is computed
without censoring.

* **Customers** make a first purchase on joining (uniform over ``join_years``)
  and then buy as a Poisson process with a customer rate drawn from a gamma
  distribution (``rate_mean`` purchases a year, shape ``rate_shape``: the
  gamma-Poisson heterogeneity), modulated by a yearly season (``season_amp``)
  and ended by the customer's lifetime (exponential, ``lifetime_years``;
  ``one_time_share`` buy once and never again).
* **Tickets** follow purchases: each purchase opens a ticket with probability
  ``ticket_prob`` a few days later; it is solved after a log-normal time. Its
  latent satisfaction (1-5) comes from a customer effect, an account effect
  (``account_sd``, customers grouped in accounts of ``account_size``), a
  ticket-level normal and, with ``confounding > 0``, a shift making heavy
  buyers' tickets worse. A solved ticket is rated (score ``(s - 1) / 4``) with
  probability ``rated_prob``; a post-ticket survey (CSAT = s) is answered with
  probability ``survey_prob`` within an hour of solving. With
  ``replacement_prob`` a ticket causes a replacement order while it is open
  (in the activity table, but not a purchase of the customer's own will: the
  truths never count it).
* **Relationship surveys** (not about a ticket) arrive as a Poisson process
  while the customer is alive; their CSAT comes from the same latent model.
  Every survey answer may carry "how many people did you tell" (a
  negative-binomial count with a customer frailty, so one customer's answers
  are correlated), exact or banded 0 / 1-5 / 6-10 / 11-20 / more than 20 (the
  top band open), and "did you warn others not to buy".
* **Experiences** are tickets (known at their solved time) and relationship
  survey answers (known when answered), bad when the rating or CSAT is 1-2 of
  5, good when 4-5, as the package's default rule says. The experience
  **effect**: from a customer's first bad experience on, the customer stops
  buying with probability ``defect_prob`` and otherwise buys at
  ``rate_multiplier`` times the rate (thinning of the same candidate
  purchases). The **recovery**: from the first good experience after the first
  bad one on, a defection is revoked and the rate is ``recovery_multiplier``
  times the natural rate (``None``: no recovery effect).

Potential outcomes
------------------
Every candidate purchase carries one uniform draw, and every customer one
defection draw, shared by all worlds, so the same customers are followed in

* the **observed** world (every effect);
* **no experience now**: the customer's first bad experience removed, the
  rest of the world running its course (a later bad experience has its effect
  then): the counterfactual of the primary ``avoid_2y_baseline`` /
  ``excess_avoidance`` ("bad experience now" versus "no contact now");
* **never an effect** (the natural purchases): the counterfactual of
  ``excess_avoidance_censored`` ("as if not contacted");
* **no recovery now**: the recovering good experience removed, a later good
  experience recovering the customer then: the counterfactual of
  ``recovery_difference`` (its comparison, "recovered now" versus "not
  recovered now", ignores a later recovery of the reference customers);
* **no recovery ever** (the bad effect continuing after the recovery):
  recorded as ``rep_norec_*`` for reference (in worlds where customers who are
  not recovered now often are later, the two differ by a few points).

The truths are ratios of sums over customers, answers or tickets
(:data:`TRUTH_SUMS`), so samples of any size add up to a population truth
(:func:`truths_from_sums`).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csanalysis.schema import conform, rating_from_score

__all__ = ["ORIGIN", "YEAR", "WINDOW", "RECOVERY_WINDOWS", "World", "WORLDS", "Simulation", "simulate",
           "truths_from_sums", "population_truth", "TRUTH_FIGURES", "world_hash", "simulator_source"]

ORIGIN = pd.Timestamp("2019-01-01", tz="UTC")
YEAR = 365.25
#: The avoidance window (days).
WINDOW = 730.0
#: Windows (days) of the recovery truth (the package's journeys window may be either).
RECOVERY_WINDOWS = (365, 730)
#: The service-recovery comparison's eligibility (the package's default ``active_days``): a purchase in the
#: 365 days before time zero. Its truth is the effect on the recovered customers eligible at time zero.
RECOVERY_ACTIVE_DAYS = 365.0
#: Cut points of the latent satisfaction into 1-5.
SAT_CUTS = np.array([-1.0, -0.3, 0.4, 1.2])
#: Answer bands of the banded word-of-mouth item: (low, high), high ``inf`` = open.
BANDS = ((0, 0), (1, 5), (6, 10), (11, 20), (21, math.inf))
_KEY = 1e5  # > any time in days: customer * _KEY + time orders events by (customer, time)


# =========================================================================== worlds
@dataclass(frozen=True)
class World:
    """The knobs of one simulated world (defaults: the benign world)."""

    name: str = "benign"
    description: str = "homogeneous buyers, all joining in year 1, 6 years of data, one kind of everything"
    n_customers: int = 6000
    years: float = 6.0
    join_years: float = 1.0
    rate_mean: float = 1.2
    rate_shape: float = 25.0
    one_time_share: float = 0.0
    lifetime_years: float = 0.0
    season_amp: float = 0.0
    season_peak_day: float = 340.0
    ticket_prob: float = 0.15
    ticket_delay_days: float = 4.0
    ticket_days: float = 2.0
    rated_prob: float = 0.5
    survey_prob: float = 0.3
    survey_rate: float = 0.12
    sat_mean: float = 0.5
    customer_sd: float = 0.3
    account_size: float = 0.0
    account_sd: float = 0.0
    confounding: float = 0.0
    replacement_prob: float = 0.0
    wom_banded: bool = False
    wom_mean_bad: float = 6.0
    wom_mean_other: float = 2.0
    wom_size: float = 0.8
    wom_customer_sd: float = 0.3
    told_item_prob: float = 0.85
    defect_prob: float = 0.15
    rate_multiplier: float = 0.6
    recovery_multiplier: float | None = 0.9

    @property
    def null(self) -> bool:
        """No effect at all: every comparison's truth is exactly 0."""
        return self.defect_prob == 0 and self.rate_multiplier == 1 and self.recovery_multiplier in (None, 1)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _w(name: str, description: str, **kw: Any) -> World:
    return World(name=name, description=description, **kw)


#: The validation worlds: the benign world, one difficulty each, a world with no effect, everything at once.
WORLDS: dict[str, World] = {w.name: w for w in (
    World(),
    _w("heterogeneous", "gamma-Poisson buyers (shape 0.7): rates from a few a decade to several a month",
       rate_shape=0.7),
    _w("lifetimes", "exponential lifetimes (mean 3 years) and 30% one-time buyers",
       lifetime_years=3.0, one_time_share=0.3),
    _w("seasonal", "strong yearly season (purchases 4x as frequent at the December peak as in June)",
       season_amp=0.6),
    _w("joining", "customers join throughout the 6 years", join_years=6.0),
    _w("censored", "2.5 years of data, customers joining in the first year: most index dates followed < 2 years",
       years=2.5),
    _w("confounded", "bad experiences far more frequent among heavy buyers (heterogeneous rates)",
       rate_shape=1.0, confounding=1.0),
    _w("replacements", "tickets open for ~2 weeks; half of them cause a replacement order while open",
       ticket_days=14.0, replacement_prob=0.5),
    _w("repeated", "several tickets and several survey answers per customer, strongly correlated within customer",
       ticket_prob=0.4, survey_rate=1.0, customer_sd=1.0, wom_customer_sd=1.0),
    _w("accounts", "customers grouped in accounts of ~25 whose ratings share a strong account effect",
       account_size=25.0, account_sd=1.2, ticket_prob=0.3),
    _w("wom_bands", "word of mouth answered in bands 0 / 1-5 / 6-10 / 11-20 / more than 20 (open)",
       wom_banded=True),
    _w("no_effect", "no effect of any experience or recovery, in a realistic world (heterogeneous, confounded, "
               "lifetimes, joining throughout, seasonal)",
       rate_shape=1.0, confounding=1.0, lifetime_years=4.0, one_time_share=0.2, join_years=6.0,
       season_amp=0.4, defect_prob=0.0, rate_multiplier=1.0, recovery_multiplier=1.0),
    _w("no_effect_contacts", "no effect at all, with many contacts (several tickets and survey answers per "
                             "customer), heterogeneous and confounded buyers",
       rate_shape=1.0, confounding=1.0, ticket_prob=0.4, survey_rate=1.0, customer_sd=0.8,
       defect_prob=0.0, rate_multiplier=1.0, recovery_multiplier=1.0),
    _w("no_recovery", "bad experiences have their effect but a recovery has none; many contacts, heterogeneous "
                      "buyers",
       rate_shape=1.0, ticket_prob=0.4, survey_rate=1.0, customer_sd=0.8, recovery_multiplier=None),
    _w("everything", "every difficulty at once, with effects",
       rate_shape=0.8, confounding=1.0, lifetime_years=4.0, one_time_share=0.2, join_years=4.0, years=4.0,
       season_amp=0.4, ticket_prob=0.3, ticket_days=10.0, replacement_prob=0.3, survey_rate=0.6,
       customer_sd=0.8, account_size=25.0, account_sd=0.8, wom_banded=True, wom_customer_sd=0.8),
)}


def simulator_source() -> str:
    """The code and constants a simulated dataset and its truths depend on (not the table of worlds)."""
    parts = [inspect.getsource(f) for f in (simulate, truths_from_sums, _group_min, _next_after, _last_before,
                                             _satisfaction, _ts, _ids, _band)]
    parts.append(repr((str(ORIGIN), YEAR, WINDOW, RECOVERY_WINDOWS, RECOVERY_ACTIVE_DAYS, SAT_CUTS.tolist(), BANDS,
                       _KEY)))
    return "\n".join(parts)


def world_hash(world: World) -> str:
    """A short hash of the world's knobs (not its name or description) and of the simulator's code.

    Checkpoints and cached truths are reused only while it is unchanged; renaming a world, editing a
    description or adding a world leaves the other worlds' hashes alone.
    """
    knobs = {k: v for k, v in world.to_dict().items() if k not in ("name", "description")}
    h = hashlib.sha256(json.dumps(knobs, sort_keys=True).encode() + simulator_source().encode())
    return h.hexdigest()[:12]


# =========================================================================== truths
#: The figures the validation has truths for: id -> (group, unit kind "share" or "value", sums it is made of).
TRUTH_FIGURES: dict[str, tuple[str, str]] = {
    "avoid_2y_after_bad": ("all", "share"),
    "avoid_2y_baseline": ("all", "share"),
    "excess_avoidance": ("all", "share"),
    "excess_avoidance_censored": ("all", "share"),
    "rmst_diff_2y": ("all", "value"),
    "avoid_2y_after_bad_changed": ("all", "share"),
    "split_lt_365": ("all", "share"),
    "split_365_729": ("all", "share"),
    "split_730_plus": ("all", "share"),
    "bad_rating_share": ("all", "share"),
    "csat_mean": ("all", "value"),
    "csat_top2": ("all", "share"),
    "wom_told_mean": ("satisfaction=dissatisfied", "value"),
    "wom_told_mean_lower_bound": ("satisfaction=dissatisfied", "value"),
    "wom_told_over_20": ("satisfaction=dissatisfied", "share"),
    "share_bad_any": ("satisfaction=dissatisfied", "share"),
    "share_bad_gt5": ("satisfaction=dissatisfied", "share"),
    "told_others_not_to_buy_after_bad": ("satisfaction=dissatisfied", "share"),
    "share_good_any": ("satisfaction=satisfied", "share"),
    "recovery_difference": ("comparison=bad then recovered vs bad not recovered", "share"),
}


def truths_from_sums(s: dict[str, float], recovery_window: int = 365) -> dict[str, float]:
    """Figure id -> truth, from additive sums (one sample's, or many samples' added)."""
    def r(a: float, b: float) -> float:
        return float(a) / float(b) if b else float("nan")

    nb = s["n_bad"]
    w = int(recovery_window)
    return {
        "avoid_2y_after_bad": r(s["avoid_obs"], nb),
        "avoid_2y_baseline": r(s["avoid_now"], nb),
        "excess_avoidance": r(s["avoid_obs"] - s["avoid_now"], nb),
        "excess_avoidance_censored": r(s["avoid_obs"] - s["avoid_never"], nb),
        "rmst_diff_2y": r(s["rmst_obs"] - s["rmst_now"], nb),
        "avoid_2y_after_bad_changed": r(s["avoid_changed"], s["n_changed"]),
        "split_lt_365": r(s["split_lt_365"], nb),
        "split_365_729": r(s["split_365_729"], nb),
        "split_730_plus": r(s["avoid_obs"], nb),
        "bad_rating_share": r(s["rated_bad"], s["n_rated"]),
        "csat_mean": r(s["csat_sum"], s["n_csat"]),
        "csat_top2": r(s["csat_top2"], s["n_csat"]),
        "wom_told_mean": r(s["told_sum"], s["n_told_bad"]),
        "wom_told_mean_lower_bound": r(s["told_low_sum"], s["n_told_bad"]),
        "wom_told_over_20": r(s["told_over_20"], s["n_told_bad"]),
        "share_bad_any": r(s["told_any"], s["n_told_bad"]),
        "share_bad_gt5": r(s["told_gt5"], s["told_any"]),
        "told_others_not_to_buy_after_bad": r(s["warned"], s["n_warned_bad"]),
        "share_good_any": r(s["told_any_good"], s["n_told_good"]),
        "recovery_difference": r(s[f"rep_obs_{w}"] - s[f"rep_notnow_{w}"], s[f"n_recovered_{w}"]),
    }


# =========================================================================== helpers
def _group_min(cust: np.ndarray, values: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.inf)
    np.minimum.at(out, cust[mask], values[mask])
    return out


def _next_after(pc: np.ndarray, pt: np.ndarray, keep: np.ndarray, cq: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Time of each customer's first kept purchase strictly after q (inf when none); purchases sorted."""
    k = pc[keep] * _KEY + pt[keep]
    t = pt[keep]
    c = pc[keep]
    i = np.searchsorted(k, cq * _KEY + q, side="right")
    ok = i < len(k)
    ii = np.minimum(i, max(len(k) - 1, 0))
    hit = ok & (c[ii] == cq) if len(k) else np.zeros(len(cq), bool)
    return np.where(hit, t[ii] if len(k) else np.inf, np.inf)


def _last_before(pc: np.ndarray, pt: np.ndarray, keep: np.ndarray, cq: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Time of each customer's last kept purchase strictly before q (-inf when none); purchases sorted."""
    k = pc[keep] * _KEY + pt[keep]
    t = pt[keep]
    c = pc[keep]
    i = np.searchsorted(k, cq * _KEY + q, side="left") - 1
    ii = np.maximum(i, 0)
    hit = (i >= 0) & (c[ii] == cq) if len(k) else np.zeros(len(cq), bool)
    return np.where(hit, t[ii] if len(k) else -np.inf, -np.inf)


def _satisfaction(z: np.ndarray) -> np.ndarray:
    return 1 + np.searchsorted(SAT_CUTS, z).astype("int64")


def _ts(days: np.ndarray) -> pd.DatetimeIndex:
    sec = np.round(np.asarray(days, dtype="float64") * 86400.0)
    return ORIGIN + pd.to_timedelta(sec.astype("int64"), unit="s")


def _ids(prefix: str, n: np.ndarray, width: int = 7) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.asarray(n).astype("U12"), width))


def _band(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lows = np.array([b[0] for b in BANDS], dtype="float64")
    highs = np.array([b[1] for b in BANDS], dtype="float64")
    i = np.searchsorted(lows, x, side="right") - 1
    return lows[i], np.where(np.isinf(highs[i]), np.nan, highs[i])


@dataclass
class Simulation:
    """One simulated dataset: canonical tables, the data end, and its truth sums."""

    world: World
    seed: int
    tickets: pd.DataFrame | None
    responses: pd.DataFrame | None
    activity: pd.DataFrame | None
    end: pd.Timestamp
    sums: dict[str, float] = field(default_factory=dict)
    info: dict[str, float] = field(default_factory=dict)

    def truths(self, recovery_window: int = 365) -> dict[str, float]:
        """This sample's own truths (the population truths come from :func:`population_truth`)."""
        return truths_from_sums(self.sums, recovery_window)


# =========================================================================== the simulator
def simulate(world: World, seed: int, *, n_customers: int | None = None, tables: bool = True) -> Simulation:
    """Simulate one dataset of ``world``.

    Parameters
    ----------
    world : World
    seed : int
        Seed of every draw (the same seed gives the same dataset).
    n_customers : int, optional
        Overrides ``world.n_customers``.
    tables : bool, default True
        Build the canonical tables (``False``: truth sums only, for the population truth).

    Returns
    -------
    Simulation
    """
    rng = np.random.default_rng(seed)
    W = world
    N = int(n_customers or W.n_customers)
    T = W.years * YEAR
    H = T + WINDOW + 1.0

    # ---------------------------------------------------------------- customers
    join = rng.uniform(0.0, min(W.join_years, W.years) * YEAR, N)
    g = rng.gamma(W.rate_shape, 1.0 / W.rate_shape, N) if math.isfinite(W.rate_shape) else np.ones(N)
    rate = W.rate_mean * g / YEAR  # per day
    life = rng.exponential(W.lifetime_years * YEAR, N) if W.lifetime_years > 0 else np.full(N, np.inf)
    one_time = rng.random(N) < W.one_time_share
    death = np.where(one_time, join, join + life)
    if W.account_size > 0:
        n_acc = max(1, int(round(N / W.account_size)))
        account = rng.integers(0, n_acc, N)
        acc_eff = rng.normal(0.0, W.account_sd, n_acc)[account]
    else:
        account = np.full(N, -1)
        acc_eff = np.zeros(N)
    cust_eff = rng.normal(0.0, W.customer_sd, N)
    sat_shift = W.sat_mean + cust_eff + acc_eff - W.confounding * np.log(np.maximum(g, 1e-12))
    defect = rng.random(N) < W.defect_prob
    frailty = np.exp(rng.normal(-W.wom_customer_sd ** 2 / 2, W.wom_customer_sd, N))

    # ---------------------------------------------------------------- natural purchases
    end_life = np.minimum(death, H)
    span = np.maximum(end_life - join, 0.0)
    lam_max = rate * (1.0 + W.season_amp)
    k = rng.poisson(lam_max * span)
    c = np.repeat(np.arange(N), k)
    t = join[c] + rng.random(len(c)) * span[c]
    if W.season_amp > 0:
        acc = (1.0 + W.season_amp * np.cos(2 * np.pi * (t - W.season_peak_day) / YEAR)) / (1.0 + W.season_amp)
        keep = rng.random(len(t)) < acc
        c, t = c[keep], t[keep]
    pc = np.concatenate([np.arange(N), c])
    pt = np.concatenate([join, t])
    order = np.lexsort((pt, pc))
    pc, pt = pc[order], pt[order]
    P = len(pc)
    u = rng.random(P)  # the one thinning draw of each candidate purchase, shared by every world
    amount = np.round(rng.lognormal(np.log(60.0) - 0.32, 0.8, P), 2)

    # ---------------------------------------------------------------- tickets (one per triggering purchase)
    tp = np.flatnonzero(rng.random(P) < W.ticket_prob)
    M = len(tp)
    tc = pc[tp]
    created = pt[tp] + rng.exponential(W.ticket_delay_days, M)
    dur = rng.lognormal(np.log(W.ticket_days) - 0.32, 0.8, M)
    solved = created + dur
    s_t = _satisfaction(sat_shift[tc] + rng.normal(0.0, 1.0, M))
    rated = rng.random(M) < W.rated_prob
    surveyed = rng.random(M) < W.survey_prob
    answered_t = rated | surveyed
    t_bad = answered_t & (s_t <= 2)
    t_good = answered_t & (s_t >= 4)
    resp_t_at = solved + rng.random(M) / 24.0
    has_repl = rng.random(M) < W.replacement_prob
    repl_at = created + rng.random(M) * dur

    # ---------------------------------------------------------------- relationship surveys
    ks = rng.poisson(W.survey_rate / YEAR * span)
    sc = np.repeat(np.arange(N), ks)
    st = join[sc] + rng.random(len(sc)) * span[sc]
    S = len(sc)
    s_s = _satisfaction(sat_shift[sc] + rng.normal(0.0, 1.0, S))

    # ---------------------------------------------------------------- experiences and their dynamics
    e_c = np.concatenate([tc, sc])
    e_known = np.concatenate([solved, st])
    e_bad = np.concatenate([t_bad, s_s <= 2])
    e_good = np.concatenate([t_good, s_s >= 4])
    e_p = np.concatenate([tp, np.full(S, -1)])  # triggering purchase (-1: a survey answer)
    m = W.rate_multiplier
    m_rec = W.recovery_multiplier

    def dynamics(excluded: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        ok = ~excluded
        tau = _group_min(e_c, e_known, e_bad & ok, N)
        p1 = (pt <= tau[pc]) | (~defect[pc] & (u < m))
        alive = np.where(e_p >= 0, p1[np.maximum(e_p, 0)], True)
        rho = _group_min(e_c, e_known, e_good & ok & alive & (e_known > tau[e_c]), N)
        p2 = p1 if m_rec is None else np.where(pt <= rho[pc], p1, u < m_rec)
        return tau, rho, p1, p2

    no_exclusion = np.zeros(len(e_c), dtype=bool)
    tau, rho, p1, p2 = dynamics(no_exclusion)
    # the first bad experience of each customer (the one at tau), removed for "no experience now"
    is_first = e_bad & np.isfinite(tau[e_c]) & (e_known == tau[e_c])
    tau_now, _, _, p2_now = dynamics(is_first)
    natural = np.ones(P, dtype=bool)

    # ---------------------------------------------------------------- avoidance truths
    sums: dict[str, float] = {}
    B = np.flatnonzero(tau <= T)
    tb = tau[B]
    gap_obs = _next_after(pc, pt, p2, B, tb) - tb
    gap_now = _next_after(pc, pt, p2_now, B, tb) - tb
    gap_never = _next_after(pc, pt, natural, B, tb) - tb
    sums["n_bad"] = len(B)
    sums["avoid_obs"] = int((gap_obs > WINDOW).sum())
    sums["avoid_now"] = int((gap_now > WINDOW).sum())
    sums["avoid_never"] = int((gap_never > WINDOW).sum())
    sums["rmst_obs"] = float(np.minimum(gap_obs, WINDOW).sum())
    sums["rmst_now"] = float(np.minimum(gap_now, WINDOW).sum())
    sums["split_lt_365"] = int((gap_obs < 365).sum())
    sums["split_365_729"] = int(((gap_obs >= 365) & (gap_obs < WINDOW)).sum())
    # the survey's conditional ("buying changed"): gap > max(2 x own median interval before the index, 90 days)
    prior = np.isin(pc, B) & (pt <= tau[pc])
    cc, ct = pc[prior], pt[prior]
    same = np.r_[False, cc[1:] == cc[:-1]]
    d = pd.DataFrame({"c": cc[same], "gap": np.diff(ct, prepend=np.nan)[same]})
    med = d.groupby("c")["gap"].median()
    n_prior = np.bincount(cc, minlength=N)[B]
    med_b = med.reindex(B).to_numpy(dtype="float64")
    thr = np.where(n_prior >= 2, np.maximum(2.0 * med_b, 90.0), 90.0)
    # (among customers whose expected cycle is shorter than the window, as the package's estimand)
    changed = (gap_obs > thr) & (thr < WINDOW)
    sums["n_changed"] = int(changed.sum())
    sums["avoid_changed"] = int((changed & (gap_obs >= WINDOW)).sum())
    # recovery: repeat purchase within w days of the recovery, with and without its effect
    # (the comparison's population: recovered customers with a purchase in the RECOVERY_ACTIVE_DAYS before the
    # recovery, which is at least the window before the end of the data)
    R = np.flatnonzero(rho <= T)
    tr = rho[R]
    nxt_obs = _next_after(pc, pt, p2, R, tr) - tr
    nxt_norec = _next_after(pc, pt, p1, R, tr) - tr
    # no recovery now: the recovering experience removed, a later good experience recovering then (the
    # comparison's estimand, "recovered now" versus "not recovered now", as the avoidance baseline's)
    is_rec = e_good & np.isfinite(rho[e_c]) & (e_known == rho[e_c])
    p2_later = dynamics(is_rec)[3]
    nxt_later = _next_after(pc, pt, p2_later, R, tr) - tr
    active = tr - _last_before(pc, pt, p2, R, tr) <= RECOVERY_ACTIVE_DAYS
    sums["n_recovered"] = len(R)
    for w in RECOVERY_WINDOWS:
        el = active & (tr <= T - w)
        sums[f"n_recovered_{w}"] = int(el.sum())
        sums[f"rep_obs_{w}"] = int((el & (nxt_obs <= w)).sum())
        sums[f"rep_norec_{w}"] = int((el & (nxt_norec <= w)).sum())
        sums[f"rep_notnow_{w}"] = int((el & (nxt_later <= w)).sum())

    # ---------------------------------------------------------------- the observed data (up to T)
    tk = np.flatnonzero(p2[tp] & (created <= T))  # tickets of purchases that happened, created by T
    done = solved[tk] <= T
    rated_d = rated[tk] & done
    sums["n_rated"] = int(rated_d.sum())
    sums["rated_bad"] = int((rated_d & (s_t[tk] <= 2)).sum())
    rt = tk[surveyed[tk] & (resp_t_at[tk] <= T)]  # post-ticket survey answers in the data
    rs = np.flatnonzero(st <= T)  # relationship answers in the data
    r_c = np.concatenate([tc[rt], sc[rs]])
    r_csat = np.concatenate([s_t[rt], s_s[rs]]).astype("float64")
    R_n = len(r_c)
    bad_ans = r_csat <= 2
    told = rng.poisson(np.where(bad_ans, W.wom_mean_bad, W.wom_mean_other) * frailty[r_c]
                       * rng.gamma(W.wom_size, 1.0 / W.wom_size, R_n)).astype("float64")
    told_answered = rng.random(R_n) < W.told_item_prob
    warned = rng.random(R_n) < np.where(bad_ans, 0.3, 0.03)
    if W.wom_banded:
        low, high = _band(told)
    else:
        low, high = told.copy(), told.copy()
    sums["n_csat"] = R_n
    sums["csat_sum"] = float(r_csat.sum())
    sums["csat_top2"] = int((r_csat >= 4).sum())
    tb_ = bad_ans & told_answered
    sums["n_told_bad"] = int(tb_.sum())
    sums["told_sum"] = float(told[tb_].sum())
    sums["told_low_sum"] = float(low[tb_].sum())
    sums["told_over_20"] = int((told[tb_] > 20).sum())
    sums["told_any"] = int((told[tb_] >= 1).sum())
    sums["told_gt5"] = int((told[tb_] > 5).sum())
    sums["n_warned_bad"] = int(tb_.sum())
    sums["warned"] = int((warned & tb_).sum())
    tg = (r_csat >= 4) & told_answered
    sums["n_told_good"] = int(tg.sum())
    sums["told_any_good"] = int((told[tg] >= 1).sum())

    info = {"customers": N, "bad_customers": len(B), "recovered_customers": len(R),
            "share_bad_followed_2y": float(np.mean(T - tb >= WINDOW)) if len(B) else float("nan"),
            "purchases": int(p2[pt <= T].sum()), "tickets": len(tk), "responses": R_n}
    sim = Simulation(world=W, seed=int(seed), tickets=None, responses=None, activity=None,
                     end=_ts(np.array([T]))[0], sums=sums, info=info)
    if not tables:
        return sim

    # ---------------------------------------------------------------- canonical tables
    cust_ids = _ids("C", np.arange(N))
    n_tk = len(tk)
    chan = np.array(["email", "chat", "phone", "web"])[rng.integers(0, 4, n_tk)]
    s_k = s_t[tk]
    score = np.where(rated_d, (s_k - 1) / 4.0, np.nan)
    solved_days = np.where(done, solved[tk], np.nan)
    reply = np.round(rng.lognormal(np.log(90.0), 1.0, n_tk), 1)
    reopens = rng.poisson(np.where(s_k <= 2, 0.4, 0.1), n_tk)
    tickets = pd.DataFrame({
        "ticket_id": _ids("T", tk),
        "customer_id": cust_ids[tc[tk]],
        "created_at": _ts(created[tk]),
        "solved_at": _ts(np.where(done, solved_days, 0.0)).where(done),
        "channel": chan,
        "status": np.where(done, "solved", "open"),
        "priority": "normal",
        "rating": pd.Series(rating_from_score(score)).astype("object"),
        "rating_score": score,
        "rating_offered": done,
        "first_reply_minutes": np.where(created[tk] + reply / 1440.0 <= T, reply, np.nan),
        "resolution_minutes": np.where(done, np.round(dur[tk] * 1440.0, 1), np.nan),
        "reopens": pd.array(np.where(done, reopens, 0), dtype="Int64"),
        "direction": "customer",
        "account_id": np.where(account[tc[tk]] >= 0, np.char.add("A", account[tc[tk]].astype("U8")), None),
        "source_format": "validation_sim",
    })
    tickets.loc[~done, "reopens"] = pd.NA
    tickets = conform(tickets, "tickets")

    r_at = np.concatenate([resp_t_at[rt], st[rs]])
    r_tid = np.concatenate([_ids("T", rt), np.full(len(rs), None, dtype=object)]).astype(object)
    resp = pd.DataFrame({
        "response_id": _ids("R", np.arange(R_n)),
        "customer_id": cust_ids[r_c],
        "ticket_id": r_tid,
        "responded_at": _ts(r_at),
        "csat": r_csat,
        "told_count_low": np.where(told_answered, low, np.nan),
        "told_count_high": np.where(told_answered, high, np.nan),
        "warned_others": pd.array(np.where(told_answered, warned, False), dtype="boolean"),
        "source_format": "validation_sim",
    })
    resp.loc[~told_answered, "warned_others"] = pd.NA
    responses = conform(resp, "responses")

    buy = np.flatnonzero(p2 & (pt <= T))
    rp = tk[has_repl[tk] & (repl_at[tk] <= T)]  # replacement orders of tickets in the data
    a_c = np.concatenate([pc[buy], tc[rp]])
    a_t = np.concatenate([pt[buy], repl_at[rp]])
    a_amt = np.concatenate([amount[buy], amount[tp[rp]]])
    o = np.lexsort((a_t, a_c))
    activity = conform(pd.DataFrame({
        "customer_id": cust_ids[a_c[o]],
        "at": _ts(a_t[o]),
        "amount": a_amt[o],
        "currency": "EUR",
        "order_id": _ids("O", np.arange(len(o)), 8),
        "source_format": "validation_sim",
    }), "activity")
    sim.tickets, sim.responses, sim.activity = tickets, responses, activity
    sim.info["replacement_orders"] = len(rp)
    return sim


def population_truth(world: World, *, n_customers: int | None = None, chunk: int | None = None,
                     seed: int = 10**9, cache_dir: str | Path | None = None) -> dict[str, Any]:
    """The world's population truths: sums pooled over ``n_customers`` simulated customers (cached).

    The customers are simulated in chunks of ``chunk`` (default the world's dataset size); the spread of
    the chunks' own truths gives the Monte Carlo standard error of the pooled truth.

    Returns ``{"sums", "truths": {window: {id: truth}}, "truth_se": {window: {id: se}}, "n_customers",
    "chunks", "hash"}``.
    """
    chunk = int(chunk or world.n_customers)
    n_customers = int(n_customers or 400 * chunk)
    h = world_hash(world)
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"truth_{world.name}_{h}_{n_customers}_{chunk}.json"
        if path.exists():
            return json.loads(path.read_text())
    total: dict[str, float] = {}
    per_chunk: list[dict[str, float]] = []
    done = 0
    i = 0
    while done < n_customers:
        n = min(chunk, n_customers - done)
        sim = simulate(world, seed + i, n_customers=n, tables=False)
        for k_, v in sim.sums.items():
            total[k_] = total.get(k_, 0.0) + float(v)
        per_chunk.append(sim.sums)
        done += n
        i += 1
    truths, ses = {}, {}
    for w in RECOVERY_WINDOWS:
        truths[str(w)] = truths_from_sums(total, w)
        chunk_truths = pd.DataFrame([truths_from_sums(c, w) for c in per_chunk])
        ses[str(w)] = {k_: (float(chunk_truths[k_].std(ddof=1) / math.sqrt(chunk_truths[k_].notna().sum()))
                            if chunk_truths[k_].notna().sum() > 1 else float("nan")) for k_ in chunk_truths}
    out = {"world": world.name, "hash": h, "n_customers": n_customers, "chunks": i, "sums": total,
           "truths": truths, "truth_se": ses}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=1))
    return out
