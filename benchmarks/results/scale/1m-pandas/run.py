"""The pandas engine on the 1M scale run's files, as scale_run.py's analysis (keep_tables/rows False): figures to JSON.

    python benchmarks/results/scale/1m-pandas/run.py OUT.json COMMIT [DATA_DIR]
    python benchmarks/results/scale/1m-pandas/compare.py benchmarks/results/scale/1m-4.5gib-run3/1m.json OUT.json
"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
import generate as bgen
import csanalysis as cs

data, info = bgen.ensure(1_000_000, bgen.DEFAULT_SEED, sys.argv[3] if len(sys.argv) > 3 else bgen.DEFAULT_DATA)
files = {role: str(data / name) for role, (name, _) in bgen.FILES.items()}
t0 = time.perf_counter()
a = cs.analyse(tickets=files["tickets"], survey=files["survey"], activity=files["activity"],
               timezone=bgen.TIME_ZONE, keep_tables=False, keep_rows=False)
sec = time.perf_counter() - t0
json.dump({"seconds": sec, "commit": sys.argv[2], "notes": a.notes,
           "timings": {k: round(v, 2) for k, v in a.timings.items()},
           "figures": json.loads(a.figures.to_json(orient="records", default_handler=str))}, open(sys.argv[1], "w"))
print("done", sec)
