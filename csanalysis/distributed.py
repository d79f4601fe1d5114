"""The Dask engine of :func:`csanalysis.analyse`: the same analysis on a cluster.

``cs.analyse(..., engine="dask")`` and ``csanalysis report --engine dask``
run the one pipeline of :mod:`csanalysis.analysis` on a
:mod:`dask.distributed` cluster (``pip install csanalysis[dask]``):

1. **reading**: one task per file, by the same readers, so the tables and
   the load reports are those of the pandas engine (repeated exports are
   merged afterwards, as there);
2. **linking** on the client (it needs every customer key at once);
3. **per-customer phase**: the customers are split into partitions by a
   hash of their key (:func:`csanalysis.partition.split_customers`: every
   row of a customer in the same partition), and each partition builds its
   service experiences in its own task;
4. **estimators**: every independent estimator (avoidance, scorecard,
   drivers, segments, ...) is a task of its own, running side by side on
   the workers; the few that need another's result (power, the recovery
   test, the guards) follow on the client;
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

What this engine does not do yet: the estimators still see whole tables, so
each worker needs memory for the linked tables (the cluster speeds the
analysis up and spreads the reading, but does not yet bound the memory by
the partition; see the closing notes of issue 13).

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

import logging
import os
from typing import Any, Callable

import pandas as pd

from .errors import CsanalysisError

__all__ = ["DaskRunner", "local_cluster"]


def _apply(fn: Callable[..., Any], args: tuple, kw: dict) -> Any:
    """``fn(*args, **kw)`` on a worker (keywords such as ``key=`` stay the function's, not Dask's)."""
    return fn(*args, **kw)


def _stage(fn: Callable[..., Any], args: tuple, kw: dict) -> tuple[Any, str | None, float]:
    from .analysis import call_stage

    return call_stage(fn, *args, **kw)


def _experiences(tickets: pd.DataFrame | None, responses: pd.DataFrame | None, rule: Any) -> pd.DataFrame:
    from .experiences import experiences

    return experiences(tickets, responses, rule=rule)


class _Submitter:
    """An executor-like ``submit(fn, *args, **kw)`` over a Dask client, for :func:`csanalysis.read_exports`."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def submit(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        return self.client.submit(_apply, fn, args, kw, pure=False)


def local_cluster(n_workers: int | None = None, **kw: Any) -> Any:
    """A local Dask cluster of worker processes (one thread each), quiet, without a dashboard.

    Parameters
    ----------
    n_workers : int, optional
        Worker processes (default: the number of CPUs).
    **kw
        Passed to :class:`dask.distributed.LocalCluster`.
    """
    from dask.distributed import LocalCluster

    n = n_workers or os.cpu_count() or 1
    opts = {"n_workers": n, "threads_per_worker": 1, "processes": True, "dashboard_address": None,
            "silence_logs": logging.ERROR}
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
        worker).
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
        self._cluster = None
        self._own_client = True
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
        self.executor = _Submitter(self.client)

    @property
    def n_workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def experiences(self, linked: Any, *, rule: Any) -> pd.DataFrame:
        """:func:`csanalysis.experiences.experiences` of ``linked``, one task per partition of customers.

        Equal to one call on the whole tables: a customer's rows are never
        split, and the parts are put back in the function's own order.
        """
        from .experiences import concat_experiences
        from .partition import split_customers

        parts = split_customers(linked, self.partitions or 2 * self.n_workers)
        pairs = []
        for p in parts:  # a handful of partitions
            t = p.tickets if p.tickets is not None and len(p.tickets) else None
            r = p.responses if p.responses is not None and len(p.responses) else None
            if t is not None or r is not None:
                pairs.append((t, r))
        # the partitions go to the workers as data, not inside the task graph
        sent = self.client.scatter([x for pair in pairs for x in pair if x is not None], hash=False)
        it = iter(sent)
        futures = [self.client.submit(_experiences, *(None if x is None else next(it) for x in pair), rule,
                                      pure=False) for pair in pairs]
        done = [f for f in self.client.gather(futures) if len(f)]
        if not done:  # no experience anywhere: the function's own empty table
            t = linked.tickets if linked.tickets is not None and len(linked.tickets) else None
            return _experiences(t, linked.responses, rule)
        return concat_experiences(done)

    def run_stages(self, jobs: list[tuple[Callable[..., Any], tuple, dict]]) -> list[tuple[Any, str | None, float]]:
        """Run independent stages side by side: ``(value, note, seconds)`` each, as :func:`~csanalysis.analysis.call_stage`.

        Every table the stages share is sent to the cluster once.
        """
        frames: dict[int, Any] = {}
        for _, args, kw in jobs:
            for v in (*args, *kw.values()):
                if isinstance(v, pd.DataFrame) and id(v) not in frames:
                    frames[id(v)] = v
        ids = list(frames)
        scattered = dict(zip(ids, self.client.scatter([frames[i] for i in ids], hash=False))) if ids else {}

        def remote(v: Any) -> Any:
            return scattered.get(id(v), v) if isinstance(v, pd.DataFrame) else v

        futures = [self.client.submit(_stage, fn, tuple(remote(a) for a in args),
                                      {k: remote(v) for k, v in kw.items()}, pure=False) for fn, args, kw in jobs]
        return self.client.gather(futures)

    def close(self) -> None:
        """Close the client made here and the local cluster started here."""
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
