"""Shared plumbing of result objects: JSON-ready values and notebook rendering."""

from __future__ import annotations

import html
import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["jsonable", "ResultMixin", "frame_records"]


def jsonable(v: Any) -> Any:
    """Convert numpy / pandas values (recursively) to JSON-ready Python; NaN -> None.

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
    """A DataFrame as JSON-ready records (NaN -> None)."""
    return [jsonable(r) for r in df.to_dict(orient="records")]


class ResultMixin:
    """Give a result object with ``summary()`` a notebook face and ``to_dict``.

    Subclasses define ``summary() -> DataFrame`` and may set ``title``.
    """

    title: str = ""

    def summary(self) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {"summary": frame_records(self.summary())}

    def _repr_html_(self) -> str:
        cap = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        return self.summary().to_html(index=False, na_rep="–", float_format=lambda x: f"{x:.4g}").replace(
            "<table", f"<table", 1).replace(">", ">" + cap, 1)
