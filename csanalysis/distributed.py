"""The Dask engine of :func:`csanalysis.analyse`: the same analysis on a cluster.

``cs.analyse(..., engine="dask")`` and ``csanalysis report --engine dask``
run the one pipeline of :mod:`csanalysis.analysis` on a
:mod:`dask.distributed` cluster (``pip install csanalysis[dask]``):

1. **reading**: one task per file, by the same readers (:func:`csanalysis.io.batch.read_plan`),
   the largest first and as many side by side as half the workers' memory
   allows (:meth:`DaskRunner.read_budget`, :data:`READ_BYTES_PER_BYTE`);
   a plain CSV of orders or tickets of two blocks or more
   (:attr:`DaskRunner.block_bytes`) one task per block, by the same reader,
   each block finished where it was read and, when the file is its role's
   only one, kept there as a piece of the table (:class:`Pieces`: never
   stacked into one table unless a step needs it whole), else stacked by a
   task; the file is read whole when a block is not its part of the whole
   file (:mod:`csanalysis.io.blocks`: quoted line breaks, a header over
   lines, UTF-16, a stray quote, a column read differently in two blocks,
   an order in two blocks ...); the files of one role stacked where they
   were read (:func:`csanalysis.io.batch.stack_role`), so the tables and
   the load reports are those of the pandas engine; the tables stay on the
   workers (the client receives the load reports);
2. **linking on the keys**: the client receives only the counts that choose
   the key (the customer ids the tables share, counted part by part of the
   ids where they are: :func:`csanalysis.link.link_id_parts`,
   :func:`csanalysis.link.shared_ids`); the bridge between identifiers is
   built part by part in the same way (:func:`csanalysis.link.bridge_parts`,
   :func:`csanalysis.link.bridge_lookup`), and each table is linked on its
   worker (:func:`csanalysis.link.link_table`);
3. **per-customer phase**: the customers are shuffled to partitions by a
   hash of their key (:meth:`DaskRunner.split_customers`, equal to
   :func:`csanalysis.partition.split_customers`: every row of a customer in
   the same partition; only the ticket ids and customers travel to find who
   owns each ticket and response, each table is split where it is), and
   each partition builds its service experiences in its own task;
4. **estimators**: the stages whose statistics add up over customers run
   one task per partition of customers and are combined here
   (:meth:`DaskRunner.map_parts`, :meth:`DaskRunner.combine_parts`): the
   activity's order counts (the analysis currency and the guards,
   :func:`csanalysis.guards.order_counts`), RFM
   (:func:`csanalysis.segments.rfm_part`; without the rows per customer,
   each part's :class:`~csanalysis.segments.RFMRows` answers the rounds of
   :func:`~csanalysis.segments.rfm_from_parts` where it is: the scores'
   cut values as exact order statistics, then customers and sums per
   segment), word of mouth
   (:func:`csanalysis.estimators.word_of_mouth.word_of_mouth_part`),
   attributable churn (:func:`csanalysis.estimators.churn.attributable_churn_part`,
   each partition's experiences beside its purchases,
   :meth:`DaskRunner.map_experience_parts`), the service levels
   (:func:`csanalysis.segments.service_levels_part`, each partition's
   answers beside its purchases), the snapshot churn
   (:func:`csanalysis.estimators.churn.snapshot_churn_part`), the customer
   features of the clusters (:func:`csanalysis.segments.customer_features`
   per partition; without the rows per customer each partition's
   :class:`~csanalysis.segments.FeatureRows` answers the rounds of
   :func:`~csanalysis.segments.clusters_from_parts`: the scaling's exact
   order statistics, the k-means sample's rows fetched by their ranks in
   the features' order, k-means on the client on that sample only, the
   customers and sums per cluster; with the rows, k-means on them all on
   the client) and the key drivers'
   no-purchase outcome; the service metrics overall and by channel,
   channel use, channel consistency, the rankings, the scorecard, survey
   non-response, the verbatims and the key drivers keep a state per
   partition of tickets and the answers placed with them (the scorecard's
   beside the partition's orders; the key drivers' beside its no-purchase
   values) (:class:`csanalysis.estimators.metrics.MetricsPart`,
   :class:`csanalysis.estimators.channel_use.ChannelUsePart`,
   :class:`csanalysis.estimators.rankings.RankPart`,
   :class:`csanalysis.segments.channels.ChannelsPart`,
   :class:`csanalysis.segments.scorecard.ScorecardPart`,
   :class:`csanalysis.estimators.nonresponse.NonresponsePart`: its response
   model's every Newton step, the data's and the bootstrap's refits, a
   round of summed scores and Hessians,
   :class:`csanalysis.estimators.verbatims.VerbatimsPart`: the columns'
   majority languages from counts, then each partition's comments tagged
   and scored where they are, :class:`csanalysis.analysis._DriverRows`:
   the outcomes and drivers decided from every partition's counts, then
   :class:`csanalysis.estimators.drivers.DriversPart` answering each
   outcome's rounds: moments per replicate, the terciles' edges, every
   Newton step of the logistic fits),
   :meth:`DaskRunner.ticket_parts`, :meth:`DaskRunner.part_states`) and
   are driven from here in rounds of counts and sums
   (:meth:`DaskRunner.drive_parts`; their quantiles exact order statistics,
   :mod:`csanalysis.stats.selection`). Each is
   equal to one pass over the whole table by construction (counts and
   whole-number bootstrap weights are sums; each customer's rows are in one
   part; ties between equally common values are broken by the rows'
   positions in the whole table, which travel with the parts). The
   avoidance figures are driven so too: each partition builds its index
   episodes' compact rows (:func:`csanalysis.estimators.avoidance.avoidance_part`,
   its experiences beside its orders), and its
   :class:`~csanalysis.estimators.avoidance.AvoidancePart` answers the
   rounds of :func:`~csanalysis.estimators.avoidance.avoidance_in_rounds`:
   rows per index episode with their follow-up and history, the trials'
   eligible counts, then its own drawn controls (no purchase leaves it);
   no return after disrespect takes each part's commented first bad
   experiences (:func:`~csanalysis.estimators.avoidance.disrespect_part`). The experience
   journeys too: each partition builds its customers' journeys
   (:func:`csanalysis.segments.journey_part`), one task draws the matched
   reference dates over all of them, each partition is finished where it
   is (its follow-up and its service-recovery rows) and one task stacks
   them (:func:`csanalysis.segments.experience_journeys_from_parts`);
   without the rows per customer (``keep_rows=False``) each partition
   keeps its journeys' counts, not its table, and the service-recovery
   test asks each partition's rows in rounds of sums where they are
   (:func:`csanalysis.segments.service_recovery_from_parts`), so no row of
   either is stacked.
   Without the tables returned, the partitions' experiences are never
   stacked into one table, the whole activity is let go before the driven
   stages (a stage's run on the whole tables, for the pandas engine's
   note, reads its partitions stacked back; held in :class:`Pieces`, it
   goes as soon as its orders are counted: :meth:`DaskRunner.release`),
   and the whole tickets are
   narrowed to the columns a stage's run on the whole tables (for the
   pandas engine's note) reads, piece by piece where they are in
   :class:`Pieces` (:meth:`DaskRunner.each_piece`; stacked only if such a
   run happens); the reason drivers look an answer's sampling unit up in
   each piece of the tickets where it is (the first ticket of each id the
   answers name, the rows per customer and unit of the answers' customers:
   :meth:`DaskRunner.combine_each`), so no task holds the whole tickets.
   Every other estimator (the reason drivers, ...) is a task of
   its own, running side by side on the workers; the few that need another's
   result follow, on the workers where they read tables (no return after
   disrespect, the reason drivers, the guards), here where they read
   results (power, the recovery test);
5. the figure table and the registry comparison on the client.

Every function is the pandas engine's; the partitions change nothing
(experiences are per customer, and every bootstrap draws its weights from
the sampling unit's hash, :func:`csanalysis.stats.bootstrap.poisson_weights`,
or from the same seeded generator over the same rows), so the figures,
intervals and load reports equal the pandas engine's; the tests check it on
the bundled sample and on a generated scenario of 20,000 customers.

Each worker is a process with one thread, and Dask's nanny starts it with
one BLAS and OpenMP thread (``OMP_NUM_THREADS=1``, ``OPENBLAS_NUM_THREADS=1``,
``MKL_NUM_THREADS=1``, its ``distributed.nanny.pre-spawn-environ`` default;
keep it when you configure a cluster), so workers do not oversubscribe the
cores with their linear algebra (the key drivers' and weighting models').

The client holds no table while the analysis runs: it asks the workers for
the few facts the analysis branches on (which columns a table fills, the
latest purchase, the currencies) and receives the results. At the end it
gathers the linked tables and the experiences into the
:class:`~csanalysis.analysis.Analysis`, as the pandas engine returns them;
with ``keep_tables=False`` (as ``csanalysis report`` runs) they never come:
the result keeps the linking's summary, computed on the workers.

What this engine does not do yet: the reason drivers and no return after
disrespect still read the survey answers whole (and a stage's run on the
whole tables, for the pandas engine's note when a partition lacks what it
needs, the tickets' columns it reads), and a survey file is read whole in
one task (its header rows and the reader's decisions about its questions
are not yet shared by blocks), so a worker needs memory for those (the
cluster speeds the analysis up and spreads the reading, but does not yet
bound the memory by the
partition). ``docs/design/partitioned-estimators.md`` says how each of
the others becomes statistics per partition, in which order; see also the
closing notes of issue 13.

Running against an existing cluster
-----------------------------------
Start a scheduler and workers (``dask scheduler`` on one machine,
``dask worker tcp://SCHEDULER:8786`` on each of the others, every one with
``csanalysis[dask]`` of the same version installed), then::

    csanalysis report --tickets /shared/tickets.csv --activity /shared/orders.csv \\
        --engine dask --scheduler tcp://SCHEDULER:8786

or, from Python, ``cs.analyse(..., engine="dask", scheduler="tcp://SCHEDULER:8786")``
(or ``scheduler=client`` with a :class:`dask.distributed.Client` you
made). The workers read the files themselves: give paths they can all read
(a shared file system). The pseudonymisation secret is resolved where the
analysis starts (``CSANALYSIS_KEY`` or your per-user secret) and sent to the
workers with the tasks, so e-mail keys match those of a pandas run.

Examples
--------
A local cluster for one analysis (in a script, start it under
``if __name__ == "__main__":``, as every program starting worker processes
must; ``tests/test_distributed.py`` runs this)::

    import csanalysis as cs
    a = cs.analyse(cs.datasets.load_sample(), engine="dask")
    a.options["engine"]   # 'dask'
"""

