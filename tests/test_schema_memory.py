"""Tests of what the canonical-table helpers hold: no copies of kept columns, no Python object per row, and the
allocator setting the package makes when it is imported first (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from csanalysis.schema import agent_initiated, conform, rating_from_score


def test_conform_keeps_columns_without_copying_and_the_input_stays_as_it_was():
    t = pd.DataFrame({"ticket_id": pd.array(["1", "2"], dtype="str"), "score_extra": [0.0, 2.0],
                      "extra": pd.array(["a", "b"], dtype="str")})
    out = conform(t, "tickets")
    assert np.shares_memory(out["score_extra"].to_numpy(), t["score_extra"].to_numpy())
    out.loc[0, "score_extra"] = 9.0  # copy on write: the caller's table does not change
    assert t["score_extra"].tolist() == [0.0, 2.0] and out["score_extra"].tolist() == [9.0, 2.0]
    assert list(out.columns[-2:]) == ["score_extra", "extra"] and out["ticket_id"].tolist() == ["1", "2"]


@pytest.mark.parametrize("said", [
    pd.Series(["good", None, "bad", "Weird"], dtype="str"),
    pd.Series(["good", None, "bad", "Weird"], dtype="object"),
    pd.Categorical(["good", None, "bad", None], categories=["good", "neutral", "bad"]),
])
def test_rating_from_score_lets_the_tools_label_win_and_an_unknown_label_is_missing(said):
    got = rating_from_score(np.array([0.0, 0.9, np.nan, 0.5]), said=said)
    want = ["good", "good", "bad", None if len(said) and pd.notna(np.asarray(said, dtype=object)[3]) else "neutral"]
    assert [None if pd.isna(x) else x for x in got] == want
    assert list(got.categories) == ["good", "neutral", "bad"]


@pytest.mark.parametrize("dtype", ["str", "object", "category", "string"])
def test_agent_initiated_in_any_text_dtype(dtype):
    t = pd.DataFrame({"direction": pd.Series(["customer", "agent", None, "Agent"], dtype=dtype)})
    assert agent_initiated(t).tolist() == [False, True, False, False]
    assert agent_initiated(pd.DataFrame({"x": [1]})).tolist() == [False]


def test_importing_csanalysis_first_sets_mimallocs_purge_delay_unless_the_environment_says_otherwise():
    code = "import os, csanalysis; print(os.environ.get('MIMALLOC_PURGE_DELAY'))"
    env = {k: v for k, v in os.environ.items() if k != "MIMALLOC_PURGE_DELAY"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
    out = subprocess.run([sys.executable, "-c", code], env={**env, "MIMALLOC_PURGE_DELAY": "25"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "25"
