"""Smoke test of the benchmark harness (benchmarks/run.py) at a tiny scale.

It runs the harness end to end on 1,500 generated customers, with the peers
(parse floors, the DuckDB avoidance query) and the core csanalysis stages,
and checks that the results table is written and that the library's
avoidance figure equals the DuckDB peer's to three decimals. No timing is
asserted: times on a shared machine are not test material.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "benchmarks" / "run.py"


def test_harness_runs_and_library_matches_duckdb(tmp_path):
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--scales", "1500", "--stages", "core", "--out", str(out),
         "--data-dir", str(tmp_path / "data"), "--inline"],
        cwd=str(ROOT), capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    rec = results["scales"]["1500"]

    # every core stage ran, and the peers too
    stages = rec["library"]["stages"]
    for name in ("read_tickets", "read_survey", "read_activity", "link", "experiences", "avoidance",
                 "word_of_mouth"):
        assert stages[name]["status"] == "ok", (name, stages[name])
        assert stages[name]["seconds"] >= 0 and stages[name]["peak_rss_mb"] > 0
    assert rec["peers"]["duckdb_avoidance"]["status"] == "ok"
    for role in ("tickets", "survey", "activity"):
        assert rec["peers"][f"parse_{role}"]["rows"] > 0

    # correctness first: the library and the hand-written DuckDB query agree
    check = rec["derived"]["avoidance_check"]
    assert check["library"] is not None and check["duckdb"] is not None
    assert round(check["library"], 3) == round(check["duckdb"], 3)
    assert check["library_n"] == check["duckdb_n"] > 0
    assert check["agree_3dp"] is True

    # the table: markdown with the ratios, and JSON-ready derived figures
    md = (out / "results.md").read_text(encoding="utf-8")
    assert "| read_activity |" in md and "DuckDB avoidance" in md and "| 1500 |" in md
    assert set(rec["derived"]["ratios"]) >= {"read_tickets", "read_survey", "read_activity",
                                              "avoidance_from_files", "pipeline"}
    assert rec["data"]["customers"] == 1500 and rec["data"]["order_lines"] > rec["data"]["tickets"] > 0


def _harness():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(RUN.parent))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(RUN.parent))
    return mod


def test_report_sections_are_read_from_the_reports_last_progress_line():
    run = _harness()
    err = ("[csanalysis   0.1 s] reading ...\n"
           "[csanalysis  12.0 s] time per stage: reading 3.5 s, key drivers 4.0 s, channels and self-service "
           "0.2 s, figures and comparisons 0.1 s; total 12.0 s\n")
    sec = run.report_sections(err)
    assert sec == {"reading": 3.5, "key drivers": 4.0, "channels and self-service": 0.2,
                   "figures and comparisons": 0.1}
    assert run.report_sections("no timings here") == {}


def test_growth_slope_is_one_for_linear_time():
    run = _harness()
    assert abs(run.growth_slope(1e6, 100.0, 5e6, 500.0) - 1.0) < 1e-12
    assert run.growth_slope(1e6, 100.0, 5e6, 2500.0) > 1.9
    assert run.growth_slope(1e6, 0.0, 5e6, 1.0) is None


def test_the_pandas_engines_peak_leaves_out_the_dask_clients_process(monkeypatch, tmp_path):
    from types import SimpleNamespace

    run = _harness()
    info = {"bytes": {"tickets": 2**20, "survey": 2**20, "activity": 2**20}, "customers": 10}
    monkeypatch.setattr(run.bgen, "ensure", lambda *a, **k: (tmp_path, info))

    def fake_worker(args, log):  # one worker process per group of stages, as the harness starts them
        group = args[args.index("--stages") + 1].split(",")
        if group == ["report_dask"]:  # the Dask client holds every table: a larger process than pandas'
            return {"stages": {"report_dask": {"status": "ok", "seconds": 2.0, "peak_rss_mb": 900.0,
                                               "tree_peak_mb": 5000.0}}, "max_rss_mb": 900.0, "peak_reset": True}
        return {"stages": {s: {"status": "ok", "seconds": 1.0, "peak_rss_mb": 300.0} for s in group},
                "max_rss_mb": 310.0, "peak_reset": True}

    monkeypatch.setattr(run, "_subprocess", fake_worker)
    args = SimpleNamespace(shape=run.bgen.DEFAULT_SHAPE, seed=0, data_dir=tmp_path, no_peers=True, threads=None,
                           stage_list=["read_tickets", "report", "report_dask"], stage_timeout=60, profile=[],
                           out=str(tmp_path), inline=False, worker_memory=None)
    rec = run.run_scale(10, args, lambda *a: None)
    assert rec["derived"]["peak_rss_mb"] == 310.0 and rec["derived"]["memory_ratio"] == 310.0 / 3
    assert rec["derived"]["dask_peak_mb"] == 5000.0
    assert rec["library"]["stages"]["report_dask"]["process_max_rss_mb"] == 900.0


def test_a_run_of_some_stages_keeps_the_scales_other_stages(monkeypatch, tmp_path):
    """Running the Dask report again at a scale (say with a memory limit per worker) replaces its record only:
    the pandas engine's stages and the peers measured before stay, each stage says which run it comes from,
    the derived figures are those of the stages together, and the machine section lists both runs."""
    from types import SimpleNamespace

    run = _harness()
    info = {"bytes": {"tickets": 2**20, "survey": 2**20, "activity": 2**20}, "customers": 10, "seed": 0,
            "shape": "typical", "generator_version": "g", "tickets": 30, "survey_responses": 5, "orders": 40,
            "order_lines": 60}
    monkeypatch.setattr(run.bgen, "ensure", lambda *a, **k: (tmp_path, info))
    seen = []

    def fake_worker(args, log):
        seen.append(args)
        group = args[args.index("--stages") + 1].split(",")
        secs = 4.0 if "--worker-memory" in args else 2.0
        return {"stages": {s: {"status": "ok", "seconds": secs if s == "report_dask" else 1.0,
                               "peak_rss_mb": 300.0, "tree_peak_mb": 900.0} for s in group},
                "max_rss_mb": 310.0, "peak_reset": True}

    monkeypatch.setattr(run, "_subprocess", fake_worker)
    common = dict(shape=run.bgen.DEFAULT_SHAPE, seed=0, data_dir=tmp_path, no_peers=True, threads=None,
                  stage_timeout=60, profile=[], out=str(tmp_path), inline=False)
    first = run.run_scale(10, SimpleNamespace(**common, stage_list=["report", "report_dask"], worker_memory=None),
                          lambda *a: None)
    again = run.run_scale(10, SimpleNamespace(**common, stage_list=["report_dask"], worker_memory="3GiB"),
                          lambda *a: None)
    assert seen[-1][seen[-1].index("--worker-memory") + 1] == "3GiB"
    assert all("--worker-memory" not in a for a in seen[:-1])
    merged = run.merge_scale(first, again)
    st = merged["library"]["stages"]
    assert set(st) == {"report", "report_dask"} and st["report_dask"]["seconds"] == 4.0
    assert st["report"]["run_at"] == first["run_at"] and st["report_dask"]["run_at"] == again["run_at"]
    assert merged["derived"]["pipeline_seconds"] == 1.0 and merged["derived"]["dask_seconds"] == 4.0
    assert [r["stages"] for r in merged["runs"]] == [["report", "report_dask"], ["report_dask"]]
    # other data (other files): the new record stands alone; a new generator version of the same files does not
    other = {**again, "data": {**info, "bytes": {**info["bytes"], "activity": 2**21}}}
    assert run.merge_scale(first, other) is other
    same = {**again, "data": {**info, "generator_version": "h"}}
    assert run.merge_scale(first, same)["library"]["stages"]["report"] == st["report"]
    path = tmp_path / "results.md"
    run.write_markdown({"scales": {"10": merged}}, path)
    machine = path.read_text(encoding="utf-8").split("## Machine")[1]
    assert machine.count("* 10 (") == 2 and "(report_dask)" in machine


def test_large_scales_are_generated_in_blocks_as_one_export(tmp_path, monkeypatch):
    """A scale above ``BLOCK_CUSTOMERS`` is written a world at a time: its files read as one export of all the
    blocks' customers (one header, every row loaded, no id shared by two blocks), the first block's rows
    those of the block-sized world of the scale's own seed."""
    import importlib.util

    import csanalysis as cs
    from csanalysis.datasets.generate import generate_sample

    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    bgen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bgen)
    monkeypatch.setattr(bgen, "BLOCK_CUSTOMERS", 700)
    d, info = bgen.ensure(1_600, root=tmp_path / "data", log=lambda *a: None)  # blocks of 700, 700 and 200
    truth = json.loads((d / "planted_truth.json").read_text(encoding="utf-8"))
    assert truth["block_customers"] == [700, 700, 200] and len(truth["blocks"]) == 3
    assert not [p for p in d.iterdir() if p.is_dir()]  # the blocks' folders are gone

    files = {role: d / name for role, (name, _) in bgen.FILES.items()}
    ex = cs.read_exports(tickets=files["tickets"], survey=files["survey"], activity=files["activity"],
                         timezone=bgen.TIME_ZONE)
    t = ex.tickets
    assert len(t) == info["tickets"] == sum(b["counts"]["zendesk_tickets"] for b in truth["blocks"])
    assert t["ticket_id"].is_unique
    assert [r.rows_rejected for rs in ex.reports.values() for r in rs] == [0, 0, 0]
    # the orders: every block's orders (the shop's test and voided ones excluded by the reader as usual)
    assert ex.activity["order_id"].is_unique
    assert info["orders"] == sum(b["counts"]["shopify_orders"] for b in truth["blocks"])

    one = tmp_path / "one"
    generate_sample(one, n_customers=700, seed=bgen.DEFAULT_SEED, danish=False, snapshot=False,
                    rates=bgen.shape_rates())
    for role, (name, _) in bgen.FILES.items():
        first = (one / name).read_bytes()
        assert files[role].read_bytes()[:len(first)] == first, role