from __future__ import annotations

import functools
import itertools
import logging
import operator
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .checks import nonempty
from .errors import CsanalysisError

__all__ = ["PARTITION_ROWS", "READ_BYTES_PER_BYTE", "READ_SHARE", "DaskRunner", "Pieces", "WorkerMap", "local_cluster",
           "task_key", "worker_memory"]

log = logging.getLogger(__name__)

#: Bytes of memory a file's read may take per byte of the file (the file's cells as text, then the canonical
#: table): the harness measured a peak of about 4.3 GB reading 1 GB of Zendesk tickets (1M customers).
READ_BYTES_PER_BYTE = 4
#: The share of the workers' memory limits that the file reads under way may take together.
READ_SHARE = 0.5
#: Rows of the input tables per partition of customers by default (:attr:`DaskRunner.n_parts`): about 250k
#: customers of typical exports (3 tickets, 0.5 survey answers and 4.4 orders each), so 4 partitions at 1M
#: customers and 20 at 5M; never fewer than two per worker.
PARTITION_ROWS = 2_000_000


def task_key(fn: Any) -> str:
    """A task's key named after the function it runs (what a Dask dashboard lists and a worker's log names:
    ``rfm_part-<uuid>`` rather than the engine's own ``_apply-<uuid>``), unique to the task.

    Examples
    --------
    >>> import functools
    >>> task_key(functools.partial(sorted, reverse=True)).startswith("sorted-")
    True
    """
    import uuid

    while isinstance(fn, functools.partial):
        fn = fn.func
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
    return f"{name.replace('<', '').replace('>', '')}-{uuid.uuid4().hex}"


def _apply(fn: Callable[..., Any], args: tuple, kw: dict) -> Any:
    """``fn(*args, **kw)`` on a worker (keywords such as ``key=`` stay the function's, not Dask's)."""
    return fn(*args, **kw)


def _stage(fn: Callable[..., Any], args: tuple, kw: dict) -> tuple[Any, str | None, float]:
    from .analysis import call_stage

    return call_stage(fn, *args, **kw)


def _experiences(tickets: pd.DataFrame | None, responses: pd.DataFrame | None, rule: Any) -> pd.DataFrame:
    from .experiences import experiences

    return experiences(tickets, responses, rule=rule)


def _pick(items: Any, i: int, j: int) -> Any:
    return items[i][j]


def _owner_columns(df: pd.DataFrame, name: str, unit: str | None = None) -> pd.DataFrame:
    """The columns :func:`csanalysis.partition.ticket_owners` reads of table ``name`` (positional index), and
    the sampling unit's column ``unit`` (:func:`csanalysis.partition.unit_groups`) when it has one."""
    from .partition import OWNER_COLUMNS

    wanted = (*OWNER_COLUMNS[name], *([unit] if unit not in (None, *OWNER_COLUMNS[name]) else []))
    return df[[c for c in wanted if c in df.columns]].reset_index(drop=True)


def _placing(df: pd.DataFrame, owner: pd.Series | None, groups: Any) -> pd.Series:
    """The key placing each row of ``df``: ``owner`` when given (:func:`csanalysis.partition.placing_keys`),
    else its ``customer``'s (or that customer's group's, :meth:`~csanalysis.partition.UnitGroups.keys`)."""
    from .partition import unit_values

    if owner is not None:
        return owner
    return df["customer"] if groups is None else groups.keys(df["customer"], unit_values(df, groups.column))


def _split_table(df: pd.DataFrame, owner: pd.Series | None, n_parts: int, groups: Any = None,
                 columns: tuple[str, ...] | None = None) -> list[pd.DataFrame]:
    from .partition import part_numbers, split_rows

    place = part_numbers(_placing(df, owner, groups), n_parts)
    if columns is not None:  # (only the columns the stages read travel)
        df = df[[c for c in df.columns if c in columns]]
    return split_rows(df, place, n_parts)


def _ticket_id_parts(df: pd.DataFrame, name: str, unit: str | None, n_parts: int,
                     start: int) -> list[pd.DataFrame]:
    """A piece's owner columns (:func:`_owner_columns`) in parts by ticket id
    (:func:`csanalysis.partition.ticket_id_parts`; ``start``: the piece's first row in the whole table)."""
    from .partition import ticket_id_parts

    return ticket_id_parts(_owner_columns(df, name, unit), n_parts, start=start)


def _placing_keys_by_row(tickets: list[pd.DataFrame], responses: list[pd.DataFrame], groups: Any,
                         ticket_starts: list[int], response_starts: list[int]) -> tuple[list[pd.Series], ...]:
    """One part by ticket id of every piece of the tickets and of the answers, stacked: their placing keys
    (:func:`csanalysis.partition.placing_keys_by_row`), cut into each piece's rows
    (:func:`csanalysis.partition.rows_by_piece`)."""
    from .partition import placing_keys_by_row, rows_by_piece

    keys_t, keys_r = placing_keys_by_row(pd.concat(tickets), pd.concat(responses), groups)
    return rows_by_piece(keys_t, ticket_starts), rows_by_piece(keys_r, response_starts)


