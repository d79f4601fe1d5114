"""Smoke test of the planted-truth validation (validation/): the pipeline runs end to end.

Checks the simulator's tables and potential outcomes, and that ``validation/run.py`` writes the
table with the expected columns and figures and resumes from its checkpoints. It does not check the
targets (that is the full run's job: ``python validation/run.py --reps 200 --resamples 200``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csanalysis.schema import TABLES

VALIDATION = Path(__file__).resolve().parents[1] / "validation"


def _load(name: str):
    if str(VALIDATION) not in sys.path:
        sys.path.insert(0, str(VALIDATION))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, VALIDATION / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def sim():
    return _load("simulate")


@pytest.fixture(scope="module")
def run():
    _load("simulate")
    return _load("run")


def test_tables_are_canonical_and_reproducible(sim):
    w = sim.WORLDS["everything"]
    a = sim.simulate(w, 7, n_customers=500)
    b = sim.simulate(w, 7, n_customers=500)
    for name, df in (("tickets", a.tickets), ("responses", a.responses), ("activity", a.activity)):
        assert list(df.columns[:len(TABLES[name])]) == [c.name for c in TABLES[name]]
        assert len(df) > 0
    pd.testing.assert_frame_equal(a.activity, b.activity)
    assert a.sums == b.sums
    assert a.tickets["account_id"].notna().all()
    assert a.responses["told_count_high"].isna().sum() > a.responses["told_count_low"].isna().sum()  # open band
    assert (a.tickets["created_at"] <= a.end).all() and (a.activity["at"] <= a.end).all()


def test_potential_outcomes(sim):
    # no effect: every comparison's truth is exactly 0
    none = sim.simulate(replace(sim.WORLDS["no_effect"], n_customers=800), 3)
    t = none.truths()
    assert none.sums["n_bad"] > 0 and none.sums["n_recovered"] > 0
    for fid in ("excess_avoidance", "excess_avoidance_censored", "rmst_diff_2y", "recovery_difference"):
        assert t[fid] == 0.0
    # with the effect: fewer purchases than in the natural course, customer by customer
    s = sim.simulate(sim.WORLDS["benign"], 3, n_customers=800)
    assert s.sums["avoid_obs"] >= s.sums["avoid_never"]
    assert s.truths()["excess_avoidance"] > 0.05
    assert set(s.truths()) == set(sim.TRUTH_FIGURES)


def test_run_smoke_writes_the_table_and_resumes(run, sim, tmp_path):
    args = ["--smoke", "--reps", "2", "--n", "600", "--resamples", "10", "--worlds", "no_effect",
            "--truth-customers", "3000", "--checkpoints", str(tmp_path / "ck"), "--out", str(tmp_path / "out"),
            "--quiet"]
    table = run.main(args)
    assert list(table.columns) == run.TABLE_COLUMNS
    assert set(table["world"]) == {"no_effect"}
    assert list(table["figure"]) == list(sim.TRUTH_FIGURES)
    csv = pd.read_csv(tmp_path / "out" / "results.csv", keep_default_na=False, na_values=[""])
    assert list(csv.columns) == run.TABLE_COLUMNS and len(csv) == len(table)
    md = (tmp_path / "out" / "results.md").read_text()
    assert "SMOKE RUN" in md and "## no_effect" in md and "`avoid_2y_after_bad`" in md
    ck = sorted((tmp_path / "ck").glob("*.jsonl"))
    assert [p.name.split("__")[0] for p in ck] == ["no_effect"]
    recs = [json.loads(line) for p in ck for line in p.read_text().splitlines()]
    assert len(recs) == 2
    assert not [r["error"] for r in recs if r["error"]], [r.get("traceback") for r in recs if r["error"]]
    # the headline figure is estimated in every replication and its truth is known
    row = table.set_index("figure").loc["avoid_2y_after_bad"]
    assert row["n_est"] == 2 and np.isfinite(row["truth"]) and 0 < row["truth"] < 1
    # no effect planted: the tests' truths are 0, so their rejection rates are sizes with a verdict
    tests = table.set_index("figure").loc[list(run.TESTS)]
    assert (tests["truth"] == 0).all()
    assert tests.loc[tests["n_est"] > 0, "size_ok"].notna().all()
    # resumable: a second call runs nothing new
    run.main(args)
    assert sum(len(p.read_text().splitlines()) for p in ck) == 2


def test_lifetimes_world_baseline_is_not_biased_by_engaged_answerers(sim):
    """With customer lifetimes, a survey answer shows the customer is still alive. The no-contact controls of
    answer-indexed cases were partly customers who had silently stopped buying, and the two kinds of trials were
    balanced jointly: the baseline came out about 9 points too high (validation at b5ed5aa). Each kind of trial
    now has its own controls and weighting."""
    import csanalysis as cs

    s = sim.simulate(sim.WORLDS["lifetimes"], 11, n_customers=8000)
    a = cs.analyse(tickets=s.tickets, survey=s.responses, activity=s.activity, as_of=s.end, n_resamples=20, seed=0)
    est = a.figures.drop_duplicates("id").set_index("id")
    truth = s.truths()
    assert abs(est.loc["avoid_2y_baseline", "estimate"] - truth["avoid_2y_baseline"]) < 0.045
    assert abs(est.loc["excess_avoidance", "estimate"] - truth["excess_avoidance"]) < 0.05
    info = a.results["avoidance"].comparison
    assert info["answer_cases"] > 0 and info["answer_control_rows"] > 0
