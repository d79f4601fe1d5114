"""Flags: the codes of the figure table's ``flags`` column and what each means in plain words.

A flag says why a figure should be read with care, or not at all: too few
customers, an input that leaks the outcome, units that cannot be compared. It
travels with the figure on every face (page, ``results.json``, workbook,
notebooks) next to the number, with its reason from :data:`FLAGS`. A figure
flagged with any code of :data:`NO_VERDICT` gets no above/below verdict.

The codes ``small_n``, ``outcome_leakage``, ``derived_from_outcome``,
``broken_histories`` and ``incomparable_units`` are fixed (issue 12); the others
are the estimators' own.

Examples
--------
>>> flag_reason("small_n")
'too few customers for a stable estimate (below the minimum for its kind of figure); no verdict is given'
>>> flags_text(["small_n", "no_such_code"])[:28]
'small_n: too few customers f'
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["FLAGS", "NO_VERDICT", "DATA_QUALITY", "flag_reason", "flags_text"]

#: Every flag code and its reason, in plain words (shown next to the figure).
FLAGS: dict[str, str] = {
    # the figure table's own
    "small_n": "too few customers for a stable estimate (below the minimum for its kind of figure); no verdict "
               "is given",
    "incomplete_period": "the data does not cover this period to its end, so the period's figure is partial",
    # guards against false findings (data quality, not findings)
    "outcome_leakage": "this predictor agrees with the churn outcome on nearly every row (99% or more): it is "
                       "probably recorded after, or because of, the churn, so the split is a data-quality warning, "
                       "not a finding",
    "derived_from_outcome": "the churn rate is 100% at this score's lowest levels and 0% at its highest: the score "
                            "looks derived from the outcome, so the split says nothing about what drives churn",
    "broken_histories": "fewer than 10% of customers have two or more purchases: the purchase histories look cut "
                        "(a short export, or a marketplace that does not carry repeat buyers), so repeat-purchase "
                        "segments and avoidance describe the export more than the customers",
    "incomparable_units": "some customers paid only in another currency than the analysis currency; they are left "
                          "out of monetary segments and clusters (no conversion is made)",
    # avoidance (csanalysis.estimators.avoidance)
    "index_at_creation": "some index experiences had no solved or answer time, so their clock starts at the "
                         "ticket's creation (earlier than the experience became known)",
    "short_followup": "the median follow-up of the index customers (index to as_of) is shorter than the window: "
                      "the estimate leans on the few followed long enough; no verdict is given",
    "poor_overlap": "the weighted comparison group resembles the index group poorly (effective sample size small, "
                    "or a standardised mean difference above 0.1 after weighting); no verdict is given",
    "recurring_bad": "bad experiences recur with the customer: after their first, these customers had further ones "
                     "far more often than the comparable customers without contact had a first one, so those "
                     "customers do not show the cases' future without the experience (the baseline is too low, the "
                     "excess too high); the comparison with controls censored at their first contact "
                     "(excess_avoidance_censored) is not affected; no verdict is given",
    # word of mouth (csanalysis.estimators.word_of_mouth)
    "assumed_tail": "some answers lie in an open top band (\"more than 20\"), whose mean the answers cannot show: "
                    "the central estimate rests on a stated assumption about that band; the interval is the "
                    "identified range (answers at their low ends to a heavy-tailed upper sensitivity), and only it "
                    "decides the verdict",
    # key drivers (csanalysis.estimators.drivers)
    "ranks_uncertain": "the order of the drivers is not stable: in more than 10% of the bootstrap resamples it "
                       "changes substantially (Spearman rank correlation with the estimates below 0.8), because "
                       "some drivers' importances are too close for this many customers to tell apart; read the "
                       "intervals, not the ranks",
    # comparisons with the registry (csanalysis.registry.compare)
    "folklore": "the cited figure cannot be traced to a study (provenance U): it circulates without a source",
    "override": "compared although the definitions cannot meet (override=True)",
    # service recovery (csanalysis.segments.journeys)
    "unmeasured_propensity": "customers who buy more have bad experiences more (or less) often per contact, beyond "
                             "what their purchase history shows, so who has a bad experience (or is recovered) "
                             "also depends on how much they will buy; a comparison with customers who had none "
                             "(or were not recovered) may carry that propensity rather than an effect; no verdict "
                             "is given",
    "recurring_contacts": "the customers not recovered gave many reference rows each (their rated contacts recur): "
                          "when they are recovered later, the design cannot line that up with when the recovered "
                          "customers would have been recovered without this contact, so the difference may be too "
                          "large; no verdict is given",
}

#: Flags under which a figure gets no above/below verdict (``too few`` or ``too uncertain`` instead).
NO_VERDICT: frozenset[str] = frozenset({"small_n", "outcome_leakage", "derived_from_outcome", "broken_histories",
                                        "incomparable_units", "short_followup", "poor_overlap",
                                        "unmeasured_propensity", "recurring_bad", "recurring_contacts"})

#: Flags that describe the data rather than the figure: the page shows them as data-quality warnings.
DATA_QUALITY: frozenset[str] = frozenset({"outcome_leakage", "derived_from_outcome", "broken_histories",
                                          "incomparable_units"})


def flag_reason(code: str) -> str:
    """The plain-words reason of one flag code (the code itself when it is unknown)."""
    return FLAGS.get(code, code)


def flags_text(codes: Iterable[str] | None) -> str:
    """Flags as one line of text, ``"code: reason; code: reason"`` (empty when there are none)."""
    return "; ".join(f"{c}: {flag_reason(c)}" for c in (codes or []))