def _unit_edges(tickets: list[pd.DataFrame], responses: list[pd.DataFrame] | None, unit: str) -> Any:
    """One part by ticket id of every piece of the tickets and of the answers, stacked: the distinct edges of
    :func:`csanalysis.partition.unit_groups`' graph there (:func:`csanalysis.partition.unit_edges`)."""
    from .partition import unit_edges

    return unit_edges(pd.concat(tickets), None if responses is None else pd.concat(responses), unit)


def _advance(state: Any, method: str, kw: dict) -> tuple[Any, Any]:
    """``state.method(**kw)`` on a worker: ``(state, answer)``, the state as the method left it."""
    return state, getattr(state, method)(**kw)


def _value(done: tuple[Any, str | None, float]) -> Any:
    return done[0]


def _note(done: tuple[Any, str | None, float]) -> tuple[str | None, float]:
    return done[1], done[2]


def _split_own(df: pd.DataFrame, columns: tuple[str, ...], n_parts: int,
               groups: Any = None) -> list[tuple[pd.DataFrame, Any]]:
    """``df``'s ``columns`` (those it has) split by its own customer (or that customer's group):
    ``(part, positions in df)`` per part."""
    from .partition import part_numbers, split_positions

    narrow = df[[c for c in df.columns if c in columns]]
    return [(narrow.take(pos), pos)
            for pos in split_positions(part_numbers(_placing(df, None, groups), n_parts), n_parts)]


def _part_experiences(tickets: pd.DataFrame | None, responses: pd.DataFrame | None,
                      rule: Any) -> pd.DataFrame | None:
    t, r = nonempty(tickets), nonempty(responses)
    return None if t is None and r is None else _experiences(t, r, rule)


def _n_rows(df: pd.DataFrame | None) -> int:
    return 0 if df is None else len(df)


def _stack_experiences(parts: list[pd.DataFrame | None], tickets: pd.DataFrame | None,
                       responses: pd.DataFrame | None, rule: Any) -> pd.DataFrame:
    from .experiences import concat_experiences

    done = [f for f in parts if f is not None and len(f)]
    if not done:  # no experience anywhere: the function's own empty table
        return _experiences(nonempty(tickets), responses, rule)
    return concat_experiences(done)


def _stacked(frames: list[pd.DataFrame], *, ignore_index: bool = False) -> pd.DataFrame:
    """``frames`` stacked in order, with the first's attributes (pandas would compare every frame's, which
    hold the same load report, unpickled apart)."""
    out = pd.concat([pd.DataFrame(f) for f in frames], ignore_index=ignore_index)  # (attribute-less views)
    out.attrs = dict(frames[0].attrs)
    return out


def _agreed_report(agreement: Any) -> Any:
    """The whole file's load report the blocks agreed on (:class:`csanalysis.io.blocks.Agreement`)."""
    return agreement.report


