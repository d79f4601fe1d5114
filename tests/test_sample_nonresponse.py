"""The bundled sample's survey non-response (issue 14): answers depend on the experience itself."""

from __future__ import annotations

import pytest

import csanalysis as cs


@pytest.fixture(scope="module")
def nonresponse():
    a = cs.analyse(cs.datasets.load_sample(), n_resamples=200)
    return a.nonresponse.set_index("measure")


def test_truth_counts_and_raw_share_match_the_analysis(nonresponse):
    t = cs.datasets.load_planted_truth()["nonresponse"]
    row = nonresponse.loc["bad_share"]
    assert int(row["n_tickets"]) == t["n_offered"] and int(row["n"]) == t["n_answered"]
    assert row["raw"] == pytest.approx(t["bad_share_answered"], abs=1e-6)


def test_raw_share_overstates_the_bad_share_and_the_weighting_cannot_undo_it(nonresponse):
    """Bad experiences are answered more often (planted): the raw share's interval lies above the truth. The
    weighting moves towards it but, the non-response being not at random, cannot reach it: the figure the
    page shows with the warning that weighting corrects only for what every ticket shows."""
    t = cs.datasets.load_planted_truth()["nonresponse"]
    assert t["planted_p_answer_bad"] > t["planted_p_answer_other"]
    row = nonresponse.loc["bad_share"]
    assert row["raw_ci_low"] > t["bad_share_all_offered"]
    assert row["weighted"] < row["raw"]
    assert row["weighted_ci_low"] > t["bad_share_all_offered"]
