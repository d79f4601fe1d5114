"""Options of ``cs.analyse`` that choose how figures are computed: the sampling unit and the secret."""

from __future__ import annotations

from pathlib import Path

import csanalysis as cs

DATA = Path(__file__).parent / "data"


def test_accounts_are_the_sampling_unit_when_tickets_carry_them():
    tickets = cs.read_tickets(DATA / "tickets" / "zendesk_export.csv")
    assert tickets["account_id"].notna().any()
    a = cs.analyse(tickets=tickets, n_resamples=20)
    assert a.options["cluster"] == "account_id"
    share = a.figure("bad_rating_share")
    assert "account" in share["method"]
    b = cs.analyse(tickets=tickets, n_resamples=20, cluster="customer")
    assert b.options["cluster"] == "customer" and "customer" in b.figure("bad_rating_share")["method"]
    # the same point estimate, a different (here: not narrower) interval
    other = b.figure("bad_rating_share")
    assert other["estimate"] == share["estimate"]
    assert share["ci_high"] - share["ci_low"] >= (other["ci_high"] - other["ci_low"]) - 1e-12


def test_without_accounts_the_customer_is_the_unit():
    tickets = cs.read_tickets(DATA / "tickets" / "zendesk_export.csv").drop(columns="account_id")
    assert cs.analyse(tickets=tickets, n_resamples=20).options["cluster"] == "customer"


def test_options_say_where_the_secret_comes_from(monkeypatch):
    tickets = cs.read_tickets(DATA / "tickets" / "zendesk_export.csv")
    monkeypatch.delenv("CSANALYSIS_KEY", raising=False)
    assert cs.analyse(tickets=tickets, n_resamples=20, secret="s3cret").options["secret"] == "argument"
    monkeypatch.setenv("CSANALYSIS_KEY", "from-env")
    a = cs.analyse(tickets=tickets, n_resamples=20)
    assert a.options["secret"] == "environment"
    assert "from-env" not in a.to_json()


def test_without_tables_only_the_tables_go():
    # keep_tables=False: no linked tables and no experiences in the result; every figure, result and the
    # linking's summary as with them (the report runs this way)
    import json

    from pandas.testing import assert_frame_equal

    s = cs.datasets.load_sample()
    a = cs.analyse(s, n_resamples=30)
    b = cs.analyse(cs.datasets.load_sample(), n_resamples=30, keep_tables=False)
    assert a.linked.tables() and a.experiences is not None
    assert b.linked.tables() == {} and b.experiences is None
    assert (b.linked.link_on, b.linked.reason) == (a.linked.link_on, a.linked.reason)
    assert_frame_equal(a.linked.summary(), b.linked.summary(), check_exact=True)
    assert_frame_equal(a.figures, b.figures, check_exact=True)
    da, db = a.to_dict(), b.to_dict()
    assert json.dumps(da, sort_keys=True, default=str) == json.dumps(db, sort_keys=True, default=str)
