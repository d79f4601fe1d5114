"""The weighting and censoring models' batched fit: its quick paths give the values of the plain formulas.

``avoidance``'s bootstrap refits both models for every resample
(``_tilted_fit``); the shortcuts it takes (column maxima by blocks, a gather
for one-hot groups, columns leaving the iteration as they converge) must not
change a bit of the result, so the validation tables stay those of the plain
code.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from scipy import sparse

av = importlib.import_module("csanalysis.estimators.avoidance")


@pytest.mark.parametrize("n", [5, av._MAX_BLOCK * 2, av._MAX_BLOCK * 3 + 17])
def test_column_max_is_the_maximum(n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, 7))
    a[rng.integers(0, n, 3), 2] = 50.0  # maxima in the middle of blocks, in the remainder
    a[-1, 4] = 99.0
    a[n // 2, 5] = np.nan
    got, want = av._column_max(a), a.max(axis=0)
    np.testing.assert_array_equal(got, want)  # NaN where the column holds one, as max(axis=0)
    assert got[4] == 99.0 and np.isnan(got[5])


def _plain_state(X, E, A, N, T, posN, lamv, b):
    """_tilted_state as written before its quick paths: whole temporaries, a sparse product for the ratios."""
    eta = X @ b.T
    c = eta.max(axis=0)
    H = A * np.exp(eta - c)
    S = np.asarray(E.T.tocsr() @ H).T
    with np.errstate(divide="ignore"):
        log_s = np.where(posN, np.log(np.where(S > 0, S, 0.0)) + c[:, None], 0.0)
    obj = (N * log_s).sum(axis=1) - (T * b).sum(axis=1) + 0.5 * lamv * (b**2).sum(axis=1)
    ratio = np.where(posN, N / np.where(S > 0, S, 1.0), 0.0)
    return H, ratio, obj, np.asarray(E @ np.ascontiguousarray(ratio.T))


def _design(one_hot: bool, n: int = 40_000, p: int = 4, G: int = 6, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if one_hot:  # pools: one 1 per row
        E = sparse.csr_matrix((np.ones(n), (np.arange(n), rng.integers(0, G, n))), shape=(n, G))
    else:  # exposures: several positive entries per row
        E = sparse.csr_matrix(rng.random((n, G)) * (rng.random((n, G)) < 0.5))
    return X, E


@pytest.mark.parametrize("one_hot", [True, False])
def test_state_equals_the_plain_formulas(one_hot):
    X, E = _design(one_hot)
    design = av._TiltedDesign.build(X, E)
    assert (design.group is not None) == one_hot
    rng = np.random.default_rng(1)
    R = 9
    A = rng.poisson(1.0, (X.shape[0], R)).astype(float)
    N = rng.poisson(30.0, (R, E.shape[1])).astype(float)
    N[0, 1] = 0.0  # a group without weight in one resample
    T = rng.standard_normal((R, X.shape[1]))
    posN, N, _, lamv, _ = av._tilted_terms(design, A, N, 1e-3)
    b = rng.standard_normal((R, X.shape[1])) * 0.3
    got = av._tilted_state(design, A, N, T, posN, lamv, b)
    want = _plain_state(X, E, A, N, T, posN, lamv, b)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert g.flags.c_contiguous


def test_fit_does_not_depend_on_its_companions():
    """A resample's solution and weights are the same fitted alone or in a chunk whose others stop earlier."""
    X, E = _design(True, n=20_000, p=3, G=4, seed=2)
    design = av._TiltedDesign.build(X, E)
    rng = np.random.default_rng(3)
    R = 6
    A = rng.poisson(1.0, (X.shape[0], R)).astype(float)
    N = np.asarray(E.T @ A).T * rng.uniform(0.5, 1.5, (R, 1))
    T = (A.T @ X) * 0.05
    beta, w = av._tilted_fit(design, A, N, T, np.zeros(3), 1e-3, tol=1e-6)
    assert w.shape == (X.shape[0], R) and w.flags.c_contiguous
    for r in (0, R - 1):
        b1, w1 = av._tilted_fit(design, A[:, r:r + 1], N[r:r + 1], T[r:r + 1], np.zeros(3), 1e-3, tol=1e-6)
        np.testing.assert_allclose(b1[0], beta[r], rtol=0, atol=1e-12)
        np.testing.assert_allclose(w1[:, 0], w[:, r], rtol=1e-12, atol=0)
    # the weights balance the groups: each group's weights sum to its N
    np.testing.assert_allclose(np.asarray(E.T @ w).T, N, rtol=1e-9)
