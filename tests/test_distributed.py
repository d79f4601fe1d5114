"""The Dask engine (issue 13, item 4): the same analysis on a local cluster of 2 workers equals the pandas engine.

Counts and point estimates to 1e-9, intervals to 1e-9, load reports equal; on the bundled sample read from its
files (one task per file) and on a generated scenario of 20,000 customers.
"""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import csanalysis as cs
from csanalysis.cli import main
from csanalysis.datasets import sample_path
from csanalysis.errors import CsanalysisError
from csanalysis.results import Result

distributed = pytest.importorskip("distributed", reason="the Dask engine's tests need csanalysis[test]")

SECRET = "test-distributed"
#: The results the Dask engine computes per partition of customers (identical to the pandas engine's).
PER_PARTITION = ("rfm", "guards", "word_of_mouth", "attributable_churn", "service_levels", "snapshot_churn",
                 "clusters")
DRIVEN = ("metrics", "metrics_by_channel", "channel_use", "channels", "rankings", "scorecard", "nonresponse",
          "verbatims", "drivers", "avoidance")
#: The results computed on a worker from every partition's compact rows (its models' linear algebra there on one
#: BLAS thread, so sums may differ in the last bits from the pandas engine's), and the recovery test from them.
GATHERED = ("journeys", "recovery")


@pytest.fixture(scope="module")
def client():
    from csanalysis.distributed import local_cluster

    cluster = local_cluster(2)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _files() -> dict:
    return {"tickets": sample_path("zendesk_tickets.csv"),
            "survey": [sample_path("qualtrics_survey.csv"), sample_path("danish_survey.csv")],
            "activity": sample_path("shopify_orders.csv"), "customers": sample_path("customer_snapshot.csv")}


def _numeric(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if pd.api.types.is_float_dtype(df[c])]


def _assert_close(x, y, where: str) -> None:
    """Nested results (dicts, lists, numbers, text) alike: floats within 1e-9, everything else equal."""
    if isinstance(x, dict):
        assert isinstance(y, dict) and list(x) == list(y), where
        for k in x:
            _assert_close(x[k], y[k], f"{where}.{k}")
    elif isinstance(x, (list, tuple)):
        assert isinstance(y, (list, tuple)) and len(x) == len(y), where
        for i, (u, v) in enumerate(zip(x, y)):
            _assert_close(u, v, f"{where}[{i}]")
    elif isinstance(x, float) and not isinstance(y, bool) and isinstance(y, (int, float)):
        assert y == pytest.approx(x, rel=1e-9, abs=1e-9, nan_ok=True), where
    else:
        assert x == y, where


def assert_same_analysis(a: cs.Analysis, b: cs.Analysis, engines: tuple[str, str] = ("pandas", "dask"),
                         read: bool = True) -> None:
    """Figures, comparisons and experiences equal (floats to 1e-9), load reports (``read``: files were read)
    and notes identical."""
    for name in ("figures", "comparisons", "experiences"):
        x, y = getattr(a, name), getattr(b, name)
        assert list(x.columns) == list(y.columns) and len(x) == len(y), name
        assert_frame_equal(x, y, check_exact=False, rtol=1e-9, atol=1e-9, obj=name)
    for name in ("tickets", "responses", "activity", "customers"):  # the linked tables, gathered, identical
        x, y = getattr(a.linked, name), getattr(b.linked, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert_frame_equal(x, y, check_exact=True, obj=name)
    for name in PER_PARTITION:  # computed per partition of customers on the Dask engine, combined
        x, y = a.results[name], b.results[name]
        assert (x is None) == (y is None), name
        if x is not None:
            assert json.dumps(x.to_dict(), sort_keys=True) == json.dumps(y.to_dict(), sort_keys=True), name
    for name in DRIVEN + GATHERED:  # asked of partition states in rounds, or gathered: floats to 1e-9
        x, y = a.results[name], b.results[name]
        assert (x is None) == (y is None), name
        if x is not None:
            _assert_close(x.to_dict(), y.to_dict(), name)
    if a.results["avoidance"] is not None:  # the episodes (every customer's index and follow-up) too
        assert_frame_equal(a.results["avoidance"].episodes, b.results["avoidance"].episodes, check_exact=False,
                           rtol=1e-9, atol=1e-9, obj="avoidance episodes")
    if a.results["nonresponse"] is not None:  # every rated ticket's weight, gathered from its partition
        x, y = a.results["nonresponse"].weights, b.results["nonresponse"].weights
        assert x.index.equals(y.index) and np.allclose(x.to_numpy(), y.to_numpy(), rtol=1e-9, atol=1e-12)
    if a.results["journeys"] is not None:  # every customer's journey and follow-up, every recovery test row
        assert_frame_equal(a.results["journeys"].table, b.results["journeys"].table, check_exact=True)
        assert_frame_equal(a.results["recovery"].rows, b.results["recovery"].rows, check_exact=True)
        assert b.results["journeys"].events is None  # (on the Dask engine they stayed with the partitions)
    dis = [getattr(r.results["verbatims"], "disrespect", None) if r.results["verbatims"] is not None else None
           for r in (a, b)]
    assert (dis[0] is None) == (dis[1] is None)
    if dis[0] is not None:  # from the avoidance's parts on the Dask engine
        _assert_close(dis[0].to_dict(), dis[1].to_dict(), "disrespect")
        assert_frame_equal(dis[0].episodes, dis[1].episodes, check_exact=False, rtol=1e-9, atol=1e-9,
                           obj="disrespect episodes")
    if a.results["rfm"] is not None:
        assert_frame_equal(a.results["rfm"].table, b.results["rfm"].table, check_exact=True)
    fig = a.figures
    assert fig["n"].notna().sum() > 50 and fig["ci_low"].notna().sum() > 50  # the comparison has content
    assert a.notes == b.notes
    da, db = a.to_dict(), b.to_dict()
    for key in ("inputs", "linking"):  # load reports (every row accounted for) and the linking, identical
        assert (da[key] or not read) and json.dumps(da[key], sort_keys=True) == json.dumps(db[key], sort_keys=True), key
    oa, ob = dict(a.options), dict(b.options)
    assert (oa.pop("engine"), ob.pop("engine")) == engines and oa == ob


def test_sample_files_equal_the_pandas_engine(client):
    a = cs.analyse(**_files(), secret=SECRET, n_resamples=60, seed=3)
    b = cs.analyse(**_files(), secret=SECRET, n_resamples=60, seed=3, engine="dask", scheduler=client,
                   partitions=7)
    assert_same_analysis(a, b)
    # every stage ran, and in the dask run the reading went through the workers (one task per file)
    assert set(a.timings) == set(b.timings)
    assert sum(len(v) for v in b.load_reports.values()) == 5


def test_the_default_partitions_grow_with_the_rows_read_or_given(client):
    # two per worker, or one per PARTITION_ROWS input rows when that is more: a partition's tasks stay the same
    # size however large the data; a number given is kept
    from csanalysis.distributed import PARTITION_ROWS, DaskRunner

    read = DaskRunner(client)
    ex = read.read_exports(**{k: v for k, v in _files().items() if k in ("tickets", "survey", "activity")})
    loaded = sum(r.rows_loaded for rs in ex.reports.values() for r in rs)
    assert read.input_rows == loaded > 0
    read.put(pd.DataFrame({"customer_id": ["a", "b", "c"]}))
    assert read.input_rows == loaded + 3 and read.n_parts == 2 * read.n_workers == 4
    big = DaskRunner(client)
    big.input_rows = 5 * PARTITION_ROWS + 1
    assert big.n_parts == 6
    big.input_rows = 10 * PARTITION_ROWS  # (fixed at first use: every table split alike)
    assert big.n_parts == 6
    given = DaskRunner(client, partitions=3)
    given.input_rows = 50 * PARTITION_ROWS
    assert given.n_parts == 3


def test_workers_run_one_thread_and_one_blas_thread(client):
    # two cores, two workers: a worker's BLAS or OpenMP pool of all the cores would oversubscribe them
    info = client.run(lambda: {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                              "MKL_NUM_THREADS")})
    assert len(info) == 2 and all(v == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                                        "MKL_NUM_THREADS": "1"} for v in info.values()), info
    assert set(client.nthreads().values()) == {1}


