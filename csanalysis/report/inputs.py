"""Progress messages of the command line (reading itself is :func:`csanalysis.io.read_exports`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import TextIO

__all__ = ["stderr_progress", "StderrProgress", "LONG_RUN_SECONDS"]

#: A run longer than this many seconds ends with the time each stage took.
LONG_RUN_SECONDS = 3.0


class StderrProgress:
    """Progress on standard error: each message with the seconds since the start.

    Call it with a message (as :func:`csanalysis.analyse` calls its
    ``progress``); :meth:`timings` ends a run longer than ``long_run`` seconds
    with one line of seconds per stage. Nothing is printed when ``quiet``.

    Parameters
    ----------
    quiet : bool, default False
    stream : file, optional
        Where to write (default: standard error at the time of writing).
    long_run : float, optional
        Seconds from which a run is long (default :data:`LONG_RUN_SECONDS`).

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> say = StderrProgress(stream=buf, long_run=0)
    >>> say("avoidance ...")
    >>> say.timings({"avoidance": 1.234, "scorecard": 0.31})
    >>> print(buf.getvalue(), end="")  # doctest: +ELLIPSIS
    [csanalysis ... s] avoidance ...
    [csanalysis ... s] time per stage: avoidance 1.2 s, scorecard 0.3 s; total ... s
    """

    def __init__(self, quiet: bool = False, stream: TextIO | None = None,
                 long_run: float | None = None) -> None:
        self.quiet = quiet
        self.stream = stream
        self.long_run = LONG_RUN_SECONDS if long_run is None else long_run
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.start

    def __call__(self, msg: str) -> None:
        if not self.quiet:
            print(f"[csanalysis {self.elapsed():5.1f} s] {msg}", file=self.stream or sys.stderr, flush=True)

    def timings(self, seconds: Mapping[str, float]) -> None:
        """One line of seconds per stage (the stages in the order given), when the run took ``long_run`` or more."""
        total = self.elapsed()
        if total < self.long_run:
            return
        stages = ", ".join(f"{name} {s:.1f} s" for name, s in seconds.items())
        self(f"time per stage: {stages}; total {total:.1f} s")


def stderr_progress(quiet: bool = False) -> StderrProgress:
    """A progress printer for the command line (see :class:`StderrProgress`)."""
    return StderrProgress(quiet)
