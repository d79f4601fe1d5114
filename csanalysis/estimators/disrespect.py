"""No return after a bad experience in which the customer felt disrespected (``no_return_after_disrespect``).

The cited "51% unlikely to do business again after feeling disrespected" is
untraceable (registry provenance U, folklore: shown, never a target). Its
own-data analogue, as the provenance notes define it (section 2.7):

* **who**: customers whose first bad experience (the avoidance figures' index:
  the time it became known) carries a survey comment in a language where the
  reason tagger's ``rudeness`` tag is validated (:mod:`csanalysis.text`,
  ``csanalysis/text/validated.csv``);
* **flagged**: the comment is tagged ``rudeness`` (rude, disrespectful,
  condescending, ...), the words that made the tag kept in the tags table;
  the tagger's validated precision in those languages is stated in the
  definition, since a share of the flags are wrong;
* **figure**: the Kaplan-Meier share still without a purchase 365 days after
  the index, for the flagged customers (group ``flagged=rude``; log(-log)
  Greenwood interval), and the difference from the other commented bad
  experiences weighted to the flagged customers' pre-index purchase history
  (group ``rude minus other bad``; entropy balancing as in the no-contact
  comparison of :func:`csanalysis.estimators.avoidance`, the weights refitted
  in every resample of a Poisson bootstrap over customers).

A customer counts once (the first bad experience), so the customer is the
sampling unit throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from csanalysis.checks import check_confidence, check_resamples
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.stats.bootstrap import DEFAULT_RESAMPLES, percentile_interval, poisson_weights
from csanalysis.stats.survival import kaplan_meier

from .avoidance import (
    _MODEL_COVARIATES,
    _RIDGE,
    _BOOT_STEPS,
    _boot_p,
    _chunks,
    _grid,
    _history,
    _index_episodes,
    _km_grid,
    _model_matrix,
    _standardise,
    _surv_at,
    _tilted_fit,
    _TiltedDesign,
)

__all__ = ["no_return_after_disrespect", "DisrespectResult", "MIN_GROUP"]

#: Fewer flagged (or other) customers than this: the figure is missing, with the reason.
MIN_GROUP = 10
_FIGURE = "no_return_after_disrespect"
#: Other (not flagged) customers needed per covariate of the weighting.
_ROWS_PER_COVARIATE = 20
_KM_METHOD = "Kaplan-Meier S(window) of days to the next purchase; log(-log) Greenwood interval"
_COLUMNS = ["figure", "group", "estimate", "ci_low", "ci_high", "n", "n_events", "n_followed_window", "p_value",
            "method", "definition", "note"]


@dataclass(repr=False)
class DisrespectResult(Result):
    """Result of :func:`no_return_after_disrespect`: ``figures`` (two rows) and the per-customer ``episodes``."""

    figures: pd.DataFrame
    episodes: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    title: str = "No purchase within a year after feeling disrespected"

    def summary(self) -> pd.DataFrame:
        return self.figures

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"figures": frame_records(self.figures), "settings": self.settings})

    def footnote(self) -> str:
        return self.settings.get("definition", "")


def _rows(definition: str, note: str) -> pd.DataFrame:
    return pd.DataFrame([{"figure": _FIGURE, "group": g, "note": note, "definition": definition, "method": ""}
                         for g in ("flagged=rude", "rude minus other bad")], columns=_COLUMNS)


def no_return_after_disrespect(experiences: pd.DataFrame, activity: pd.DataFrame, responses: pd.DataFrame,
                               verbatims: Any, *, as_of: Any = None, window: float = 365.0,
                               n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                               confidence: float = 0.95) -> DisrespectResult:
    """No purchase within ``window`` days after a first bad experience whose comment says the customer felt
    disrespected, and the difference from the other commented bad experiences.

    Parameters
    ----------
    experiences, activity : DataFrame
        Linked experiences (:func:`csanalysis.experiences.experiences`) and purchases.
    responses : DataFrame
        The survey responses the comments come from (``response_id``).
    verbatims : VerbatimsResult
        :func:`csanalysis.estimators.verbatims.verbatims` of ``responses`` (its comments, tags and the
        languages where ``rudeness`` is published).
    as_of : timestamp, optional
        End of follow-up (default: the last purchase).
    window : float, default 365
    n_resamples : int, default 1000
    seed : int, default 0
    confidence : float, default 0.95

    Returns
    -------
    DisrespectResult
    """
    n_resamples = check_resamples(n_resamples)
    confidence = check_confidence(confidence)
    tab = verbatims.table
    pub = tab[(tab["reason"] == "rudeness") & (tab["language"] != "all")] if len(tab) else tab
    langs = sorted(set(pub["language"])) if len(pub) else []
    precision = pub.drop_duplicates("language")["precision"] if len(pub) else pd.Series(dtype=float)
    prec_text = (f"{precision.min():.2f}-{precision.max():.2f}" if len(precision) > 1
                 else f"{precision.iloc[0]:.2f}" if len(precision) else "n/a")
    definition = (
        f"index: each customer's first bad experience, dated when it became known, with a survey comment in a "
        f"language where the 'rudeness' tag is validated ({', '.join(langs) or 'none'}); flagged: the comment is "
        f"tagged rude or disrespectful by csanalysis.text.tag_reasons (validated precision {prec_text}: some flags "
        f"are wrong); outcome: days to the next purchase, censored at as_of; figure: Kaplan-Meier share without a "
        f"purchase {window:g} days after the index (flagged=rude), and its difference from the other commented bad "
        "experiences weighted to the flagged customers' pre-index purchase history (entropy balancing; Poisson "
        "bootstrap over customers refitting the weights); sampling unit: the customer; folklore analogue: shown, "
        "never a target")
    settings = {"definition": definition, "languages": langs, "window": window, "n_resamples": n_resamples,
                "confidence": confidence}
    empty = pd.DataFrame(columns=["customer", "flagged", "duration", "event", "weight"])
    if not langs:
        return DisrespectResult(_rows(definition, "the rudeness tag is not validated in the comments' languages"),
                                empty, settings)
    com = verbatims.comments
    eligible = com["language"].isin(langs).to_numpy()
    rude_rows = verbatims.tags.loc[verbatims.tags["reason"] == "rudeness", "text_index"].to_numpy(dtype=np.int64)
    rude = np.zeros(len(com), dtype=bool)
    rude[rude_rows] = True
    rid_all = responses["response_id"]
    pos = com["response"].to_numpy(dtype=np.int64)
    has_id = rid_all.notna().to_numpy()[pos]  # a comment of a response without an id cannot be matched
    rid = rid_all.astype("str").to_numpy()[pos]
    per = (pd.DataFrame({"response_id": rid, "eligible": eligible & has_id, "rude": rude & eligible & has_id})
           .groupby("response_id", sort=False)[["eligible", "rude"]].any())
    per = per[per["eligible"]]
    # each customer's first bad experience (the avoidance index), kept when it carries an eligible comment
    exp = experiences
    known = exp["known_at"] if "known_at" in exp.columns else exp["at"]
    bad = exp["bad"].fillna(False).astype(bool).to_numpy() & exp["customer"].notna().to_numpy() & known.notna().to_numpy()
    order = np.flatnonzero(bad)[np.argsort(known[bad].to_numpy(), kind="stable")]
    first = pd.Series(order, index=exp["customer"].iloc[order].astype("str").to_numpy())
    first = first[~first.index.duplicated()].to_numpy()
    resp = exp["response_id"].astype("str").to_numpy()[first] if "response_id" in exp.columns else np.array([])
    keep = (np.isin(resp, per.index.to_numpy()) & exp["response_id"].notna().to_numpy()[first] if resp.size
            else np.zeros(first.size, dtype=bool))
    chosen = np.zeros(len(exp), dtype=bool)
    chosen[first[keep]] = True
    flag_of = dict(zip(exp["customer"].astype("str").to_numpy()[first[keep]],
                       per["rude"].reindex(resp[keep]).to_numpy(dtype=bool)))
    if not chosen.any():
        return DisrespectResult(_rows(definition, "no first bad experience carries a comment in those languages"),
                                empty, settings)
    # the other experiences stay (their open tickets still set purchases aside); only the chosen are "bad"
    ep = _index_episodes(exp.assign(bad=chosen), activity, as_of=as_of, index="first", require_purchases=False)
    labels = ep.labels.take(ep.b_codes).astype("str")
    flagged = labels.map(flag_of).to_numpy(dtype=bool)
    d, e = ep.bad["duration"], ep.bad["event"]
    n_r, n_o = int(flagged.sum()), int((~flagged).sum())
    episodes = pd.DataFrame({"customer": labels.to_numpy(), "flagged": flagged, "duration": d, "event": e,
                             "weight": 1.0})
    rows = _rows(definition, "")
    if n_r < MIN_GROUP or n_o < MIN_GROUP:
        rows["note"] = (f"too few commented first bad experiences to compare: {n_r} flagged rude, {n_o} other "
                        f"(at least {MIN_GROUP} each)")
        rows["n"] = [n_r, n_r + n_o]
        return DisrespectResult(rows, episodes, settings)
    # ------------------------------------------------------------------ the flagged share
    km_r = kaplan_meier(d[flagged], e[flagged], confidence=confidence)
    s_r, lo_r, hi_r, why_r = _surv_at(km_r, window, confidence)
    followed = (ep.bad["followup"] >= window)
    # ------------------------------------------------------------------ the weighted difference
    hist = _history(ep.pur, ep.b_codes, ep.b_t, ep.bad)
    m = _model_matrix(hist)
    # the whole history model needs enough customers per covariate; fewer: the basic history only; fewer still:
    # no weighted difference (a weighting of a handful of rows on many covariates is not estimable)
    covariates = next((c for c in (_MODEL_COVARIATES, _MODEL_COVARIATES[:5])
                       if n_o >= _ROWS_PER_COVARIATE * len(c) and n_r >= len(c)), ())
    Zc, Zk, names = _standardise({k: v[flagged] for k, v in m.items()}, {k: v[~flagged] for k, v in m.items()},
                                 covariates) if covariates else (np.zeros((n_r, 0)), np.zeros((n_o, 0)), [])
    one = sparse.csr_matrix(np.ones((n_o, 1)))
    design = _TiltedDesign.build(Zk, one) if names else None

    def fit(bc: np.ndarray, bk: np.ndarray) -> np.ndarray:
        N = bc.sum(axis=0)[:, None]
        if design is None:
            return bk * (N[:, 0] / np.maximum(bk.sum(axis=0), 1e-300))[None, :]
        _, w = _tilted_fit(design, bk, N, bc.T @ Zc, np.zeros(len(names)), _RIDGE,
                           tol=1e-10 if bc.shape[1] == 1 else 1e-4)
        return w

    if not covariates:
        rows["note"] = ["", f"too few commented bad experiences to weight on their history: {n_o} other, at least "
                            f"{_ROWS_PER_COVARIATE * 5} needed"]
        rows.loc[0, ["estimate", "ci_low", "ci_high", "n", "n_events", "n_followed_window", "method"]] = [
            s_r, lo_r, hi_r, n_r, int(e[flagged].sum()), int(followed[flagged].sum()), _KM_METHOD]
        rows.loc[0, "note"] = why_r
        rows.loc[1, "n"] = n_r + n_o
        return DisrespectResult(rows, episodes, settings)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked below: finite weights only
        w = fit(np.ones((n_r, 1)), np.ones((n_o, 1)))[:, 0]
    episodes.loc[~flagged, "weight"] = w
    km_o = kaplan_meier(d[~flagged], e[~flagged], weights=w, confidence=confidence)
    s_o, _, _, why_o = _surv_at(km_o, window, confidence)
    cells_r, cells_o = _grid(d[flagged], e[flagged], window), _grid(d[~flagged], e[~flagged], window)
    one_pool = np.array([0, _BOOT_STEPS + 1])
    units = ep.labels.take(ep.b_codes).to_numpy()  # one row per customer
    diff = np.full(n_resamples, np.nan)
    for reps in _chunks(n_resamples, (n_r + n_o) * (len(names) + 4)):
        P = np.ascontiguousarray(poisson_weights(units, reps, seed).T, dtype=float)
        br, bo = P[flagged], P[~flagged]
        sr, _ = _km_grid(cells_r, [br], one_pool, window)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            wr = fit(br, bo)
        so, _ = _km_grid(cells_o, [np.where(np.isfinite(wr), wr, 0.0)], one_pool, window)
        diff[reps] = sr - so
    lo, hi = percentile_interval(diff, confidence)
    ess = float(w.sum() ** 2 / np.sum(w**2)) if w.size else 0.0
    note_r = why_r
    note_d = "; ".join(x for x in (why_r, why_o) if x)
    if not np.all(np.isfinite(w)):
        note_d = "; ".join(x for x in (note_d, "the weighting did not converge") if x)
    if ess < max(MIN_GROUP, 0.2 * n_o):
        note_d = "; ".join(x for x in (note_d, f"the weighting leaves an effective {ess:.0f} other customers") if x)
    rows = pd.DataFrame([
        {"figure": _FIGURE, "group": "flagged=rude", "estimate": s_r, "ci_low": lo_r, "ci_high": hi_r, "n": n_r,
         "n_events": int(e[flagged].sum()), "n_followed_window": int(followed[flagged].sum()), "p_value": np.nan,
         "method": _KM_METHOD,
         "definition": definition, "note": note_r},
        {"figure": _FIGURE, "group": "rude minus other bad", "estimate": s_r - s_o if not note_d else np.nan,
         "ci_low": lo if not note_d else np.nan, "ci_high": hi if not note_d else np.nan, "n": n_r + n_o,
         "n_events": int(e.sum()), "n_followed_window": int(followed.sum()),
         "p_value": _boot_p(diff) if not note_d else np.nan,
         "method": "difference of Kaplan-Meier S(365 days), the other bad experiences weighted by entropy balancing "
                   "on the pre-index purchase history; percentile interval and test of a customer Poisson bootstrap "
                   "refitting the weights",
         "definition": definition, "note": note_d},
    ], columns=_COLUMNS)
    settings.update({"flagged": n_r, "other": n_o, "effective_other": ess})
    return DisrespectResult(rows, episodes, settings)
