"""Shared fixtures: headless plotting, figure cleanup, a seeded generator, fixture paths."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

os.environ.setdefault("CSANALYSIS_KEY", "test-suite-key")

DATA = Path(__file__).parent / "data"
FIXTURES = DATA / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def config_dir_in_tmp(tmp_path_factory):
    """The per-user pseudonym secret (csanalysis.privacy.secret_path) goes to a temporary folder, never ~/.config."""
    old = os.environ.get("CSANALYSIS_CONFIG_DIR")
    os.environ["CSANALYSIS_CONFIG_DIR"] = str(tmp_path_factory.mktemp("csanalysis-config"))
    yield
    if old is None:
        os.environ.pop("CSANALYSIS_CONFIG_DIR", None)
    else:
        os.environ["CSANALYSIS_CONFIG_DIR"] = old


@pytest.fixture(autouse=True)
def close_figs():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture()
def rng():
    return np.random.default_rng(sum(map(ord, "csanalysis")))


@pytest.fixture()
def data_dir() -> Path:
    return DATA


@pytest.fixture()
def fixtures_dir() -> Path:
    return FIXTURES


# -- helpers shared by the reader tests (import with ``from conftest import ...``) -------------------------------

def rep_of(df):
    """The load report a reader attached."""
    return df.attrs["load_report"]


def assert_balanced(df):
    """Every row read is accounted for, and the table holds the loaded rows."""
    r = rep_of(df)
    assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_merged + r.rows_excluded
    assert r.rows_loaded == len(df)


def string_cells(df):
    """Every non-missing text cell of a table, as strings."""
    import pandas as pd

    out = []
    for c in df.columns:
        if pd.api.types.is_string_dtype(df[c]) or df[c].dtype == object:
            out += [str(v) for v in df[c].dropna().tolist()]
    return out


def partition_world(seed: int):
    """A simulated world with what real experiences carry: survey answers, known_at (sometimes missing, the
    creation time then), solved times (open tickets set purchases aside), rows without a customer or a time."""
    import pandas as pd

    from csanalysis.estimators.avoidance import simulate_avoidance_scenario

    exp, act, _ = simulate_avoidance_scenario(500 + 150 * seed, seed=seed)
    rng = np.random.default_rng(100 + seed)
    n, m = len(exp), len(act)
    exp["source"] = pd.array(np.where(rng.random(n) < 0.3, "survey", "ticket"), dtype="str")
    late = pd.to_timedelta(rng.integers(0, 72, n), "h")
    exp["known_at"] = exp["at"] + late
    creation = rng.random(n) < 0.1
    exp.loc[creation, "known_at"] = pd.NaT
    exp["known_from"] = pd.array(np.where(creation, "created_at", "solved_at"), dtype="str")
    exp["resolved_at"] = exp["at"] + pd.to_timedelta(rng.integers(1, 20, n), "D")
    exp.loc[rng.random(n) < 0.3, "resolved_at"] = pd.NaT
    exp.loc[rng.random(n) < 0.02, "customer"] = None
    act.loc[rng.random(m) < 0.02, "customer"] = None
    act.loc[rng.random(m) < 0.02, "at"] = pd.NaT
    act.loc[rng.random(m) < 0.05, "amount"] = np.nan
    # experiences as experiences() gives them: sorted by customer (missing last), then time
    exp = exp.sort_values(["customer", "at"], na_position="last", kind="stable").reset_index(drop=True)
    return exp, act.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # activity in any order


@pytest.fixture()
def shared_accounts():
    """``make(seed)``: linked tables where accounts span customers and customers span accounts, some answers are
    about other customers' tickets, some tickets have no customer, and customers have orders (for the tests
    that split customers by sampling unit: :func:`csanalysis.partition.unit_groups`)."""
    import pandas as pd

    import csanalysis as cs

    def make(seed: int = 0):
        rng = np.random.default_rng(seed)
        n_t = 600
        cust = rng.choice([f"c{i}" for i in range(200)], n_t)
        account = np.where(rng.random(n_t) < 0.4, rng.choice([f"A{i}" for i in range(25)], n_t), None)
        tickets = pd.DataFrame({"ticket_id": [f"t{i}" for i in range(n_t)], "customer_id": cust,
                                "account_id": account, "created_at": pd.Timestamp("2024-01-01", tz="UTC")
                                + pd.to_timedelta(rng.integers(0, 300, n_t), unit="D")})
        tickets.loc[rng.random(n_t) < 0.05, "customer_id"] = None
        n_r = 300
        about = rng.choice(tickets["ticket_id"].to_numpy(), n_r)
        owner = tickets.set_index("ticket_id")["customer_id"].reindex(about).to_numpy()
        # most answers come from the ticket's customer, some from another (a colleague, a forwarded survey)
        own = np.where(rng.random(n_r) < 0.8, owner, rng.choice([f"c{i}" for i in range(220)], n_r))
        responses = pd.DataFrame({"response_id": [f"r{i}" for i in range(n_r)], "ticket_id": about,
                                  "customer_id": own, "responded_at": pd.Timestamp("2024-12-01", tz="UTC"),
                                  "csat": rng.integers(1, 6, n_r)})
        responses.loc[rng.random(n_r) < 0.1, "ticket_id"] = None
        n_o = 500
        activity = pd.DataFrame({"customer_id": rng.choice([f"c{i}" for i in range(230)], n_o),
                                 "at": pd.Timestamp("2024-01-01", tz="UTC")
                                 + pd.to_timedelta(rng.integers(0, 360, n_o), unit="D"),
                                 "amount": rng.integers(10, 100, n_o).astype(float)})
        return cs.link_customers(tickets=tickets, responses=responses, activity=activity)

    return make


def wire(states: list):
    """``each(method, **kw)`` over partition states as a cluster asks them (the drivers' rounds): every round's
    arguments and answers pickled, the states asked in reverse order, the answers returned in the states' order;
    every round is kept in ``each.answers`` as ``(method, answers)``."""
    import pickle

    answers = []

    def each(method, **kw):
        kw = pickle.loads(pickle.dumps(kw))
        got = [pickle.loads(pickle.dumps(getattr(s, method)(**kw))) for s in reversed(states)][::-1]
        answers.append((method, got))
        return got
    each.answers = answers
    return each