def test_the_dask_report_keeps_one_partition_size_at_every_scale():
    bench_run = _harness()  # (loaded under a name of its own: validation/run.py is "run" to other tests)
    assert bench_run.PARTITION_CUSTOMERS == 250_000  # (the README's numbers)
    assert [bench_run.dask_partitions(n, workers=2) for n in (100_000, 1_000_000, 1_000_001, 5_000_000)] == \
        [4, 4, 5, 20]
    assert bench_run.dask_partitions(5_000_000, workers=16) == 32
    assert bench_run.dask_partitions(0, workers=3) == 6


def test_the_scale_runs_memory_is_cut_into_the_analysis_phases(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_scale_run", ROOT / "benchmarks" / "scale_run.py")
    scale_run = importlib.util.module_from_spec(spec)
    path = list(sys.path)
    try:
        spec.loader.exec_module(scale_run)
    finally:
        sys.path[:] = path  # (it puts benchmarks/ first, where run.py is not validation's run)
    # t, total, client, two workers, their managed and spilled data
    trace = [[t, 100.0 + t, 50.0, 20.0 + t, 30.0, 1.0, 2.0, 0.0, 5.0 * (t > 25)] for t in range(0, 40, 2)]
    lines = [(0.0, "reading tickets: x.csv"), (10.0, "experiences ..."), (20.0, "key drivers ..."),
             (25.0, "12 stages on the cluster ..."), (39.0, "done")]
    p = scale_run.phases(trace, lines, end=40.0)
    assert list(p) == ["reading", "per-customer and driven", "whole-table"]
    assert (p["reading"]["from_s"], p["reading"]["to_s"]) == (0.0, 10.0)
    assert p["reading"]["total_max_mb"] == 108 and p["per-customer and driven"]["total_max_mb"] == 124
    assert p["whole-table"]["worker_max_mb"] == [58, 30] and p["whole-table"]["spilled_max_mb"] == 5
    assert p["whole-table"]["managed_max_mb"] == 3 and p["reading"]["spilled_max_mb"] == 0
    # a run that never reached the later phases has the phases it reached
    assert list(scale_run.phases(trace[:4], lines[:1], end=8.0)) == ["reading"]
    run = {"scale": "5m", "customers": 5_000_000, "partitions": 20, "memory_limit": "10GiB", "status": "ok",
           "seconds": 40.0, "peak_mb": 138, "peak_at_s": 38.0, "phases": p, "timings": {"key drivers": 12.0}}
    (tmp_path / "5m.json").write_text(json.dumps(run), encoding="utf-8")
    text = scale_run.summary(tmp_path / "5m.json")
    assert "5m (5,000,000 customers, 20 partitions" in text and "whole-table (25-40 s)" in text
    assert "key drivers 12 s" in text and "lost" not in text
    # workers killed at their memory limit, and the tasks that were under way on them
    running = {"w1": ["agreed"], "w2": ["read_block", "read_block"], "w3": []}
    assert scale_run.tasks_of_lost_workers(running, {"w3", "w4"}) == {"w1": ["agreed"],
                                                                       "w2": ["read_block", "read_block"]}
    assert running == {"w3": []} and scale_run.tasks_of_lost_workers(running, {"w3"}) == {}
    run.update(workers_lost=4, lost_with={"agreed": 3, "unit_groups": 1},
               losses=[{"at_s": 335.2, "tasks": ["agreed"]}, {"at_s": 667.0, "tasks": ["agreed"]},
                       {"at_s": 1718.3, "tasks": ["agreed", "unit_groups"]}, {"at_s": 2000.0, "tasks": []}])
    (tmp_path / "5m.json").write_text(json.dumps(run), encoding="utf-8")
    text = scale_run.summary(tmp_path / "5m.json")
    assert "workers lost 4 time(s)" in text and "agreed (3x), unit_groups (1x)" in text
    # when each worker was found gone, and what it was running
    assert "losses: 335 s agreed; 667 s agreed; 1,718 s agreed, unit_groups; 2,000 s (no task)" in text