def test_without_tables_nothing_comes_back_but_the_figures(client):
    # keep_tables=False on the Dask engine: the tables never come to the client, the figures are the same
    a = cs.analyse(**_files(), secret=SECRET, n_resamples=40, seed=5, keep_tables=False)
    b = cs.analyse(**_files(), secret=SECRET, n_resamples=40, seed=5, keep_tables=False, engine="dask",
                   scheduler=client)
    assert a.linked.tables() == {} == b.linked.tables() and a.experiences is None is b.experiences
    assert_frame_equal(a.figures, b.figures, check_exact=False, rtol=1e-9, atol=1e-9)
    assert json.dumps(a.to_dict()["linking"], sort_keys=True) == json.dumps(b.to_dict()["linking"], sort_keys=True)
    assert a.notes == b.notes


def test_without_rows_the_journeys_rows_stay_on_the_workers(client, monkeypatch):
    """keep_rows=False on the Dask engine: the journeys' rows are let go where their stage ran (the
    service-recovery test's rows never come here: the test asks each journey part where it is, and the RFM's parts
    and the clusters' customer features answer their rounds where they are); the avoidance is computed here from its partitions' rows per
    index episode (no task sends its result), its episodes let go as it is done; every result comes without its
    rows and the figures, JSON and notes are the pandas engine's."""
    from csanalysis import analysis

    shipped = []
    gather = type(client).gather

    def watched(self, futures, *a, **kw):  # what the stages run on the workers send here
        got = gather(self, futures, *a, **kw)
        if isinstance(got, list):
            shipped.extend(v[0] for v in got if isinstance(v, tuple) and len(v) == 3)
        return got

    a = cs.analyse(**_files(), secret=SECRET, n_resamples=40, seed=5, keep_tables=False, keep_rows=False)
    monkeypatch.setattr(type(client), "gather", watched)
    b = cs.analyse(**_files(), secret=SECRET, n_resamples=40, seed=5, keep_tables=False, keep_rows=False,
                   engine="dask", scheduler=client)
    monkeypatch.undo()
    came = {type(v).__name__: v for v in shipped
            if type(v).__name__ in ("AvoidanceResult", "JourneyResult", "RFMPart")}
    assert set(came) == {"JourneyResult"}  # (the RFM's parts answer its rounds where they are)
    # the clusters' customer features answer their rounds where they are too (k-means here on a sample's rows)
    assert not any(isinstance(v, pd.DataFrame) and "frequency" in v.columns for v in shipped)
    j = came["JourneyResult"]
    assert j.table is None and j.recovery_rows is None and analysis._ROWS_ON_WORKERS == {"avoidance", "journeys"}
    for name in ("avoidance", "journeys", "rfm", "clusters", "recovery"):
        res = b.results[name]
        assert all(getattr(res, f) is None for f in res.row_fields), name
    assert_frame_equal(a.figures, b.figures, check_exact=False, rtol=1e-9, atol=1e-9)
    for name in ("rfm", "journeys", "clusters", "recovery"):
        assert_frame_equal(a.results[name].summary(), b.results[name].summary(), check_exact=False, rtol=1e-9,
                           atol=1e-9)
    assert_frame_equal(a.results["recovery"].balance, b.results["recovery"].balance, check_exact=False, rtol=1e-9,
                       atol=1e-9)
    assert b.results["recovery"].comparisons["difference"].notna().all()  # (the comparisons were made)
    assert a.notes == b.notes


def _held(client) -> list[str]:
    """The keys of the data the cluster holds, once the client's releases have reached the scheduler."""
    import time

    def keys(dask_scheduler):
        return sorted(str(k) for k, ts in dask_scheduler.tasks.items() if ts.state == "memory")

    for _ in range(50):  # (releases travel asynchronously)
        held = client.run_on_scheduler(keys)
        if not held:
            break
        time.sleep(0.1)
    return held


def test_the_cluster_lets_go_of_what_the_stages_read_once_they_ran(client):
    """Once the estimators' values are here, the futures their runs read go (the key drivers' partition states, the
    partitions' parts, the activity's split); the stages that follow hold only what they read (the narrowed
    tickets, the answers); and once the analysis returned, nothing of it is left on the cluster. Tasks are
    named after the function they run (``distributed.task_key``)."""
    from csanalysis.distributed import task_key

    assert task_key(cs.analyse).startswith("analyse-") and task_key(cs.analyse) != task_key(cs.analyse)
    import gc

    gc.collect()  # (what the tests before left in reference cycles)
    assert _held(client) == []
    during = {}

    def progress(msg):
        if msg.startswith("guards"):
            during["guards"] = _held(client)

    cs.analyse(cs.datasets.load_sample(), n_resamples=20, keep_tables=False, keep_rows=False, engine="dask",
               scheduler=client, progress=progress)
    names = {k.rsplit("-", 5)[0] for k in during["guards"]}
    assert names and not names & {"_driver_rows_part", "_pick", "_features_part", "service_levels_part",
                                  "_lost_part", "rfm_part"}, names
    assert _held(client) == []


