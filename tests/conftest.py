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
