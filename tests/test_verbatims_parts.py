"""Verbatims per partition of customers (the Dask engine's VerbatimsPart): the columns' majority languages
decided from counts added over the partitions, each partition's comments tagged and scored where it is, and the
whole result (comments, tags, scores, shares, tone) equal to one call on the whole tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import csanalysis as cs
from csanalysis.estimators.verbatims import VerbatimsPart, verbatims, verbatims_from_parts
from csanalysis.link import link_customers
from csanalysis.partition import split_customers


def _each(parts):
    return lambda method, **kw: [getattr(p, method)(**kw) for p in parts]


def _assert_same(whole, got):
    for name in ("table", "tags", "comments", "sentiment", "tone"):
        assert_frame_equal(getattr(whole, name), getattr(got, name), check_exact=True, obj=name)
    assert whole.settings == got.settings


@pytest.fixture(scope="module")
def linked():
    s = cs.datasets.load_sample()
    return link_customers(s.tickets, s.responses, s.activity, s.customers)


@pytest.mark.parametrize("n_parts", [1, 3, 7])
def test_sample_verbatims_from_partitions_equal_the_whole(linked, n_parts):
    whole = verbatims(linked.responses, tickets=linked.tickets)
    parts = split_customers(linked, n_parts)
    states = [VerbatimsPart(p.tickets, p.responses) for p in parts]
    _assert_same(whole, verbatims_from_parts(_each(states)))
    assert len(whole.comments) > 100 and whole.comments["language_from"].nunique() >= 1


def test_majority_language_decided_over_all_partitions():
    # short comments the detection cannot decide take their column's language only when the whole column's
    # decided comments agree: each partition alone has too few decided comments for a majority
    rng = np.random.default_rng(4)
    n = 60
    long = ["The agent was rude and I waited far too long for an answer to my question",
            "Very helpful and friendly support, my problem was solved quickly and well"]
    text = np.where(np.arange(n) % 3 == 0, "ok", rng.choice(long, n))
    r = pd.DataFrame({"response_id": np.arange(n).astype(str), "customer_id": (np.arange(n) % 20).astype(str),
                      "csat": rng.integers(1, 6, n).astype(float),
                      "responded_at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(n), "D"),
                      "comment": text})
    r.attrs["free_text_columns"] = ["comment"]
    ld = link_customers(responses=r)
    whole = verbatims(ld.responses)
    assert (whole.comments["language_from"] == "majority of the column").any()
    for k in (2, 5):
        states = [VerbatimsPart(p.tickets, p.responses) for p in split_customers(ld, k)]
        _assert_same(whole, verbatims_from_parts(_each(states)))


def test_no_comments_anywhere_says_so_as_the_whole_call():
    t = pd.DataFrame({"ticket_id": ["1", "2"], "customer_id": ["a", "b"],
                      "created_at": pd.to_datetime(["2024-01-02", "2024-02-03"], utc=True),
                      "csat_comment": [None, "  "]})
    t.attrs["free_text_columns"] = ["csat_comment"]
    ld = link_customers(tickets=t)
    with pytest.raises(ValueError) as whole:
        verbatims(None, tickets=ld.tickets)
    states = [VerbatimsPart(p.tickets, None) for p in split_customers(ld, 2)]
    with pytest.raises(ValueError) as parts:
        verbatims_from_parts(_each(states))
    assert str(whole.value) == str(parts.value)