def test_the_whole_activity_rebuilt_from_its_partitions(client):
    # without the tables returned the engine lets go of the whole activity before the whole-table stages; a
    # parted stage's run on the whole tables reads its partitions stacked back: the same rows, in the same order
    import functools

    from csanalysis.analysis import _ORDER_COLUMNS, _STACKED, _on_stacked
    from csanalysis.distributed import DaskRunner
    from csanalysis.link import link_customers

    here = link_customers(*(getattr(cs.datasets.load_sample(), n) for n in ("tickets", "responses", "activity",
                                                                            "customers")))
    runner = DaskRunner(client, partitions=5)
    there = runner.link_customers({n: runner.put(df) for n, df in here.tables().items()})
    stacked = (_STACKED, runner.customer_parts(there.activity, _ORDER_COLUMNS))
    [(got, note, _)] = runner.run_stages([(functools.partial(_on_stacked, pd.DataFrame.copy), (stacked,), {})])
    assert note is None
    want = client.gather(there.activity)
    pd.testing.assert_frame_equal(got, want[[c for c in want.columns if c in _ORDER_COLUMNS]], check_exact=True)
    # and on the sample cut into many partitions (some stages' parts then lack what they need), without the
    # tables: figures and notes as on the pandas engine
    a = cs.analyse(cs.datasets.load_sample(), n_resamples=20, keep_tables=False)
    b = cs.analyse(cs.datasets.load_sample(), n_resamples=20, keep_tables=False, engine="dask", scheduler=client,
                   partitions=40)
    assert_frame_equal(a.figures, b.figures, check_exact=False, rtol=1e-9, atol=1e-9)
    assert a.notes == b.notes and a.to_dict()["linking"] == b.to_dict()["linking"]


def test_without_tables_the_whole_tickets_keep_only_the_columns_read(client, monkeypatch):
    # without the tables returned the engine narrows the whole tickets, once every split of them is made, to the
    # columns a stage on them reads (the verbatims' ticket comments, the reason drivers' units, a stage's run on
    # the whole tables for the pandas engine's note): the pass-through columns go, the results stay the pandas
    # engine's (ticket satisfaction comments included)
    from csanalysis import analysis
    from csanalysis.distributed import DaskRunner

    s = cs.datasets.load_sample()
    t = s.tickets.copy()
    rng = np.random.default_rng(3)
    words = np.array(["the agent was rude and slow", "quick and friendly help", "nobody answered my question",
                      "", None], dtype=object)
    t["satisfaction_comment"] = words[rng.integers(0, len(words), len(t))]
    t.attrs["free_text_columns"] = [*t.attrs.get("free_text_columns", []), "satisfaction_comment"]
    s.tickets = t
    kept: list[tuple[str, ...]] = []
    submit = DaskRunner.submit

    def spy(self, fn, *args, **kw):
        if fn is analysis._narrowed:
            kept.append(args[1])
        return submit(self, fn, *args, **kw)

    monkeypatch.setattr(DaskRunner, "submit", spy)
    a = cs.analyse(s, n_resamples=20, keep_tables=False)
    b = cs.analyse(s, n_resamples=20, keep_tables=False, engine="dask", scheduler=client, partitions=4)
    # the whole tickets narrowed once; the reason drivers (the sample's unit an account) read the answers' ids,
    # customers, units and scores only (not their comments: those come with the verbatims), and look an answer's
    # sampling unit up in the tickets by those answers' ticket ids and customers (never a narrowing of the tickets)
    [columns, answers] = kept
    assert {"satisfaction_comment", "ticket_id", "customer", "rating_score", "channel", "account_id"} <= set(columns)
    assert not {"subject", "requester_domain", "updated_at", "due_date"} & set(columns)  # read by no stage
    assert set(answers) == {"response_id", "ticket_id", "customer", "customer_id", "email_key", "csat", "ces", "nps",
                            "account_id"}
    assert_frame_equal(a.figures, b.figures, check_exact=False, rtol=1e-9, atol=1e-9)
    assert a.notes == b.notes
    va, vb = a.results["verbatims"], b.results["verbatims"]
    assert (va.comments["source"] == "tickets").sum() > 100  # the tickets' comments were read
    for name in ("table", "comments", "tags", "tone"):
        assert_frame_equal(getattr(va, name), getattr(vb, name), check_exact=False, rtol=1e-9, atol=1e-9, obj=name)
    _assert_close(a.results["drivers"].to_dict(), b.results["drivers"].to_dict(), "drivers")  # reasons included
    assert (va.disrespect is None) == (vb.disrespect is None)
    if va.disrespect is not None:
        _assert_close(va.disrespect.to_dict(), vb.disrespect.to_dict(), "disrespect")


def test_files_are_read_side_by_side_only_as_far_as_the_memory_allows(client, monkeypatch):
    # a read is taken to need READ_BYTES_PER_BYTE bytes per byte of its file; with a budget below any file's
    # need, each file waits until the reads before it are done (largest first), and the tables are the same
    from csanalysis import distributed as dd
    from csanalysis.io.batch import read_plan

    sizes = [t.size for t in read_plan(**_files())]
    assert len(sizes) == 5 and sizes == sorted(sizes, reverse=True) and min(sizes) > 0
    budget = dd.READ_BYTES_PER_BYTE * sizes[-1] - 1  # below the smallest file's need: one read at a time
    runner = dd.DaskRunner(client)
    assert runner.read_budget() > 1e9  # the local cluster's: half its workers' memory limits
    monkeypatch.setattr(dd.DaskRunner, "read_budget", lambda self: budget)
    under_way: list[int] = []
    submit, started = dd.DaskRunner.submit, []

    def spy(self, fn, *args, **kw):
        if fn.__name__.startswith("read_"):
            under_way.append(sum(not f.done() for f in started))
            started.append(submit(self, fn, *args, **kw))
            return started[-1]
        return submit(self, fn, *args, **kw)

    monkeypatch.setattr(dd.DaskRunner, "submit", spy)
    got = runner.read_exports(**_files())
    assert under_way == [0] * 5
    want = cs.read_exports(**_files())
    for role in ("tickets", "responses", "activity", "customers"):
        assert_frame_equal(client.gather(getattr(got, role)), getattr(want, role), check_exact=True, obj=role)


