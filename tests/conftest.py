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
