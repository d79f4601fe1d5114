"""Planted-truth validation of ``channel_use`` (issue 14, item 3): coverage of every figure and the size of
the two difference tests, over replications of a simulated helpdesk.

World: customers with a gamma contact frailty (issues per customer) and a two-point bad-rating frailty (so a
customer's issues are correlated); each issue brings the customer back (2+ tickets within a week) with
probability ``p_repeat``, crosses channels with probability ``p_cross`` among those, begins in self-service
with probability ``p_ss``, is rated with probability 1/2 and is bad with probability ``p_bad_cross`` /
``p_bad_single``. The truths are these planted probabilities. Worlds: ``effect`` (cross-channel issues
twice as likely to be bad, 0.30 against 0.15) and ``null`` (0.20 both).

    python validation/channel_use.py --reps 250 --customers 600 --resamples 200 --out validation/channel_use.md
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.append(str(HERE))
# the exact binomial interval of a coverage or a size: one copy, in drivers.py
from drivers import clopper_pearson

START = pd.Timestamp("2024-01-01", tz="UTC")
CH = np.array(["email", "chat", "phone", "web"])
CATS = ["email", "web", "chat", "phone", "social", "api", "other"]

def simulate(seed=0, customers=3000, p_bad_single=0.15, p_bad_cross=0.30, p_repeat=0.35, p_cross=0.5,
             p_ss=0.25, p_rated=0.5, agent_tickets=0):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(1.0, 2.5, customers)           # contact frailty: issues per customer
    k = rng.poisson(lam)
    cust = np.repeat(np.arange(customers), k)
    I = len(cust)
    frail = rng.choice([0.5, 1.5], customers)[cust]  # bad-rating frailty, mean 1
    pref = rng.integers(0, 4, customers)[cust]
    repeat = rng.random(I) < p_repeat
    size = np.where(repeat, 2 + rng.poisson(0.5, I), 1)
    cross = repeat & (rng.random(I) < p_cross)
    rated = rng.random(I) < p_rated
    bad = rated & (rng.random(I) < np.where(cross, p_bad_cross, p_bad_single) * frail)
    ss = rng.random(I) < p_ss
    c1 = np.where(rng.random(I) < 0.7, pref, rng.integers(0, 4, I))
    c2 = (c1 + rng.integers(1, 4, I)) % 4
    # tickets
    iss = np.repeat(np.arange(I), size)
    pos = np.arange(len(iss)) - np.repeat(np.cumsum(size) - size, size)
    step = np.where(pos == 0, 0.0, rng.uniform(0.05, 6.5, len(iss)))
    within = np.cumsum(step) - np.repeat((np.cumsum(step))[np.cumsum(size) - size] - 0.0, size)
    within = within - np.repeat(within[np.cumsum(size) - size], size)
    dur = np.bincount(iss, weights=step)  # length of each issue (days)
    # issue starts: per customer, gap of 8 + Exp(50) days after the previous issue's last ticket
    gap = 8 + rng.exponential(20, I)
    first_of_c = np.r_[True, cust[1:] != cust[:-1]]
    inc = np.where(first_of_c, rng.uniform(0, 60, I), gap) + np.r_[0, dur[:-1]] * ~first_of_c
    cs = np.cumsum(inc)
    base = cs - np.repeat(np.where(first_of_c, cs - inc, 0), 1)
    grp = np.cumsum(first_of_c) - 1
    start = cs - (cs - inc)[first_of_c][grp]
    days = np.repeat(start, size) + within
    use_c2 = (pos >= 1) & np.repeat(cross, size) & ((pos == 1) | (rng.random(len(iss)) < 0.5))
    ch = np.where(use_c2, np.repeat(c2, size), np.repeat(c1, size))
    last = np.r_[pos[1:] == 0, True]
    rating = np.where(np.repeat(rated, size) & last, np.where(np.repeat(bad, size), "bad", "good"), None)
    sst = np.where(pos == 0, np.repeat(ss, size), False)
    t = pd.DataFrame({
        "ticket_id": [f"t{i}" for i in range(len(iss))],
        "customer": np.char.add("c", cust[iss].astype(str)),
        "created_at": START + pd.to_timedelta(days, unit="D"),
        "channel": pd.Categorical(CH[ch], categories=["email", "web", "chat", "phone", "social", "api", "other"]),
        "self_service": pd.array(sst, dtype="boolean"),
        "rating": pd.Categorical(rating, categories=["good", "neutral", "bad"]),
        "direction": "customer",
    })
    if agent_tickets:
        a = t.sample(agent_tickets, random_state=seed).copy()
        a["ticket_id"] = "a" + a["ticket_id"]
        a["direction"] = "agent"
        a["channel"] = "phone"
        a["rating"] = "bad"
        t = pd.concat([t, a], ignore_index=True)
    truth = {"self_service_first_share": p_ss, "cross_channel_issue_share": p_repeat * p_cross,
             "repeat_contact_share": p_repeat, "bad_share_cross_channel": p_bad_cross,
             "bad_share_single_channel": p_bad_single, "bad_share_difference_cross_channel": p_bad_cross - p_bad_single,
             "bad_share_repeat": p_cross * p_bad_cross + (1 - p_cross) * p_bad_single,
             "bad_share_single_contact": p_bad_single}
    truth["bad_share_difference_repeat"] = truth["bad_share_repeat"] - p_bad_single
    return t, truth, I


def main(argv=None) -> int:
    from csanalysis.estimators.channel_use import channel_use

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=250)
    ap.add_argument("--customers", type=int, default=600)
    ap.add_argument("--resamples", type=int, default=200)
    ap.add_argument("--out", default=str(Path(__file__).with_name("channel_use.md")))
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    worlds = {"effect": {}, "null": {"p_bad_cross": 0.2, "p_bad_single": 0.2}}
    rows, tests = [], []
    for world, kw in worlds.items():
        for s in range(a.reps):
            t, truth, _ = simulate(1000 + s, customers=a.customers, **kw)
            f = channel_use(t, n_resamples=a.resamples, seed=s).figures.set_index("id")
            for fid, v in truth.items():
                rows.append({"world": world, "figure": fid, "truth": v, "estimate": f.loc[fid, "estimate"],
                             "covered": bool(f.loc[fid, "ci_low"] <= v <= f.loc[fid, "ci_high"]),
                             "width": f.loc[fid, "ci_high"] - f.loc[fid, "ci_low"]})
            for fid in ("bad_share_difference_cross_channel", "bad_share_difference_repeat"):
                tests.append({"world": world, "figure": fid, "reject": bool(f.loc[fid, "p_value"] < 0.05)})
    d, T = pd.DataFrame(rows), pd.DataFrame(tests)
    L = ["# Planted-truth validation of `channel_use` (issue 14, item 3)", "",
         f"Command: `python validation/channel_use.py --reps {a.reps} --customers {a.customers} --resamples "
         f"{a.resamples}`; {a.reps} replications per world, {time.perf_counter() - t0:.0f} s in all. The world is "
         "described in the script's docstring; truths are the planted probabilities.", "",
         "Targets (issue 10's): coverage whose Clopper-Pearson 95% interval overlaps [93%, 97%] with the point at "
         "least 90%; tests at 5% whose rejection rate in the null world is not significantly above 6% (at most 8%).",
         "", "| world | figure | truth | mean estimate | bias | coverage [95% CI] | mean width | target |",
         "|---|---|---:|---:|---:|---|---:|---|"]
    for (world, fid), g in d.groupby(["world", "figure"], sort=False):
        k, n = int(g["covered"].sum()), len(g)
        lo, hi = clopper_pearson(k, n)
        ok = hi >= 0.93 and lo <= 0.97 and k / n >= 0.90
        L.append(f"| {world} | `{fid}` | {g['truth'].iloc[0]:.3f} | {g['estimate'].mean():.3f} | "
                 f"{g['estimate'].mean() - g['truth'].iloc[0]:+.4f} | {k / n:.1%} [{lo:.1%}, {hi:.1%}] | "
                 f"{g['width'].mean():.3f} | {'meets' if ok else 'MISSES'} |")
    L += ["", "| world | test | rejection rate at 5% [95% CI] | reading |", "|---|---|---|---|"]
    for (world, fid), g in T.groupby(["world", "figure"], sort=False):
        k, n = int(g["reject"].sum()), len(g)
        lo, hi = clopper_pearson(k, n)
        what = ("size: " + ("meets" if lo <= 0.06 and k / n <= 0.08 else "MISSES")) if world == "null" else "power"
        L.append(f"| {world} | `{fid}` | {k / n:.1%} [{lo:.1%}, {hi:.1%}] | {what} |")
    Path(a.out).write_text("\n".join(L) + "\n", encoding="utf-8")
    print("\n".join(L))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