def _spy_on_blocks(monkeypatch) -> tuple[list[str], list, list, list[int]]:
    """Blocks of 500 kB, and what the Dask engine submits: task names, block reads, agreements, and how many
    tables held in pieces each run stacked."""
    from csanalysis import distributed as dd
    from csanalysis.io import blocks as io_blocks

    monkeypatch.setattr(io_blocks, "BLOCK_BYTES", 500_000)
    submit, close, names, reads, agreements, stacked = dd.DaskRunner.submit, dd.DaskRunner.close, [], [], [], []

    def spy(self, fn, *args, **kw):
        names.append(fn.__name__)
        future = submit(self, fn, *args, **kw)
        if fn.__name__ == "read_block":
            reads.append(future)
        if fn.__name__ == "agreed":
            agreements.append(future)
        return future

    def closing(self):
        stacked.append(self.stacked_pieces)
        close(self)

    monkeypatch.setattr(dd.DaskRunner, "submit", spy)
    monkeypatch.setattr(dd.DaskRunner, "close", closing)
    return names, reads, agreements, stacked


def test_large_files_are_read_in_blocks_and_equal_the_pandas_engine(client, monkeypatch):
    # the orders (5.5 MB) in blocks of 500 kB and the tickets (1.2 MB) in two, each block a task of its own,
    # finished where they were read and kept in pieces (stacked only for the whole-table stages and to be
    # returned): every figure, table and load report as on one machine
    names, reads, agreements, stacked = _spy_on_blocks(monkeypatch)
    a = cs.analyse(**_files(), secret=SECRET, n_resamples=40, seed=5)
    b = cs.analyse(**_files(), secret=SECRET, n_resamples=40, seed=5, engine="dask", scheduler=client)
    assert_same_analysis(a, b)
    assert names.count("plan_blocks") == 2 and names.count("stack_blocks") == 0
    assert len(reads) >= 11 + 2 and names.count("role_piece") == len(reads)  # (the orders' blocks and the tickets')
    assert names.count("read_activity") == names.count("read_tickets") == 0
    assert names.count("finish_block") == names.count("mask_block") == len(reads)
    assert len(agreements) == 2 and all(f.result() is not None for f in agreements)  # neither file read whole
    assert stacked == [2]  # (each table once, for the whole-table stages and the result)


def test_files_read_in_blocks_are_never_stacked_without_the_tables(client, monkeypatch):
    # keep_tables=False: the orders' and the tickets' blocks stay apart from the read to the figures (linked,
    # asked, summarised and split by customer piece by piece; the tickets' columns a whole-table stage reads
    # narrowed piece by piece), and every figure, load report, linking row and note is the pandas engine's
    from csanalysis import distributed as dd

    names, reads, agreements, stacked = _spy_on_blocks(monkeypatch)
    released, release = [], dd.DaskRunner.release

    def releasing(self, table):
        release(self, table)
        released.append(repr(table))

    monkeypatch.setattr(dd.DaskRunner, "release", releasing)
    built, part_states = [], dd.DaskRunner.part_states

    def building(self, build, parts, **kw):
        built.append((build.__name__, len(parts)))
        return part_states(self, build, parts, **kw)

    monkeypatch.setattr(dd.DaskRunner, "part_states", building)
    a = cs.analyse(**_files(), secret=SECRET, n_resamples=40, seed=5, keep_tables=False)
    b = cs.analyse(**_files(), secret=SECRET, n_resamples=40, seed=5, keep_tables=False, engine="dask",
                   scheduler=client, partitions=3)
    assert names.count("role_piece") == len(reads) >= 11 + 2 and stacked == [0]
    # the split's keys and the accounts' groups found part by part of ticket ids (3 parts), never in one task
    # over every ticket
    finding = names.count("_placing_keys_by_row")
    assert names.count("placing_keys") == 0 and finding and finding % 3 == 0
    assert names.count("unit_groups") == 0 and names.count("_unit_edges") == 3
    # the link key chosen from the ids the tables share, counted part by part where they are (no id comes here)
    assert names.count("link_ids") == 0 and names.count("shared_ids") == 3
    # and the bridge built part by part (no task, nor the client, holds it whole)
    assert names.count("link_pairs") == 0 and names.count("bridge_lookup") == 3
    # the reason drivers' units looked up in each piece of the tickets where it is (no task stacks the tickets'
    # ids, customers and accounts: at 5M customers that task lost its worker)
    assert names.count("_unit_lookup_piece") == 2 and names.count("_unit_lookup") == 1
    assert names.count("_stack_pieces") == 0, names
    # the key drivers' rows stay in their partitions, which answer the fit's rounds (no task stacks them)
    assert ("_driver_rows_part", 3) in built and "_stacked_driver_rows" not in names
    # and the avoidance's index episodes stay in theirs too: each draws its own controls (no task stacks the
    # purchases of every customer)
    assert ("_avoidance_state", 3) in built and "_avoidance_of_parts" not in names
    assert_frame_equal(a.results["drivers"].table, b.results["drivers"].table, check_exact=False, rtol=1e-9,
                       atol=1e-9)
    assert len(released) == 1 and released[0].endswith("released)")  # (the orders, once split: before the stages)
    assert len(agreements) == 2 and all(f.result() is not None for f in agreements)  # neither file read whole
    assert_frame_equal(a.figures, b.figures, check_exact=False, rtol=1e-9, atol=1e-9)
    da, db = a.to_dict(), b.to_dict()
    for key in ("inputs", "linking"):
        assert json.dumps(da[key], sort_keys=True) == json.dumps(db[key], sort_keys=True), key
    assert a.notes == b.notes
    for name in PER_PARTITION:
        x, y = a.results[name], b.results[name]
        assert (x is None) == (y is None), name
        if x is not None:
            assert json.dumps(x.to_dict(), sort_keys=True) == json.dumps(y.to_dict(), sort_keys=True), name


