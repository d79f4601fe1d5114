"""The csanalysis benchmark harness: every stage timed, peers on the same files, one table.

    python benchmarks/run.py [--scales 100k,300k,1m] [--stages read,avoidance,...] [--out benchmarks/results]

For each scale (customers) it

1. generates (or reuses from ``benchmarks/data/``) Zendesk, Qualtrics and
   Shopify CSV exports with the package's generator (``benchmarks/generate.py``);
2. runs the peers in a fresh subprocess: ``pandas.read_csv(engine="pyarrow")``
   of each file (the parse floor) and the avoidance figure by a hand-written
   DuckDB query from the raw CSVs (``benchmarks/peers/avoidance.sql``);
3. runs the csanalysis stages in another fresh subprocess, one after the other
   on the previous stages' outputs, timing each one and recording its peak
   resident memory (the kernel's high-water mark, reset before each stage);
4. checks that the library's avoidance figure equals the DuckDB peer's to three
   decimals, and writes ``results.json`` and ``results.md`` to ``--out``
   (scales not run this time keep their earlier results).

Stages whose module does not exist (yet) are reported as "not available".
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate as bgen  # noqa: E402  (benchmarks/generate.py)

KEY = "csanalysis-benchmark-key"
TZ = bgen.TIME_ZONE
WINDOW = 730
CURRENCY = "DKK"  # the shop's home currency (a few orders are in EUR)
DEFAULT_SCALES = "100k,300k,1m"
READERS = ("read_tickets", "read_survey", "read_activity")
#: The chain that produces the headline figures from the files.
ANALYSIS_CHAIN = READERS + ("link", "experiences", "avoidance", "word_of_mouth")
AVOIDANCE_CHAIN = READERS + ("link", "experiences", "avoidance")
#: The report's sections of the later issues (14: drivers, rankings, channels, non-response, power; 15: verbatims),
#: as ``csanalysis report`` names them in its time per stage; issue 13 times them apart from the rest of the report.
#: Customers per partition of the Dask engine's report (its ``--partitions``): one partition size at every scale
#: (issue 13 compares the peaks of two scales at the same partition size), at least two partitions per worker
#: (the engine's default), so 4 on 2 cores up to 1M customers, 20 at 5M.
PARTITION_CUSTOMERS = 250_000


def dask_partitions(customers: int, workers: int | None = None) -> int:
    """Partitions of customers of ``report_dask`` at a scale: :data:`PARTITION_CUSTOMERS` each, >= 2 per worker."""
    workers = workers or os.cpu_count() or 1
    return max(2 * workers, -(-int(customers) // PARTITION_CUSTOMERS))


LATER_SECTIONS = ("key drivers", "rankings", "channels and self-service", "survey non-response", "power",
                  "verbatims", "no return after disrespect", "reason drivers")
#: The report's two engines as harness stages (each in a fresh process).
REPORT_STAGES = ("report", "report_dask")

# ======================================================================================= memory probes


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of this process (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def _hwm_mb() -> float:
    return _status_kb("VmHWM") / 1024


def tree_rss_mb() -> float:
    """Resident memory of this process and all its descendants together (MB)."""
    import psutil

    me = psutil.Process()
    total = 0
    for proc in [me, *me.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total / 1024**2


class TreePeak:
    """Peak resident memory of this process and all its descendants together (MB), sampled every 0.1 s.

    For the Dask engine, whose workers are child processes (the kernel's
    per-process high-water mark would miss them). Sampling misses peaks
    shorter than the interval, so this is a lower bound of the true peak.
    """

    def __init__(self, interval: float = 0.1) -> None:
        import threading

        self.interval, self.peak_mb, self._stop = interval, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> float:
        return tree_rss_mb()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class StageTimeout(Exception):
    pass


def _alarm(signum, frame):  # pragma: no cover - only on slow stages
    raise StageTimeout()


# ======================================================================================= library stages


def _available_report() -> str | None:
    """Why the report stage cannot run yet (None when it can)."""
    try:
        from csanalysis.report import run as report_run
    except ImportError as exc:
        return f"csanalysis.report not importable ({exc})"
    src = Path(report_run.__file__).read_text(encoding="utf-8")
    if "index.html" not in src and "write_report" not in src:
        return "csanalysis report does not write the report yet (run_report only prints the load reports)"
    return None


def _benchmark_table():
    import csanalysis

    fn = getattr(csanalysis, "benchmark_table", None)
    if fn is None:
        try:
            from csanalysis.registry import benchmark_table as fn  # type: ignore[attr-defined,no-redef]
        except ImportError:
            fn = None
    return fn


def _file_bytes(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def library_stages(files: dict[str, Path], *, worker_memory: str | None = None
                   ) -> list[tuple[str, tuple[str, ...], object]]:
    """(name, stages it needs, function(ctx) -> info dict) in run order."""

    def read_tickets(ctx):
        from csanalysis.io import read_tickets

        ctx["tickets"] = read_tickets(files["tickets"], key=KEY, timezone=TZ)
        return {"rows": len(ctx["tickets"])}

    def read_survey(ctx):
        from csanalysis.io import read_survey

        ctx["responses"] = read_survey(files["survey"], key=KEY, timezone=TZ)
        return {"rows": len(ctx["responses"])}

    def read_activity(ctx):
        from csanalysis.io import read_activity

        ctx["activity"] = read_activity(files["activity"], key=KEY, timezone=TZ)
        return {"rows": len(ctx["activity"])}

    def link(ctx):
        from csanalysis.link import link_customers

        ld = link_customers(ctx["tickets"], ctx["responses"], ctx["activity"])
        ctx["linked"] = ld
        return {"link_on": ld.link_on, "customers": int(ld.activity["customer"].nunique())}

    def experiences(ctx):
        from csanalysis.experiences import experiences

        ld = ctx["linked"]
        ctx["experiences"] = experiences(ld.tickets, ld.responses)
        e = ctx["experiences"]
        return {"rows": len(e), "bad": int(e["bad"].sum())}

    def timeline(ctx):
        from csanalysis.experiences import timeline

        ld = ctx["linked"]
        return {"rows": len(timeline(ld.tickets, ld.responses, ld.activity))}

    def customer_summary(ctx):
        from csanalysis.experiences import customer_summary

        ld = ctx["linked"]
        return {"rows": len(customer_summary(ld.tickets, ld.responses, ld.activity))}

    def service_metrics(ctx):
        from csanalysis.estimators.metrics import service_metrics

        ld = ctx["linked"]
        return {"rows": len(service_metrics(ld.tickets, ld.responses, by="channel").summary())}

    def avoidance(ctx):
        from csanalysis.estimators.avoidance import avoidance

        res = avoidance(ctx["experiences"], ctx["linked"].activity, window=WINDOW)
        f = res.figure("avoid_2y_after_bad")
        return {"estimate": None if f["estimate"] != f["estimate"] else float(f["estimate"]),
                "n": int(f["n"]), "n_events": int(f["n_events"])}

    def word_of_mouth(ctx):
        from csanalysis.estimators.word_of_mouth import word_of_mouth

        return {"rows": len(word_of_mouth(ctx["linked"].responses).summary())}

    def churn(ctx):
        from csanalysis.estimators.churn import attributable_churn

        return {"rows": len(attributable_churn(ctx["experiences"], ctx["linked"].activity).summary())}

    def seg(fn_name, call):
        def stage(ctx):
            import csanalysis.segments as s

            res = call(getattr(s, fn_name), ctx)
            return {"rows": len(res.summary())}
        return stage

    ld = lambda ctx: ctx["linked"]  # noqa: E731

    def benchmark_table(ctx):
        fn = _benchmark_table()
        out = fn(ctx["tickets"], ctx["responses"], ctx["activity"], window=WINDOW)
        info = {"rows": len(out)}
        try:
            row = out.loc[out["id"] == "avoid_2y_after_bad"].iloc[0]
            info["avoid_2y_after_bad"] = None if row["observed"] != row["observed"] else float(row["observed"])
        except (KeyError, IndexError):
            pass
        return info

    def _report(extra: list[str]) -> dict:
        """``csanalysis report`` end to end; its time per stage (printed at the end) kept as ``sections``."""
        from csanalysis.cli import main

        err = io.StringIO()
        with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(err), TreePeak() as tree:
            code = main(["report", "--tickets", str(files["tickets"]), "--survey", str(files["survey"]),
                         "--activity", str(files["activity"]), "--timezone", TZ, "--out", d, *extra])
            wrote = sorted(p.name for p in Path(d).iterdir()) if Path(d).exists() else []
        return {"exit_code": code, "wrote": wrote, "sections": report_sections(err.getvalue()),
                "tree_peak_mb": tree.peak_mb}

    def report(ctx):
        return _report([])

    def report_dask(ctx):
        info = files["tickets"].parent / "benchmark_data.json"  # (the scale's customers, for the partitions)
        n = json.loads(info.read_text(encoding="utf-8"))["customers"] if info.exists() else 0
        parts = dask_partitions(n)
        extra = ["--engine", "dask", "--partitions", str(parts)]
        if worker_memory is None:  # the local cluster `csanalysis report` starts (Dask's memory limits)
            return {**_report(extra), "partitions": parts}
        # the same local cluster with a memory limit per worker, started here (in the stage's process, as the
        # report's own would be: its processes are in the stage's memory) and given to the report by address
        from dask.distributed import Client

        from csanalysis.distributed import local_cluster

        with local_cluster(memory_limit=worker_memory) as cluster, Client(cluster) as client:
            out = _report([*extra, "--scheduler", client.scheduler.address])
        return {**out, "partitions": parts, "worker_memory": worker_memory}

    E = ("experiences",)
    readers = [("read_tickets", (), read_tickets), ("read_survey", (), read_survey),
               ("read_activity", (), read_activity)]
    # in the library's order (csanalysis.read_exports reads the largest file first, so that its peak comes while
    # the fewest tables are held); the stages hold each table for the later ones, as the pipeline does
    readers.sort(key=lambda s: -_file_bytes(files[s[0].removeprefix("read_")]))
    return [
        *readers,
        ("link", READERS, link),
        ("experiences", ("link",), experiences),
        ("timeline", ("link",), timeline),
        ("customer_summary", ("link",), customer_summary),
        ("service_metrics", ("link",), service_metrics),
        ("avoidance", E, avoidance),
        ("word_of_mouth", ("link",), word_of_mouth),
        ("churn", E, churn),
        ("segments_rfm", ("link",), seg("rfm", lambda f, c: f(ld(c).activity, currency=CURRENCY))),
        ("segments_journeys", E, seg("experience_journeys", lambda f, c: f(c["experiences"], ld(c).activity))),
        ("segments_service_levels", ("link",),
         seg("service_levels", lambda f, c: f(ld(c).responses, ld(c).activity))),
        ("segments_clusters", E, seg("cluster_customers", lambda f, c: f(ld(c).activity, c["experiences"],
                                                                                    currency=CURRENCY))),
        ("segments_channels", ("link",),
         seg("channel_consistency", lambda f, c: f(ld(c).tickets, ld(c).responses))),
        ("segments_scorecard", ("link",),
         seg("scorecard", lambda f, c: f(ld(c).tickets, ld(c).responses, ld(c).activity))),
        ("benchmark_table", READERS, benchmark_table),
        ("report", (), report),
        ("report_dask", (), report_dask),
    ]


def report_sections(stderr: str) -> dict[str, float]:
    """The seconds per stage of ``csanalysis report``'s last progress line ("time per stage: a 1.0 s, ...")."""
    import re

    line = next((ln for ln in reversed(stderr.splitlines()) if "time per stage:" in ln), "")
    body = line.split("time per stage:", 1)[-1].rsplit(";", 1)[0]
    return {m.group(1).strip(): float(m.group(2)) for m in re.finditer(r"([^,]+?) ([0-9.]+) s(?:,|$)", body)}


