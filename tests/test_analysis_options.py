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


def test_without_rows_every_result_says_the_same():
    # keep_rows=False: the results' rows per customer go (None), what every face shows of them stays: figures,
    # JSON, summaries, text, repr, plots, the censoring trap
    import json

    import matplotlib.pyplot as plt
    from pandas.testing import assert_frame_equal

    a = cs.analyse(cs.datasets.load_sample(), n_resamples=30)
    b = cs.analyse(cs.datasets.load_sample(), n_resamples=30, keep_rows=False)
    assert_frame_equal(a.figures, b.figures, check_exact=True)
    assert json.dumps(a.to_dict(), sort_keys=True, default=str) == json.dumps(b.to_dict(), sort_keys=True,
                                                                              default=str)
    slimmed = [k for k, v in b.results.items() if v is not None and v.row_fields]
    assert set(slimmed) >= {"avoidance", "journeys", "rfm", "clusters", "recovery"}
    for k in slimmed:
        full, slim = a.results[k], b.results[k]
        assert all(getattr(full, f) is not None for f in full.row_fields if f != "recovery_rows"), k
        assert all(getattr(slim, f) is None for f in slim.row_fields), k
        assert_frame_equal(full.summary(), slim.summary(), check_exact=True)
        assert slim.to_text() == full.to_text() and repr(slim) == repr(full) and slim.to_dict() == full.to_dict()
        assert slim.without_rows() is slim
        for r in (full, slim):
            ax = r.plot()
            assert ax.has_data() and ax.get_title() == full.plot().get_title()
            plt.close("all")
    assert b.results["recovery"].journeys.table is None
    assert_frame_equal(a.results["clusters"].profile(), b.results["clusters"].profile(), check_exact=True)
    trap_a, trap_b = (x.results["avoidance"].censoring_trap(0.4) for x in (a, b))
    assert_frame_equal(trap_a, trap_b, check_exact=True) and trap_a.attrs == trap_b.attrs
    assert a.results["avoidance"].episode_counts() == b.results["avoidance"].episode_counts()
    # a summary taken from a result without rows is a copy: changing it changes nothing kept
    s = b.results["rfm"].summary()
    s["n"] = -1
    assert (b.results["rfm"].summary()["n"] >= 0).all()
    # keep: the rows named stay (a later step reads them)
    j = a.results["journeys"].without_rows(keep=("table",))
    assert j.table is a.results["journeys"].table and j.events is None


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