@pytest.mark.parametrize("trap", [False, True])
def test_orders_in_pieces_or_read_whole_equal_the_pandas_read(client, tmp_path, trap):
    # a CSV of orders of many blocks stays in pieces (each piece's rows numbered as the whole table's), and is
    # read whole when its blocks would read differently (an order's line in the first and the last block): the
    # table and its load report are the pandas engine's either way
    from csanalysis.distributed import DaskRunner, Pieces

    lines = sample_path("shopify_orders.csv").read_bytes().splitlines(keepends=True)
    p = tmp_path / "orders.csv"
    p.write_bytes(b"".join(lines + ([lines[1]] if trap else [])))
    runner = DaskRunner(client)
    runner.block_bytes = 400_000
    got = runner.read_exports(activity=p)
    want = cs.read_exports(activity=p)
    assert isinstance(got.activity, Pieces) is (not trap)
    if not trap:
        assert len(got.activity.futures) >= 10 and got.activity.starts[1] == got.activity.rows[0]
        assert [len(df) for df in client.gather(got.activity.futures)] == got.activity.rows
    [table] = runner.gather([got.activity])
    assert_frame_equal(table, want.activity, check_exact=True)
    assert table.attrs["load_report"].to_dict() == want.activity.attrs["load_report"].to_dict()
    assert [r.to_dict() for r in got.reports["activity"]] == [r.to_dict() for r in want.reports["activity"]]
    assert runner.stacked_pieces == (0 if trap else 1)
    if not trap:  # let go: asking it anything raises rather than answering from nothing
        runner.release(got.activity)
        assert got.activity.released
        with pytest.raises(RuntimeError, match="let go"):
            runner.customer_parts(got.activity, ("customer",))
        with pytest.raises(RuntimeError, match="let go"):
            runner.gather([got.activity])


def test_partitions_change_nothing(client):
    s = cs.datasets.load_sample()
    one = cs.analyse(s, n_resamples=40, engine="dask", scheduler=client, partitions=1)
    many = cs.analyse(cs.datasets.load_sample(), n_resamples=40, engine="dask", scheduler=client, partitions=16)
    assert_same_analysis(one, many, engines=("dask", "dask"))


def test_tables_in_memory_with_their_own_index_equal_the_pandas_engine(client):
    # tables given in memory, shuffled and labelled with text (an index that is no row position): the rows are
    # numbered as read, so ties by first position and the drivers' row order are the whole table's on both engines
    s = cs.datasets.load_sample()
    rng = np.random.default_rng(1)
    tables = {}
    for name, df in (("tickets", s.tickets), ("survey", s.responses), ("activity", s.activity)):
        df = df.iloc[rng.permutation(len(df))]
        tables[name] = df.set_axis([f"row {i}" for i in rng.permutation(len(df))])
    a = cs.analyse(**tables, secret=SECRET, n_resamples=40, seed=2)
    b = cs.analyse(**tables, secret=SECRET, n_resamples=40, seed=2, engine="dask", scheduler=client, partitions=5)
    assert_same_analysis(a, b, read=False)
    assert a.linked.tickets.index.equals(pd.RangeIndex(len(a.linked.tickets)))


def test_generated_20k_customers_equal_the_pandas_engine(client, tmp_path):
    from csanalysis.datasets.generate import BENCHMARK_RATES, generate_sample

    generate_sample(tmp_path, n_customers=20_000, seed=11, rates=BENCHMARK_RATES, danish=False, snapshot=False)
    files = {"tickets": tmp_path / "zendesk_tickets.csv", "survey": tmp_path / "qualtrics_survey.csv",
             "activity": tmp_path / "shopify_orders.csv"}
    a = cs.analyse(**files, secret=SECRET, n_resamples=30)
    b = cs.analyse(**files, secret=SECRET, n_resamples=30, engine="dask", scheduler=client)
    assert_same_analysis(a, b)
    assert a.figure("avoid_2y_after_bad")["n"] > 1000