def _stack_pieces(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """A table held in :class:`Pieces`, stacked: the whole table (rows numbered from 0)."""
    return _stacked(pieces, ignore_index=True)


def _pick_split(split: list[tuple[pd.DataFrame, Any]], i: int, start: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Part ``i`` of a piece's split (:func:`_split_own`), its positions counted in the whole table (the piece's
    first row is row ``start`` of it)."""
    part, pos = split[i]
    return part, np.asarray(pos, dtype=np.int64) + int(start)


def _join_parts(parts: list[tuple[pd.DataFrame, np.ndarray]]) -> tuple[pd.DataFrame, np.ndarray]:
    """One partition's parts of every piece of a table (:func:`_pick_split`, the pieces in order) as the
    partition's part of the whole table: its rows in the whole table's order, and their positions."""
    return _stacked([p for p, _ in parts]), np.concatenate([q for _, q in parts])


def _n_customers(part: pd.DataFrame) -> int:
    return int(part["customer"].nunique())


def _pick_two(parts: tuple[int, int, Any]) -> tuple[int, int]:
    """The two counts of :func:`csanalysis.link.link_id_parts`."""
    return parts[0], parts[1]


def _check_held(table: Pieces) -> None:
    if table.released:
        raise RuntimeError(f"{table!r} was let go (DaskRunner.release): it can no longer be asked or split")


class Pieces:
    """A table that stays on the workers in pieces, never stacked in one place: the finished blocks of a large
    export read in blocks (:func:`csanalysis.io.blocks.role_piece`), in the file's order.

    The whole table is the pieces stacked in order (rows numbered from 0: each piece's rows carry their
    numbers in the whole table). The Dask engine answers what the analysis asks of the table piece by piece
    (:meth:`DaskRunner.call` with ``over_pieces``, :meth:`DaskRunner.link_customers`,
    :meth:`DaskRunner.link_summary`) and splits it by customer piece by piece
    (:meth:`DaskRunner.customer_parts`: a partition's part is its parts of every piece, in order, which is
    the whole table's part); a step that needs the whole table stacks it on a worker once
    (:attr:`DaskRunner.stacked_pieces` counts it), as the pandas engine's result does when its tables are
    kept.

    Parameters
    ----------
    futures : list of dask.distributed.Future
        The pieces (DataFrames), in order.
    rows : list of int
        Rows of each piece.
    """

    _ids = itertools.count()

    def __init__(self, futures: list[Any], rows: list[int]) -> None:
        if len(futures) != len(rows) or not futures:
            raise ValueError("Pieces needs one row count per piece, and at least one piece")
        self.futures = list(futures)
        self.rows = [int(r) for r in rows]
        #: The whole table's row number of each piece's first row.
        self.starts = self.first_rows(self.rows)
        #: A name of the table, unique in this process (what :meth:`DaskRunner.customer_parts` caches it by).
        self.key = f"pieces-{next(self._ids)}"
        self.whole: Any = None  # (a future of the stacked table, once a step needed it)

    @staticmethod
    def first_rows(rows: list[int]) -> list[int]:
        """The whole table's row number of each piece's first row, from the pieces' rows."""
        return [int(s) for s in np.cumsum([0, *rows[:-1]])]

    @property
    def released(self) -> bool:
        """Whether the pieces were let go (:meth:`DaskRunner.release`)."""
        return not self.futures

    def __repr__(self) -> str:
        return f"Pieces({len(self.rows)} pieces, {sum(self.rows)} rows{', released' if self.released else ''})"


class WorkerMap:
    """A map-like callable (an estimator's ``workers=``) that runs its items as tasks of the cluster.

    Called inside a Dask task, ``WorkerMap()(func, items)`` submits one task
    per item through :func:`dask.distributed.worker_client` (the calling task
    leaves its worker's thread while it waits, so the items may run on that
    worker too) and returns ``func`` of each item in order, raising the first
    item's error in order, as the builtin ``map`` would. When the items are
    tuples, an element every item shares (the same object, such as the
    data) is sent to the cluster once, and each item's own large arrays are
    sent as data rather than inside the task graph. Called anywhere else
    it is the builtin ``map``. The Dask engine passes one to the key drivers,
    whose outcomes are fitted independently: the result is the same either
    way.

    Examples
    --------
    >>> list(WorkerMap()(abs, [-1, 2]))  # outside a task: the builtin map
    [1, 2]
    """

    def __call__(self, func: Callable[[Any], Any], items: Any) -> Any:
        from dask.distributed import get_worker, worker_client

        try:
            get_worker()
        except ValueError:
            return map(func, items)
        items = list(items)
        with worker_client() as client:
            futures = client.map(func, _data_as_futures(client, items), pure=False)
            return [f.result() for f in futures]

    def __repr__(self) -> str:
        return "WorkerMap()"


def _data_as_futures(client: Any, items: list[Any]) -> list[Any]:
    """``items`` with their data sent to the cluster as futures in its place, not copied into the tasks (and
    the scheduler's graph): an element every tuple item shares (the same object) once to each of as many
    workers as there are items (so that the items run side by side: a task goes where its data is, and the
    scheduler does not move a task whose data is large; at 5M customers the key drivers' outcomes, sharing
    0.8 GB of rows sent to one worker, all ran there, one after another, the other worker idle), and an
    item's own arrays of more than a megabyte each."""
    if not items or not all(isinstance(it, tuple) and len(it) == len(items[0]) for it in items):
        return items
    items = list(items)
    workers = sorted(client.scheduler_info().get("workers", {}))[:len(items)] or None
    for j in range(len(items[0])):
        if len(items) > 1 and all(it[j] is items[0][j] for it in items):
            # (in a list: a tuple would be scattered element-wise)
            [sent] = client.scatter([items[0][j]], hash=False, broadcast=True, workers=workers)
            items = [(*it[:j], sent, *it[j + 1:]) for it in items]
            continue
        big = [i for i, it in enumerate(items) if getattr(it[j], "nbytes", 0) > 2**20]
        for i, f in zip(big, client.scatter([items[i][j] for i in big], hash=False) if big else []):
            items[i] = (*items[i][:j], f, *items[i][j + 1:])
    return items


def worker_memory(n_workers: int) -> int:
    """Each worker's memory limit (bytes) of a :func:`local_cluster` of ``n_workers``: the machine's memory
    (as Dask sees it: cgroup limits included) shared among the workers *and the client*, one share each.

    Dask's own default shares the memory among the workers alone, which leaves nothing for the process that
    gathers the results (at 5M customers the client of ``csanalysis report`` held 8.2 GB at the end while the
    workers were at their limits, spilling). A worker past its limit spills its data to disk (its local
    directory) and is restarted at 95% of it, so the limit bounds a worker's memory, not what it can compute.

    Examples
    --------
    >>> from distributed.system import MEMORY_LIMIT
    >>> worker_memory(2) == MEMORY_LIMIT // 3
    True
    """
    from distributed.system import MEMORY_LIMIT

    return int(MEMORY_LIMIT // (max(1, int(n_workers)) + 1))


def local_cluster(n_workers: int | None = None, **kw: Any) -> Any:
    """A local Dask cluster of worker processes (one thread each), quiet, without a dashboard.

    Parameters
    ----------
    n_workers : int, optional
        Worker processes (default: the number of CPUs).
    **kw
        Passed to :class:`dask.distributed.LocalCluster`; ``memory_limit`` (each worker's) defaults to
        :func:`worker_memory`, a share of the machine's memory that leaves one share to the client.
    """
    from dask.distributed import LocalCluster

    n = n_workers or os.cpu_count() or 1
    opts = {"n_workers": n, "threads_per_worker": 1, "processes": True, "dashboard_address": None,
            "silence_logs": logging.ERROR, "memory_limit": worker_memory(n)}
    if "dashboard_address" not in kw:
        # Without a dashboard the scheduler still serves /health and /metrics over HTTP,
        # by default on port 8787: a second cluster on the machine would warn that the
        # port is taken. A free port on the loopback interface avoids both.
        kw["scheduler_kwargs"] = {"dashboard": False, "dashboard_address": "127.0.0.1:0",
                                  **kw.get("scheduler_kwargs", {})}
    return LocalCluster(**{**opts, **kw})


class DaskRunner:
    """Runs the stages of one :func:`csanalysis.analyse` on a Dask cluster.

    Parameters
    ----------
    scheduler : str or dask.distributed.Client, optional
        Address of a running scheduler, or a client; without one a local
        cluster (:func:`local_cluster`) is started and closed by :meth:`close`.
    partitions : int, optional
        Partitions of customers of the per-customer phase (default: two per
        worker, or one per :data:`PARTITION_ROWS` rows of the tables read or
        given when that is more, so that a partition's tasks stay the same
        size however large the data: the memory a task needs is bounded by
        its partition, and the data the workers hold can spill to disk).
    """

    def __init__(self, scheduler: Any = None, *, partitions: int | None = None) -> None:
        try:
            from dask.distributed import Client
        except ImportError:
            raise CsanalysisError("engine='dask' needs Dask's distributed scheduler: pip install 'csanalysis[dask]' "
                                  "(or use the default engine='pandas')") from None
        if partitions is not None and (isinstance(partitions, bool) or int(partitions) != partitions
                                       or partitions < 1):
            raise CsanalysisError(f"partitions must be a whole number >= 1, got {partitions!r}")
        self.partitions = None if partitions is None else int(partitions)
        from .io.blocks import BLOCK_BYTES

        #: Bytes per block of a large CSV of orders or tickets, read one task per block (:meth:`read_exports`).
        self.block_bytes = BLOCK_BYTES
        #: The roles whose table, when its one file is read in blocks, stays in :class:`Pieces` (never stacked).
        self.piece_roles = frozenset({"activity", "tickets"})
        self._cluster = None
        self._own_client = True
        self._parts: dict[tuple, list[tuple[Any, Any]]] = {}
        self._groups: Any = None  # (a future of the customers' UnitGroups: group_customers)
        self._unit: str | None = None
        self._experience_parts: list[Any] | None = None
        #: Rows of the partitions' experiences (:meth:`experiences` with ``stack=False``).
        self.experience_rows = 0
        #: Tables held in :class:`Pieces` that a step needed whole, and stacked on a worker.
        self.stacked_pieces = 0
        self._n_parts: int | None = None
        #: Rows of the tables read (their load reports' rows loaded) or given (:meth:`put`) so far: what the
        #: default number of partitions is sized by (:attr:`n_parts`).
        self.input_rows = 0
        if isinstance(scheduler, Client):
            self.client, self._own_client = scheduler, False
        elif scheduler is None:
            self._cluster = local_cluster()
            self.client = Client(self._cluster)
        elif isinstance(scheduler, str) and scheduler.strip():
            try:
                self.client = Client(scheduler.strip(), timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise CsanalysisError(f"cannot reach the Dask scheduler at {scheduler.strip()!r} ({exc}); start one "
                                      "with `dask scheduler` or leave out the scheduler to run a local cluster")\
                    from None
        else:
            raise CsanalysisError(f"scheduler must be the address of a Dask scheduler (e.g. 'tcp://10.0.0.5:8786') "
                                  f"or a dask.distributed.Client, got {type(scheduler).__name__}")

    @property
    def n_workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    @property
    def n_parts(self) -> int:
        """Partitions of customers of this run: ``partitions``, default two per worker or one per
        :data:`PARTITION_ROWS` rows of the tables read or given (:attr:`input_rows`), whichever is more (fixed
        at first use, after the reading, so that every table is split alike)."""
        if self._n_parts is None:
            self._n_parts = self.partitions or max(2 * self.n_workers, -(-self.input_rows // PARTITION_ROWS))
        return self._n_parts

    # ------------------------------------------------------------------ tables on the workers
    def submit(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """``fn(*args, **kw)`` as a task (tables passed as futures are the workers' own; a table in
        :class:`Pieces` is stacked for it, :meth:`whole`); its future."""
        return self.client.submit(_apply, fn, tuple(self.whole(a) for a in args),
                                  {k: self.whole(v) for k, v in kw.items()}, key=task_key(fn))

    def call(self, fn: Callable[..., Any], *args: Any,
             over_pieces: tuple[Callable[..., Any], Callable[[list[Any]], Any]] | None = None, **kw: Any) -> Any:
        """``fn(*args, **kw)`` run on a worker, its (small) value returned here.

        ``over_pieces=(each, combine)``: when the first argument is a table in :class:`Pieces`,
        ``combine`` here of ``each(piece, *args[1:], **kw)`` of every piece (where it is), which must be
        ``fn`` of the whole table; without it such a table is stacked (:meth:`whole`).
        """
        if over_pieces is not None and args and isinstance(args[0], Pieces):
            _check_held(args[0])
            each, combine = over_pieces
            return combine(self.client.gather([self.submit(each, p, *args[1:], **kw) for p in args[0].futures]))
        return self.submit(fn, *args, **kw).result()

    def whole(self, value: Any) -> Any:
        """A table in :class:`Pieces` as a future of the whole table, stacked on a worker once (and counted in
        :attr:`stacked_pieces`); any other value as it is."""
        if not isinstance(value, Pieces):
            return value
        _check_held(value)
        if value.whole is None:
            self.stacked_pieces += 1
            log.info("%r stacked on a worker: a step needs the whole table", value)
            value.whole = self.client.submit(_stack_pieces, value.futures, pure=False)
        return value.whole

    def put(self, df: pd.DataFrame | None) -> Any:
        """A table given in memory, sent to a worker: its future (None stays None)."""
        if df is None:
            return None
        self.input_rows += len(df)
        return self.client.scatter(df, hash=False)

    def combine_each(self, each: Callable[..., Any], combine: Callable[[list[Any]], Any], table: Any, *args: Any,
                     **kw: Any) -> Any:
        """A future of ``combine([each(piece, *args, **kw) for piece in table])``, combined on a worker: ``each``
        of every piece of a table in :class:`Pieces` where it is, in order (any other table is one piece), for
        answers much smaller than the table (no task holds more than a piece of it)."""
        if not isinstance(table, Pieces):
            return self.submit(combine, [self.submit(each, table, *args, **kw)])
        _check_held(table)
        return self.submit(combine, [self.submit(each, p, *args, **kw) for p in table.futures])

    def each_piece(self, fn: Callable[..., Any], table: Any, *args: Any, **kw: Any) -> Any:
        """``fn(table, *args, **kw)`` for a function of rows that keeps them all, in order (a narrowing, say),
        where the table is: of a table in :class:`Pieces`, the :class:`Pieces` of ``fn`` of each piece (never
        stacked here; the step that needs the whole result stacks it, :meth:`whole`); of any other table, a
        future of ``fn`` of it."""
        if not isinstance(table, Pieces):
            return self.submit(fn, table, *args, **kw)
        _check_held(table)
        return Pieces([self.submit(fn, p, *args, **kw) for p in table.futures], table.rows)

    @staticmethod
    def releasable(table: Any) -> bool:
        """Whether :meth:`release` would let ``table`` go (a table held in :class:`Pieces`)."""
        return isinstance(table, Pieces) and not table.released

    def release(self, table: Any) -> None:
        """Let go of a table held in :class:`Pieces` whose splits this run needs are made (:meth:`customer_parts`
        keeps them until :meth:`drop_parts`): its pieces leave the workers once no task needs them. Asking the
        table anything after this raises, rather than answering from nothing; any other table is kept (the
        analysis lets go of it by dropping its references)."""
        if isinstance(table, Pieces):
            table.futures.clear()
            table.whole = None

    def gather(self, values: list[Any]) -> list[Any]:
        """The tables behind futures (and :class:`Pieces`, stacked), here (other values as they are)."""
        values = [self.whole(v) for v in values]
        return [v.result() if self._is_future(v) else v for v in values]

    @staticmethod
    def _is_future(v: Any) -> bool:
        from dask.distributed import Future

        return isinstance(v, Future)

    def read_budget(self) -> float:
        """Bytes of memory the file reads under way may take together (:meth:`read_exports`): half the
        workers' memory limits added up; unbounded when a worker has none."""
        limits = [w.get("memory_limit") for w in self.client.scheduler_info().get("workers", {}).values()]
        if not limits or not all(limits):
            return float("inf")
        return READ_SHARE * float(sum(limits))

    def read_exports(self, *, progress: Callable[[str], None] | None = None, **options: Any) -> Any:
        """:func:`csanalysis.read_exports` with every file read, and each role stacked, on the workers.

        One task per file, the largest first, as many side by side as the memory allows: a read is taken to
        need :data:`READ_BYTES_PER_BYTE` bytes per byte of its file, and the next file waits while the reads
        under way and it would need more than :meth:`read_budget` (a file the client cannot see counts as
        0 bytes). A CSV of orders or tickets of two blocks or more (:attr:`block_bytes`) is cut on a worker
        (:func:`csanalysis.io.blocks.plan_blocks`) and read one task per block (each block's need counted
        alike); each block is masked with the names of them all and summarised where it is, the summaries
        are checked by a task (:func:`csanalysis.io.blocks.agreed`), each block finished where it is, and the
        finished blocks stacked by a task (:func:`csanalysis.io.blocks.stack_blocks`, taken to need twice the
        file's bytes), which reads the file whole when a block is not its part. The returned
        :class:`~csanalysis.io.batch.Exports` holds futures of the tables (they stay on the workers) and the
        load reports.
        """
        from dask.distributed import wait

        from .io.batch import ROLES, Exports, read_plan, stack_role
        from .io.blocks import (
            BLOCK_READERS,
            agreed,
            block_names,
            block_summary,
            finish_block,
            mask_block,
            piece_rows,
            plan_blocks,
            read_block,
            role_piece,
            stack_blocks,
        )
        from .privacy import Names

        say = progress or (lambda msg: None)
        plan = read_plan(**options)
        budget = self.read_budget()
        read, running = {}, []
        pending = {}  # a role's only file, read in blocks: its finished blocks stay its table's pieces
        files = {role: sum(t.role == role for t in plan) for role in ROLES}
        size = self.block_bytes
        blocks = {(t.role, t.index): self.submit(plan_blocks, t.reader, t.path, size, **t.kwargs) for t in plan
                  if t.reader.__name__ in BLOCK_READERS and t.size >= 2 * size}  # (each scans its file, side by side)

        def start(need: int, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
            """``fn`` as a task once the reads under way leave ``need`` bytes of the budget."""
            nonlocal running
            running = [(f, n) for f, n in running if not f.done()]  # (a block read is let go once stacked)
            while running and sum(n for _, n in running) + need > budget:
                wait([f for f, _ in running], return_when="FIRST_COMPLETED")
                running = [(f, n) for f, n in running if not f.done()]
            future = self.submit(fn, *args, **kw)
            running.append((future, need))
            return future

        for task in plan:  # one task per file (a relative path is read from the workers' working directory),
            # largest first; the next waits while the reads under way and it would need more than the budget;
            # a large CSV of orders or tickets one task per block, stacked by a task (or read whole by it when a
            # block is not its part of the whole file: csanalysis.io.blocks)
            say(task.message)
            cut = blocks.get((task.role, task.index))
            cut = None if cut is None else cut.result()
            if not cut:
                read[task.role, task.index] = start(READ_BYTES_PER_BYTE * task.size, task.reader, task.path,
                                                    **task.kwargs)
                continue
            parts = [start(READ_BYTES_PER_BYTE * (b.end - b.start), read_block, task.reader, b, **task.kwargs)
                     for b in cut]
            # each block masked with the names every block lists, summarised, finished where it is once the
            # summaries agree (or the file read whole by the stacking task)
            names = self.submit(Names.union, [self.submit(block_names, f) for f in parts])
            parts = [self.submit(mask_block, f, names) for f in parts]
            agreement = self.submit(agreed, [self.submit(block_summary, f, len(parts)) for f in parts], task.path)
            parts = [self.submit(finish_block, f, agreement) for f in parts]
            if task.role in self.piece_roles and files[task.role] == 1:
                pending[task.role, task.index] = (parts, agreement, task)
            else:
                read[task.role, task.index] = start(2 * task.size, stack_blocks, parts, agreement, task.reader,
                                                    task.path, **task.kwargs)
            del parts, names, agreement
        pieces: dict[str, tuple[Pieces, Any]] = {}
        for (role, index), (parts, agreement, task) in pending.items():  # pieces, or the file read whole
            rows = [self.submit(piece_rows, f, agreement) for f in parts]
            wait(rows)
            sizes = None if any(f.status == "error" for f in rows) else self.client.gather(rows)
            if sizes is None or any(r is None for r in sizes):  # (stack_blocks reads it whole, or raises the error)
                read[role, index] = start(2 * task.size, stack_blocks, parts, agreement, task.reader, task.path,
                                          **task.kwargs)
                continue
            held = Pieces([self.submit(role_piece, f, agreement, s) for f, s in zip(parts, Pieces.first_rows(sizes))],
                          sizes)
            pieces[role] = (held, self.submit(_agreed_report, agreement))
        pending.clear()
        running.clear()
        wait(list(read.values()))
        for task in plan:  # a file that cannot be read stops the analysis, the largest such file's error first
            if (task.role, task.index) in read and read[task.role, task.index].status == "error":
                read[task.role, task.index].result()
        tables: dict[str, Any] = dict.fromkeys(ROLES)
        reports: dict[str, list] = {role: [] for role in ROLES}
        for role in ROLES:
            frames = [read[k] for k in sorted(k for k in read if k[0] == role)]
            if role in pieces:
                tables[role], report = pieces[role]
                reports[role] = [report.result()]
            elif frames:
                both = self.submit(stack_role, frames)
                tables[role] = self.client.submit(operator.getitem, both, 0, pure=False)
                reports[role] = self.client.submit(operator.getitem, both, 1, pure=False).result()
        self.input_rows += sum(int(r.rows_loaded) for rs in reports.values() for r in rs)
        return Exports(*(tables[role] for role in ROLES), reports)

    def link_customers(self, tables: dict[str, Any], *, link_on: str = "auto") -> Any:
        """:func:`csanalysis.link.link_customers` of tables on the workers, each linked where it is.

        Only counts and the bridge travel: to choose the key, each piece's
        distinct customer ids go to parts by a hash of the id
        (:func:`~csanalysis.link.link_id_parts`) and each part counts the ids
        the tables share (:func:`~csanalysis.link.shared_ids`), only the
        counts coming here (:func:`~csanalysis.link.link_key_from_counts`);
        the bridge is built part by part of the other identifier where the
        pieces are (:func:`~csanalysis.link.bridge_parts`,
        :func:`~csanalysis.link.bridge_lookup`), each piece receiving the
        entries its rows need. Returns a
        :class:`~csanalysis.link.LinkedData` of futures.
        """
        from .link import (
            TABLE_NAMES,
            LinkedData,
            bridge_lookup,
            bridge_of_answers,
            bridge_parts,
            link_check,
            link_id_parts,
            link_key_from_counts,
            link_table,
            resolve_link_key,
            shared_ids,
        )

        given = {n: tables[n] for n in TABLE_NAMES if tables.get(n) is not None}
        if not given:
            raise ValueError("link_customers needs at least one table")

        def each(f: Any) -> list[Any]:  # a table's pieces (Pieces: the same columns in every piece), in order
            return f.futures if isinstance(f, Pieces) else [f]

        for n, f in given.items():
            self.call(link_check, n, each(f)[0])

        def choose() -> tuple[str, str]:
            # each piece's ids in parts by a hash of the id, the tables' shared ids counted part by part: only
            # counts come here (the tables' ids as Python sets held about 1 GB here at 5M customers)
            m = self.n_parts
            split = {n: [self.submit(link_id_parts, p, m) for p in each(f)] for n, f in given.items()}
            rows = self.client.gather({n: [self.client.submit(_pick_two, s, pure=False) for s in pieces]
                                       for n, pieces in split.items()})
            counted = self.client.gather([
                self.submit(shared_ids, {n: [self.client.submit(_pick, s, 2, j, pure=False) for s in pieces]
                                         for n, pieces in split.items()}) for j in range(m)])
            del split
            counts = {n: (sum(a for a, _ in r), sum(b for _, b in r), sum(c[0][n] for c in counted))
                      for n, r in rows.items()}
            shared = {pair: sum(c[1][pair] for c in counted) for pair in counted[0][1]}
            return link_key_from_counts(counts, shared)

        key, reason = resolve_link_key(link_on, choose)
        # the bridge built part by part of the other identifier, where the pieces are: each piece sends its pairs
        # and the identifiers its rows need to the parts by a hash of the identifier; each part (its pairs in the
        # tables' and pieces' order: the first seen is the whole tables') answers every piece; each piece is
        # linked with its answers (the whole bridge, made here and sent to every worker, held about 120 bytes
        # an identifier in each place)
        m = self.n_parts
        pieces = [p for f in given.values() for p in each(f)]
        split = [self.submit(bridge_parts, p, key, m) for p in pieces]
        answers = [self.submit(bridge_lookup, [self.client.submit(_pick, s, 0, j, pure=False) for s in split],
                               [self.client.submit(_pick, s, 1, j, pure=False) for s in split], key)
                   for j in range(m)]
        del split
        linked = iter([self.submit(link_table, p, key, self.submit(bridge_of_answers, [
            self.client.submit(operator.getitem, a, i, pure=False) for a in answers])) for i, p in enumerate(pieces)])
        del answers
        out = {n: Pieces([next(linked) for _ in f.futures], f.rows) if isinstance(f, Pieces) else next(linked)
               for n, f in given.items()}
        return LinkedData(*(out.get(n) for n in TABLE_NAMES), key, reason)

    def link_summary(self, name: str, table: Any, link_on: str) -> dict:
        """:func:`csanalysis.link.link_summary` of a linked table on the workers: of a table in :class:`Pieces`,
        its rows counted piece by piece and its customers partition by partition (a customer's rows are in one
        partition, :meth:`customer_parts`, whose split of the table's customers is reused)."""
        from .link import link_row, link_summary, linked_counts

        if not isinstance(table, Pieces):
            return self.call(link_summary, name, table, link_on)
        _check_held(table)
        counts = self.client.gather([self.submit(linked_counts, p) for p in table.futures])
        columns = next((c for k, c in self._parts if k == table.key and "customer" in c), ("customer",))
        customers = self.client.gather([self.submit(_n_customers, part)
                                        for part, _ in self.customer_parts(table, columns)])
        return link_row(name, sum(n for n, _ in counts), sum(k for _, k in counts), sum(customers), link_on)

    def group_customers(self, linked: Any, unit: str | None) -> None:
        """Split customers sharing a sampling unit ``unit`` into one partition from now on
        (:func:`csanalysis.partition.unit_groups`), so that every per-partition statistic of units is a sum.

        Call it before the first split (:meth:`split_customers`, :meth:`customer_parts`): every table must be
        split alike. The ticket and answer columns that decide it are shuffled by ticket id
        (:meth:`by_ticket_id`), each part's distinct edges found where it is
        (:func:`~csanalysis.partition.unit_edges`), and only those edges go to one worker, for the graph
        (:func:`~csanalysis.partition.groups_of_edges`).
        """
        from .partition import groups_of_edges

        if self._parts or self._experience_parts is not None:
            raise RuntimeError("group_customers must come before the tables are split")
        self._unit = unit
        if unit is None or linked.tickets is None:
            self._groups = None
            return
        by_id, _, _ = self.by_ticket_id(linked, unit)  # each part's edges, then the graph of them all
        self._groups = self.submit(groups_of_edges, [self.submit(_unit_edges, t, r, unit) for t, r in by_id], unit)

    def split_customers(self, linked: Any, n_parts: int, *, tables: tuple[str, ...] | None = None,
                        columns: dict[str, tuple[str, ...]] | None = None) -> list[Any]:
        """:func:`csanalysis.partition.split_customers` of tables on the workers: a shuffle by customer.

        ``linked`` holds futures of the tables (``tables``: those to split,
        default all). Who owns each ticket and survey response needs both
        tables' ticket ids (:func:`~csanalysis.partition.ticket_owners`), so
        only those columns go to one worker; each table is then split where
        it is (``columns``: only those of each table named), and each part is
        a future of its own, to move to the worker that processes that
        partition. Returns ``n_parts``
        :class:`~csanalysis.link.LinkedData` of futures (None for a table
        not split), each part equal to the one machine's.
        """
        from dataclasses import replace

        from .link import TABLE_NAMES

        given = {n: f for n, f in linked.tables().items() if tables is None or n in tables}
        groups = self._groups
        owners: dict[str, list[Any]] = {}
        if (linked.tickets is not None and linked.responses is not None
                and {"tickets", "responses"} & set(given)):  # the responses follow their tickets' owners
            owners = self.placing_keys(linked)
        parts: dict[str, list[Any]] = {}
        for name, f in given.items():
            cols = None if columns is None or name not in columns else tuple(columns[name])
            own = owners.get(name)
            if isinstance(f, Pieces):  # each piece split where it is (its rows' owners), a part's pieces joined
                splits = [self.submit(_split_table, p, None if own is None else own[i], n_parts, groups, cols)
                          for i, p in enumerate(f.futures)]
                parts[name] = [self.submit(_stacked, [self.client.submit(operator.getitem, sp, i, pure=False)
                                                      for sp in splits]) for i in range(n_parts)]
                continue
            split = self.submit(_split_table, f, None if own is None else own[0], n_parts, groups, cols)
            parts[name] = [self.client.submit(operator.getitem, split, i, pure=False) for i in range(n_parts)]
        empty = dict.fromkeys(TABLE_NAMES)
        return [replace(linked, **{**empty, **{n: p[i] for n, p in parts.items()}}) for i in range(n_parts)]

    def placing_keys(self, linked: Any) -> dict[str, list[Any]]:
        """:func:`csanalysis.partition.placing_keys` of the tickets and the answers on the workers, as a shuffle
        by ticket id: futures of each piece's keys (positional), per table (a table not in :class:`Pieces` is
        one piece).

        Each piece sends the rows of each ticket id (only the columns that decide an owner) to one of
        :attr:`n_parts` tasks (:func:`~csanalysis.partition.ticket_id_parts`), which finds their keys there
        (:func:`~csanalysis.partition.placing_keys_by_row`) and sends each piece its rows' keys back
        (:func:`~csanalysis.partition.rows_by_piece`, :func:`~csanalysis.partition.piece_from_parts`): no task holds
        more than a partition's share of the tickets (in one task over every ticket and answer, at 5M
        customers, a 4.5 GB worker was lost).
        """
        from .partition import piece_from_parts

        unit = None if self._groups is None else self._unit
        by_id, pieces, starts = self.by_ticket_id(linked, unit)
        answers = [self.submit(_placing_keys_by_row, t, r, self._groups, starts["tickets"], starts["responses"])
                   for t, r in by_id]
        del by_id
        return {name: [self.submit(piece_from_parts, [self.client.submit(_pick, a, k, i, pure=False) for a in answers])
                       for i in range(len(pieces[name]))]
                for k, name in enumerate(("tickets", "responses"))}

    def by_ticket_id(self, linked: Any, unit: str | None) -> tuple[list[tuple[Any, Any]], dict, dict]:
        """The tickets' and the answers' owner columns (and ``unit``'s) shuffled to :attr:`n_parts` parts by ticket
        id (:func:`~csanalysis.partition.ticket_id_parts`: every row of an id in one part, indexed by its row
        in the whole table): per part, ``(tickets, responses)``, each a list of futures of its share of every
        piece (None without answers); and each table's pieces and their first rows (a table not in
        :class:`Pieces` is one piece)."""
        m = self.n_parts
        tables = {"tickets": linked.tickets, "responses": linked.responses}
        pieces: dict[str, list[Any]] = {}
        starts: dict[str, list[int]] = {}
        shares: dict[str, list[list[Any]] | None] = {}
        for name, table in tables.items():
            if table is None:
                pieces[name], starts[name], shares[name] = [], [], None
                continue
            if isinstance(table, Pieces):
                _check_held(table)
                pieces[name], starts[name] = table.futures, table.starts
            else:
                pieces[name], starts[name] = [table], [0]
            split = [self.submit(_ticket_id_parts, p, name, unit, m, s) for p, s in zip(pieces[name], starts[name])]
            shares[name] = [[self.client.submit(operator.getitem, b, j, pure=False) for b in split] for j in range(m)]
        by_id = [tuple(None if shares[n] is None else shares[n][j] for n in tables) for j in range(m)]
        return by_id, pieces, starts

    def customer_parts(self, table: Any, columns: tuple[str, ...]) -> list[tuple[Any, Any]]:
        """A table's partitions of customers, for tables whose rows belong to their own ``customer``
        (activity, customers): ``(part, positions)`` futures per partition.

        Each part holds the ``columns`` given (those the table has) of every
        row of its customers, in table order, and ``positions`` says where
        each row is in the whole table. A table is split once per set of
        columns (the parts are kept for the stages that follow, until
        :meth:`drop_parts`).
        """
        cache_key = (table.key, tuple(columns))
        if cache_key in self._parts:
            return self._parts[cache_key]
        n = self.n_parts
        if isinstance(table, Pieces):  # each piece split where it is, a partition's parts of them joined in order
            _check_held(table)
            splits = [self.submit(_split_own, p, tuple(columns), n, self._groups) for p in table.futures]
            joined = [self.submit(_join_parts, [self.submit(_pick_split, f, i, s) for f, s in zip(splits, table.starts)])
                      for i in range(n)]
            del splits
            self._parts[cache_key] = [(self.client.submit(operator.getitem, j, 0, pure=False),
                                       self.client.submit(operator.getitem, j, 1, pure=False)) for j in joined]
            return self._parts[cache_key]
        split = self.submit(_split_own, table, tuple(columns), n, self._groups)
        self._parts[cache_key] = [
            (self.client.submit(_pick, split, i, 0, pure=False), self.client.submit(_pick, split, i, 1, pure=False))
            for i in range(n)]
        return self._parts[cache_key]

    def ticket_parts(self, linked: Any, columns: dict[str, tuple[str, ...]]) -> list[tuple[Any, Any]]:
        """The partitions of the tickets and of the answers placed with them (:meth:`split_customers`: an
        answer goes with its ticket's owner, customers sharing a sampling unit together), only ``columns`` of
        each table: ``(tickets, responses)`` futures per partition (None for a table the analysis lacks).
        Split once per set of columns, kept until :meth:`drop_parts`."""
        cache_key = ("tickets and responses", tuple(sorted((n, tuple(c)) for n, c in columns.items())))
        if cache_key not in self._parts:
            parts = self.split_customers(linked, self.n_parts, tables=("tickets", "responses"), columns=columns)
            self._parts[cache_key] = [(p.tickets, p.responses) for p in parts]
        return self._parts[cache_key]

    def part_states(self, build: Callable[..., Any], parts: list[tuple[Any, ...]], **kw: Any) -> list[Any]:
        """``build(*part, **kw)`` on every partition (each a stage of its own): futures of ``(state, note,
        seconds)`` for :meth:`drive_parts`, where the state answers the combining step's rounds."""
        return [self.client.submit(_stage, build, tuple(part), kw, key=task_key(build)) for part in parts]

    def drive_parts(self, states: list[Any], driver: Callable[..., Any], *,
                    whole: tuple[Callable[..., Any], tuple, dict] | None = None,
                    **kw: Any) -> tuple[Any, str | None, float]:
        """``driver(each, **kw)`` here, where ``each(method, **kw)`` calls ``method`` on every partition's state
        (:meth:`part_states`) where it is and returns the answers: ``(value, note, seconds)`` as
        :meth:`combine_parts`, with the parts' build time and the rounds' wall time.

        A state may change in a round (a method fixing the groups, say); each round's states are the
        futures the round returned, so a state moved to another worker keeps its changes.
        """
        done = self.client.gather([self.client.submit(_note, s, pure=False) for s in states])
        seconds = float(sum(s for _, s in done))
        note = next((n for n, _ in done if n is not None), None)
        if note is not None:
            if whole is not None:
                [(value, note, s)] = self.run_stages([whole])
                return value, note, seconds + s
            return None, note, seconds
        current = [self.client.submit(_value, s, pure=False) for s in states]

        def each(method: str, **args: Any) -> list[Any]:
            pairs = [self.client.submit(_advance, s, method, args, pure=False) for s in current]
            current[:] = [self.client.submit(operator.getitem, p, 0, pure=False) for p in pairs]
            return self.client.gather([self.client.submit(operator.getitem, p, 1, pure=False) for p in pairs])

        value, note, s = _stage(driver, (each,), kw)
        current.clear()
        if note is not None and whole is not None:
            [(value, note, s2)] = self.run_stages([whole])
            s += s2
        return value, note, seconds + s

    def map_parts(self, fn: Callable[..., Any], table: Any, columns: tuple[str, ...], *,
                  beside: tuple[Any, tuple[str, ...]] | None = None, **kw: Any) -> list[Any]:
        """``fn(part, positions=..., **kw)`` on every partition of customers of ``table``
        (:meth:`customer_parts`), each a stage of its own: futures of ``(value, note, seconds)``.

        ``beside=(other, other_columns)``: ``fn(part, other_part, positions=..., **kw)``, the partition's part
        of a second table whose rows belong to their own customer (the same hash places both; ``other``
        None: None beside each part).
        """
        parts = self.customer_parts(table, columns)
        others = ([None] * len(parts) if beside is None or beside[0] is None
                  else [p for p, _ in self.customer_parts(*beside)])
        return [self.client.submit(_stage, fn, (part,) if beside is None else (part, other),
                                   {**kw, "positions": pos}, key=task_key(fn))
                for (part, pos), other in zip(parts, others)]

    def combine_parts(self, futures: list[Any], combine: Callable[..., Any], *,
                      whole: tuple[Callable[..., Any], tuple, dict] | None = None,
                      **kw: Any) -> tuple[Any, str | None, float]:
        """``combine(values, **kw)`` here of the parts' values (:meth:`map_parts`): ``(value, note, seconds)``
        as :func:`~csanalysis.analysis.call_stage`, the seconds of every part's work and of the combining
        added up.

        A part that lacks what the stage needs gives the stage's note; with
        ``whole``, the stage on the whole tables (``(fn, args, kw)``, run on
        a worker) says why instead, in the pandas engine's words (a part's
        message may count only its own rows).
        """
        done = self.client.gather(futures)
        seconds = float(sum(s for *_, s in done))
        note = next((n for _, n, _ in done if n is not None), None)
        if note is not None and whole is not None:
            [(value, note, s)] = self.run_stages([whole])
            return value, note, seconds + s
        if note is not None:
            return None, note, seconds
        value, note, s = _stage(combine, ([v for v, _, _ in done],), kw)
        return value, note, seconds + s

    def map_experience_parts(self, fn: Callable[..., Any], table: Any, columns: tuple[str, ...], *,
                             positions: bool = False, **kw: Any) -> list[Any]:
        """``fn(experiences, part, **kw)`` on every partition of customers: the partition's service
        experiences (as :meth:`experiences` built them) beside its part of ``table`` (a table whose rows
        belong to their own customer, :meth:`customer_parts`; the same hash of the customer places both),
        each a stage of its own: futures of ``(value, note, seconds)``. With ``positions=True`` also
        ``positions=``, where each row of the part is in the whole ``table``."""
        parts = self.customer_parts(table, columns)
        if self._experience_parts is None or len(self._experience_parts) != len(parts):
            raise RuntimeError("map_experience_parts needs the experiences built by this runner, in as many "
                               "partitions as the table's")
        return [self.client.submit(_stage, fn, (e, part), {**kw, "positions": pos} if positions else kw,
                                   key=task_key(fn))
                for e, (part, pos) in zip(self._experience_parts, parts)]

    def drop_parts(self) -> None:
        """Let go of the partitions :meth:`customer_parts` and :meth:`experiences` made (they leave the
        workers)."""
        self._parts.clear()
        self._experience_parts = None

    def experiences(self, linked: Any, *, rule: Any, stack: bool = True) -> Any:
        """:func:`csanalysis.experiences.experiences` of ``linked``, one task per partition of customers.

        ``linked`` holds futures of the tables. The tickets and responses are
        shuffled to partitions (:meth:`split_customers`) and each partition
        builds its experiences in its own task; the result (a future) equals
        one call on the whole tables: a customer's rows are never split, and
        the parts are put back in the function's own order. With
        ``stack=False`` the parts are not put together (every stage reads
        them per partition, :meth:`map_experience_parts`): returns None, and
        :attr:`experience_rows` says how many rows they hold.
        """
        from dask.distributed import wait

        n = self.n_parts
        t, r = linked.tickets, linked.responses
        parts = self.split_customers(linked, n, tables=("tickets", "responses"))
        done = [self.submit(_part_experiences, p.tickets, p.responses, rule) for p in parts]
        del parts  # each partition's tables go once its experiences are built
        self._experience_parts = done  # (for the stages that read them per partition; until drop_parts)
        if not stack:
            self.experience_rows = int(sum(self.client.gather([self.client.submit(_n_rows, p, pure=False)
                                                               for p in done])))
            return None
        out = self.submit(_stack_experiences, done, t, r, rule)
        wait([out])  # the stage's time is its work's
        return out

    def run_stages(self, jobs: list[tuple[Callable[..., Any], tuple, dict]]) -> list[tuple[Any, str | None, float]]:
        """Run independent stages side by side: ``(value, note, seconds)`` each, as :func:`~csanalysis.analysis.call_stage`.

        Every table and result object the stages share is sent to the cluster once, as data (not inside the
        task graph: at 1M customers the verbatims' result the later stages read is about 50 MB).
        """
        from .results import Result

        def shipped(v: Any) -> bool:
            return isinstance(v, (pd.DataFrame, Result))

        frames: dict[int, Any] = {}
        for _, args, kw in jobs:
            for v in (*args, *kw.values()):
                if shipped(v) and id(v) not in frames:
                    frames[id(v)] = v
        ids = list(frames)
        scattered = dict(zip(ids, self.client.scatter([frames[i] for i in ids], hash=False))) if ids else {}

        def remote(v: Any) -> Any:
            return scattered.get(id(v), v) if shipped(v) else self.whole(v)

        futures = [self.client.submit(_stage, fn, tuple(remote(a) for a in args),
                                      {k: remote(v) for k, v in kw.items()}, key=task_key(fn)) for fn, args, kw in jobs]
        return self.client.gather(futures)

    def lost_worker(self, exc: BaseException) -> CsanalysisError | None:
        """The package's error for a Dask error that means a worker was lost during the analysis (a task killed
        it, most often by passing 95% of the worker's memory limit, and the data it held went with it), or None
        for any other error. It names the workers' memory limit and what to change."""
        import distributed
        from distributed.client import FutureCancelledError
        from distributed.comm.core import CommClosedError

        if not isinstance(exc, (distributed.KilledWorker, FutureCancelledError, CommClosedError)):
            return None
        try:
            limits = sorted({int(w.get("memory_limit") or 0) for w in
                             self.client.scheduler_info(n_workers=-1).get("workers", {}).values()})
        except Exception:  # noqa: BLE001 - the cluster may be going down
            limits = []
        limit = (" (each worker's memory limit: " + ", ".join(f"{v / 2**30:.1f} GiB" for v in limits if v) + ")"
                 if any(limits) else "")
        return CsanalysisError(
            f"a Dask worker was lost during the analysis ({type(exc).__name__}: {str(exc)[:200]}){limit}: a "
            "worker is stopped when its memory passes 95% of its limit, and the parts it held cannot all be "
            "computed again. Give each worker more memory (a local cluster: local_cluster(memory_limit=...); "
            "csanalysis report --engine dask --scheduler ADDRESS for a cluster of larger workers) or split the "
            "customers into more partitions (partitions="
            + (f", now {self._n_parts})" if self._n_parts else ")"))

    def close(self) -> None:
        """Close the client made here and the local cluster started here."""
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