STAGE_NAMES = [s[0] for s in library_stages({"tickets": Path(), "survey": Path(), "activity": Path()})]
STAGE_GROUPS = {
    "read": list(READERS),
    "core": list(ANALYSIS_CHAIN),
    "segments": [s for s in STAGE_NAMES if s.startswith("segments_")],
    "reports": list(REPORT_STAGES),
    "all": STAGE_NAMES,
}


def _unavailable(name: str) -> str | None:
    """Why a stage's module cannot be used (None when it can)."""
    import importlib

    mods = {
        "read_survey": ("csanalysis.io.surveys", "read_survey"),
        "read_activity": ("csanalysis.io.activity", "read_activity"),
        "avoidance": ("csanalysis.estimators.avoidance", "avoidance"),
        "word_of_mouth": ("csanalysis.estimators.word_of_mouth", "word_of_mouth"),
        "churn": ("csanalysis.estimators.churn", "attributable_churn"),
        "segments_rfm": ("csanalysis.segments", "rfm"),
        "segments_journeys": ("csanalysis.segments", "experience_journeys"),
        "segments_service_levels": ("csanalysis.segments", "service_levels"),
        "segments_clusters": ("csanalysis.segments", "cluster_customers"),
        "segments_channels": ("csanalysis.segments", "channel_consistency"),
        "segments_scorecard": ("csanalysis.segments", "scorecard"),
    }
    if name == "benchmark_table":
        return None if _benchmark_table() is not None else "csanalysis.benchmark_table does not exist yet"
    if name in REPORT_STAGES:
        why = _available_report()
        if why is None and name == "report_dask":
            try:
                import distributed  # noqa: F401
            except ImportError:
                return "dask.distributed not installed (pip install -e '.[dask]')"
        return why
    if name in mods:
        mod, attr = mods[name]
        try:
            m = importlib.import_module(mod)
        except Exception as exc:  # noqa: BLE001 - a module being written may fail to import
            return f"{mod} not importable ({type(exc).__name__}: {exc})"
        if not hasattr(m, attr):
            return f"{mod}.{attr} does not exist yet"
    return None