def test_cli_engine_dask_with_a_scheduler_address(client, tmp_path):
    out_p, out_d = tmp_path / "p", tmp_path / "d"
    assert main(["report", "--sample", "--resamples", "20", "--quiet", "--format", "json", "--out", str(out_p)]) == 0
    assert main(["report", "--sample", "--resamples", "20", "--quiet", "--format", "json", "--out", str(out_d),
                 "--engine", "dask", "--scheduler", client.scheduler.address]) == 0
    p = json.loads((out_p / "results.json").read_text())
    d = json.loads((out_d / "results.json").read_text())
    fp, fd = pd.DataFrame(p["figures"]), pd.DataFrame(d["figures"])
    assert len(fp) > 100
    assert_frame_equal(fp, fd, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("link_on", ["auto", "customer_id", "email_key"])
def test_tables_are_read_and_linked_on_the_workers(client, link_on):
    from dask.distributed import Future

    from csanalysis.distributed import DaskRunner
    from csanalysis.link import link_customers

    runner = DaskRunner(client)
    here = cs.read_exports(**_files(), secret=SECRET)
    there = runner.read_exports(**_files(), secret=SECRET)
    tables = {"tickets": there.tickets, "responses": there.responses, "activity": there.activity,
              "customers": there.customers}
    assert all(isinstance(f, Future) for f in tables.values())  # the client holds no table
    assert ({k: [r.to_dict() for r in v] for k, v in here.reports.items()}
            == {k: [r.to_dict() for r in v] for k, v in there.reports.items()})
    a = link_customers(here.tickets, here.responses, here.activity, here.customers, link_on=link_on)
    b = runner.link_customers(tables, link_on=link_on)
    assert (a.link_on, a.reason) == (b.link_on, b.reason)
    for name, f in b.tables().items():
        assert isinstance(f, Future)
        assert_frame_equal(getattr(a, name), f.result(), check_exact=True, obj=name)
    with pytest.raises(ValueError, match="link_on must be"):
        runner.link_customers(tables, link_on="phone")
    with pytest.raises(ValueError, match="neither a customer_id nor an email_key"):
        runner.link_customers({"tickets": client.scatter(pd.DataFrame({"x": [1]}))})


@pytest.mark.parametrize("n_parts", [1, 3, 8])
def test_customers_are_shuffled_to_partitions_as_on_one_machine(client, n_parts):
    # each part equals split_customers' on one machine; a response follows its ticket's owner
    from dask.distributed import Future

    from csanalysis.distributed import DaskRunner
    from csanalysis.link import link_customers
    from csanalysis.partition import split_customers

    s = cs.datasets.load_sample()
    here = link_customers(s.tickets, s.responses, s.activity, s.customers)
    runner = DaskRunner(client)
    there = runner.link_customers({n: runner.put(df) for n, df in here.tables().items()
                                   if n in ("tickets", "responses", "activity")})
    one = split_customers(here, n_parts)
    many = runner.split_customers(there, n_parts, tables=("tickets", "responses"))
    assert len(many) == n_parts
    for a, b in zip(one, many):
        assert b.activity is None and b.customers is None and isinstance(b.tickets, Future)
        for name in ("tickets", "responses"):
            assert_frame_equal(getattr(a, name), getattr(b, name).result(), check_exact=True, obj=name)
    assert sum(len(p.responses.result()) for p in many) == len(here.responses)


@pytest.mark.parametrize("n_parts", [3, 5])
def test_customers_sharing_an_account_share_a_partition_as_on_one_machine(client, shared_accounts, n_parts):
    # with the analysis's unit the account, the runner's parts (tickets, answers, orders) are split_customers'
    # with unit="account_id" on one machine: customers sharing an account in one part
    from csanalysis.distributed import DaskRunner
    from csanalysis.partition import split_customers

    here = shared_accounts(1)
    runner = DaskRunner(client, partitions=n_parts)
    there = runner.link_customers({n: runner.put(df) for n, df in here.tables().items()})
    runner.group_customers(there, "account_id")
    one = split_customers(here, n_parts, unit="account_id")
    many = runner.split_customers(there, n_parts, tables=("tickets", "responses"))
    orders = runner.customer_parts(there.activity, ("customer", "at"))
    for a, b, (part, pos) in zip(one, many, orders):
        for name in ("tickets", "responses"):
            assert_frame_equal(getattr(a, name), getattr(b, name).result(), check_exact=True, obj=name)
        assert_frame_equal(a.activity[["customer", "at"]].reset_index(drop=True),
                           part.result()[["customer", "at"]].reset_index(drop=True), check_exact=True)
    # (the grouping moved customers in this world)
    assert any(not x.activity.index.equals(y.activity.index) for x, y in zip(split_customers(here, n_parts), one))
    with pytest.raises(RuntimeError, match="before the tables are split"):
        runner.group_customers(there, "account_id")


@pytest.mark.parametrize("n_parts", [1, 3])
def test_stages_map_over_partitions_of_customers_and_combine(client, n_parts):
    # a table split by its own customer where it is: each part (with the columns asked for) and its rows'
    # positions equal one machine's split; a stage of the parts combined equals the stage on the whole table
    from csanalysis.distributed import DaskRunner
    from csanalysis.guards import combine_order_counts, order_counts
    from csanalysis.link import link_customers
    from csanalysis.partition import part_numbers, split_positions

    act = link_customers(None, None, cs.datasets.load_sample().activity, None).activity
    runner = DaskRunner(client, partitions=n_parts)
    there = runner.put(act)
    cols = ("customer", "amount", "currency", "order_id", "not a column")
    parts = runner.customer_parts(there, cols)
    assert runner.customer_parts(there, cols) is parts  # split once
    want = split_positions(part_numbers(act["customer"], n_parts), n_parts)
    assert len(parts) == n_parts
    for (part, pos), p in zip(parts, want):
        assert np.array_equal(pos.result(), p)
        assert_frame_equal(part.result(), act[[c for c in act.columns if c in cols]].take(p), check_exact=True)
    counts, note, seconds = runner.combine_parts(runner.map_parts(order_counts, there, cols), combine_order_counts)
    assert note is None and seconds > 0
    assert_frame_equal(counts.currencies, order_counts(act).currencies, check_exact=True)
    # a part that lacks what the stage needs: the stage's note, as on one machine
    value, note, _ = runner.combine_parts(runner.map_parts(cs.segments.rfm_part, there, cols, as_of=None),
                                          cs.segments.rfm_combine, as_of=None)
    assert value is None and "no 'at' column" in note
    runner.drop_parts()
    assert runner.customer_parts(there, cols) is not parts


@pytest.mark.parametrize("n_parts", [2, 5])
def test_service_metrics_are_driven_over_partition_states(client, shared_accounts, n_parts):
    # the tickets and the answers placed with them split where they are (only the columns asked for), a
    # MetricsPart built per partition, its rounds asked from here (each round's states are the ones it
    # returned: a state changed in a round keeps the change): equal to service_metrics on the whole tables
    from csanalysis.distributed import DaskRunner
    from csanalysis.estimators.metrics import (
        COLUMNS_READ,
        MetricsPart,
        metrics_from_parts,
        service_metrics,
    )

    here = shared_accounts(2)
    rng = np.random.default_rng(4)
    n = len(here.tickets)
    here.tickets = here.tickets.assign(channel=rng.choice(["email", "chat", "phone"], n),
                                       rating=rng.choice(["good", "bad", None], n),
                                       first_reply_minutes=rng.exponential(60, n).round(),
                                       resolution_minutes=rng.exponential(600, n))
    runner = DaskRunner(client, partitions=n_parts)
    there = runner.link_customers({n: runner.put(df) for n, df in here.tables().items()})
    runner.group_customers(there, "account_id")
    cols = {"tickets": (*COLUMNS_READ["tickets"], "channel"), "responses": COLUMNS_READ["responses"]}
    parts = runner.ticket_parts(there, cols)
    assert runner.ticket_parts(there, cols) is parts and len(parts) == n_parts  # split once
    assert set(parts[0][0].result().columns) <= set(cols["tickets"])
    for by in (None, "channel"):
        states = runner.part_states(MetricsPart, parts, by=by, cluster="account_id")
        got, note, seconds = runner.drive_parts(states, metrics_from_parts, by=by, cluster="account_id")
        assert note is None and seconds > 0
        want = service_metrics(here.tickets, here.responses, by=by, cluster="account_id").summary()
        assert_frame_equal(got.summary(), want, check_exact=False, rtol=1e-9, atol=1e-9)
    # a part that cannot be built: the stage on the whole tables gives the note
    states = runner.part_states(MetricsPart, parts, cluster="no such column")
    value, note, _ = runner.drive_parts(states, metrics_from_parts, whole=(service_metrics, (here.tickets,),
                                                                         {"cluster": "no such column"}))
    assert value is None and "is in neither the tickets nor the responses table" in note
    runner.drop_parts()


@pytest.mark.parametrize("unit", ["account_id", "customer"])
def test_survey_nonresponse_is_driven_over_partition_states(client, shared_accounts, unit):
    # the response model fitted over partitions (covariates decided from counts and order statistics, each
    # Newton step's scores summed): equal to the whole table's, every rated ticket's weight gathered in order
    from csanalysis.analysis import _nonresponse_from_parts
    from csanalysis.distributed import DaskRunner
    from csanalysis.estimators.nonresponse import (
        COLUMNS_READ,
        NonresponsePart,
        nonresponse_weighted,
    )

    here = shared_accounts(3)
    rng = np.random.default_rng(5)
    n = len(here.tickets)
    slow = rng.random(n) < 0.4
    here.tickets = here.tickets.assign(channel=rng.choice(["email", "chat", "phone"], n),
                                       status=rng.choice(["solved", "open"], n, p=[0.85, 0.15]),
                                       resolution_minutes=np.where(slow, 3000.0, 60.0) * rng.lognormal(0, 0.3, n),
                                       rating_score=np.where(rng.random(n) < np.where(slow, 0.2, 0.6),
                                                             rng.choice([0.0, 0.5, 1.0], n), np.nan))
    runner = DaskRunner(client, partitions=4)
    there = runner.link_customers({n: runner.put(df) for n, df in here.tables().items()})
    runner.group_customers(there, unit)
    parts = runner.ticket_parts(there, {"tickets": (*COLUMNS_READ, unit), "responses": ("ticket_id",)})
    states = runner.part_states(NonresponsePart, [(t,) for t, _ in parts])
    got, note, seconds = runner.drive_parts(states, _nonresponse_from_parts, unit=unit, n_resamples=50, seed=3,
                                            confidence=0.9)
    assert note is None and seconds > 0
    want = nonresponse_weighted(runner.client.gather(there.tickets), customer=unit, n_resamples=50, seed=3,
                                confidence=0.9)
    _assert_close(want.to_dict(), got.to_dict(), "nonresponse")
    assert got.weights.index.equals(want.weights.index) and len(got.weights) > 50
    np.testing.assert_allclose(got.weights.to_numpy(), want.weights.to_numpy(), rtol=1e-9)
    runner.drop_parts()


def _rows_of(experiences, activity):
    return 0 if experiences is None else len(experiences)


def _no_purchase(experiences, activity, *, as_of):
    from csanalysis.analysis import no_purchase_after

    return None if experiences is None else no_purchase_after(experiences, activity, as_of=as_of)


def test_experiences_and_purchases_of_a_partition_meet_in_one_task(client):
    # the no-purchase outcome of the key drivers per partition (each partition's experiences beside its
    # purchases, both placed by the same hash of the customer) equals the outcome of the whole tables
    from csanalysis.analysis import no_purchase_after
    from csanalysis.distributed import DaskRunner
    from csanalysis.experiences import experiences
    from csanalysis.link import link_customers

    s = cs.datasets.load_sample()
    here = link_customers(s.tickets, s.responses, s.activity, s.customers)
    as_of = here.activity["at"].max()
    want = no_purchase_after(experiences(here.tickets, here.responses), here.activity, as_of=as_of)
    runner = DaskRunner(client, partitions=4)
    there = runner.link_customers({n: runner.put(df) for n, df in here.tables().items()})
    with pytest.raises(RuntimeError, match="needs the experiences"):
        runner.map_experience_parts(_no_purchase, there.activity, ("customer", "at"), as_of=as_of)
    runner.experiences(there, rule=cs.BadExperienceRule())
    done = client.gather(runner.map_experience_parts(_no_purchase, there.activity, ("customer", "at"), as_of=as_of))
    assert len(done) == 4 and all(note is None for _, note, _ in done)
    got = pd.concat([v for v, _, _ in done if v is not None])
    assert len(want) > 100 and got.index.is_unique
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_exact=True)


