"""One analysis on the Dask engine at a large scale, with its memory traced by phase (issue 13, items 5 and 6).

The harness (``run.py``) times ``csanalysis report --engine dask`` and keeps its all-process peak; at the
largest scales, where the question is *where* the memory goes and whether the run completes at all, this
runs the same analysis (``cs.analyse(engine="dask", keep_tables=False, keep_rows=False)``, what the report computes) on a local
cluster of two single-threaded workers (the issue's two cores; one on a one-core machine), and writes as it goes:

* ``OUT/<scale>.log``: the analysis's progress lines, each with its second;
* ``OUT/<scale>.mem.csv``: every 2 s, all processes' resident memory together (client, scheduler, nannies,
  workers), the client's, each worker's, and Dask's own accounts of each worker's data (managed) and of what it
  spilled to disk;
* ``OUT/<scale>.json`` at the end: seconds, the sampled peak, the time per stage, the notes, the figures, and the
  memory by phase (reading; the per-customer phase and the stages driven in rounds; the whole-table stages).

A run that fails (a worker killed, say) says so in the log and the JSON, with the trace up to then.

    python benchmarks/scale_run.py 5m [--partitions auto] [--memory-limit 10GiB] [--out benchmarks/results/scale]

``--partitions auto`` is the harness's (:func:`run.dask_partitions`: 250k customers each, at least two per worker),
so scales compare at one partition size. ``--memory-limit`` is each worker's (Dask's ``memory_limit``: it spills
its data to disk from 70% of it, pauses at 80%, is restarted at 95%); ``auto`` is Dask's default, the machine's
memory shared among the workers, which leaves nothing for the client (the local cluster of ``csanalysis report``
leaves it a share: :func:`csanalysis.distributed.worker_memory`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import generate as bgen  # (benchmarks/generate.py)

#: The columns of the memory trace (MB; t in seconds).
TRACE_COLUMNS = ("t", "total_mb", "client_mb", "worker1_mb", "worker2_mb", "managed1_mb", "managed2_mb",
                 "spilled1_mb", "spilled2_mb")
#: Progress lines that start the phases after reading: the per-customer phase (with the driven stages), and the
#: whole-table stages.
PHASE_MARKS = (("per-customer and driven", "experiences ..."), ("whole-table", "stages on the cluster"))


def phases(trace: list[list[float]], lines: list[tuple[float, str]], end: float) -> dict[str, dict]:
    """The memory of each phase of a run: all processes' (max and median), the client's, each worker's, their
    managed and spilled data (max of the two workers' sum), from the trace and the progress lines."""
    starts = [("reading", 0.0)] + [(name, next((t for t, ln in lines if mark in ln), None))
                                   for name, mark in PHASE_MARKS]
    out = {}
    for i, (name, a) in enumerate(starts):
        b = next((t for _, t in starts[i + 1:] if t is not None), end)
        rows = [r for r in trace if a is not None and a <= r[0] < b]
        if not rows:
            continue
        def col(k: str, rows: list[list[float]] = rows) -> list[float]:
            return [r[TRACE_COLUMNS.index(k)] for r in rows]

        total = sorted(col("total_mb"))
        out[name] = {"from_s": round(a, 1), "to_s": round(b, 1), "total_max_mb": round(total[-1]),
                     "total_median_mb": round(total[len(total) // 2]), "client_max_mb": round(max(col("client_mb"))),
                     "worker_max_mb": [round(max(col("worker1_mb"))), round(max(col("worker2_mb")))],
                     "managed_max_mb": round(max(x + y for x, y in zip(col("managed1_mb"), col("managed2_mb")))),
                     "spilled_max_mb": round(max(x + y for x, y in zip(col("spilled1_mb"), col("spilled2_mb"))))}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scale", help="customers: 1m, 5m, ... (generated when missing, benchmarks/generate.py)")
    ap.add_argument("--partitions", default="auto", help="partitions of customers (default: the harness's)")
    ap.add_argument("--memory-limit", default="10GiB", help="each worker's Dask memory_limit (default 10GiB)")
    ap.add_argument("--out", default=str(HERE / "results" / "scale"))
    ap.add_argument("--data-dir", default=str(bgen.DEFAULT_DATA))
    ap.add_argument("--seed", type=int, default=bgen.DEFAULT_SEED)
    args = ap.parse_args(argv)

    from run import dask_partitions

    n = bgen.parse_scale(args.scale)
    if not (bgen.data_dir(n, args.seed, args.data_dir) / "benchmark_data.json").exists():  # generated in a process
        # of its own: generating in this one left about 0.8 GB in it (1M customers), counted as the client's
        subprocess.run([sys.executable, str(HERE / "generate.py"), args.scale, "--seed", str(args.seed),
                        "--data-dir", str(args.data_dir)], check=True)
    data, info = bgen.ensure(n, args.seed, args.data_dir)
    workers = min(2, os.cpu_count() or 1)
    parts = dask_partitions(n, workers) if args.partitions == "auto" else int(args.partitions)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    label = bgen.scale_label(n)
    log_path, trace_path = out / f"{label}.log", out / f"{label}.mem.csv"
    with open(log_path, "w", buffering=1) as log, open(trace_path, "w", buffering=1) as mem:
        return _run(args, n, info, data, workers, parts, out, label, log, mem)


def _run(args, n, info, data, workers, parts, out, label, log, mem) -> int:
    import psutil
    from dask.distributed import Client
    from run import tree_rss_mb

    import csanalysis as cs
    from csanalysis.distributed import local_cluster

    t0 = time.time()
    lines: list[tuple[float, str]] = []
    trace: list[list[float]] = []

    def say(message: str) -> None:
        lines.append((time.time() - t0, message))
        log.write(f"{lines[-1][0]:9.1f} {message}\n")

    say(f"{label}: {info['customers']:,} customers, {sum(info['bytes'].values()) / 1e6:,.0f} MB of CSV; "
        f"{workers} workers, memory_limit {args.memory_limit}, {parts} partitions")
    cluster = local_cluster(workers, memory_limit=args.memory_limit)
    client = Client(cluster)
    me, stop = psutil.Process(), threading.Event()
    running: dict[str, list[str]] = {}  # each worker's tasks under way at the last sample, by name
    # per worker gone (killed at its memory limit): when it was found gone, and the tasks under way on it
    lost: list[tuple[float, list[str]]] = []

    def sample() -> None:
        mem.write(",".join(TRACE_COLUMNS) + "\n")
        while not stop.is_set():
            try:
                now = client.scheduler_info(n_workers=-1)["workers"]
                gone = tasks_of_lost_workers(running, set(now)).values()
                lost.extend((round(time.time() - t0, 1), tasks) for tasks in gone)
                running.update(client.run(executing_tasks, on_error="ignore"))
                if not now:  # (the scheduler's answer without workers: no sample, rather than a row of zeros)
                    mem.write("# no worker in the scheduler's answer\n")
                    stop.wait(2.0)
                    continue
                ws = [w["metrics"] for _, w in sorted(now.items())]
                ws = (ws + [{}, {}])[:2]
                row = [time.time() - t0, tree_rss_mb(), me.memory_info().rss / 2**20,
                       *(w.get("memory", 0) / 2**20 for w in ws), *(w.get("managed_bytes", 0) / 2**20 for w in ws),
                       *((w.get("spilled_bytes") or {}).get("disk", 0) / 2**20 for w in ws)]
                trace.append(row)
                mem.write(",".join(f"{x:.1f}" for x in row) + "\n")
            except Exception as exc:  # noqa: BLE001 - the trace goes on through a scheduler's hiccup
                mem.write(f"# {type(exc).__name__}: {exc}\n")
            stop.wait(2.0)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    files = {role: str(data / name) for role, (name, _) in bgen.FILES.items()}
    result: dict = {"scale": label, "customers": info["customers"], "csv_bytes": info["bytes"], "workers": workers,
                    "memory_limit": args.memory_limit, "partitions": parts, "csanalysis": cs.__version__}
    try:
        a = cs.analyse(tickets=files["tickets"], survey=files["survey"], activity=files["activity"],
                       timezone=bgen.TIME_ZONE, engine="dask", scheduler=client, partitions=parts,
                       keep_tables=False, keep_rows=False, progress=say)
        say("done")
        result.update(status="ok", timings={k: round(v, 2) for k, v in a.timings.items()}, notes=a.notes,
                      figures=json.loads(a.figures.to_json(orient="records", default_handler=str)))
    except BaseException as exc:  # noqa: BLE001 - a failed run is a result too
        say("failed: " + "".join(traceback.format_exception(exc))[-3000:])
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:2000])
    finally:
        stop.set()
        thread.join()
        end = time.time() - t0
        peak = max(trace, key=lambda r: r[1]) if trace else [0.0, 0.0]
        result.update(seconds=round(end, 1), peak_mb=round(peak[1]), peak_at_s=round(peak[0], 1),
                      phases=phases(trace, lines, end))
        try:  # (a worker lost since the last sample)
            gone = tasks_of_lost_workers(running, set(client.scheduler_info(n_workers=-1)["workers"])).values()
            lost.extend((round(end, 1), tasks) for tasks in gone)
        except Exception:  # noqa: BLE001, S110 - the cluster may be going down with a failed run
            pass
        result.update(workers_lost=len(lost), lost_with=dict(sorted(Counter(t for _, ts in lost for t in ts).items())),
                      losses=[{"at_s": at, "tasks": tasks} for at, tasks in lost])
        (out / f"{label}.json").write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
        say(f"peak {peak[1]:,.0f} MB at {peak[0]:.0f} s; {end:.0f} s")
        client.close()
        cluster.close()
    return 0 if result["status"] == "ok" else 1


def executing_tasks(dask_worker: Any) -> list[str]:
    """On a worker: the names of the tasks it is running (``rfm_part``, ``agreed``, ...)."""
    from dask.utils import key_split

    return [key_split(ts.key) for ts in dask_worker.state.executing]


def tasks_of_lost_workers(running: dict[str, list[str]], present: set[str]) -> dict[str, list[str]]:
    """The workers of ``running`` (address -> the names of its tasks under way at the last look) no longer
    ``present``, with their tasks; they are taken out of ``running``. An answer without any worker is the
    scheduler not answering in time, not every worker lost (run 7 counted four such "losses", both workers
    back a sample later with the same memory): nothing is lost then; a worker really lost is found at the next
    answer with workers (a restarted worker has a new address).

    >>> running = {"w1": ["agreed"], "w2": ["read_block"]}
    >>> tasks_of_lost_workers(running, set()), sorted(running)
    ({}, ['w1', 'w2'])
    >>> tasks_of_lost_workers(running, {"w2", "w3"}), running
    ({'w1': ['agreed']}, {'w2': ['read_block']})
    """
    if not present:
        return {}
    return {a: running.pop(a) for a in [a for a in running if a not in present]}


def summary(path: Path) -> str:
    """One run's result as a few lines of text (``python scale_run.py --summary OUT/5m.json``)."""
    r = json.loads(Path(path).read_text(encoding="utf-8"))
    text = [(f"{r['scale']} ({r['customers']:,} customers, {r['partitions']} partitions, memory_limit "
             f"{r['memory_limit']}): {r['status']} in {r['seconds']:,.0f} s, peak {r['peak_mb']:,} MB at "
             f"{r['peak_at_s']:,.0f} s")]
    if r.get("workers_lost"):
        text.append(f"  workers lost {r['workers_lost']} time(s) (killed at their memory limit); the tasks under "
                    "way on them: " + ", ".join(f"{k} ({v}x)" for k, v in (r.get("lost_with") or {}).items()))
    if r.get("losses"):  # (when each was found gone, and what it was running)
        text.append("  losses: " + "; ".join(f"{x['at_s']:,.0f} s {', '.join(x['tasks']) or '(no task)'}"
                                             for x in r["losses"]))
    for name, p in r["phases"].items():
        text.append(f"  {name} ({p['from_s']:,.0f}-{p['to_s']:,.0f} s): all processes max {p['total_max_mb']:,} / "
                    f"median {p['total_median_mb']:,} MB; client max {p['client_max_mb']:,}; workers max "
                    f"{p['worker_max_mb'][0]:,} / {p['worker_max_mb'][1]:,}; managed max {p['managed_max_mb']:,}; "
                    f"spilled max {p['spilled_max_mb']:,}")
    slow = sorted(((v, k) for k, v in (r.get("timings") or {}).items() if v >= 1), reverse=True)[:8]
    if slow:
        text.append("  slowest stages: " + ", ".join(f"{k} {v:,.0f} s" for v, k in slow))
    return "\n".join(text)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--summary":
        print(summary(Path(sys.argv[2])))
        raise SystemExit(0)
    raise SystemExit(main())
