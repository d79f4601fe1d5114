"""The figure table: every number any face shows, in one tidy DataFrame.

:func:`figure_table` turns the result objects of one analysis into rows with
the columns :data:`FIGURE_COLUMNS`; the report, ``results.json``, the
notebooks and :func:`csanalysis.benchmark_table` all read these rows, so a
figure has one value everywhere. :data:`CATALOGUE` names every own figure id
with its label and unit (one of :data:`csanalysis.display.UNITS`); own ids are
their own namespace (``avoid_2y_after_bad`` is both an own id and a registry
id).

``group`` names the slice a row describes: ``"all"``, ``"channel=chat"``,
``"period=2025Q4"``, ``"segment=Champions"``, ``"satisfaction=dissatisfied"``,
and so on. ``flags`` is a list of codes (empty when none):

``small_n``
    Fewer observations than :data:`csanalysis.registry.compare.MIN_N` for its
    unit (30 for shares and means): shown, but no above/below verdict.
``incomplete_period``
    A scorecard period the data does not cover to its end.
``outcome_leakage``, ``derived_from_outcome``, ``broken_histories``, ``incomparable_units``
    Data-quality guards (:mod:`csanalysis.guards`), read from
    ``results["guards"]``: the snapshot-churn rows of a leaking or derived
    predictor; the RFM, journey, recovery and avoidance rows when the
    purchase histories look broken; the RFM and cluster rows when customers
    who paid in another currency were left out.

Examples
--------
>>> import csanalysis as cs
>>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=50)
>>> list(a.figures.columns[:11]) == FIGURE_COLUMNS
True
>>> a.figures.set_index(["id", "group"]).index.is_unique
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csanalysis.display import UNITS
from csanalysis.registry.compare import MIN_N

__all__ = ["FIGURE_COLUMNS", "EXTRA_COLUMNS", "CATALOGUE", "figure_table", "empty_figures", "add_flags"]

#: Columns of the figure table (fixed; columns may be added, never removed).
FIGURE_COLUMNS: list[str] = ["id", "label", "unit", "group", "estimate", "ci_low", "ci_high", "n", "method",
                             "definition", "flags"]
#: Further columns: a test's p-value and a period's change where a figure has them.
EXTRA_COLUMNS: list[str] = ["p_value", "change", "source"]

#: Own figure id -> (label, unit).
CATALOGUE: dict[str, tuple[str, str]] = {
    # avoidance after a bad experience (estimators/avoidance.py)
    "avoid_2y_after_bad": ("No purchase for 2 years after a bad experience", "share"),
    "avoid_2y_after_good": ("No purchase for 2 years after a good experience", "share"),
    "avoid_2y_baseline": ("No purchase for 2 years: the same customers without the bad experience (weighted "
                          "customers not contacted yet)", "share"),
    "excess_avoidance": ("Extra no-purchase share after a bad experience (bad minus baseline)", "share"),
    "excess_avoidance_censored": ("Extra no-purchase share after a bad experience, baseline as if never "
                                  "contacted", "share"),
    "rmst_diff_2y": ("Extra days without a purchase within 2 years after a bad experience (restricted mean)",
                     "days"),
    "avoid_2y_after_bad_changed": ("No purchase for 2 years after a bad experience, when buying changed", "share"),
    "naive_avoid_2y_after_bad": ("Naive no-purchase count after a bad experience (biased by censoring)", "share"),
    "split_lt_365": ("Bought again within a year of a bad experience", "share"),
    "split_365_729": ("Bought again in the second year after a bad experience", "share"),
    "split_730_plus": ("No purchase for 2 years or more after a bad experience", "share"),
    # word of mouth (estimators/word_of_mouth.py)
    "wom_told_mean": ("People told about the experience (mean; interval = identified range)", "people"),
    "wom_told_mean_lower_bound": ("People told (mean, lower bound from band low ends)", "people"),
    "wom_told_mean_upper_sensitivity": ("People told (mean, upper end of the sensitivity range)", "people"),
    "wom_told_median_band": ("Band holding the median of people told (its low end; interval = bands)", "people"),
    "wom_told_over_20": ("Told more than 20 people", "share"),
    "wom_told_over_20_lower_bound": ("Told more than 20 people (lower bound)", "share"),
    "wom_told_over_20_upper_bound": ("Told more than 20 people (upper bound)", "share"),
    "share_bad_any": ("Dissatisfied customers who told anyone", "share"),
    "share_bad_gt5": ("Dissatisfied tellers who told more than 5 people", "share"),
    "share_bad_gt5_lower_bound": ("Dissatisfied tellers who told more than 5 (lower bound)", "share"),
    "share_bad_gt5_upper_bound": ("Dissatisfied tellers who told more than 5 (upper bound)", "share"),
    "share_good_any": ("Satisfied customers who told anyone", "share"),
    "share_good_gt5": ("Satisfied tellers who told more than 5 people", "share"),
    "share_good_gt5_lower_bound": ("Satisfied tellers who told more than 5 (lower bound)", "share"),
    "share_good_gt5_upper_bound": ("Satisfied tellers who told more than 5 (upper bound)", "share"),
    "told_others_not_to_buy_after_bad": ("Dissatisfied customers who told others not to buy", "share"),
    "told_others_not_to_buy_after_good": ("Satisfied customers who told others not to buy", "share"),
    # churn (estimators/churn.py)
    "attributable_churn_share": ("Lapsed customers whose last experience before lapsing was bad", "share"),
    "bad_experience_share_retained": ("Retained customers with a bad experience", "share"),
    "attributable_excess": ("Bad-experience share: lapsed minus retained", "share"),
    "lapse_risk_after_bad": ("Lapsed within a year after a bad first rated experience", "share"),
    "lapse_risk_after_good": ("Lapsed within a year after a good first rated experience", "share"),
    "lapse_risk_difference": ("Lapse risk: bad minus good", "share"),
    "churn_rate": ("Churn rate in the customer snapshot", "share"),
    "churn_rate_difference": ("Churn rate: complained minus did not complain", "share"),
    "service_reason_share": ("Churners whose stated reason is about service", "share"),
    # service metrics (estimators/metrics.py)
    "csat_mean": ("CSAT (mean)", "score_1_5"),
    "csat_top2": ("CSAT 4-5 (share)", "share"),
    "nps": ("Net Promoter Score", "nps_points"),
    "ces_mean": ("Customer effort (mean, 7 = very difficult)", "score_1_7"),
    "bad_rating_share": ("Bad ratings among rated tickets", "share"),
    "rating_response_rate": ("Rated among tickets offered a rating", "share"),
    "first_reply_p50": ("First reply time (median)", "minutes"),
    "first_reply_p90": ("First reply time (90th percentile)", "minutes"),
    "resolution_p50": ("Resolution time (median)", "minutes"),
    "resolution_p90": ("Resolution time (90th percentile)", "minutes"),
    "reopen_rate": ("Reopened tickets", "share"),
    "fcr": ("First-contact resolution", "share"),
    "tickets": ("Tickets", "count"),
    "channel_consistency": ("Spread of the bad-rating share across channels", "share"),
    # segments (segments/*.py)
    "segment_share": ("Share of customers in the segment", "share"),
    "segment_customers": ("Customers in the segment", "count"),
    "segment_mean_recency": ("Days since the last purchase (mean)", "days"),
    "segment_mean_frequency": ("Purchases per customer (mean)", "ratio"),
    "segment_mean_monetary": ("Spend per customer (mean)", "currency"),
    "segment_repeat_rate": ("Bought again after the last service event", "share"),
    "segment_avoid_rate": ("No purchase after the last service event", "share"),
    "segment_lapse_rate": ("Prior buyers who lapsed", "share"),
    "recovery_difference": ("Repeat-purchase difference of recovered customers", "share"),
    # scorecard (segments/scorecard.py), one row per period
    "complaints_per_1000": ("Complaints per 1,000 customer-initiated tickets", "ratio"),
    "referral_share": ("Survey answers reporting a referral", "share"),
    "promoter_share": ("NPS answers 9-10", "share"),
    "referring_customers_share": ("Customers who refer others", "share"),
    "repeat_purchase_rate": ("Repeat purchase rate", "share"),
    "tickets_per_agent": ("Tickets per agent", "ratio"),
    "contacts_per_order": ("Contacts per order", "ratio"),
    "channel_spread_bad_share": ("Spread of the bad-rating share across channels", "share"),
    # what was read and linked (io/report.py, link.py)
    "rows_read": ("Rows read", "count"),
    "rows_loaded": ("Rows loaded", "count"),
    "rows_rejected": ("Rows rejected", "count"),
    "rows_merged": ("Rows merged", "count"),
    "rows_excluded": ("Rows excluded", "count"),
    "linked_rows": ("Rows linked to a customer", "count"),
    "linked_share": ("Share of rows linked to a customer", "share"),
    "linked_customers": ("Distinct customers", "count"),
    # what drives bad ratings (estimators/drivers.py), one row per outcome and driver
    "driver_importance": ("Importance: share of the outcome's variance the driver accounts for", "share"),
    "driver_penalty": ("Penalty: the outcome at the driver's bad end minus its middle", "share"),
    "driver_reward": ("Reward: the outcome at the driver's good end minus its middle", "share"),
    # agents, groups, channels, months (estimators/rankings.py), one row per unit
    "unit_bad_rating_share": ("Bad ratings among the unit's rated tickets (shrunken)", "share"),
    # survey non-response (estimators/nonresponse.py), raw and response-weighted
    "rated_score_mean": ("Rating score of rated tickets (mean, as a share of the scale)", "share"),
    "rated_bad_share": ("Bad ratings among rated tickets", "share"),
    "rated_good_share": ("Good ratings among rated tickets", "share"),
    # reasons in the survey's comments (estimators/verbatims.py), one row per reason, language and group
    "reason_share": ("Comments giving the reason", "share"),
    "comment_negative_share": ("Comments negative in tone (lexicon sentiment)", "share"),
    "no_return_after_disrespect": ("No purchase within a year after a bad experience whose comment says the "
                                   "customer felt disrespected (tagged rude)", "share"),
    # channels and self-service (estimators/channel_use.py): issues = a customer's tickets chained within 7 days
    "self_service_first_share": ("Issues whose first contact was self-service (help centre, bot, FAQ)", "share"),
    "cross_channel_issue_share": ("Issues touching two or more channels", "share"),
    "repeat_contact_share": ("Issues that brought the customer back (two or more tickets)", "share"),
    "bad_share_cross_channel": ("Bad experiences among rated cross-channel issues", "share"),
    "bad_share_single_channel": ("Bad experiences among rated single-channel issues", "share"),
    "bad_share_difference_cross_channel": ("Bad share: cross-channel minus single-channel issues", "share"),
    "bad_share_repeat": ("Bad experiences among rated repeat-contact issues", "share"),
    "bad_share_single_contact": ("Bad experiences among rated single-contact issues", "share"),
    "bad_share_difference_repeat": ("Bad share: repeat-contact minus single-contact issues", "share"),
    "channel_mix_share": ("Share of customer-initiated tickets on the channel", "share"),
}
#: Power (estimators/power.py): the smallest change each scorecard measure could show, in the measure's unit.
_SCORECARD_IDS = ("complaints_per_1000", "referral_share", "promoter_share", "referring_customers_share",
                  "repeat_purchase_rate", "tickets_per_agent", "contacts_per_order", "channel_spread_bad_share",
                  "csat_mean", "csat_top2", "nps", "ces_mean", "bad_rating_share", "rating_response_rate",
                  "first_reply_p50", "first_reply_p90", "resolution_p50", "resolution_p90", "reopen_rate", "fcr",
                  "tickets")
CATALOGUE.update({f"mde_{m}": ("Smallest change detectable (alpha 5%, power 80%): " + CATALOGUE[m][0].lower(),
                               CATALOGUE[m][1]) for m in _SCORECARD_IDS})
assert all(u in UNITS for _, u in CATALOGUE.values())

_SEGMENT_MEASURES = {  # summary column -> (figure id, ci columns, n column)
    "share": ("segment_share", ("share_ci_low", "share_ci_high"), None),
    "repeat_rate": ("segment_repeat_rate", ("repeat_ci_low", "repeat_ci_high"), "n_followed"),
    "avoid_rate": ("segment_avoid_rate", ("avoid_ci_low", "avoid_ci_high"), "n_followed"),
    "lapse_rate": ("segment_lapse_rate", ("lapse_ci_low", "lapse_ci_high"), "n_prior_buyers"),
    "mean_recency": ("segment_mean_recency", (None, None), "n"),
    "mean_frequency": ("segment_mean_frequency", (None, None), "n"),
    "mean_monetary": ("segment_mean_monetary", (None, None), "n"),
}


def empty_figures() -> pd.DataFrame:
    """An empty figure table with the right columns and dtypes."""
    df = pd.DataFrame({c: pd.Series(dtype="float64" if c in ("estimate", "ci_low", "ci_high", "n", "p_value",
                                                              "change") else "object")
                       for c in FIGURE_COLUMNS + EXTRA_COLUMNS})
    return df


def _rows(ids: Any, group: Any, estimate: Any, ci_low: Any = np.nan, ci_high: Any = np.nan, n: Any = np.nan,
          method: Any = "", definition: Any = "", source: str = "", **extra: Any) -> pd.DataFrame:
    """A block of figure rows (vectorised: every argument a scalar or a column)."""
    cols = {"id": ids, "group": group, "estimate": estimate, "ci_low": ci_low, "ci_high": ci_high, "n": n,
            "method": method, "definition": definition, **extra}
    scalar = all(np.ndim(v) == 0 for v in cols.values())
    df = pd.DataFrame(cols, index=[0] if scalar else None)
    df["source"] = source
    return df


def _avoidance(res, rule_text: str) -> pd.DataFrame:
    s = res.summary()
    note = s["note"].fillna("").astype("str") if "note" in s.columns else pd.Series("", index=s.index)
    design = s["definition"].fillna("").astype("str") if "definition" in s.columns else pd.Series("", index=s.index)
    definition = design + "; bad experience: " + rule_text
    definition = definition.where(note.eq(""), definition + "; " + note)
    flags = s["flags"] if "flags" in s.columns else pd.Series([[] for _ in range(len(s))], index=s.index)
    return _rows(s["figure"], "all", s["estimate"], s["ci_low"], s["ci_high"], s["n"], s["method"], definition,
                 "avoidance", p_value=s.get("p_value", np.nan), flags=flags.map(list))


def _word_of_mouth(res) -> pd.DataFrame:
    s = res.summary()
    return _rows(s["id"], "satisfaction=" + s["group"].astype("str"), s["estimate"], s["ci_low"], s["ci_high"],
                 s["n"], s["method"], "survey respondents who were " + s["group"].astype("str"), "word_of_mouth",
                 flags=s["flags"].map(list))


def _churn(res, source: str) -> pd.DataFrame:
    s = res.summary()
    ids = s["id"].astype("str")
    # rows of one id in several groups (snapshot churn rates) get a slice; single rows are the whole population
    several = ids.map(ids.value_counts()) > 1
    group = pd.Series("all", index=s.index).where(~several, "snapshot=" + s["group"].astype("str"))
    return _rows(ids, group, s["estimate"], s["ci_low"], s["ci_high"], s["n"], s["method"],
                 s["group"].astype("str"), source, p_value=s.get("p_value", np.nan))


def _metrics(res, by: str | None) -> pd.DataFrame:
    s = res.summary() if by else res.overall
    group = "all" if by is None else by + "=" + s[by].astype("str")
    return _rows(s["metric"], group, s["value"], s["ci_low"], s["ci_high"], s["n"], s["method"],
                 s["metric"].map(res.definitions).fillna(""), "service_metrics")


def _segments(res, kind: str, source: str, label_col: str = "segment") -> pd.DataFrame:
    s = res.summary()
    total = float(s["n"].sum())
    group = kind + "=" + s[label_col].astype("str")
    desc = s["description"].astype("str") if "description" in s.columns else ""
    blocks = [_rows("segment_customers", group, s["n"], n=s["n"], method="count", definition=desc, source=source)]
    for col, (fid, (lo, hi), ncol) in _SEGMENT_MEASURES.items():
        if col not in s.columns:
            continue
        n = total if ncol is None else s[ncol]
        method = "Wilson score interval" if lo else "mean"
        blocks.append(_rows(fid, group, s[col], s[lo] if lo else np.nan, s[hi] if hi else np.nan, n, method,
                            desc, source))
    return pd.concat(blocks, ignore_index=True)


def _recovery(res) -> pd.DataFrame:
    c = res.comparisons
    empty = pd.Series("", index=c.index)
    method = c["method"].fillna("").astype("str") if "method" in c.columns else "difference of repeat-purchase rates"
    definition = (c["definition"].fillna("").astype("str") if "definition" in c.columns else
                  "repeat purchase: " + c["group"].astype("str") + " minus " + c["reference"].astype("str"))
    caveat = c["caveat"].fillna("").astype("str") if "caveat" in c.columns else empty
    definition = definition.where(caveat.eq(""), definition + "; caveat: " + caveat)
    flags = c["flags"].map(list) if "flags" in c.columns else pd.Series([[] for _ in range(len(c))], index=c.index)
    return _rows("recovery_difference", "comparison=" + c["comparison"].astype("str"), c["difference"],
                 c["ci_low"], c["ci_high"], c["n_group"] + c["n_reference"], method, definition, "recovery",
                 p_value=c["p_value"], flags=flags)


def _scorecard(res) -> pd.DataFrame:
    s = res.summary()
    out = _rows(s["measure"], "period=" + s["period"].astype("str"), s["value"], s["ci_low"], s["ci_high"], s["n"],
                s["test"], s["note"].fillna("").astype("str"), "scorecard", p_value=s["p_value"], change=s["change"])
    out["_incomplete"] = ~s["complete"].astype("bool").to_numpy() if "complete" in s.columns else False
    return out


def _drivers(res) -> pd.DataFrame:
    s = res.summary()
    group = "outcome=" + s["outcome"].astype("str") + "; driver=" + s["driver"].astype("str")
    note = s["note"].fillna("").astype("str") if "note" in s.columns else ""
    definition = ("importance of " + s["driver"].astype("str") + " for " + s["outcome"].astype("str") + " ("
                  + s["kind"].astype("str") + "), rank " + s["rank"].astype("str") + ", " + s["versus_noise"]
                  .fillna("").astype("str") + "; sampling unit: the customer (bootstrap over customers)")
    definition = definition.where(pd.Series(note, index=s.index).eq(""), definition + "; " + note)
    kano = "penalty-reward (Kano) reading: " + s["kano"].fillna("").astype("str")
    # the estimator's flags (ranks_uncertain) are about the importances' order: they go with the importance rows
    flags = s["flags"].map(list) if "flags" in s.columns else pd.Series([[] for _ in range(len(s))], index=s.index)
    blocks = [_rows("driver_importance", group, s["importance"], s["ci_low"], s["ci_high"], s["n"], s["method"],
                    definition, "drivers", flags=flags)]
    for side in ("penalty", "reward"):
        blocks.append(_rows(f"driver_{side}", group, s[side], s[f"{side}_ci_low"], s[f"{side}_ci_high"], s["n"],
                            "difference of outcome means between the driver's tercile classes; customer bootstrap",
                            kano, "drivers"))
    return pd.concat(blocks, ignore_index=True)


def _rankings(res) -> pd.DataFrame:
    s = res.summary()
    reason = s["reason"].fillna("").astype("str") if "reason" in s.columns else pd.Series("", index=s.index)
    definition = ("versus the rest: " + s["versus_rest"].astype("str") + "; raw share "
                  + s["raw_estimate"].map(lambda v: f"{v:.3f}" if pd.notna(v) else "-"))
    definition = definition.where(reason.eq(""), definition + "; " + reason)
    return _rows("unit_bad_rating_share", s["unit_type"].astype("str") + "=" + s["unit_name"].astype("str"),
                 s["estimate"], s["ci_low"], s["ci_high"], s["n"], s["method"], definition, "rankings",
                 p_value=s["p_value"])


def _nonresponse(res) -> pd.DataFrame:
    s = res.summary()
    ids = s["measure"].map({"csat": "rated_score_mean", "bad_share": "rated_bad_share",
                            "good_share": "rated_good_share"})
    method = s["method"].astype("str") if "method" in s.columns else res.method
    return pd.concat([
        _rows(ids, "weights=raw", s["raw"], s["raw_ci_low"], s["raw_ci_high"], s["n"],
              "unweighted mean of the rated tickets; customer bootstrap", "rated tickets as they are",
              "nonresponse"),
        _rows(ids, "weights=response", s["weighted"], s["weighted_ci_low"], s["weighted_ci_high"], s["n"], method,
              "rated tickets weighted by 1 / P(rated | attributes known for every ticket); effective n "
              + s["effective_n"].map(lambda v: f"{v:.0f}"), "nonresponse")], ignore_index=True)


def _power(res) -> pd.DataFrame:
    s = res.summary()
    s = s[s["measure"].isin(_SCORECARD_IDS)]
    return _rows("mde_" + s["measure"].astype("str"), "period=" + s["period"].astype("str"), s["mde"], n=s["n"],
                 method=s["mde_basis"].fillna("").astype("str"),
                 definition="the smallest change of the measure from " + s["previous_period"].astype("str")
                 + " that its test would find in 80% of such periods at the 5% level", source="power",
                 p_value=s["p_value"], change=s["observed_change"])


def _disrespect(res) -> pd.DataFrame:
    s = res.figures
    note = s["note"].fillna("").astype("str")
    definition = s["definition"].astype("str").where(note.eq(""), s["definition"].astype("str") + "; " + note)
    return _rows(s["figure"], s["group"], s["estimate"], s["ci_low"], s["ci_high"], s["n"], s["method"], definition,
                 "verbatims", p_value=s["p_value"])


def _verbatims(res) -> pd.DataFrame:
    t = res.table
    blocks = []
    if not t.empty:
        precision = t["precision"].map(lambda v: f"; the tagger's validated precision in this language {v:.2f}"
                                       if pd.notna(v) else "; languages where the reason is validated, pooled")
        blocks.append(_rows("reason_share", "reason=" + t["reason"].astype("str") + "; language="
                            + t["language"].astype("str") + "; "
                            + t["group"].astype("str").where(t["group"] != "all", "comments=all"),
                            t["share"], t["ci_low"], t["ci_high"], t["n"], res.settings.get("method", ""),
                            "share of comments (the survey's free text; the ticket export's satisfaction comments where it "
                            "has them) giving the reason (csanalysis.text.tag_reasons)" + precision,
                            "verbatims"))
    tone = getattr(res, "tone", None)
    if tone is not None and not tone.empty:
        checked = tone["precision"].map(lambda v: f"; the scorer's 'negative' checked on labelled comments in this "
                                        f"language: precision {v:.2f}" if pd.notna(v) else
                                        "; languages whose scorer passed the check, pooled")
        checked = checked + tone["recall"].map(lambda v: f", recall {v:.2f}" if pd.notna(v) else "")
        blocks.append(_rows("comment_negative_share", "language=" + tone["language"].astype("str") + "; "
                            + tone["group"].astype("str").where(tone["group"] != "all", "comments=all"),
                            tone["share"], tone["ci_low"], tone["ci_high"], tone["n"], res.settings.get("method", ""),
                            "share of comments (survey free text; ticket satisfaction comments where the export has them) "
                            "whose lexicon sentiment is negative (compound score <= -0.05, "
                            "csanalysis.text.score_sentiment; lexicon: " + tone["lexicon"].astype("str") + ")"
                            + checked, "verbatims"))
    if getattr(res, "disrespect", None) is not None:
        blocks.append(_disrespect(res.disrespect))
    return pd.concat(blocks, ignore_index=True) if blocks else t.iloc[:0]


def _channel_use(res) -> pd.DataFrame:
    s = res.summary()
    note = s["note"].fillna("").astype("str")
    definition = s["definition"].fillna("").astype("str")
    definition = definition.where(note.eq(""), definition + "; " + note)
    m = res.mix
    return pd.concat([
        _rows(s["id"], "all", s["estimate"], s["ci_low"], s["ci_high"], s["n"], s["method"], definition,
              "channel_use", p_value=s["p_value"]),
        _rows("channel_mix_share", "period=" + m["period"].astype("str") + "; channel=" + m["channel"].astype("str"),
              m["share"], m["ci_low"], m["ci_high"], m["n"], "cluster-robust Wilson-type interval (customer units)",
              "share of the period's customer-initiated tickets with a known channel", "channel_use")],
        ignore_index=True)


def _load_reports(reports: dict, sample: bool) -> pd.DataFrame:
    recs = [{"group": f"file={role}/{Path(str(r.path)).name}", "rows_read": r.rows_read,
             "rows_loaded": r.rows_loaded, "rows_rejected": r.rows_rejected, "rows_merged": r.rows_merged,
             "rows_excluded": r.rows_excluded, "format": str(r.source_format)}
            for role, reps in reports.items() for r in reps]  # one record per file read
    if not recs:
        return empty_figures()
    d = pd.DataFrame(recs)
    dup = d.groupby("group").cumcount()
    d["group"] = d["group"].where(dup.eq(0), d["group"] + "#" + (dup + 1).astype("str"))
    long = d.melt(id_vars=["group", "format"], var_name="id", value_name="estimate")
    return _rows(long["id"], long["group"], long["estimate"], n=long["estimate"], method="count",
                 definition="rows of the file (" + long["format"] + "); read = loaded + rejected + merged + excluded",
                 source="load_reports")


def _linking(linked) -> pd.DataFrame:
    s = linked.summary()
    if s.empty:
        return empty_figures()
    group = "table=" + s["table"].astype("str")
    definition = f"linked on {linked.link_on}: {linked.reason}"
    blocks = [_rows("linked_rows", group, s["linked"], n=s["rows"], method="count", definition=definition,
                    source="linking"),
              _rows("linked_share", group, s["share_linked"], n=s["rows"], method="share of rows",
                    definition=definition, source="linking"),
              _rows("linked_customers", group, s["customers"], n=s["customers"], method="count",
                    definition=definition, source="linking")]
    return pd.concat(blocks, ignore_index=True)


def add_flags(f: pd.DataFrame) -> pd.DataFrame:
    """The ``flags`` column: the estimators' own flags plus ``small_n`` (n below :data:`MIN_N` of the unit) and
    ``incomplete_period``."""
    min_n = f["unit"].map(MIN_N).astype("float64")
    small = (f["n"] < min_n) & f["estimate"].notna()
    inc = f["_incomplete"].fillna(False).astype("bool") if "_incomplete" in f.columns else pd.Series(False, f.index)
    codes = pd.DataFrame({"small_n": small, "incomplete_period": inc})
    given = f["flags"] if "flags" in f.columns else pd.Series([None] * len(f), index=f.index)
    given = given.map(lambda v: list(v) if isinstance(v, (list, tuple, np.ndarray)) else [])
    # the estimator's own flags first, then the table's (codes per row: a handful each)
    f["flags"] = [g + [c for c in codes.columns[row] if c not in g] for g, row in zip(given, codes.to_numpy())]
    return f.drop(columns=[c for c in ("_incomplete",) if c in f.columns])


def figure_table(results: dict[str, Any], *, rule_text: str = "", load_reports: dict | None = None,
                 linked: Any = None, sample: bool = False) -> pd.DataFrame:
    """All figures of an analysis as one tidy table.

    Parameters
    ----------
    results : dict
        Result objects by name (``avoidance``, ``word_of_mouth``,
        ``attributable_churn``, ``snapshot_churn``, ``metrics``,
        ``metrics_by_channel``, ``channels``, ``rfm``, ``journeys``,
        ``recovery``, ``service_levels``, ``clusters``, ``scorecard``,
        ``drivers``, ``rankings``, ``nonresponse``, ``power``, ``channel_use``);
        ``None`` for those not computed. ``guards`` (a
        :class:`csanalysis.guards.GuardsResult`) adds its flags.
    rule_text : str
        The bad-experience rule in words (part of the avoidance definitions).
    load_reports : dict, optional
        Role -> list of LoadReport: the rows of every file read (group
        ``file=<role>/<file name>``).
    linked : LinkedData, optional
        The linking summary (group ``table=<table>``).

    Returns
    -------
    DataFrame
        Columns :data:`FIGURE_COLUMNS` + :data:`EXTRA_COLUMNS`, one row per
        figure and slice, ``(id, group)`` unique.
    """
    makers = {
        "avoidance": lambda r: _avoidance(r, rule_text),
        "word_of_mouth": _word_of_mouth,
        "attributable_churn": lambda r: _churn(r, "attributable_churn"),
        "snapshot_churn": lambda r: _churn(r, "snapshot_churn"),
        "metrics": lambda r: _metrics(r, None),
        "metrics_by_channel": lambda r: _metrics(r, "channel"),
        "channels": lambda r: _rows("channel_consistency", "all", *(r.figure().get(k) for k in
                                    ("value", "ci_low", "ci_high", "n", "method")),
                                    "spread of the bad-rating share across channels", "channels"),
        "rfm": lambda r: _segments(r, "segment", "rfm"),
        "journeys": lambda r: _segments(r, "journey", "journeys"),
        "recovery": _recovery,
        "service_levels": lambda r: _segments(r, "level", "service_levels"),
        "clusters": lambda r: _segments(r, "cluster", "clusters"),
        "scorecard": _scorecard,
        "drivers": _drivers,
        "rankings": _rankings,
        "nonresponse": _nonresponse,
        "power": _power,
        "channel_use": _channel_use,
        "verbatims": _verbatims,
    }
    blocks = [makers[name](res) for name, res in results.items() if res is not None and name in makers]
    if load_reports:
        blocks.append(_load_reports(load_reports, sample))
    if linked is not None:
        blocks.append(_linking(linked))
    blocks = [b for b in blocks if len(b)]
    if not blocks:
        return empty_figures()
    f = pd.concat(blocks, ignore_index=True)
    f["id"] = f["id"].astype("str")
    known = f["id"].map(CATALOGUE)
    missing = f.loc[known.isna(), "id"].unique()
    if len(missing):  # pragma: no cover - guards the catalogue against new estimator ids
        raise KeyError(f"figure ids without a label and unit in csanalysis.figures.CATALOGUE: {list(missing)}")
    f["label"] = known.str[0]
    f["unit"] = known.str[1]
    for c in ("estimate", "ci_low", "ci_high", "n", "p_value", "change"):
        f[c] = pd.to_numeric(f[c], errors="coerce").astype("float64") if c in f.columns else np.nan
    for c in ("method", "definition", "source"):
        f[c] = f[c].fillna("").astype("str")
    f = add_flags(f)
    if results.get("guards") is not None:  # data-quality guards (csanalysis.guards), after the table's own
        from csanalysis.guards import figure_flags

        extra = figure_flags(f, results["guards"])
        f["flags"] = [g + [c for c in e if c not in g] for g, e in zip(f["flags"], extra)]
    dup = f.duplicated(["id", "group"], keep=False)
    if dup.any():  # pragma: no cover - two estimators claiming one figure would give it two values
        raise ValueError("figure (id, group) pairs computed twice: "
                         + ", ".join(map(str, f.loc[dup, ["id", "group"]].drop_duplicates().head(5).values.tolist())))
    return f[FIGURE_COLUMNS + EXTRA_COLUMNS].reset_index(drop=True)
