"""Which sampling unit the key drivers resample: rows without an account, before and after b29a79d.

    python validation/drivers_units.py --reps 300 --resamples 200

With accounts as the analysis's sampling unit (``cluster="auto"`` and tickets
with an ``account_id``, as in Zendesk's Organization column), the ticket
drivers used to resample a ticket *without* an account as a unit of its own:
one customer's tickets counted as independent. Since b29a79d they take
:func:`csanalysis.estimators.metrics.sampling_units` (the account, else the
customer's most frequent account, else the customer), as every other ticket
stage does. This script measures what that changes, in the world of
``validation/drivers.py`` (8 correlated drivers, customers with 1 + Poisson(2)
rows each, a share of every driver's and of the outcome's variance that is the
customer's; continuous outcome, population relative weights exact): a few
customers (``--account-share``) belong to one of 4 accounts, the rest to none,
like the sample and the typical benchmark profile (6% of tickets with an
organization). Per replication, ``key_drivers`` runs twice on the same rows,
with the units of before (account, else the row) and of now; per driver, the
coverage of the 95% interval (Clopper-Pearson interval over replications) and
the mean width. The table goes to ``validation/drivers_units.md``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import drivers as world  # validation/drivers.py: the simulated world and its truths

from csanalysis.estimators.drivers import key_drivers
from csanalysis.estimators.metrics import sampling_units

ACCOUNTS = 4


def replicate(rng: np.random.Generator, customers: int, share: float, account_share: float,
              resamples: int) -> dict:
    df, resid = world.simulate(rng, customers)
    df["y"] = df[world.DRIVERS].to_numpy() @ world.BETA + world.residual_sd() * resid
    cust = df["customer"].to_numpy()
    ids = np.unique(cust)
    member = rng.random(len(ids)) < account_share
    account = pd.Series(np.where(member, rng.integers(0, ACCOUNTS, len(ids)).astype(str), None), index=ids)
    df["account_id"] = pd.Series(account.reindex(cust).to_numpy(), dtype="string")
    df["ticket_id"] = np.arange(len(df)).astype(str)
    before = df["account_id"]  # rows without an account: each its own unit (as_units)
    now = sampling_units(df, "account_id", row_id="ticket_id")[0]
    out = {}
    for name, units in (("before", before), ("now", now)):
        d = df[[*world.DRIVERS, "y"]].assign(unit=units)
        r = key_drivers(d, "y", world.DRIVERS, kind="continuous", customer="unit", n_resamples=resamples,
                        versus_noise=False, seed=int(rng.integers(2**31)))
        t = r.table.set_index("driver").loc[world.DRIVERS]
        out[name] = (t["importance"].to_numpy(float), t["ci_low"].to_numpy(float), t["ci_high"].to_numpy(float),
                     int(r.fit["customers"].iloc[0]))
    out["rows"] = len(df)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=300)
    p.add_argument("--resamples", type=int, default=200)
    p.add_argument("--customers", type=int, default=600)
    p.add_argument("--shares", type=float, nargs="+", default=[0.3, 0.6],
                   help="customer shares of the drivers' and the outcome's variance (worlds)")
    p.add_argument("--account-share", type=float, default=0.06)
    p.add_argument("--seed", type=int, default=20261205)
    p.add_argument("--out", type=Path, default=HERE / "drivers_units.md")
    args = p.parse_args()
    t0 = time.time()
    rows = []
    for share in args.shares:
        world.CUSTOMER_SHARE = share  # read by world.simulate
        truth, _ = world.truth_continuous()
        rng = np.random.default_rng([args.seed, int(share * 1000)])
        got = [replicate(rng, args.customers, share, args.account_share, args.resamples) for _ in range(args.reps)]
        for name in ("before", "now"):
            est = np.array([g[name][0] for g in got])
            lo = np.array([g[name][1] for g in got])
            hi = np.array([g[name][2] for g in got])
            units = np.array([g[name][3] for g in got])
            for j, d in enumerate(world.DRIVERS):
                k = int(np.sum((lo[:, j] <= truth[j]) & (truth[j] <= hi[:, j])))
                c_lo, c_hi = world.clopper_pearson(k, len(got))
                rows.append({"share": share, "units": name, "driver": d, "truth": truth[j],
                             "mean": est[:, j].mean(), "coverage": k / len(got), "cov_lo": c_lo, "cov_hi": c_hi,
                             "width": float(np.mean(hi[:, j] - lo[:, j])), "n_units": float(units.mean()),
                             "rows": float(np.mean([g["rows"] for g in got]))})
    res = pd.DataFrame(rows)
    seconds = time.time() - t0
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True,
                            check=False).stdout.strip() or "unknown"
    shares = " ".join(f"{s:g}" for s in args.shares)
    command = (f"python validation/drivers_units.py --reps {args.reps} --resamples {args.resamples} "
               f"--customers {args.customers} --shares {shares} --account-share {args.account_share:g}")
    lines = ["# The key drivers' sampling unit when most tickets have no account (b29a79d)", "",
             f"Code: commit `{commit}` (csanalysis/ unchanged since).", "",
             (f"Command: `{command}`; {seconds / 60:.1f} minutes; generated by the script, whose docstring "
              "describes the world. Every number below comes from this run."), "",
             ("Units **before**: the account, else the ticket itself (what `_drivers` did until b29a79d). Units "
              "**now**: `sampling_units(..., 'account_id')` (the account, else the customer's most frequent "
              "account, else the customer). Same rows, same seed per replication; continuous outcome, relative "
              "weights, 95% percentile intervals."), ""]
    for share in args.shares:
        s = res[res["share"] == share]
        b, n = s[s["units"] == "before"].set_index("driver"), s[s["units"] == "now"].set_index("driver")
        lines += [f"## Customer share of the variance {share:.0%}", "",
                  (f"{b['rows'].iloc[0]:,.0f} rows on average; units per fit: before {b['n_units'].iloc[0]:,.0f}, "
                   f"now {n['n_units'].iloc[0]:,.0f}."), "",
                  ("| driver | population weight | mean estimate | coverage before | coverage now | "
                   "width now / before |"), "|---|---|---|---|---|---|"]
        for d in world.DRIVERS:
            lines.append(f"| {d} | {b.loc[d, 'truth']:.4f} | {n.loc[d, 'mean']:.4f} | "
                         f"{b.loc[d, 'coverage']:.1%} [{b.loc[d, 'cov_lo']:.1%}, {b.loc[d, 'cov_hi']:.1%}] | "
                         f"{n.loc[d, 'coverage']:.1%} [{n.loc[d, 'cov_lo']:.1%}, {n.loc[d, 'cov_hi']:.1%}] | "
                         f"{n.loc[d, 'width'] / b.loc[d, 'width']:.2f} |")
        lines += ["", (f"Mean coverage over the drivers: before {b['coverage'].mean():.1%}, now "
                       f"{n['coverage'].mean():.1%}."), ""]
    args.out.write_text("\n".join(lines) + "\n")
    res.to_csv(args.out.with_suffix(".csv"), index=False)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
