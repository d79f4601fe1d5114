"""Result objects: one base class, JSON-ready values and the notebook face.

Every estimator, segment and survival result derives from :class:`Result`. A
result *computes and returns data*: it defines ``summary()`` (a tidy
DataFrame) and may set ``title``; :class:`Result` gives it ``to_dict()``
(JSON-ready), ``to_text()`` and a notebook face (``_repr_html_``), both
rendered by the one formatter, :mod:`csanalysis.display`. Drawing lives in
:mod:`csanalysis.plotting`; a result's ``plot`` method only delegates there.

Examples
--------
>>> class Share(Result):
...     title = "Bad ratings"
...     def summary(self):
...         return pd.DataFrame({"group": ["all"], "estimate": [0.25], "n": [40.0]})
>>> Share().to_dict()
{'summary': [{'group': 'all', 'estimate': 0.25, 'n': 40.0}]}
>>> print(Share().to_text())
Bad ratings
group estimate  n
  all     0.25 40
"""

from __future__ import annotations

import dataclasses
import html
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from csanalysis.display import show, table_text
from csanalysis.stats.arrays import HoldsArrays

__all__ = ["Result", "jsonable", "frame_records"]


def jsonable(v: Any) -> Any:
    """Convert numpy / pandas values (recursively) to JSON-ready Python; NaN -> None.

    Parameters
    ----------
    v : any
        A value, or a dict / list / tuple / set / array / Series / DataFrame
        of values.

    Returns
    -------
    any
        Built-in Python values only: ``dict``, ``list``, ``bool``, ``int``,
        ``float`` (finite), ``str`` and ``None``; timestamps become ISO text
        and timedeltas seconds.

    Examples
    --------
    >>> jsonable({"a": np.float64("nan"), "b": np.int64(3), "c": [pd.NA, 1.5]})
    {'a': None, 'b': 3, 'c': [None, 1.5]}
    """
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()]
    if isinstance(v, pd.DataFrame):
        return frame_records(v)
    if isinstance(v, pd.Series):
        return [jsonable(x) for x in v.tolist()]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.isoformat()
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, pd.Timedelta):
        return None if pd.isna(v) else v.total_seconds()
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records (NaN -> None).

    Parameters
    ----------
    df : DataFrame

    Returns
    -------
    list of dict
        One dict per row, values as :func:`jsonable` gives them.

    Examples
    --------
    >>> frame_records(pd.DataFrame({"id": ["a"], "x": [float("nan")]}))
    [{'id': 'a', 'x': None}]
    """
    return [jsonable(r) for r in df.to_dict(orient="records")]


class Result(HoldsArrays, ABC):
    """Base class of every result object: a tidy summary, JSON and a notebook face.

    Subclasses define :meth:`summary` and may set ``title`` (a class
    attribute, a dataclass field or a property) and override :meth:`footnote`
    (settings or caveats shown under the table) and :meth:`to_dict` (to carry
    more than the summary).

    A result that holds rows per customer (or per episode) names them in
    :attr:`row_fields`, has a dataclass field ``kept`` (default None) and
    says in :meth:`_row_facts` what its other methods compute from those
    rows: :meth:`without_rows` then gives the same result without them.
    """

    title: str = ""
    #: The attributes holding one row per customer (or episode, answer): what :meth:`without_rows` lets go.
    row_fields: ClassVar[tuple[str, ...]] = ()

    def _row_facts(self) -> dict[str, Any]:
        """What the methods of a result without its rows read instead of them (name -> value)."""
        return {}

    def _kept(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` from the rows, or the value :meth:`without_rows` kept under ``name`` (a copy of a
        table, so that a caller may change it)."""
        kept = getattr(self, "kept", None)
        if kept is None or name not in kept:
            return compute()
        value = kept[name]
        return value.copy() if isinstance(value, pd.DataFrame | pd.Series) else value

    def without_rows(self, keep: tuple[str, ...] = ()) -> Result:
        """The same result without its rows per customer (:attr:`row_fields`, None after it): its summary,
        JSON, text and plots are unchanged, computed from the rows before they go.

        What :func:`csanalysis.analyse` gives with ``keep_rows=False`` (``csanalysis report`` runs so: the
        rows of the segments and the avoidance's episodes are about 590 bytes per customer, 2.9 GB at 5M
        customers). ``keep``: row fields to keep all the same (a later step still reads them). A result
        without row fields, or already without its rows, is returned as it is.

        Examples
        --------
        >>> import csanalysis as cs
        >>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=20)
        >>> rfm = a.results["rfm"]
        >>> slim = rfm.without_rows()
        >>> slim.table is None, slim.summary().equals(rfm.summary())
        (True, True)
        """
        if not self.row_fields or not dataclasses.is_dataclass(self):
            return self
        drop = [f for f in self.row_fields if f not in keep and getattr(self, f) is not None]
        if not drop:
            return self
        facts = {**(getattr(self, "kept", None) or {}), **self._row_facts()}
        return dataclasses.replace(self, kept=facts, **dict.fromkeys(drop))

    @abstractmethod
    def summary(self) -> pd.DataFrame:
        """The result as one tidy DataFrame."""

    def footnote(self) -> str:
        """Settings or caveats shown under the summary table (empty: none)."""
        return ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary: ``{"summary": [records]}`` (NaN -> None)."""
        return {"summary": frame_records(self.summary())}

    def to_text(self) -> str:
        """Title, summary table and footnote as plain text (for terminals and logs)."""
        parts = [self.title] if self.title else []
        parts.append(table_text(self.summary()))
        note = self.footnote()
        if note:
            parts.append(note)
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        note = self.footnote()
        foot = f"<p><small>{html.escape(note)}</small></p>" if note else ""
        return show(self.summary(), self.title)._repr_html_() + foot