def test_experiences_need_not_be_stacked(client):
    # without the tables returned, the partitions' experiences are never put together: their rows are counted,
    # the stages read them per partition, and a stage run on the whole tables builds them in its own task
    import functools

    from csanalysis.analysis import _experiences_then
    from csanalysis.distributed import DaskRunner
    from csanalysis.experiences import experiences
    from csanalysis.link import link_customers

    s = cs.datasets.load_sample()
    here = link_customers(s.tickets, s.responses, s.activity, s.customers)
    want = experiences(here.tickets, here.responses)
    runner = DaskRunner(client, partitions=3)
    there = runner.link_customers({n: runner.put(df) for n, df in here.tables().items()})
    rule = cs.BadExperienceRule()
    assert runner.experiences(there, rule=rule, stack=False) is None and runner.experience_rows == len(want) > 100
    done = client.gather(runner.map_experience_parts(_rows_of, there.activity, ("customer", "at")))
    assert sum(v for v, _, _ in done) == len(want)
    [(got, note, _)] = runner.run_stages([(functools.partial(_experiences_then, pd.DataFrame.copy, at=0),
                                           (there.tickets, there.responses, rule), {})])
    assert note is None
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_a_part_that_lacks_what_its_stage_needs_gives_the_pandas_engines_note(client):
    # answers with a high end below the low end: word of mouth is not computed, and its note counts every such
    # answer of the whole table (a part would count only its own), on both engines
    s = cs.datasets.load_sample()
    r = s.responses.copy()
    bad = r.index[(r["told_count_low"] > 0).fillna(False) & r["told_count_high"].notna()][:40]
    r.loc[bad, "told_count_high"] = r.loc[bad, "told_count_low"] - 1
    s.responses = r
    a = cs.analyse(s, n_resamples=20)
    b = cs.analyse(s, n_resamples=20, engine="dask", scheduler=client, partitions=5)
    said = [n for n in a.notes if n.startswith("word of mouth")]
    assert len(said) == 1 and "40 answer(s)" in said[0]
    assert a.notes == b.notes and a.results["word_of_mouth"] is None is b.results["word_of_mouth"]


def test_a_file_that_cannot_be_read_stops_the_dask_engine_with_its_error(client, tmp_path):
    bad = tmp_path / "tickets.csv"
    bad.write_bytes(b"")
    with pytest.raises(CsanalysisError) as here:
        cs.analyse(tickets=bad, secret=SECRET)
    with pytest.raises(CsanalysisError) as there:
        cs.analyse(tickets=bad, secret=SECRET, engine="dask", scheduler=client)
    assert str(here.value) == str(there.value) and "tickets.csv" in str(there.value)


def _where(i: int) -> tuple[int, str]:
    from dask.distributed import get_worker

    return i, str(get_worker().get_current_task())


def _fan_out(n: int) -> list:
    from csanalysis.distributed import WorkerMap

    return list(WorkerMap()(_where, range(n)))


def _shift(item: tuple) -> float:
    i, data, own, scale = item
    return float(i + data.sum() * scale + own[-1])


def _fan_out_shared(n: int) -> list:
    from csanalysis.distributed import WorkerMap

    data = np.arange(1000.0)
    own = [np.full(300_000, float(i)) for i in range(n)]  # 2.4 MB each: sent as data, not in the graph
    return list(WorkerMap()(_shift, [(i, data, own[i], 2.0) for i in range(n)]))


