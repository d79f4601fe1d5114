"""The load report: what a reader did with every row of a file.

Every reader attaches a :class:`LoadReport` to the table it returns
(``df.attrs["load_report"]``; :func:`load_report` fetches it). For every file
the report accounts for every input row::

    rows_read == rows_loaded + rows_rejected + rows_merged + rows_excluded
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..privacy import mask_text

__all__ = ["LoadReport", "load_report"]


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return v


@dataclass(eq=False)
class LoadReport:
    """What a reader found in one file and what it did with each row.

    Attributes
    ----------
    path : str
        The file read, as given (for you; the faces show only ``name``).
    name : str
        The file's name without its folders: what :meth:`to_dict`, :meth:`summary`
        and ``str()`` show (with e-mail addresses and phone numbers masked).
    table : str
        Which canonical table it became (tickets, responses, activity, customers).
    source_format : str
        The export format detected (or given with ``source=``).
    rows_read : int
        Data records in the file (header rows not counted).
    rows_loaded, rows_rejected, rows_merged, rows_excluded : int
        What happened to them. ``rows_merged`` counts rows folded into another
        row (for example Shopify line items of one order); ``rows_excluded``
        counts rows left out on purpose by a default rule (previews, tests,
        refunds ...), by reason in ``excluded``.
    rejected : pandas.DataFrame
        One row per rejected record: ``row`` (the record's row number in the
        file, header rows counted, as a spreadsheet shows it), ``reason``, and
        the record's non-personal values.
    excluded : dict
        Count of excluded rows per reason.
    encoding, delimiter, date_order, timezone, header_rows
        How the file was parsed. ``date_order`` is ``"dayfirst"``,
        ``"monthfirst"`` or ``"iso"``; ``timezone`` is the zone assumed for
        timestamps without an offset.
    column_mapping : dict
        Source column -> canonical column (or role) used.
    dropped_columns : list of str
        Columns dropped because they identify people (unless ``keep_pii=True``).
    notes : list of str
        Everything else the analyst should know (assumptions, scale directions,
        Excel-mangled ids, ...). A note passes :func:`csanalysis.privacy.mask_text`
        when it is added, so no e-mail address or phone number from the data is
        quoted in it.
    """

    path: str
    table: str
    source_format: str = "unknown"
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_merged: int = 0
    rows_excluded: int = 0
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"row": pd.Series(dtype="int64"), "reason": pd.Series(dtype="str")}))
    excluded: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    date_order: str | None = None
    timezone: str | None = None
    header_rows: int | None = None
    column_mapping: dict[str, str] = field(default_factory=dict)
    dropped_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            def base(p: str) -> str:
                return re.split(r"[\\/]", p.rstrip("\\/"))[-1] or p

            parts = str(self.path).split(", ")  # files stacked into one table: "a/x.csv, b/y.csv"
            if len(parts) > 1 and all(re.search(r"\.\w{1,5}$", p) for p in parts):
                self.name = ", ".join(base(p) for p in parts)
            else:
                self.name = base(str(self.path))

    # The report travels in DataFrame.attrs, which pandas deep-copies on many
    # operations; a report is never mutated after loading, so share it.
    def __deepcopy__(self, memo: dict) -> "LoadReport":
        return self

    # -- bookkeeping -----------------------------------------------------
    def note(self, text: str) -> None:
        """Add a note (deduplicated), with e-mail addresses, phone numbers and greeting names masked."""
        text = mask_text(text)
        if text not in self.notes:
            self.notes.append(text)

    def exclude(self, reason: str, count: int) -> None:
        """Count ``count`` rows excluded for ``reason``."""
        if count:
            self.excluded[reason] = self.excluded.get(reason, 0) + int(count)
            self.rows_excluded += int(count)

    def reject(self, rows: pd.DataFrame) -> None:
        """Append rejected records (columns ``row``, ``reason`` and values)."""
        if len(rows):
            self.rejected = pd.concat([self.rejected, rows], ignore_index=True) if len(self.rejected) else rows.reset_index(drop=True)
            self.rows_rejected = len(self.rejected)

    @property
    def balanced(self) -> bool:
        """Whether every row read is accounted for."""
        return self.rows_read == (
            self.rows_loaded + self.rows_rejected + self.rows_merged + self.rows_excluded
        )

    def check(self) -> "LoadReport":
        """Raise if the accounting identity does not hold (a bug, not bad input)."""
        if not self.balanced:
            raise RuntimeError(
                f"{self.path}: load report does not balance: read {self.rows_read} != "
                f"loaded {self.rows_loaded} + rejected {self.rows_rejected} + merged "
                f"{self.rows_merged} + excluded {self.rows_excluded}"
            )
        return self

    # -- faces -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (rejected rows summarised by reason)."""
        reasons = (
            mask_text(self.rejected["reason"].astype("str")).value_counts().to_dict() if len(self.rejected) else {}
        )
        return _jsonable(
            {
                "name": mask_text(self.name),
                "table": self.table,
                "format": self.source_format,
                "rows_read": self.rows_read,
                "rows_loaded": self.rows_loaded,
                "rows_rejected": self.rows_rejected,
                "rows_merged": self.rows_merged,
                "rows_excluded": self.rows_excluded,
                "excluded": dict(self.excluded),
                "rejected_reasons": reasons,
                "encoding": self.encoding,
                "delimiter": self.delimiter,
                "date_order": self.date_order,
                "timezone": self.timezone,
                "header_rows": self.header_rows,
                "column_mapping": dict(zip(mask_text(list(self.column_mapping)),
                                           mask_text(list(self.column_mapping.values())))),
                "dropped_columns": mask_text(list(self.dropped_columns)),
                "notes": mask_text(list(self.notes)),
            }
        )

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def summary(self) -> pd.DataFrame:
        """One tidy row per fact (``item``, ``value``)."""
        d = self.to_dict()
        rows = [(k, d[k]) for k in (
            "name", "table", "format", "rows_read", "rows_loaded", "rows_rejected",
            "rows_merged", "rows_excluded", "encoding", "delimiter", "date_order",
            "timezone", "header_rows")]
        rows += [(f"excluded: {k}", v) for k, v in d["excluded"].items()]
        rows += [(f"rejected: {k}", v) for k, v in d["rejected_reasons"].items()]
        if d["dropped_columns"]:
            rows.append(("dropped personal columns", ", ".join(d["dropped_columns"])))
        rows += [("note", n) for n in d["notes"]]
        return pd.DataFrame(rows, columns=["item", "value"]).astype({"value": "object"})

    def __str__(self) -> str:
        lines = [
            f"{mask_text(self.name)} -> {self.table} ({self.source_format})",
            f"  rows read {self.rows_read}: loaded {self.rows_loaded}, rejected {self.rows_rejected}, "
            f"merged {self.rows_merged}, excluded {self.rows_excluded}",
        ]
        parse = ", ".join(
            f"{k} {v!r}" for k, v in (
                ("encoding", self.encoding), ("delimiter", self.delimiter),
                ("dates", self.date_order), ("timezone", self.timezone),
                ("header rows", self.header_rows)) if v is not None
        )
        if parse:
            lines.append(f"  parsed with {parse}")
        for k, v in self.excluded.items():
            lines.append(f"  excluded {v}: {k}")
        if len(self.rejected):
            for reason, v in self.rejected["reason"].value_counts().items():
                lines.append(f"  rejected {v}: {reason}")
        if self.dropped_columns:
            lines.append("  personal columns dropped: " + ", ".join(self.dropped_columns))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"LoadReport({self.path!r}, table={self.table!r}, format={self.source_format!r}, "
                f"read={self.rows_read}, loaded={self.rows_loaded}, rejected={self.rows_rejected}, "
                f"merged={self.rows_merged}, excluded={self.rows_excluded})")

    def _repr_html_(self) -> str:
        from csanalysis.display import table_html

        return table_html(self.summary().astype({"value": "str"}), "Load report")


def load_report(df: pd.DataFrame) -> LoadReport:
    """The :class:`LoadReport` a reader attached to ``df``.

    Raises
    ------
    ValueError
        If ``df`` did not come from a csanalysis reader.

    Examples
    --------
    >>> from csanalysis import read_tickets
    >>> from csanalysis.datasets import sample_path
    >>> rep = load_report(read_tickets(sample_path("zendesk_tickets.csv"), timezone="Europe/Copenhagen"))
    >>> rep.rows_read == rep.rows_loaded + rep.rows_rejected + rep.rows_merged + rep.rows_excluded
    True
    """
    rep = df.attrs.get("load_report") if hasattr(df, "attrs") else None
    if rep is None:
        raise ValueError(
            "this table carries no load report; it did not come from a csanalysis reader "
            "(read_tickets, read_survey, read_activity, read_customers), or the report was "
            "lost by an operation that drops DataFrame.attrs"
        )
    return rep
