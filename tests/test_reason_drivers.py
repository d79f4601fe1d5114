"""Issue 14 point 1 / issue 15 point 4: the reasons survey comments give as key drivers of the same answer's score."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis.analysis import MIN_BINARY_DRIVER, REASON_OUTCOMES, _reason_drivers
from csanalysis.estimators.drivers import DRIVER_COLUMNS, DRIVER_EXTRA_COLUMNS, MIN_ROWS, key_drivers
from csanalysis.estimators.verbatims import verbatims
from csanalysis.experiences import BadExperienceRule

VALID = pd.DataFrame({"reason": ["rudeness", "delivery", "not_resolved"], "language": "en",
                      "precision": [0.93, 0.86, 0.92], "recall": [0.9, 0.6, 0.73], "published": True})
BAD, CSAT = REASON_OUTCOMES["bad"], REASON_OUTCOMES["csat"]


def _survey(n: int = 800, *, seed: int = 1, commented: float = 1.0) -> pd.DataFrame:
    """Survey answers (two per customer) with English comments: a rude agent lowers the CSAT a lot, an unsolved
    problem a little, a late parcel not at all; ``commented`` of the answers have a comment."""
    rng = np.random.default_rng(seed)
    rude, late, unsolved = rng.random(n) < 0.2, rng.random(n) < 0.25, rng.random(n) < 0.15
    latent = 4.3 - 2.4 * rude - 0.7 * unsolved + rng.normal(0, 0.8, n)
    csat = np.clip(np.round(latent), 1, 5)
    parts = [np.where(rude, "The agent was rude to me.", ""), np.where(late, "The parcel arrived late.", ""),
             np.where(unsolved, "My problem was not solved.", "")]
    text = pd.Series([" ".join(p for p in ps if p) or "Thanks for the help." for ps in zip(*parts)])
    text[rng.random(n) >= commented] = ""
    cust = [f"c{i // 2:04d}" for i in range(n)]
    resp = pd.DataFrame({"response_id": [f"r{i}" for i in range(n)], "customer_id": cust, "customer": cust,
                         "responded_at": pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(np.arange(n), "h"),
                         "csat": csat, "comment": text.to_numpy(), "user_language": "EN"})
    resp.attrs["free_text_columns"] = ["comment"]
    return resp


def _reasons(resp: pd.DataFrame, **kw):
    return _reason_drivers(resp, verbatims(resp, validated=VALID), BadExperienceRule(), "customer",
                           n_resamples=kw.pop("n_resamples", 200), seed=0, **kw)


@pytest.fixture(scope="module")
def planted():
    return _reasons(_survey())


def test_rudeness_outweighs_an_unrelated_reason_and_is_above_noise(planted):
    t = planted.table
    assert set(t["outcome"]) == {BAD, CSAT}
    for outcome in (BAD, CSAT):
        part = t[t["outcome"] == outcome].set_index("driver")
        assert set(part.index) == {"rudeness", "delivery", "not_resolved"}
        assert part.loc["rudeness", "importance"] > 5 * part.loc["delivery", "importance"]
        assert part.loc["rudeness", "rank"] == 1 and part.loc["rudeness", "versus_noise"] == "above noise"
        assert part.loc["rudeness", "ci_low"] > part.loc["delivery", "ci_high"]
        assert part.loc["delivery", "versus_noise"] == "not above noise"
        assert part.loc["rudeness", "penalty"] > 0  # a rude comment goes with a worse answer
    # CSAT as a share of the scale: the rude comments' answers about 2.4 points (0.6 of the scale) lower
    assert t.set_index(["outcome", "driver"]).loc[(CSAT, "rudeness"), "penalty"] == pytest.approx(0.6, abs=0.1)


def test_rows_have_the_contract_columns_and_say_what_they_are(planted):
    t = planted.table
    assert list(t.columns[: len(DRIVER_COLUMNS)]) == list(DRIVER_COLUMNS)
    assert list(t.columns) == [*DRIVER_COLUMNS, *DRIVER_EXTRA_COLUMNS]
    assert (t["n"] == 800).all() and (t["customers"] == 400).all()
    assert dict(zip(t["outcome"], t["kind"])) == {BAD: "binary", CSAT: "continuous"}
    for m in t["method"]:
        assert "association between what a survey comment mentions and the score of the same answer" in m
        assert "not a causal effect" in m and "n = survey answers with a comment" in m
        assert "customers as clusters" in m
    assert "not a causal effect" in planted.method
    assert set(planted.fit["outcome"]) == {BAD, CSAT} and (planted.fit["n"] == 800).all()


def test_only_commented_answers_count_and_rare_reasons_are_left_out():
    resp = _survey(commented=0.5, seed=2)
    resp["comment"] = resp["comment"].str.replace("The parcel arrived late.", "", regex=False).str.strip()
    keep = resp.index < 10  # a few late parcels: too rare to be a driver
    resp.loc[keep & resp["comment"].ne(""), "comment"] += " The parcel arrived late."
    r = _reasons(resp, n_resamples=50)
    n_commented = int(resp["comment"].str.strip().ne("").sum())
    assert (r.table["n"] == n_commented).all() and n_commented < len(resp)
    assert "delivery" not in set(r.table["driver"])
    assert any("delivery" in n and f"fewer than {MIN_BINARY_DRIVER}" in n for n in r.notes)


def test_appended_to_the_ticket_level_drivers():
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"y": rng.normal(size=200), "a": rng.normal(size=200), "b": rng.normal(size=200)})
    ticket = key_drivers(d, "y", ["a", "b"], n_resamples=30)
    resp = _survey()
    r = _reasons(resp, drivers=ticket, n_resamples=30)
    assert list(r.table["outcome"].drop_duplicates()) == ["y", BAD, CSAT]
    assert list(r.fit["outcome"]) == ["y", BAD, CSAT]
    assert r.method.startswith(ticket.method) and "Reasons as drivers" in r.method
    assert list(r.table.columns) == list(ticket.table.columns)


def test_too_few_comments_or_reasons_raise_a_reason_not_a_crash():
    resp = _survey(n=MIN_ROWS + 10, commented=0.5, seed=3)
    with pytest.raises(ValueError, match="survey answers have a comment"):
        _reasons(resp, n_resamples=20)
    resp = _survey(seed=4)
    resp["comment"] = np.where(np.arange(len(resp)) % 4 == 0, "The agent was rude to me.", "Thanks.")
    with pytest.raises(ValueError, match="fewer than 2 reasons usable"):
        _reasons(resp, n_resamples=20)


def test_analyse_appends_the_reasons_and_falls_back_to_a_note():
    a = cs.analyse(survey=_survey(), n_resamples=50)
    d = a.drivers
    assert list(d.columns[: len(DRIVER_COLUMNS)]) == list(DRIVER_COLUMNS)
    assert set(d["outcome"]) == {BAD, CSAT}
    part = d[d["outcome"] == BAD].set_index("driver")
    assert part.loc["rudeness", "importance"] > part.loc["delivery", "importance"]
    assert not [n for n in a.notes if n.startswith("reason drivers")]
    f = a.figures
    rows = f[(f["id"] == "driver_importance") & f["group"].str.contains("commented answers", regex=False)]
    assert len(rows) == 6 and rows["method"].str.contains("not a causal effect").all()
    assert a.to_dict()["drivers"] and {r["outcome"] for r in a.to_dict()["drivers"]} == {BAD, CSAT}

    few = cs.analyse(survey=_survey(n=40, commented=0.5), n_resamples=20)  # too few comments: no rows, a note
    assert few.drivers.empty and list(few.drivers.columns[: len(DRIVER_COLUMNS)]) == list(DRIVER_COLUMNS)
    assert any(n.startswith("reason drivers: not computed") and "have a comment" in n for n in few.notes)


def test_the_notes_explain_penalty_once_instead_of_an_empty_good_class_per_reason(planted):
    assert not [n for n in planted.notes if "good class" in n]
    assert sum("a mention has no good end" in n for n in planted.notes) == 1
    assert planted.table["reward"].isna().all() and (planted.table["bad_end"] == "high").all()



def test_accounts_as_units_need_only_the_tickets_ids_customers_and_accounts():
    # an answer's account is looked up in the tickets (the ticket it is about, else its customer's tickets'):
    # the analysis passes only what the tickets tell of the answers' units (the first ticket of each id the
    # answers name, the rows per customer and account), piece by piece on the Dask engine
    from csanalysis.analysis import (
        _lookup_keys,
        _reason_drivers_looked_up,
        _unit_lookup,
        _unit_lookup_piece,
    )

    resp = _survey()
    n = len(resp)
    resp["ticket_id"] = [f"t{i}" if i % 5 else None for i in range(n)]  # a fifth about no ticket
    rng = np.random.default_rng(4)
    tickets = pd.DataFrame({"ticket_id": [f"t{i}" for i in range(n)], "customer": resp["customer"].to_numpy(),
                            "account_id": np.array([f"a{k}" for k in range(40)], dtype=object)[
                                rng.integers(0, 40, n)],
                            "subject": "a subject read by no stage", "rating": rng.integers(1, 6, n)})
    v = verbatims(resp, validated=VALID)
    run = lambda t: _reason_drivers(resp, v, BadExperienceRule(), "account_id", tickets=t,
                                    n_resamples=100, seed=0)
    whole, none = run(tickets), run(None)
    keys = _lookup_keys(resp)
    for cuts in ([], [300], [1, 2, 500, 799]):
        pieces = _pieces(tickets, cuts)
        looked = _reason_drivers_looked_up(resp, v, BadExperienceRule(), "account_id", n_resamples=100, seed=0,
                                           lookup=_unit_lookup([_unit_lookup_piece(p, keys, "account_id")
                                                                for p in pieces]))
        pd.testing.assert_frame_equal(whole.table, looked.table)
        assert whole.notes == looked.notes
    assert "accounts as clusters" in whole.table["method"].iloc[0]
    # (the lookup matters: without it each answer is its customer's own unit, other intervals)
    assert not np.allclose(whole.table["ci_low"], none.table["ci_low"])


def _pieces(df: pd.DataFrame, cuts) -> list[pd.DataFrame]:
    """``df`` cut before the rows ``cuts`` (increasing), as a table read in blocks is (its rows numbered on)."""
    ends = [0, *map(int, cuts), len(df)]
    return [df.iloc[a:b] for a, b in itertools.pairwise(ends)]


def _unit_world(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Answers and tickets whose units are hard to look up: ticket ids given twice (with other accounts),
    answers about no ticket or an unknown one, missing accounts and customers, customers whose tickets tie
    between accounts, sometimes answers with an account of their own, and customer columns filled or not."""
    rng = np.random.default_rng(seed)
    n_t, n_r = int(rng.integers(1, 400)), int(rng.integers(1, 300))
    accounts = np.array([f"a{k}" for k in range(int(rng.integers(1, 12)))] + [None], dtype=object)
    customers = np.array([f"c{k}" for k in range(int(rng.integers(1, 60)))] + [None], dtype=object)
    tid = np.array([f"t{k}" for k in rng.integers(0, max(1, n_t * 4 // 5), n_t)], dtype=object)
    tid[rng.random(n_t) < 0.05] = None
    tickets = pd.DataFrame({"ticket_id": pd.array(tid, dtype="str"),
                            "customer": pd.array(customers[rng.integers(0, len(customers), n_t)], dtype="str"),
                            "account_id": pd.array(accounts[rng.integers(0, len(accounts), n_t)], dtype="str"),
                            "channel": "email"})
    cust_col = "customer" if rng.random() < 0.7 else "customer_id"
    rid = np.array([f"t{k}" for k in rng.integers(0, n_t + 20, n_r)], dtype=object)
    rid[rng.random(n_r) < 0.3] = None
    resp = pd.DataFrame({"response_id": [f"r{i}" for i in range(n_r)],
                         "ticket_id": pd.array(rid, dtype="str"),
                         cust_col: pd.array(customers[rng.integers(0, len(customers), n_r)], dtype="str"),
                         "csat": rng.integers(1, 6, n_r).astype(float)})
    if cust_col == "customer_id" and rng.random() < 0.5:
        resp["customer"] = pd.array([None] * n_r, dtype="str")  # there, but filled nowhere
    if rng.random() < 0.3:
        resp["account_id"] = pd.array(accounts[rng.integers(0, len(accounts), n_r)], dtype="str")
    if rng.random() < 0.1:
        tickets = tickets.drop(columns=str(rng.choice(["ticket_id", "account_id", "customer"])))
    return tickets, resp, cust_col


@pytest.mark.parametrize("seed", range(40))
def test_the_units_looked_up_piece_by_piece_equal_those_of_the_whole_tickets(seed):
    from csanalysis.analysis import _lookup_keys, _unit_lookup, _unit_lookup_piece
    from csanalysis.estimators.metrics import sampling_units

    tickets, resp, _ = _unit_world(seed)
    want, how = sampling_units(resp, "account_id", row_id="response_id", via=tickets)
    keys = _lookup_keys(resp)
    rng = np.random.default_rng(seed)
    for n_pieces in (1, 2, 5):
        cuts = np.sort(rng.integers(0, len(tickets) + 1, n_pieces - 1))
        first, counts = _unit_lookup([_unit_lookup_piece(p, keys, "account_id") for p in _pieces(tickets, cuts)])
        assert len(first) <= min(len(tickets), len(keys["tickets"]))  # what the answers name, once each
        got, how_got = sampling_units(resp, "account_id", row_id="response_id", via=first, via_counts=counts)
        assert how_got == how
        assert list(got.astype("object")) == list(want.astype("object"))


@pytest.mark.parametrize("unit", ["customer", "account_id", None])
def test_the_answers_narrowed_to_what_the_reasons_read_give_the_same_drivers(unit):
    # the Dask engine narrows the survey to _REASON_COLUMNS (and the unit's column) before the task: the same
    # rows and figures as on every column of the survey, the comments' positions unchanged
    from csanalysis.analysis import _REASON_COLUMNS, _narrowed

    resp = _survey()
    rng = np.random.default_rng(7)
    resp["ces"] = rng.integers(1, 8, len(resp)).astype(float)
    resp["account_id"] = np.array([f"a{k}" for k in range(30)], dtype=object)[rng.integers(0, 30, len(resp))]
    resp["q_unread"] = "a column no stage reads"
    v = verbatims(resp, validated=VALID)
    rule = BadExperienceRule(ces_at_least=6)
    narrow = _narrowed(resp, _REASON_COLUMNS + ((unit,) if unit else ()))
    assert "comment" not in narrow.columns and "q_unread" not in narrow.columns and len(narrow) == len(resp)
    whole = _reason_drivers(resp, v, rule, unit, n_resamples=100, seed=0)
    got = _reason_drivers(narrow, v, rule, unit, n_resamples=100, seed=0)
    pd.testing.assert_frame_equal(whole.table, got.table)
    assert whole.notes == got.notes
