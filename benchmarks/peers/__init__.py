"""Peers of the csanalysis stages, run on the same files in the same benchmark run.

* :func:`parse_floor`: ``pandas.read_csv(path, engine="pyarrow")``, the floor
  for a reader (parsing the CSV into a DataFrame, nothing else). For a
  Qualtrics export the two extra header rows are skipped.
* :func:`duckdb_avoidance`: the avoidance-after-bad-experience figure computed
  by a hand-written DuckDB SQL query (``avoidance.sql``) straight from the raw
  CSV exports.

DuckDB is a benchmark-only dependency (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AVOIDANCE_SQL = HERE / "avoidance.sql"


def parse_floor(path: str | Path, *, header_rows: int = 1) -> dict:
    """Time ``pandas.read_csv(path, engine="pyarrow")`` (``header_rows`` > 1: skip the extra rows).

    Returns ``{"seconds", "rows", "columns"}``.
    """
    import pandas as pd

    t0 = time.perf_counter()
    method = 'pandas.read_csv(engine="pyarrow")'
    try:
        if header_rows > 1:
            with open(path, newline="", encoding="utf-8") as f:
                names = next(csv.reader(f))
            df = pd.read_csv(path, engine="pyarrow", header=None, names=names, skiprows=header_rows)
        else:
            df = pd.read_csv(path, engine="pyarrow")
    except pd.errors.ParserError as exc:
        if "newlines_in_values" not in str(exc):
            raise
        # values spanning lines (survey comments): pandas' pyarrow engine cannot pass
        # newlines_in_values, so call pyarrow the way pandas would with it
        import pyarrow.csv as pacsv

        t0 = time.perf_counter()
        table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(skip_rows_after_names=header_rows - 1),
                               parse_options=pacsv.ParseOptions(newlines_in_values=True))
        df = table.to_pandas()
        method = "pyarrow.csv.read_csv(newlines_in_values=True).to_pandas()"
    dt = time.perf_counter() - t0
    return {"seconds": dt, "rows": int(len(df)), "columns": int(df.shape[1]), "method": method}


def avoidance_sql(tickets: str | Path, survey: str | Path, orders: str | Path, *, zone: str = "Europe/Copenhagen",
                  window: float = 730) -> str:
    """The peer's SQL with the file paths, time zone and window filled in."""
    from csanalysis.estimators.avoidance import MIN_STRATUM, RATE_BANDS  # definitions shared, not code

    sql = AVOIDANCE_SQL.read_text(encoding="utf-8")
    for k, v in {"{tickets}": tickets, "{survey}": survey, "{orders}": orders, "{zone}": zone,
                 "{window}": float(window)}.items():
        sql = sql.replace(k, str(v).replace("'", "''"))
    bands = "[" + ", ".join(repr(float(c)) for c in RATE_BANDS) + "]"
    return sql.replace("{rate_bands}", bands).replace("{min_stratum}", str(int(MIN_STRATUM)))


def duckdb_avoidance(tickets: str | Path, survey: str | Path, orders: str | Path, *,
                     zone: str = "Europe/Copenhagen", window: float = 730, threads: int | None = None) -> dict:
    """Run the peer query. Returns the figure, ``n`` (index customers), ``n_events`` and the time."""
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    statements = [s for s in _split(avoidance_sql(tickets, survey, orders, zone=zone, window=window)) if s.strip()]
    for s in statements[:-1]:
        con.execute(s)
    row = con.execute(statements[-1]).fetchone()
    cols = [d[0] for d in con.description]
    con.close()
    dt = time.perf_counter() - t0
    out = dict(zip(cols, row))
    return {"seconds": dt, "estimate": None if out["avoid_2y_after_bad"] is None else float(out["avoid_2y_after_bad"]),
            "n": int(out["n"]), "n_events": int(out["n_events"]), "n_purchases": int(out["n_purchases"]),
            "as_of_us": int(out["as_of_us"]) if out["as_of_us"] is not None else None}


def _split(sql: str) -> list[str]:
    """Split on ';' at line ends outside comments (the file has no ';' inside strings)."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return body.split(";\n")