def run_library(data: Path, stages: list[str], *, timeout: float, profile: set[str], profile_dir: Path | None,
                worker_memory: str | None = None) -> dict:
    """Worker: run the stages in order in this process; one record per stage."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # library warnings are not the benchmark's business
        old = signal.signal(signal.SIGALRM, _alarm)
        try:
            return _run_library(data, stages, timeout=timeout, profile=profile, profile_dir=profile_dir,
                                worker_memory=worker_memory)
        finally:
            signal.signal(signal.SIGALRM, old)


def _run_library(data: Path, stages: list[str], *, timeout: float, profile: set[str], profile_dir: Path | None,
                 worker_memory: str | None = None) -> dict:
    files = {role: data / name for role, (name, _) in bgen.FILES.items()}
    ctx: dict = {}
    out: dict = {}
    done: set[str] = set()
    can_reset = _reset_peak()
    t_import = time.perf_counter()
    import csanalysis.experiences  # noqa: F401  (import cost kept out of the first stage)
    import csanalysis.io  # noqa: F401
    import csanalysis.link  # noqa: F401
    import_s = time.perf_counter() - t_import
    for name, needs, fn in library_stages(files, worker_memory=worker_memory):
        if name not in stages:
            continue
        rec: dict = {"status": "ok"}
        why = _unavailable(name)
        missing = [n for n in needs if n not in done]
        if why:
            rec = {"status": "not available", "note": why}
        elif missing:
            rec = {"status": "skipped", "note": f"needs {', '.join(missing)} (not run or failed)"}
        else:
            gc.collect()
            rss0 = _rss_mb()
            _reset_peak()
            prof = None
            if name in profile:
                import cProfile

                prof = cProfile.Profile()
            c0 = time.process_time()
            t0 = time.perf_counter()
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                if prof is not None:
                    prof.enable()
                info = fn(ctx)
                if prof is not None:
                    prof.disable()
                rec.update(info or {})
                done.add(name)
            except StageTimeout:
                rec = {"status": "timeout", "note": f"stopped after {timeout:.0f} s"}
            except MemoryError:
                rec = {"status": "error", "note": "MemoryError"}
            except Exception as exc:  # noqa: BLE001 - a failing stage is a result, not a crash
                rec = {"status": "error", "note": f"{type(exc).__name__}: {str(exc)[:300]}",
                       "traceback": traceback.format_exc(limit=6)[-2000:]}
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            rec["seconds"] = time.perf_counter() - t0
            rec["cpu_seconds"] = time.process_time() - c0
            peak = _hwm_mb() if can_reset else _maxrss_mb()
            rec["peak_rss_mb"] = peak
            rec["rss_before_mb"] = rss0
            rec["peak_delta_mb"] = max(peak - rss0, 0.0)
            if prof is not None and profile_dir is not None:
                prof.disable()
                rec["profile"] = str(_write_profile(prof, profile_dir / f"{data.name.split('-')[0]}_{name}.txt"))
        out[name] = rec
    return {"stages": out, "max_rss_mb": _maxrss_mb(), "peak_reset": can_reset, "import_seconds": import_s}


def _write_profile(prof, path: Path) -> Path:
    import pstats

    path.parent.mkdir(parents=True, exist_ok=True)
    s = io.StringIO()
    st = pstats.Stats(prof, stream=s)
    st.strip_dirs().sort_stats("cumulative").print_stats(35)
    st.sort_stats("tottime").print_stats(25)
    path.write_text(s.getvalue(), encoding="utf-8")
    return path


def run_peers(data: Path, *, threads: int | None) -> dict:
    """Worker: parse floors of each file, then the DuckDB avoidance query."""
    import peers

    out: dict = {}
    for role, (name, header_rows) in bgen.FILES.items():
        gc.collect()
        _reset_peak()
        r = peers.parse_floor(data / name, header_rows=header_rows)
        r["peak_rss_mb"] = _hwm_mb()
        out[f"parse_{role}"] = r
    gc.collect()
    _reset_peak()
    try:
        r = peers.duckdb_avoidance(data / bgen.FILES["tickets"][0], data / bgen.FILES["survey"][0],
                                   data / bgen.FILES["activity"][0], zone=TZ, window=WINDOW, threads=threads)
        r["peak_rss_mb"] = _hwm_mb()
        r["status"] = "ok"
    except ImportError as exc:
        r = {"status": "not available", "note": f"duckdb not installed ({exc}); pip install -e '.[bench]'"}
    out["duckdb_avoidance"] = r
    out["max_rss_mb"] = _maxrss_mb()
    return out


# ======================================================================================= orchestration


def _subprocess(args: list[str], log) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        result = Path(f.name)
    try:
        cmd = [sys.executable, str(Path(__file__).resolve()), *args, "--result", str(result)]
        p = subprocess.run(cmd, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0 or not result.exists() or not result.read_text():
            log(p.stdout[-3000:])
            return {"failed": f"worker exited with code {p.returncode}", "output": p.stdout[-3000:]}
        return json.loads(result.read_text())
    finally:
        result.unlink(missing_ok=True)


def machine_info() -> dict:
    import numpy
    import pandas
    import pyarrow

    try:
        import duckdb

        dver = duckdb.__version__
    except ImportError:
        dver = None
    mem = None
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/meminfo") as f:
            mem = round(int(f.readline().split()[1]) / 1024**2, 1)
    cpu = None
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), None)

    def git(*a):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            return subprocess.run(["git", *a], cwd=str(ROOT), capture_output=True, text=True, timeout=20).stdout.strip()
        return None

    return {
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu, "memory_gb": mem, "platform": platform.platform(), "python": platform.python_version(),
        "pandas": pandas.__version__, "numpy": numpy.__version__, "pyarrow": pyarrow.__version__, "duckdb": dver,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "git_commit": git("rev-parse", "--short", "HEAD"), "git_dirty": bool(git("status", "--porcelain")),
    }


def derive(lib: dict, peer: dict, data: dict) -> dict:
    """Ratios to peers, pipeline totals, the correctness check and the targets."""
    st = lib.get("stages", {})

    def secs(name):
        r = st.get(name)
        return r["seconds"] if r and r.get("status") == "ok" else None

    floors = {r: peer.get(f"parse_{role}", {}).get("seconds")
              for r, role in zip(READERS, ("tickets", "survey", "activity"))}
    duck = peer.get("duckdb_avoidance", {})
    d = {"ratios": {}}
    for r in READERS:
        if secs(r) is not None and floors[r]:
            d["ratios"][r] = secs(r) / floors[r]
    floor_total = sum(v for v in floors.values() if v) if all(floors.values()) else None
    chain = [secs(s) for s in AVOIDANCE_CHAIN]
    if all(c is not None for c in chain) and duck.get("seconds"):
        d["avoidance_from_files_seconds"] = sum(chain)
        d["ratios"]["avoidance_from_files"] = sum(chain) / duck["seconds"]
    # the whole pipeline: the report when it exists, else reads + benchmark_table, else the analysis chain
    pipe, how = None, None
    if secs("report") is not None:
        pipe, how = secs("report"), "csanalysis report (CLI, from the files)"
    elif secs("benchmark_table") is not None and all(secs(r) is not None for r in READERS):
        pipe, how = sum(secs(r) for r in READERS) + secs("benchmark_table"), "read the 3 files + benchmark_table"
    elif all(secs(s) is not None for s in ANALYSIS_CHAIN):
        pipe, how = sum(secs(s) for s in ANALYSIS_CHAIN), " + ".join(ANALYSIS_CHAIN)
    if pipe is not None:
        d["pipeline_seconds"], d["pipeline_is"] = pipe, how
        if duck.get("seconds") and floor_total:
            d["peer_pipeline_seconds"] = duck["seconds"] + floor_total
            d["ratios"]["pipeline"] = pipe / d["peer_pipeline_seconds"]
    # issue 13's target: the report without the later issues' sections (timed apart, LATER_SECTIONS)
    if secs("report") is not None and st["report"].get("sections"):
        later = sum(v for k, v in st["report"]["sections"].items() if k in LATER_SECTIONS)
        d["later_sections_seconds"] = later
        d["pipeline_core_seconds"] = secs("report") - later
        if d.get("peer_pipeline_seconds"):
            d["ratios"]["pipeline_core"] = d["pipeline_core_seconds"] / d["peer_pipeline_seconds"]
    if secs("report_dask") is not None:
        d["dask_seconds"] = secs("report_dask")
        d["dask_peak_mb"] = st["report_dask"].get("tree_peak_mb")
        if d.get("peer_pipeline_seconds"):
            d["ratios"]["pipeline_dask"] = d["dask_seconds"] / d["peer_pipeline_seconds"]
    csv_mb = sum(data["bytes"].values()) / 1024**2
    d["csv_mb"] = csv_mb
    # clear_refs resets the kernel's peak for ru_maxrss too, so the process peak is the largest stage peak
    stage_peaks = [r.get("peak_rss_mb") for k, r in st.items() if r.get("peak_rss_mb") and k != "report_dask"]
    peak = max(stage_peaks + [lib.get("max_rss_mb") or 0]) if stage_peaks else lib.get("max_rss_mb")
    if peak:
        d["peak_rss_mb"] = peak
        d["memory_ratio"] = peak / csv_mb
    lib_est = st.get("avoidance", {}).get("estimate")
    duck_est = duck.get("estimate")
    if st.get("avoidance", {}).get("status") == "ok" and duck.get("status") == "ok":
        agree = (lib_est is None and duck_est is None) or (
            lib_est is not None and duck_est is not None and round(lib_est, 3) == round(duck_est, 3))
        d["avoidance_check"] = {"library": lib_est, "duckdb": duck_est, "library_n": st["avoidance"].get("n"),
                                "duckdb_n": duck.get("n"), "agree_3dp": bool(agree),
                                "abs_diff": None if lib_est is None or duck_est is None else abs(lib_est - duck_est)}
    d["targets"] = {
        "readers_within_1.5x_floor": {r: d["ratios"].get(r) is not None and d["ratios"][r] <= 1.5 for r in READERS},
        "pipeline_within_3x_peer": (d["ratios"].get("pipeline_core", d["ratios"].get("pipeline"))
                                    or float("inf")) <= 3.0,
        "memory_within_2x_csv": (d.get("memory_ratio") or float("inf")) <= 2.0,
    }
    return d


def run_scale(n: int, args, log) -> dict:
    label = bgen.scale_label(n) + ("" if args.shape == bgen.DEFAULT_SHAPE else f" {args.shape}")
    folder, info = bgen.ensure(n, args.seed, args.data_dir, shape=args.shape, log=log)
    rec: dict = {"scale": label, "customers": n, "run_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "data": info, "machine": machine_info()}
    common = ["--data", str(folder)]
    if not args.no_peers:
        log(f"[{label}] peers: parse floors and the DuckDB avoidance query ...")
        rec["peers"] = (_subprocess(["--worker", "peers", *common] + (["--threads", str(args.threads)] if args.threads
                                                                    else []), log)
                        if not args.inline else run_peers(folder, threads=args.threads))
    else:
        rec["peers"] = {}
    # the stages in one process; each report (which reads the files itself) in a fresh one, so that
    # its time and peak memory are its own, not inflated by the tables the other stages keep
    groups = [[s for s in args.stage_list if s not in REPORT_STAGES]] + [[s] for s in args.stage_list
                                                                        if s in REPORT_STAGES]
    rec["library"] = {"stages": {}, "max_rss_mb": 0.0}
    for group in (g for g in groups if g):
        log(f"[{label}] csanalysis stages: {', '.join(group)} ...")
        wargs = ["--worker", "library", *common, "--stages", ",".join(group),
                 "--stage-timeout", str(args.stage_timeout)]
        if args.worker_memory:
            wargs += ["--worker-memory", args.worker_memory]
        if args.profile:
            wargs += ["--profile", ",".join(args.profile), "--profile-dir", str(Path(args.out) / "profiles")]
        res = (_subprocess(wargs, log) if not args.inline else
               run_library(folder, group, timeout=args.stage_timeout, profile=set(args.profile),
                           profile_dir=Path(args.out) / "profiles", worker_memory=args.worker_memory))
        if "failed" in res:
            for s in group:
                rec["library"]["stages"][s] = {"status": "error", "note": res["failed"] + ": " + res["output"][-500:]}
            continue
        rec["library"]["stages"].update(res["stages"])
        if "report_dask" in group:  # its client's peak is not the pandas engine's (its memory: tree_peak_mb)
            rec["library"]["stages"].setdefault("report_dask", {})["process_max_rss_mb"] = res.get("max_rss_mb")
        else:
            rec["library"]["max_rss_mb"] = max(rec["library"]["max_rss_mb"], res.get("max_rss_mb") or 0.0)
        rec["library"]["peak_reset"] = res.get("peak_reset")
    rec["derived"] = derive(rec["library"], rec["peers"], info)
    return rec


def _run_of(rec: dict) -> dict:
    """What identifies one harness run of a scale: when, on which commit and machine, which stages."""
    return {"run_at": rec.get("run_at"), "machine": rec.get("machine"), "stages": sorted(rec["library"]["stages"]),
            "peers": bool(rec.get("peers"))}


def merge_scale(old: dict | None, new: dict) -> dict:
    """The record of a scale after a run of some of its stages: the stages run replace theirs, the others are
    kept (each stage marked with the run it comes from), the peers too unless the run measured them again, and
    the derived figures are computed again from the stages together. A record of other data is replaced whole:
    other customers, seed or shape, or other files (their bytes and row counts; a new generator version that
    writes the same files, as one that only adds options, keeps the record).

    Examples
    --------
    >>> old = {"scale": "1m", "customers": 1, "run_at": "t0", "machine": {"git_commit": "a"}, "peers": {"p": 1},
    ...        "data": {"seed": 1, "shape": "typical", "generator_version": "g", "bytes": {"tickets": 2**20}},
    ...        "library": {"stages": {"report": {"seconds": 9.0}, "report_dask": {"seconds": 8.0}}, "max_rss_mb": 5.0}}
    >>> new = {**old, "run_at": "t1", "machine": {"git_commit": "b"}, "peers": {},
    ...        "library": {"stages": {"report_dask": {"seconds": 7.0}}, "max_rss_mb": 0.0}}
    >>> m = merge_scale(old, new)
    >>> m["library"]["stages"]["report"]["seconds"], m["library"]["stages"]["report_dask"]["seconds"]
    (9.0, 7.0)
    >>> m["library"]["stages"]["report"]["run_at"], m["library"]["stages"]["report_dask"]["run_at"], m["peers"]
    ('t0', 't1', {'p': 1})
    >>> [r["run_at"] for r in m["runs"]], m["library"]["max_rss_mb"]
    (['t0', 't1'], 5.0)
    """
    same = ("seed", "shape", "bytes", "tickets", "survey_responses", "orders", "order_lines")
    if old is None or old.get("customers") != new.get("customers") or any(
            (old.get("data") or {}).get(k) != (new.get("data") or {}).get(k) for k in same):
        return new
    runs = list(old.get("runs") or [_run_of(old)]) + [_run_of(new)]
    stages = {}
    for rec in (old, new):
        for name, st in rec["library"]["stages"].items():
            stages[name] = {**st, "run_at": st.get("run_at", rec.get("run_at")),
                            "git_commit": st.get("git_commit", (rec.get("machine") or {}).get("git_commit"))}
    ran_pandas = any(s not in REPORT_STAGES for s in new["library"]["stages"])
    library = {**old["library"], "stages": stages,
               "max_rss_mb": new["library"]["max_rss_mb"] if ran_pandas else old["library"].get("max_rss_mb", 0.0)}
    merged = {**old, "run_at": new["run_at"], "machine": new["machine"], "runs": runs, "library": library,
              "peers": new.get("peers") or old.get("peers") or {}, "data": new.get("data") or old.get("data")}
    merged["derived"] = derive(library, merged["peers"], merged["data"])
    return merged


# ======================================================================================= output


def _fmt_s(x):
    if x is None:
        return "-"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def _fmt_r(x):
    return "-" if x is None else f"{x:.2f}x"


def _fmt_mb(x):
    return "-" if x is None else (f"{x:,.0f}" if x >= 10 else f"{x:.1f}")


#: The growth table's series: (engine, seconds key, peak-memory key) of :func:`derive`.
GROWTH_SERIES = (("pandas", "pipeline_seconds", "peak_rss_mb"), ("dask", "dask_seconds", "dask_peak_mb"))


def growth_slope(n0: float, s0: float, n1: float, s1: float) -> float | None:
    """Log-log slope of time against customers between two scales (1 = linear growth)."""
    import math

    if min(n0, s0, n1, s1) <= 0 or n0 == n1:
        return None
    return math.log(s1 / s0) / math.log(n1 / n0)


def plot_growth(scales: list[dict], path: Path) -> bool:
    """Time and peak memory against customers, log-log, one line per engine and shape; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    drew = False
    for engine, key_s, key_m in GROWTH_SERIES:
        for shape in dict.fromkeys(r["scale"].partition(" ")[2] for r in scales):
            pts = [(r["customers"], r["derived"].get(key_s), r["derived"].get(key_m)) for r in scales
                   if r["scale"].partition(" ")[2] == shape and r["derived"].get(key_s) is not None]
            if not pts:
                continue
            label = f"{engine}, {shape or 'typical'}"
            a1.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=label)
            a2.plot([p[0] for p in pts if p[2]], [p[2] / 1024 for p in pts if p[2]], "o-", label=label)
            drew = True
    if not drew:
        plt.close(fig)
        return False
    for ax, what in ((a1, "csanalysis report, seconds"), (a2, "peak memory, GB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("customers")
        ax.set_ylabel(what)
        ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_markdown(results: dict, path: Path) -> None:
    scales = sorted(results["scales"].values(), key=lambda r: r["customers"])
    L: list[str] = ["# csanalysis benchmark results", "",
                    "Generated by `python benchmarks/run.py` (see `benchmarks/README.md`). Times are wall-clock "
                    "seconds on a shared machine; ratios divide a csanalysis stage by its peer *in the same run on "
                    "the same files*. Peak memory is the resident-set high-water mark (MB) during the stage, in a "
                    "fresh process per scale (it includes the tables earlier stages keep).", ""]
    if not scales:
        path.write_text("\n".join(L) + "\n", encoding="utf-8")
        return
    # data
    L += ["## Data", "", "| scale | customers | tickets | survey responses | orders | order lines | CSV MB "
          "(tickets / survey / orders) | generated in |", "|---|---|---|---|---|---|---|---|"]
    for r in scales:
        d = r["data"]
        b = d["bytes"]
        L.append(f"| {r['scale']} | {d['customers']:,} | {d['tickets']:,} | {d['survey_responses']:,} | "
                 f"{d['orders']:,} | {d['order_lines']:,} | {sum(b.values()) / 1024**2:,.0f} "
                 f"({b['tickets'] / 1024**2:,.0f} / {b['survey'] / 1024**2:,.0f} / {b['activity'] / 1024**2:,.0f}) | "
                 f"{d.get('generate_seconds', 0):.0f} s |")
    L.append("")
    # correctness
    L += ["## Correctness: avoidance after a bad experience, library vs DuckDB", "",
          "| scale | csanalysis | DuckDB SQL | index customers (lib / DuckDB) | equal to 3 decimals |",
          "|---|---|---|---|---|"]
    for r in scales:
        c = r["derived"].get("avoidance_check")
        if c:
            fmt = lambda v: "missing" if v is None else f"{v:.6f}"  # noqa: E731
            L.append(f"| {r['scale']} | {fmt(c['library'])} | {fmt(c['duckdb'])} | {c['library_n']:,} / "
                     f"{c['duckdb_n']:,} | {'yes' if c['agree_3dp'] else '**NO**'} |")
        else:
            L.append(f"| {r['scale']} | - | - | - | not checked |")
    L.append("")
    # stages
    head = "| stage | peer | " + " | ".join(f"{r['scale']} s | {r['scale']} ratio | {r['scale']} peak MB"
                                              for r in scales) + " |"
    L += ["## Stages", "", head, "|---|---|" + "---|---|---|" * len(scales)]
    peer_of = {"read_tickets": "read_csv(pyarrow) Zendesk", "read_survey": "read_csv(pyarrow) Qualtrics",
               "read_activity": "read_csv(pyarrow) Shopify"}
    for name in STAGE_NAMES:
        cells = []
        any_row = False
        for r in scales:
            s = r["library"].get("stages", {}).get(name)
            if s is None:
                cells.append("- | - | -")
                continue
            any_row = True
            if s["status"] != "ok":
                cells.append(f"{s['status']} | - | -")
            else:
                # the Dask report's memory is that of all its processes (the client's own peak would hide the
                # workers'); every other stage runs in this process
                peak = s.get("tree_peak_mb") if name == "report_dask" else s.get("peak_rss_mb")
                cells.append(f"{_fmt_s(s['seconds'])} | {_fmt_r(r['derived']['ratios'].get(name))} | "
                             f"{_fmt_mb(peak)}")
        if any_row:
            L.append(f"| {name} | {peer_of.get(name, '')} | " + " | ".join(cells) + " |")
    # peers and aggregates
    rows = [
        ("parse floor: Zendesk", lambda r: (r["peers"].get("parse_tickets", {}).get("seconds"), None,
                                            r["peers"].get("parse_tickets", {}).get("peak_rss_mb"))),
        ("parse floor: Qualtrics", lambda r: (r["peers"].get("parse_survey", {}).get("seconds"), None,
                                              r["peers"].get("parse_survey", {}).get("peak_rss_mb"))),
        ("parse floor: Shopify", lambda r: (r["peers"].get("parse_activity", {}).get("seconds"), None,
                                            r["peers"].get("parse_activity", {}).get("peak_rss_mb"))),
        ("DuckDB avoidance (from the CSVs)", lambda r: (r["peers"].get("duckdb_avoidance", {}).get("seconds"), None,
                                                        r["peers"].get("duckdb_avoidance", {}).get("peak_rss_mb"))),
        ("**avoidance from the files** (3 reads + link + experiences + avoidance) vs DuckDB",
         lambda r: (r["derived"].get("avoidance_from_files_seconds"),
                    r["derived"]["ratios"].get("avoidance_from_files"), None)),
        ("**pipeline** vs DuckDB avoidance + 3 parse floors",
         lambda r: (r["derived"].get("pipeline_seconds"), r["derived"]["ratios"].get("pipeline"),
                    r["derived"].get("peak_rss_mb"))),
    ]
    for label, get in rows:
        cells = []
        for r in scales:
            s, ratio, mb = get(r)
            cells.append(f"{_fmt_s(s)} | {_fmt_r(ratio)} | {_fmt_mb(mb)}")
        L.append(f"| {label} | | " + " | ".join(cells) + " |")
    L.append("")
    # the report's own time per stage (pandas engine)
    secs_by = [(r, r["library"].get("stages", {}).get("report", {}).get("sections") or {}) for r in scales]
    names = list(dict.fromkeys(k for _, sec in secs_by for k in sec))
    if names:
        L += ["", "### Inside `csanalysis report` (pandas engine, its own time per stage)", "",
              "Sections of the later issues (drivers, rankings, channels, non-response, power: issue 14; "
              "verbatims: issue 15) are timed apart (*later*); issue 13's ratio is the report without them.", "",
              "| stage | later | " + " | ".join(f"{r['scale']} s" for r in scales) + " |",
              "|---|---|" + "---|" * len(scales)]
        for k in names:
            L.append(f"| {k} | {'yes' if k in LATER_SECTIONS else ''} | "
                     + " | ".join(_fmt_s(sec.get(k)) for _, sec in secs_by) + " |")
        for label, key in (("report without the later sections", "pipeline_core_seconds"),
                           ("the later sections", "later_sections_seconds")):
            L.append(f"| **{label}** | | " + " | ".join(_fmt_s(r["derived"].get(key)) for r in scales) + " |")
    L.append("")
    pipe_is = {r["derived"].get("pipeline_is") for r in scales if r["derived"].get("pipeline_is")}
    if pipe_is:
        L.append("The pipeline is " + "; ".join(sorted(pipe_is)) + ".")
        L.append("")
    notes = []
    for r in scales:
        for name, s in r["library"].get("stages", {}).items():
            if s.get("status") != "ok" and s.get("note"):
                notes.append((name, s["status"], s["note"]))
    if notes:
        L += ["Stages not run:", ""]
        for name, status, note in dict.fromkeys(notes):
            L.append(f"* `{name}`: {status}: {note}")
        L.append("")
    # targets and growth
    big = scales[-1]
    dv = big["derived"]
    L += [f"## Targets at {big['scale']} customers ({big['machine'].get('cpus')} cores)", "",
          "| target | measured | met |", "|---|---|---|"]
    for r in READERS:
        ratio = dv["ratios"].get(r)
        L.append(f"| {r} within 1.5x its parse floor | {_fmt_r(ratio)} | {'yes' if ratio and ratio <= 1.5 else 'no'} |")
    pr = dv["ratios"].get("pipeline_core", dv["ratios"].get("pipeline"))
    what = "report without the later sections" if "pipeline_core" in dv["ratios"] else "pipeline"
    L.append(f"| {what} within 3x (DuckDB avoidance + parse floors) | {_fmt_r(pr)} | "
             f"{'yes' if pr and pr <= 3 else 'no'} |")
    if dv["ratios"].get("pipeline") is not None and "pipeline_core" in dv["ratios"]:
        L.append(f"| (the whole report, later sections included) | {_fmt_r(dv['ratios']['pipeline'])} | - |")
    if dv["ratios"].get("pipeline_dask") is not None:
        L.append(f"| (the whole report, Dask engine, local cluster) | {_fmt_r(dv['ratios']['pipeline_dask'])} | - |")
    mr = dv.get("memory_ratio")
    L.append(f"| peak memory within 2x the CSV bytes ({dv['csv_mb']:,.0f} MB) | {_fmt_mb(dv.get('peak_rss_mb'))} MB "
             f"= {_fmt_r(mr)} | {'yes' if mr and mr <= 2 else 'no'} |")
    L.append("")
    if len(scales) > 1:
        L += ["## Growth (time and memory per 100k customers)", "",
              "Slope: log-log slope of the time from the previous scale of the same shape (1 = linear).", "",
              "| scale | engine | report s | s per 100k | slope | peak MB | MB per 100k |",
              "|---|---|---|---|---|---|---|"]
        for engine, key_s, key_m in GROWTH_SERIES:
            prev = {}
            for r in scales:
                per = r["customers"] / 100_000
                s = r["derived"].get(key_s)
                m = r["derived"].get(key_m)
                if s is None:
                    continue
                shape = r["scale"].partition(" ")[2]
                p0 = prev.get(shape)
                slope = growth_slope(p0[0], p0[1], r["customers"], s) if p0 else None
                prev[shape] = (r["customers"], s)
                L.append(f"| {r['scale']} | {engine} | {_fmt_s(s)} | {_fmt_s(s / per)} | "
                         f"{'-' if slope is None else f'{slope:.2f}'} | {_fmt_mb(m)} | "
                         f"{_fmt_mb(m / per if m else None)} |")
        L.append("")
        if plot_growth(scales, path.parent / "growth.png"):
            L += ["![time and peak memory against customers](growth.png)", ""]
    L += ["## Machine", ""]
    for r in scales:
        for run in r.get("runs") or [_run_of(r)]:
            m = run["machine"] or {}
            what = ("" if not r.get("runs") else
                    f" ({', '.join(run['stages'])}{', peers' if run['peers'] else ''})")
            L.append(f"* {r['scale']}{what}: run {run['run_at']}, {m.get('cpus')} cores ({m.get('cpu')}), "
                     f"{m.get('memory_gb')} GB, load average at start {m.get('load_average')}, git "
                     f"{m.get('git_commit')}{' (uncommitted changes)' if m.get('git_dirty') else ''}; Python "
                     f"{m.get('python')}, pandas {m.get('pandas')}, numpy {m.get('numpy')}, pyarrow "
                     f"{m.get('pyarrow')}, duckdb {m.get('duckdb')}")
    extra = results.get("notes_md")
    if extra:
        L += ["", extra.strip()]
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


# ======================================================================================= main


def parse_args(argv):
    ap = argparse.ArgumentParser(description="csanalysis benchmark harness (see benchmarks/README.md)")
    ap.add_argument("--scales", default=DEFAULT_SCALES, help=f"customers per scale, comma-separated (default {DEFAULT_SCALES})")
    ap.add_argument("--stages", default="all",
                    help="stages or groups (read, core, segments, all), comma-separated; default all")
    ap.add_argument("--out", default=str(HERE / "results"), help="folder for results.json / results.md")
    ap.add_argument("--data-dir", default=str(bgen.DEFAULT_DATA), help="cache of generated exports")
    ap.add_argument("--seed", type=int, default=bgen.DEFAULT_SEED)
    ap.add_argument("--shape", choices=bgen.SHAPES, default=bgen.DEFAULT_SHAPE,
                    help="data shape: typical (the targets' profile, default) or wide (reported beside it)")
    ap.add_argument("--no-peers", action="store_true", help="skip the parse floors and the DuckDB query")
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    ap.add_argument("--stage-timeout", type=float, default=1800, help="seconds before a stage is stopped")
    ap.add_argument("--profile", default="", help="stages to run under cProfile (writes OUT/profiles/*.txt)")
    ap.add_argument("--inline", action="store_true", help="run the workers in this process (quicker, less isolated)")
    ap.add_argument("--worker-memory", default=None, metavar="LIMIT",
                    help="report_dask: each worker's Dask memory_limit, e.g. 10GiB (default: the local cluster "
                         "`csanalysis report --engine dask` starts, csanalysis.distributed.worker_memory: the "
                         "machine's memory shared among the workers and the client)")
    ap.add_argument("--worker", choices=["library", "peers"], help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    ap.add_argument("--profile-dir", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    wanted: list[str] = []
    for item in [s.strip() for s in args.stages.split(",") if s.strip()]:
        names = STAGE_GROUPS.get(item, [item])
        for nm in names:
            if nm not in STAGE_NAMES:
                ap.error(f"unknown stage {nm!r}; stages: {', '.join(STAGE_NAMES)}; groups: {', '.join(STAGE_GROUPS)}")
            if nm not in wanted:
                wanted.append(nm)
    args.stage_list = [s for s in STAGE_NAMES if s in wanted]
    args.profile = [s.strip() for s in args.profile.split(",") if s.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        data = Path(args.data)
        if args.worker == "library":
            import csanalysis  # noqa: F401  first, before pyarrow: it sets mimalloc's options (csanalysis._memory)

            res = run_library(data, args.stage_list, timeout=args.stage_timeout, profile=set(args.profile),
                              profile_dir=Path(args.profile_dir) if args.profile_dir else None,
                              worker_memory=args.worker_memory)
        else:
            res = run_peers(data, threads=args.threads)
        Path(args.result).write_text(json.dumps(res), encoding="utf-8")
        return 0

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    jpath = out / "results.json"
    results = json.loads(jpath.read_text(encoding="utf-8")) if jpath.exists() else {"scales": {}}
    results.setdefault("scales", {})
    ok = True
    for text in [s for s in args.scales.split(",") if s.strip()]:
        n = bgen.parse_scale(text)
        rec = run_scale(n, args, log)
        results["scales"][rec["scale"]] = rec = merge_scale(results["scales"].get(rec["scale"]), rec)
        c = rec["derived"].get("avoidance_check")
        if c is not None and not c["agree_3dp"]:
            ok = False
        log(_one_line(rec))
        jpath.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
        write_markdown(results, out / "results.md")
    log(f"wrote {jpath} and {out / 'results.md'}")
    if not ok:
        log("the library's avoidance figure differs from the DuckDB peer's at 3 decimals")
    return 0 if ok else 1


def _one_line(rec: dict) -> str:
    d = rec["derived"]
    c = d.get("avoidance_check") or {}
    parts = [f"[{rec['scale']}]"]
    for r in READERS:
        if d["ratios"].get(r) is not None:
            parts.append(f"{r} {d['ratios'][r]:.2f}x")
    if d.get("pipeline_seconds") is not None:
        parts.append(f"pipeline {d['pipeline_seconds']:.1f} s ({_fmt_r(d['ratios'].get('pipeline'))})")
    if d.get("pipeline_core_seconds") is not None:
        parts.append(f"without later sections {d['pipeline_core_seconds']:.1f} s "
                     f"({_fmt_r(d['ratios'].get('pipeline_core'))})")
    if d.get("dask_seconds") is not None:
        parts.append(f"dask {d['dask_seconds']:.1f} s ({_fmt_r(d['ratios'].get('pipeline_dask'))})")
    if d.get("peak_rss_mb"):
        parts.append(f"peak {d['peak_rss_mb']:,.0f} MB ({_fmt_r(d.get('memory_ratio'))} CSV)")
    if c:
        parts.append(f"avoidance lib {c['library']} vs duckdb {c['duckdb']}: "
                     f"{'agree' if c['agree_3dp'] else 'DIFFER'}")
    return "; ".join(parts)


if __name__ == "__main__":
    raise SystemExit(main())