def _shared_on(n: int) -> list:
    from dask.distributed import get_client

    from csanalysis.distributed import _data_as_futures

    data = np.arange(1000.0)
    items = _data_as_futures(get_client(), [(i, data) for i in range(n)])
    shared = items[0][1]
    assert all(it[1] is shared for it in items)
    return sorted(get_client().who_has([shared])[shared.key])


def test_the_data_worker_map_items_share_is_on_every_worker_they_may_run_on(client):
    # the shared element goes to as many workers as there are items, so the items run side by side (a task
    # goes where its data is; at 5M customers the key drivers' outcomes all ran on the one worker that held
    # their 0.8 GB of shared rows)
    workers = sorted(client.scheduler_info()["workers"])
    assert sorted(client.submit(_shared_on, 2, pure=False).result()) == workers
    assert sorted(client.submit(_shared_on, 5, pure=False).result()) == workers


def test_worker_map_runs_each_item_as_a_task_of_its_own(client):
    # inside a task: one task per item, results in order; outside: the builtin map
    got = client.submit(_fan_out, 5, pure=False).result()
    assert [i for i, _ in got] == list(range(5))
    assert len({task for _, task in got}) == 5 and all("_where" in task for _, task in got)
    # the data every item shares is sent once, in place of a copy per task: same results
    assert client.submit(_fan_out_shared, 4, pure=False).result() == [2 * i + 999000.0 for i in range(4)]
    from csanalysis.distributed import WorkerMap

    assert list(WorkerMap()(abs, [-3, 4])) == [3, 4]


@dataclasses.dataclass
class _Big(Result):
    """A result object as large as the verbatims' at 1M customers' scale (12 MB)."""

    values: np.ndarray

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"n": [len(self.values)]})


def _total(result: _Big, frame: pd.DataFrame, scale: float) -> float:
    return float(result.values.sum() + frame["x"].sum()) * scale


def test_stages_receive_result_objects_as_data_not_inside_the_graph(client):
    """A later stage reads earlier results (the verbatims', the drivers'): they travel like tables, scattered
    once, so a large one raises no large-graph warning (an error here) and the value is the same."""
    from csanalysis.distributed import DaskRunner

    big = _Big(np.ones(1_500_000))
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    runner = DaskRunner(client)
    got = runner.run_stages([(_total, (big, frame), {"scale": 2.0}), (_total, (big,), {"frame": frame, "scale": 1.0})])
    assert [value for value, _, _ in got] == [3_000_006.0, 1_500_003.0]
    assert [note for _, note, _ in got] == [None, None]


def test_errors_teach(capsys):
    s = cs.datasets.load_sample()
    with pytest.raises(CsanalysisError, match="engine must be 'pandas' or 'dask'"):
        cs.analyse(s, engine="spark")
    with pytest.raises(CsanalysisError, match="needs engine='dask'"):
        cs.analyse(s, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(CsanalysisError, match="scheduler must be the address"):
        cs.analyse(s, engine="dask", scheduler=8786)
    with pytest.raises(CsanalysisError, match="partitions must be a whole number"):
        cs.analyse(s, engine="dask", partitions=0)
    assert main(["report", "--sample", "--quiet", "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "needs engine='dask'" in capsys.readouterr().err


def test_resolved_secret_hashes_like_the_secret_and_never_shows_it():
    from csanalysis.privacy import email_key, key_source, resolve_secret

    s = resolve_secret("swordfish")
    e = pd.Series(["anna@example.com", None])
    assert email_key(e, s).equals(email_key(e, "swordfish"))
    assert not email_key(e, s).equals(email_key(e, "other"))
    assert key_source(s) == "argument" and "swordfish" not in repr(s)
    assert resolve_secret(s) is s
    assert np.all(email_key(e, resolve_secret(None)).isna() == e.isna())


def test_the_local_cluster_leaves_the_client_a_share_of_the_memory(client):
    """Each worker of the local cluster gets the machine's memory shared among the workers and the client
    (Dask's own default shares it among the workers alone: the client, which gathers the results, had none);
    a limit given is kept."""
    from distributed.system import MEMORY_LIMIT

    from csanalysis.distributed import local_cluster, worker_memory

    limits = [w["memory_limit"] for w in client.scheduler_info()["workers"].values()]
    assert len(limits) == 2 and limits == [MEMORY_LIMIT // 3] * 2
    assert sum(limits) + worker_memory(2) <= MEMORY_LIMIT
    assert worker_memory(1) == MEMORY_LIMIT // 2 and worker_memory(0) == worker_memory(1)
    cluster = local_cluster(1, memory_limit="1GiB")
    try:
        assert [w.memory_manager.memory_limit for w in cluster.workers.values()] == [2**30]
    finally:
        cluster.close()


def test_local_cluster_does_not_claim_the_dashboard_port():
    """A second cluster on the machine (a dashboard on 8787) starts without a warning: the scheduler's HTTP
    endpoints take a free loopback port (warnings are errors in this suite)."""
    import socket

    from csanalysis.distributed import local_cluster

    taken = socket.socket()
    try:
        try:
            taken.bind(("0.0.0.0", 8787))
            taken.listen()
        except OSError:
            pass  # already taken by something else: the test holds either way
        cluster = local_cluster(1)
        try:
            assert cluster.scheduler.http_server.port != 8787
        finally:
            cluster.close()
    finally:
        taken.close()


def test_a_lost_worker_is_the_packages_error_naming_the_memory_limit(client, monkeypatch):
    # a task that passes 95% of a worker's memory limit gets the worker killed; its data is lost, and the
    # analysis failed with Dask's own error (FutureCancelledError "already forgotten", KilledWorker)
    from distributed.client import FutureCancelledError

    from csanalysis.distributed import DaskRunner
    from csanalysis.errors import CsanalysisError

    def dies(self, *a, **kw):
        raise FutureCancelledError("_n_rows-1", reason="already forgotten")

    monkeypatch.setattr(DaskRunner, "experiences", dies)
    with pytest.raises(CsanalysisError, match=r"a Dask worker was lost.*memory limit: \d+\.\d GiB.*more partitions"):
        cs.analyse(**_files(), n_resamples=20, engine="dask", scheduler=client, partitions=3)
    monkeypatch.setattr(DaskRunner, "experiences", lambda self, *a, **kw: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # any other error is left as it is
        cs.analyse(**_files(), n_resamples=20, engine="dask", scheduler=client, partitions=3)
